"""What one validation run remembers to find repeated devices: 64-bit digests in a compact table.

A run may check a million rows across many files, so the state per device must
be small: each key (the hash string, the serial number, the device identity
decoded from the hash) is kept as a 64-bit BLAKE2b digest in an open-addressing
table built on ``array`` (12 bytes a slot: the digest and a 32-bit position),
never as the 4000-character hash or a Python object per row. The position says
where a key was first seen: a run-wide number that ``Positions`` turns back
into a file and its row, line or record number for the message.

A 64-bit digest collides by chance about once in 2**32 pairs of keys, so a
false "duplicate" needs some 4 billion devices in one run.
"""

from __future__ import annotations

import bisect
import hashlib
from array import array
from dataclasses import dataclass, field

#: Slots in a new table; the table doubles when three quarters are used.
_INITIAL_SLOTS = 1024


def digest(kind: bytes, key: str | bytes) -> int:
    """A nonzero 64-bit digest of one key; ``kind`` keeps serials and hashes apart."""
    data = key.encode("utf-8", "surrogatepass") if isinstance(key, str) else key
    value = int.from_bytes(hashlib.blake2b(data, digest_size=8, person=kind).digest(), "little")
    return value or 1


class DigestTable:
    """A set of nonzero 64-bit digests, each with a 32-bit value: linear probing in two arrays."""

    def __init__(self) -> None:
        self._keys = array("Q", bytes(8 * _INITIAL_SLOTS))
        self._values = array("L", bytes(array("L").itemsize * _INITIAL_SLOTS))
        self._used = 0

    def __len__(self) -> int:
        return self._used

    def first_seen(self, keys: tuple[tuple[str, int], ...], value: int) -> tuple[str, int] | None:
        """Store ``value`` for each new key of ``keys`` ((code, digest) pairs); the first known key's
        code and stored value, or None. One call for a record's keys: the probes inline."""
        found: tuple[str, int] | None = None
        keys_array, values = self._keys, self._values
        mask = len(keys_array) - 1
        for code, key in keys:
            slot = key & mask
            while True:
                present = keys_array[slot]
                if present == key:
                    if found is None:
                        found = (code, int(values[slot]))
                    break
                if present == 0:
                    keys_array[slot] = key
                    values[slot] = value
                    self._used += 1
                    if self._used * 4 > len(keys_array) * 3:
                        self._grow()
                        keys_array, values = self._keys, self._values
                        mask = len(keys_array) - 1
                    break
                slot = (slot + 1) & mask
        return found

    def _grow(self) -> None:
        old_keys, old_values = self._keys, self._values
        size = len(old_keys) * 2
        self._keys = keys = array("Q", bytes(8 * size))
        self._values = values = array("L", bytes(old_values.itemsize * size))
        mask = size - 1
        for key, value in zip(old_keys, old_values, strict=False):
            if key:
                slot = key & mask
                while keys[slot]:
                    slot = (slot + 1) & mask
                keys[slot] = key
                values[slot] = value


@dataclass
class Positions:
    """Run-wide positions for (file, kind, number): each file gets a range after the previous one's."""

    _starts: list[int] = field(default_factory=lambda: [0])
    _files: list[tuple[str, str]] = field(default_factory=lambda: [("", "record")])
    _top: int = 0

    def file(self, name: str, kind: str) -> None:
        """Start a new file whose places are ``kind`` (row, line, record) numbers."""
        self._starts.append(self._top + 1)
        self._files.append((name, kind))

    def encode(self, number: int) -> int:
        position = self._starts[-1] + number
        self._top = max(self._top, position)
        return position

    def describe(self, position: int, current_file: str) -> str:
        index = bisect.bisect_right(self._starts, position) - 1
        name, kind = self._files[index]
        place = f"{kind} {position - self._starts[index]}"
        return place if name == current_file else f"{name}, {place}"


@dataclass
class DuplicateIndex:
    """The keys seen so far in one run, shared by every file (and every ``BatchChecker``) of it."""

    table: DigestTable = field(default_factory=DigestTable)
    positions: Positions = field(default_factory=Positions)

"""What one validation run remembers to find repeated devices: 64-bit digests in a compact table.

A run may check a million rows across many files, so the state per device must
be small: each key (the hash string, the serial number, the device identity
decoded from the hash) is kept as a 64-bit BLAKE2b digest in an open-addressing
table built on ``array`` (16 bytes a slot: the digest and a 64-bit position),
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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from graph_contracts.autopilot.hash_walk import native

#: Slots in a new table; the table doubles when three quarters are used.
_INITIAL_SLOTS = 1024


#: A BLAKE2b state per ``kind`` (its personalization set), copied for each key: half the cost of a new one.
_STARTS: dict[bytes, Any] = {}


def digest(kind: bytes, key: str | bytes) -> int:
    """A nonzero 64-bit digest of one key; ``kind`` keeps serials and hashes apart."""
    data = key.encode("utf-8", "surrogatepass") if isinstance(key, str) else key
    state = digest_start(kind).copy()
    state.update(data)
    return int.from_bytes(state.digest(), "little") or 1


def digest_start(kind: bytes) -> Any:
    """The BLAKE2b state ``digest`` copies for a key of ``kind``: a caller that digests many keys of one
    kind in a loop (``batch.PlainRows.add_clean``) holds it, ``copy``, ``update``, then as ``digest``."""
    start = _STARTS.get(kind)
    if start is None:
        start = _STARTS[kind] = hashlib.blake2b(digest_size=8, person=kind)
    return start


class DigestTable:
    """A set of nonzero 64-bit digests, each with a value: linear probing in one array.

    Slot ``i`` is the pair ``_slots[2 * i]`` (the digest, 0 when free) and ``_slots[2 * i + 1]``
    (its value), so a probe that stores a key touches one cache line, not two arrays' worth.
    """

    def __init__(self) -> None:
        self._slots = array("Q", bytes(16 * _INITIAL_SLOTS))
        self._used = 0

    def __len__(self) -> int:
        return self._used

    @property
    def size(self) -> int:
        """The slots; the table doubles when more than three quarters are used."""
        return len(self._slots) >> 1

    def reserve(self, keys: int) -> None:
        """Make room for ``keys`` more keys now, so that the table does not grow (rehashing every key
        in Python, and holding the old array meanwhile) while they are added; a hint, never a limit."""
        size = self.size
        while (self._used + keys) * 4 > size * 3:
            size *= 2
        if size > self.size:
            self._grow(size)

    def first_seen(self, keys: tuple[tuple[str, int], ...], value: int) -> tuple[str, int] | None:
        """Store ``value`` for each new key of ``keys`` ((code, digest) pairs); the first known key's
        code and stored value, or None."""
        found = self.first_seen_many([key for _, key in keys], [len(keys)], [value])
        return (keys[found[0][1]][0], found[0][2]) if found else None

    def first_seen_many(
        self, digests: Sequence[int], widths: Iterable[int], values: Iterable[int]
    ) -> list[tuple[int, int, int]]:
        """``first_seen`` for many records in order, the probes inline: record ``i`` has the next
        ``widths[i]`` digests and the value ``values[i]``. Returns (record, index of its first known
        key, that key's stored value) for each record with a known key; the others are only stored."""
        out: list[tuple[int, int, int]] = []
        slots = self._slots
        mask = len(slots) - 2  # an even index: a slot's digest
        room = self.size * 3 // 4 - self._used  # keys that fit before the table must grow
        at = 0
        for record, (width, value) in enumerate(zip(widths, values, strict=True)):
            index = -1
            hit = False
            for key in digests[at : at + width]:
                index += 1
                slot = (key << 1) & mask
                present = slots[slot]
                while present and present != key:
                    slot = (slot + 2) & mask
                    present = slots[slot]
                if present:
                    if not hit:
                        hit = True
                        out.append((record, index, slots[slot + 1]))
                    continue
                slots[slot] = key
                slots[slot + 1] = value
                room -= 1
                if room < 0:
                    self._used = self.size * 3 // 4 + 1
                    self._grow(self.size * 2)
                    slots = self._slots
                    mask = len(slots) - 2
                    room = self.size * 3 // 4 - self._used
            at += width
        self._used = self.size * 3 // 4 - room
        return out

    def first_seen_rows(
        self, digests: Sequence[int], kinds: Sequence[int], widths: bytes, rows: Sequence[int], start: int
    ) -> list[tuple[int, int, int]]:
        """``first_seen_many(digests, [widths[k] for k in kinds], [start + r for r in rows])``: the form
        in which ``BatchChecker.check_rows`` has a block of rows (``PlainRows``). The table makes room
        for every digest first, then the probes run in one C call (``_hashwalk.probe_rows``) where the
        extension built, else in ``first_seen_many``; the answers and the table are the same (room
        made earlier changes neither: a grown table holds the same keys and values)."""
        self.reserve(len(digests))
        if _probe_rows is None:
            return self.first_seen_many(digests, map(widths.__getitem__, kinds), [start + row for row in rows])
        found, added = _probe_rows(self._slots, digests, kinds, widths, rows, start)
        self._used += added
        return found  # type: ignore[no-any-return]

    def _grow(self, size: int) -> None:
        old = self._slots
        self._slots = slots = array("Q", bytes(16 * size))
        mask = 2 * size - 2
        for at in range(0, len(old), 2):
            key = old[at]
            if key:
                slot = (key << 1) & mask
                while slots[slot]:
                    slot = (slot + 2) & mask
                slots[slot] = key
                slots[slot + 1] = old[at + 1]


#: The probes of ``first_seen_rows`` in C, or None (``hash_walk.native``: not built, or pure Python asked for).
_probe_rows = native("probe_rows")


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

    @property
    def start(self) -> int:
        """The position of the current file's place 0: place ``n`` is ``start + n``."""
        return self._starts[-1]

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

"""Batch-level rules for Autopilot device import records: the checks across the records of one upload.

``rules`` judges one record; this module holds what needs the others: the batch size and the
duplicates (by hash text, serial number and the device identity inside the hash), for which
each record is reduced to 64-bit keys (``duplicate_keys``) that a run shares between its files.
``PlainRows`` holds the clean rows of the CSV lane as numbers, without an object per row.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, cast

from graph_contracts.autopilot.catalog import (
    make_issue,
)
from graph_contracts.autopilot.duplicates import DuplicateIndex, Positions, digest, digest_start
from graph_contracts.autopilot.hash_fast import HashIdentity, fast_identity
from graph_contracts.autopilot.rules import BATCH_LIMIT, Decoded, DuplicateKeys, device_issues
from graph_contracts.issues import Issue, Location, pointer_join, quote

__all__ = ["BatchChecker", "PlainRows", "check_batch", "duplicate_keys"]


def _hash_text_key(stripped: str, value: str, decoded: Decoded | None) -> int:
    """The duplicate key of a hash text (``stripped``, of ``value``): a function of that text alone.

    A text ``fast_identity`` accepts is keyed by the SHA-256 it carries (``HashIdentity.text_key``,
    no digest of 4000 characters to compute); any other by its BLAKE2b digest. Which of the two
    applies depends only on the text, so equal texts always get equal keys.
    """
    same = len(stripped) == len(value)
    identity = decoded if type(decoded) is HashIdentity and same else fast_identity(stripped)
    return identity.text_key if identity is not None else digest(b"hash", stripped)


#: Which place a location names, in the order they are preferred.
def _place(location: Location | None, count: int) -> tuple[str, int]:
    if location is not None and location.row is not None:
        return "row", location.row
    if location is not None and location.line is not None:
        return "line", location.line
    return "record", count


@dataclass
class PlainRows:
    """CSV rows of one file with no issue but what the batch checks may find, waiting for them in order.

    Compact, as the rows may cross a process boundary (``--jobs``): a row is its number (``rows``),
    its duplicate keys as the index of their codes in ``patterns`` (``kinds``) and their digests,
    one row's after another (``digests``), and its serialNumber (``serials``, joined by newlines
    when pickled: a CSV field holds no line end). ``columns`` are the file's CSV columns.
    """

    file: str
    columns: Mapping[str, str]
    rows: array[int] = field(default_factory=lambda: array("L"))
    kinds: array[int] = field(default_factory=lambda: array("B"))
    digests: array[int] = field(default_factory=lambda: array("Q"))
    patterns: list[tuple[str, ...]] = field(default_factory=list)
    serials: list[str] = field(default_factory=list)
    #: The indexes of ``add_clean``'s two code tuples in ``patterns``, -1 until first used (not pickled).
    _two: int = field(default=-1, init=False, repr=False, compare=False)
    _three: int = field(default=-1, init=False, repr=False, compare=False)

    def __len__(self) -> int:
        return len(self.rows)

    def add(self, row: int, keys: DuplicateKeys, serial: str) -> None:
        codes, digests = zip(*keys, strict=True) if keys else ((), ())
        try:
            kind = self.patterns.index(codes)
        except ValueError:
            kind = len(self.patterns)
            self.patterns.append(codes)
        self.rows.append(row)
        self.kinds.append(kind)
        self.digests.extend(digests)
        self.serials.append(serial)

    def add_clean(self, row: int, record: Mapping[str, Any], identity: HashIdentity) -> None:
        """``add(row, duplicate_keys(record, identity), record["serialNumber"])`` for a record that
        ``record_clean(record, identity)`` accepted, without the keys' tuples: the lane's rows.

        What ``record_clean`` proved makes ``duplicate_keys`` short: the hash is a sound
        4000-character text (no whitespace: its key is ``identity.text_key``); the serial is a
        non-empty string without surrounding whitespace; the serial inside the hash is empty or that
        serial, so it shares the serial's key and adds none. Only the SMBIOS UUID may add a
        ``duplicate-device`` key. A test compares the two on every kind of clean record.
        """
        serial: str = record["serialNumber"]
        state = _SERIAL_START.copy()
        state.update(serial.casefold().encode("utf-8", "surrogatepass"))
        uuid = identity.uuid_bytes
        three = uuid is not None and uuid.strip(b"\0") != b""
        kind = self._three if three else self._two
        if kind < 0:
            kind = self._kind(_HASH_SERIAL_UUID if three else _HASH_SERIAL)
        self.rows.append(row)
        self.kinds.append(kind)
        append = self.digests.append
        append(int.from_bytes(identity.checksum[:8], "little") or 1)  # HashIdentity.text_key
        append(int.from_bytes(state.digest(), "little") or 1)  # digest(b"serial", ...)
        if three:
            state = _UUID_START.copy()
            state.update(cast("bytes", uuid))
            append(int.from_bytes(state.digest(), "little") or 1)  # digest(b"uuid", uuid)
        self.serials.append(serial)

    def _kind(self, codes: tuple[str, ...]) -> int:
        """The index of ``codes`` in ``patterns`` (added when new), remembered for ``add_clean``'s two."""
        try:
            kind = self.patterns.index(codes)
        except ValueError:
            kind = len(self.patterns)
            self.patterns.append(codes)
        if codes is _HASH_SERIAL_UUID:
            self._three = kind
        elif codes is _HASH_SERIAL:
            self._two = kind
        return kind

    def __getstate__(self) -> tuple[Any, ...]:
        return self.file, self.columns, self.rows, self.kinds, self.digests, self.patterns, "\n".join(self.serials)

    def __setstate__(self, state: tuple[Any, ...]) -> None:
        self.file, self.columns, self.rows, self.kinds, self.digests, self.patterns, serials = state
        self.serials = serials.split("\n") if self.rows else []


#: The key codes of a clean record (``PlainRows.add_clean``), without and with an SMBIOS UUID.
_HASH_SERIAL = ("duplicate-hash", "duplicate-serial")
_HASH_SERIAL_UUID = ("duplicate-hash", "duplicate-serial", "duplicate-device")
_SERIAL_START = digest_start(b"serial")
_UUID_START = digest_start(b"uuid")


def duplicate_keys(record: Mapping[str, object], decoded: Decoded | None) -> DuplicateKeys:
    """A record's identity as duplicate keys (code, 64-bit digest), strongest first; no state is touched.

    The hash text (``duplicate-hash``: the same capture), the serial number, and
    from the decoded hash the serial inside it and the SMBIOS UUID
    (``duplicate-device``: another capture of the same device). ``BatchChecker``
    looks them up within a file; preflight looks them up in a tenant. Split from
    ``check_keys`` so that worker processes (``--jobs``) can compute the keys, the
    costly part, while one process looks them up in input order.
    """
    keys: list[tuple[str, int]] = []
    hash_value = record.get("hardwareIdentifier")
    if isinstance(hash_value, str) and (stripped := hash_value.strip()):
        keys.append(("duplicate-hash", _hash_text_key(stripped, hash_value, decoded)))
    serial = record.get("serialNumber")
    serial_key = None
    if isinstance(serial, str) and (core := serial.strip()):
        serial_key = core.casefold()
        keys.append(("duplicate-serial", digest(b"serial", serial_key)))
    if decoded is not None:
        # The serial inside the hash shares the serial key space: equal to the field (the usual
        # case) it costs no slot, and a hash naming another record's serial is found either way.
        inner = (decoded.serial_number or "").strip().casefold()
        if inner and inner != serial_key:
            keys.append(("duplicate-device", digest(b"serial", inner)))
        uuid = decoded.uuid_bytes
        if uuid is not None and uuid.strip(b"\0"):
            keys.append(("duplicate-device", digest(b"uuid", uuid)))
    return tuple(keys)


class BatchChecker:
    """Rules across the records of one upload (one file), fed one record at a time.

    ``batch-size`` counts the records of this checker alone; duplicates are
    looked up in ``duplicates``, which a run shares between the checkers of all
    its files so that a device listed in two files is found too. Keys (see
    ``duplicates.py``): the hash string; the serial number (case-insensitively,
    without surrounding whitespace); and the device identity decoded from the
    hash, its manufacturer with its serial and its SMBIOS UUID, because two
    captures of one device differ as strings (graph-facts.md §6.1).

    A repeated hash is Intune's ``ZtdDeviceDuplicated``: only one of the rows
    is processed. A repeated serial with a *different* hash is the usual way
    the same device appears twice; a repeated identity inside the hash under
    another serial number means an edited serial or a cloned virtual machine.
    Each is reported once per record, the strongest first, naming where the
    value was first seen.
    """

    def __init__(self, limit: int = BATCH_LIMIT, duplicates: DuplicateIndex | None = None) -> None:
        self.limit = limit
        self.count = 0
        self.duplicates = duplicates if duplicates is not None else DuplicateIndex()
        self._file: str | None = None
        #: The ``records.Record`` being validated, set by ``Validator.validate_many`` for checkers
        #: that defer their work to another process (``parallel.py``).
        self.record: object = None

    def check(
        self,
        record: Mapping[str, object],
        pointer: str = "",
        location: Location | None = None,
        decoded: Decoded | None = None,
    ) -> list[Issue]:
        """Count the record and report what it repeats; call once per record, in order.

        ``decoded`` is the record's decoded hash when the caller has it (``device_issues``).
        """
        return self.check_keys(self.keys(record, decoded), record.get("serialNumber"), pointer, location)

    keys = staticmethod(duplicate_keys)  # the duplicate keys of one record, as the checks below use them

    def check_keys(
        self, keys: DuplicateKeys, serial: object, pointer: str = "", location: Location | None = None
    ) -> list[Issue]:
        """``check`` for keys already computed (``keys``); ``serial`` is the record's serialNumber, for the message."""
        kind, number = _place(location, self.count + 1)
        current = location.file if location is not None else ""
        found = self._lookup(keys, current, kind, number)
        return self._issues(found, serial, pointer, location, current)

    def check_rows(self, plain: PlainRows) -> list[tuple[int, list[Issue]]]:
        """``check_keys`` for each row of ``plain`` in order, in one pass over their digests: the rows
        with issues, as (index in ``plain``, issues). The validator's lane hands over the CSV rows it
        found clean this way (``Validator.check_stream``), and ``--jobs`` the rows its
        workers found clean."""
        rows = plain.rows
        if not rows:
            return []
        file = plain.file
        positions = self._positions(file, "row")
        start = positions.start
        positions.encode(max(rows))  # the top position, as encoding each row would leave it
        widths = bytes(len(codes) for codes in plain.patterns)
        kinds = plain.kinds
        found = self.duplicates.table.first_seen_rows(plain.digests, kinds, widths, rows, start)
        count = self.count
        patterns = plain.patterns
        flagged: dict[int, tuple[str, int] | None] = {
            index: (patterns[kinds[index]][key], first) for index, key, first in found
        }
        if count < self.limit + 1 <= count + len(rows):
            flagged.setdefault(self.limit - count, None)  # the device past the limit: the batch size
        out: list[tuple[int, list[Issue]]] = []
        for index in sorted(flagged):
            self.count = count + index + 1
            out.append(
                (index, self._issues(flagged[index], plain.serials[index], "", Location(file, row=rows[index]), file))
            )
        self.count = count + len(rows)
        return out

    def _lookup(self, keys: DuplicateKeys, current: str, kind: str, number: int) -> tuple[str, int] | None:
        """Count the record; store its keys at its run-wide position; the first key seen before (code, position)."""
        self.count += 1
        return self.duplicates.table.first_seen(keys, self._positions(current, kind).encode(number))

    def _positions(self, file: str, kind: str) -> Positions:
        """The run's positions, with this checker's file started in them on its first record."""
        positions = self.duplicates.positions
        if self._file is None:
            self._file = file
            positions.file(file, kind)
        return positions

    def _issues(
        self, found: tuple[str, int] | None, serial: object, pointer: str, location: Location | None, current: str
    ) -> list[Issue]:
        """The batch issues of the record just counted: the batch size, the key ``_lookup`` found."""
        issues: list[Issue] = []
        if self.count == self.limit + 1:
            issues.append(
                make_issue(
                    "batch-size",
                    pointer,
                    f"this is device {self.count}: Intune registers at most {self.limit} devices per "
                    "CSV file, and no larger batch is documented for the Graph import action; split "
                    "the batch and check each one registered before sending the next",
                    location=location,
                )
            )
        if found is not None:
            code, first = found
            issues.append(
                self._duplicate(code, serial, pointer, location, self.duplicates.positions.describe(first, current))
            )
        return issues

    @staticmethod
    def _duplicate(code: str, serial: object, pointer: str, location: Location | None, first: str) -> Issue:
        if code == "duplicate-hash":
            return make_issue(
                code,
                pointer_join(pointer, "hardwareIdentifier"),
                f"this hardware hash already appeared at {first}; Intune processes only one "
                "of them and fails the others",
                location=location,
            )
        if code == "duplicate-serial":
            return make_issue(
                code,
                pointer_join(pointer, "serialNumber"),
                f"serial number {quote(serial)} already appeared at {first}; hashes "
                "of one device differ each time they are generated, so this is most likely the "
                "same device listed twice",
                location=location,
            )
        return make_issue(
            code,
            pointer_join(pointer, "hardwareIdentifier"),
            f"the device inside this hash (its serial number or its SMBIOS UUID) "
            f"already appeared at {first} under another hash: the same device captured twice, an "
            "edited serial number, or a cloned virtual machine",
            location=location,
        )


def check_batch(records: Iterable[Mapping[str, object]], pointer: str = "/value") -> list[Issue]:
    """Record and batch issues of an import body's ``value`` list, in record order."""
    batch = BatchChecker()
    issues: list[Issue] = []
    for index, record in enumerate(records):
        where = pointer_join(pointer, index)
        decoded, found = device_issues(record, where)
        issues += found
        issues += batch.check(record, where, decoded=decoded)
    return issues

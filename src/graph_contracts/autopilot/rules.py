"""Record-level and batch-level rules for Autopilot device import records.

A record is the JSON object of ``importedWindowsAutopilotDeviceIdentity`` as
posted to the Graph ``import`` action (serialNumber, productKey,
hardwareIdentifier, groupTag, assignedUserPrincipalName, ...), or a CSV row
mapped to those names. Every code, severity and fact source lives in one
table, ``RULES`` (see ``catalog.py``), which the README documents.

Values that are not strings are left to the JSON-schema validation, which
reports their type; these rules judge the content of strings only, except
for the hash, whose checker reports a non-string itself.
"""

from __future__ import annotations

import re
from array import array
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, cast

from graph_contracts.autopilot.catalog import (
    MISSING_SERIAL_AND_KEY,
    RULES,
    RULES_BY_CODE,
    Rule,
    make_issue,
)
from graph_contracts.autopilot.duplicates import DuplicateIndex, Positions, digest, digest_start
from graph_contracts.autopilot.hardware_hash import analyse_hardware_hash
from graph_contracts.autopilot.hash_fast import HashIdentity, fast_identity
from graph_contracts.autopilot.hash_layout import HardwareHash
from graph_contracts.issues import Issue, Location, pointer_join, quote

#: What the rules read of a decoded hash: the full decode, or the fast path's identity.
Decoded = HardwareHash | HashIdentity
#: A record's duplicate keys: (issue code, 64-bit digest), strongest first.
DuplicateKeys = tuple[tuple[str, int], ...]

__all__ = [
    "BATCH_LIMIT",
    "PLACEHOLDER_SERIALS",
    "RULES",
    "RULES_BY_CODE",
    "BatchChecker",
    "PlainRows",
    "Rule",
    "check_batch",
    "check_device",
    "device_issues",
    "duplicate_keys",
    "hash_serial",
]

#: Devices per CSV upload (memdocs add-devices.md); also the practical ceiling per Graph import.
BATCH_LIMIT = 500

#: Generic SMBIOS serials that firmware leaves in place of a real one, compared case-insensitively.
PLACEHOLDER_SERIALS = frozenset(
    s.casefold()
    for s in (
        "To be filled by O.E.M.",
        "Default string",
        "Default",
        "System Serial Number",
        "Chassis Serial Number",
        "Base Board Serial Number",
        "Serial Number",
        "SerialNumber",
        "Not Specified",
        "Not Applicable",
        "Not Available",
        "N/A",
        "NA",
        "None",
        "Null",
        "Unknown",
        "Invalid",
        "OEM",
        "O.E.M.",
        "123456789",
        "1234567890",
        "0123456789",
        "SMBIOS_STRING_INDEX_0",
    )
)

#: The documented productKey forms: the 5x5 key (Partner Center sample) and the Windows
#: Product ID (Microsoft's sample CSV: 00329-00000-0003-AA606). The third group also takes
#: five digits because Win32_OperatingSystem.SerialNumber, which ConfigMgr exports use for
#: this column, has the 5-5-5-5 shape.
PRODUCT_KEY_FORMS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("5x5 product key XXXXX-XXXXX-XXXXX-XXXXX-XXXXX", re.compile(r"[A-Z0-9]{5}(?:-[A-Z0-9]{5}){4}\Z", re.IGNORECASE)),
    (
        "Windows Product ID like 00329-00000-0003-AA606",
        re.compile(r"[0-9]{5}-[0-9]{5}-[0-9]{4,5}-[A-Z0-9]{5}\Z", re.IGNORECASE),
    ),
)

_UPN = re.compile(
    r"[^@\s]+@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+"
    r"(?:[A-Za-z]{2,63}|xn--[A-Za-z0-9-]{1,59})\Z"
)

#: Properties the service fills in; an import ignores what the caller sends for them.
SERVICE_SET_PROPERTIES = ("state", "id")


def _is_placeholder(serial: str) -> bool:
    core = serial.strip()
    return core.casefold() in PLACEHOLDER_SERIALS or (bool(core) and not core.strip("0"))


def _has_unprintable(text: str) -> bool:
    return not text.strip().isprintable()


#: Content rules for a non-empty serialNumber: (code, test, message).
_SERIAL_RULES: tuple[tuple[str, Callable[[str], bool], Callable[[str], str]], ...] = (
    (
        "serial-whitespace",
        lambda s: s != s.strip(),
        lambda s: (
            f"serial number {quote(s)} has leading or trailing whitespace; Intune stores and "
            f"compares it verbatim, so it would not match the device's {quote(s.strip())}"
        ),
    ),
    (
        "serial-unprintable",
        _has_unprintable,
        lambda s: (
            f"serial number {quote(s)} contains control or non-printable characters; a serial "
            "number is printable text as the firmware reports it"
        ),
    ),
    (
        "serial-placeholder",
        _is_placeholder,
        lambda s: (
            f"serial number {quote(s)} is a generic firmware placeholder, not a real serial: "
            "many devices report the same value, so it cannot tell them apart"
        ),
    ),
)


def _text(record: Mapping[str, object], name: str) -> str | None:
    value = record.get(name)
    return value if isinstance(value, str) else None


def hash_serial(value: object) -> str | None:
    """The serial number inside a hash, or None when the hash cannot be read or has none."""
    decoded, _ = analyse_hardware_hash(value)
    return decoded.serial_number if decoded is not None else None


def _serial_issues(record: Mapping[str, object], pointer: str, decoded: Decoded | None) -> list[Issue]:
    serial = _text(record, "serialNumber")
    if serial is not None:
        # The usual case in one pass: a clean serial, equal to the hash's; the rules below find nothing.
        core = serial.strip()
        if core and core == serial and core.isprintable() and not _is_placeholder(core):
            in_hash = decoded.serial_number if decoded is not None else None
            if in_hash is None or not (inner := in_hash.strip()) or inner == core:
                return []
    where = pointer_join(pointer, "serialNumber")
    if serial is None and "serialNumber" in record and record["serialNumber"] is not None:
        return []  # a non-string: the schema reports its type
    if serial is None or not serial.strip():
        in_hash = decoded.serial_number if decoded is not None else None
        hint = f"; the hash holds {quote(in_hash)}" if in_hash is not None else ""
        product_key = _text(record, "productKey")
        outcome = MISSING_SERIAL_AND_KEY if not (product_key and product_key.strip()) else None
        shown = "absent" if serial is None else f"empty ({quote(serial)})"
        return [
            make_issue(
                "serial-missing",
                where,
                f"the serial number is {shown}; every device record needs one{hint}",
                intune_outcome=outcome,
            )
        ]
    issues = [make_issue(code, where, message(serial)) for code, test, message in _SERIAL_RULES if test(serial)]
    in_hash = decoded.serial_number if decoded is not None else None
    if in_hash is not None and in_hash.strip() and in_hash.strip() != serial.strip():
        issues.append(
            make_issue(
                "serial-mismatch",
                where,
                f"serial number {quote(serial)} differs from the serial number inside the hash, "
                f"{quote(in_hash)}; both come from the same firmware, so the row's serial and hash "
                "may belong to different devices, or the serial was edited",
            )
        )
    return issues


def _product_key_issues(record: Mapping[str, object], pointer: str) -> list[Issue]:
    key = _text(record, "productKey")
    if not key or any(pattern.match(key) for _, pattern in PRODUCT_KEY_FORMS):
        return []
    forms = " or ".join(label for label, _ in PRODUCT_KEY_FORMS)
    return [
        make_issue(
            "product-key",
            pointer_join(pointer, "productKey"),
            f"product key {quote(key)} is in neither documented form: expected a {forms}; "
            "leave it empty when you do not have it (it is optional for admin uploads)",
        )
    ]


def _upn_issues(record: Mapping[str, object], pointer: str) -> list[Issue]:
    upn = _text(record, "assignedUserPrincipalName")
    if not upn or _UPN.match(upn):
        return []
    return [
        make_issue(
            "upn",
            pointer_join(pointer, "assignedUserPrincipalName"),
            f"assigned user {quote(upn)} is not a user principal name of the form "
            "local@domain.tld; Intune checks that its domain is valid",
        )
    ]


def _group_tag_issues(record: Mapping[str, object], pointer: str) -> list[Issue]:
    tag = _text(record, "groupTag")
    if not tag:
        return []
    faults = [
        label
        for label, test in (
            ("leading or trailing whitespace", lambda t: t != t.strip()),
            ("control or non-printable characters", _has_unprintable),
        )
        if test(tag)
    ]
    if not faults:
        return []
    return [
        make_issue(
            "group-tag",
            pointer_join(pointer, "groupTag"),
            f"group tag {quote(tag)} has {' and '.join(faults)}; Entra ID stores it verbatim as "
            "[OrderID]:<tag>, so dynamic group rules written with the clean tag will not match it",
        )
    ]


def _ignored_issues(record: Mapping[str, object], pointer: str) -> list[Issue]:
    return [
        make_issue(
            "ignored-property",
            pointer_join(pointer, name),
            f"{name!r} is set by the service and ignored on import; drop it from the request",
        )
        for name in SERVICE_SET_PROPERTIES
        if name in record
    ]


_OTHER_RULES: tuple[Callable[[Mapping[str, object], str], list[Issue]], ...] = (
    _product_key_issues,
    _upn_issues,
    _group_tag_issues,
    _ignored_issues,
)


def check_device(record: Mapping[str, object], pointer: str = "", *, require_hash: bool = True) -> list[Issue]:
    """Every record-level issue of one import record; ``pointer`` is the record's own pointer.

    ``require_hash=False`` is for partner CSV rows that register by
    manufacturer, model and serial, where an empty hash is allowed.
    """
    return device_issues(record, pointer, require_hash=require_hash)[1]


def device_issues(
    record: Mapping[str, object],
    pointer: str = "",
    *,
    require_hash: bool = True,
    identity: HashIdentity | None = None,
) -> tuple[Decoded | None, list[Issue]]:
    """``check_device``, plus the decoded hash (None when unreadable) for the duplicate keys.

    ``identity`` is ``fast_identity`` of the record's hash when the caller has it already.
    """
    hash_value = record.get("hardwareIdentifier")
    decoded: Decoded | None = identity if identity is not None else fast_identity(hash_value)
    hash_issues: list[Issue] = []
    if decoded is None and (hash_value not in (None, "") or require_hash):
        decoded, hash_issues = analyse_hardware_hash(hash_value, pointer_join(pointer, "hardwareIdentifier"))
    issues = _serial_issues(record, pointer, decoded)
    issues += hash_issues
    for rule in _OTHER_RULES:
        issues += rule(record, pointer)
    return decoded, issues


_PRODUCT_KEY_MATCHES = tuple(pattern.match for _, pattern in PRODUCT_KEY_FORMS)
_UPN_MATCH = _UPN.match

#: What ``device_issues`` reports that ``record_free_of_errors`` does not test: warnings only (a test
#: checks them against the catalog), besides the hash codes, which ``fast_identity`` stands for.
UNTESTED_WARNINGS = ("serial-placeholder", "serial-mismatch", "group-tag", "ignored-property")


def record_free_of_errors(record: Mapping[str, object]) -> bool:
    """True exactly when ``device_issues(record, identity=...)`` reports no error, for a record whose
    hash ``fast_identity`` accepts (so no hash issue): the error rules' tests in one pass.

    The yes/no question of ``Validator.is_valid``: the serial (missing, surrounding
    whitespace, unprintable), the product key and the user principal name, read once
    each and without building issues; the rules that only warn are not run at all
    (``UNTESTED_WARNINGS``). The differential tests compare it with ``device_issues``.
    """
    serial = record.get("serialNumber")
    if isinstance(serial, str):
        # serial-missing (empty or only whitespace), serial-whitespace, serial-unprintable.
        if not serial or serial != serial.strip() or not serial.isprintable():
            return False
    elif serial is None:
        return False  # absent or null: serial-missing
    # (any other type is the schema's to report, as _serial_issues leaves it)
    key = record.get("productKey")
    if key and isinstance(key, str) and not any(match(key) for match in _PRODUCT_KEY_MATCHES):
        return False
    upn = record.get("assignedUserPrincipalName")
    return not (upn and isinstance(upn, str) and _UPN_MATCH(upn) is None)


def record_clean(record: Mapping[str, object], identity: HashIdentity) -> bool:
    """True only when ``device_issues(record, identity=identity)`` would find nothing, in one pass.

    The happy path of a clean upload record (a CSV row): ``record_free_of_errors``
    plus the tests of the rules that only warn, without building issue lists. False
    means "ask ``device_issues``", which explains what is wrong; the differential
    tests check the two agree.
    """
    if not record_free_of_errors(record):
        return False
    serial = record.get("serialNumber")
    if type(serial) is not str or _is_placeholder(serial):
        return False
    inner = (identity.serial_number or "").strip()
    if inner and inner != serial:
        return False
    tag = record.get("groupTag")
    if type(tag) is str and tag and (tag != tag.strip() or not tag.isprintable()):
        return False
    return record.keys().isdisjoint(SERVICE_SET_PROPERTIES)


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
        codes = _HASH_SERIAL_UUID if uuid is not None and uuid.strip(b"\0") else _HASH_SERIAL
        patterns = self.patterns
        try:
            kind = patterns.index(codes)
        except ValueError:
            kind = len(patterns)
            patterns.append(codes)
        self.rows.append(row)
        self.kinds.append(kind)
        digests = self.digests
        digests.append(int.from_bytes(identity.checksum[:8], "little") or 1)  # HashIdentity.text_key
        digests.append(int.from_bytes(state.digest(), "little") or 1)  # digest(b"serial", ...)
        if len(codes) == 3:
            state = _UUID_START.copy()
            state.update(cast("bytes", uuid))
            digests.append(int.from_bytes(state.digest(), "little") or 1)  # digest(b"uuid", uuid)
        self.serials.append(serial)

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
        widths = [len(codes) for codes in plain.patterns]
        kinds = plain.kinds
        found = self.duplicates.table.first_seen_many(
            plain.digests, map(widths.__getitem__, kinds), [start + row for row in rows]
        )
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

"""Record-level rules for Autopilot device import records (the batch-level ones: ``batch``).

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
from collections.abc import Callable, Mapping

from graph_contracts.autopilot.catalog import (
    MISSING_SERIAL_AND_KEY,
    RULES,
    RULES_BY_CODE,
    Rule,
    make_issue,
)
from graph_contracts.autopilot.hardware_hash import analyse_hardware_hash
from graph_contracts.autopilot.hash_fast import HashIdentity, fast_identity
from graph_contracts.autopilot.hash_layout import HardwareHash
from graph_contracts.issues import Issue, pointer_join, quote

#: What the rules read of a decoded hash: the full decode, or the fast path's identity.
Decoded = HardwareHash | HashIdentity
#: A record's duplicate keys: (issue code, 64-bit digest), strongest first.
DuplicateKeys = tuple[tuple[str, int], ...]

__all__ = [
    "BATCH_LIMIT",
    "PLACEHOLDER_SERIALS",
    "RULES",
    "RULES_BY_CODE",
    "Rule",
    "check_device",
    "device_issues",
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

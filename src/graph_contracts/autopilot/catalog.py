"""The table of every Autopilot issue code: its severity, Intune outcome and the fact behind it.

One table, read by the hash checks, the record rules and the CSV reader alike,
so that a code always carries the same severity wherever it is raised and the
README can list the rules without anyone keeping two copies in step.

``source`` names the section of the reference notes (``graph-facts.md``,
``hardware-hash.md``) the rule rests on. ``intune_outcome`` is filled only
where those notes name what Intune does with such a record; numeric codes
are given only for the two the notes confirm (806, 808), which no offline
rule can predict, so none appears here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

from graph_contracts.issues import Issue, Location, Severity

#: The Graph type of an Autopilot device import, the one name for it in the code.
AUTOPILOT_TYPE = "importedWindowsAutopilotDeviceIdentity"
#: Its entity set, which is also the import action's body property holding the devices.
AUTOPILOT_COLLECTION = "importedWindowsAutopilotDeviceIdentities"
#: The entity set of the devices an import registers.
DEVICE_COLLECTION = "windowsAutopilotDeviceIdentities"
#: Intune's name for a hash whose fields are invalid or empty (no confirmed numeric code).
INVALID_HASH = "InvalidZtdHardwareHash"
#: Intune's name for the second of two identical hashes in one upload (no confirmed numeric code).
DUPLICATED = "ZtdDeviceDuplicated"
#: An early Microsoft Managed Desktop draft's name for "neither serial nor product key is usable".
MISSING_SERIAL_AND_KEY = "MissingZtdSerialNumberAndProductKey"


@dataclass(frozen=True)
class Rule:
    """One check: its stable code, how bad a hit is, what it checks, and the fact's source."""

    code: str
    severity: Severity
    summary: str
    source: str
    intune_outcome: str | None = None


RULES: tuple[Rule, ...] = (
    # --- the hardware hash (hardwareIdentifier / "Hardware Hash" column) ---
    Rule(
        "hash-missing",
        "error",
        "hardwareIdentifier is absent or empty; a hash is required for admin uploads",
        "graph-facts.md §3.3; hardware-hash.md §4",
    ),
    Rule(
        "base64",
        "error",
        "the hash is not strict standard base64 (URL-safe '-'/'_', whitespace, bad padding, other characters)",
        "hardware-hash.md §2, §3 item 1",
    ),
    Rule(
        "hash-length",
        "error",
        "the hash does not decode to 3000 bytes (4000 base64 characters)",
        "hardware-hash.md §2, §3 item 2",
    ),
    Rule(
        "hash-magic",
        "error",
        "the decoded hash does not start with the magic bytes 'OA'",
        "hardware-hash.md §1, §3 item 3",
        INVALID_HASH,
    ),
    Rule(
        "hash-double-encoded",
        "error",
        "the value is base64 of the hash's base64 text (bytes of the text passed to an SDK); pass the "
        "decoded hash bytes",
        "graph-facts.md §6.4",
        INVALID_HASH,
    ),
    Rule(
        "hash-records",
        "error",
        "the records do not parse exactly up to the end offset (bad length, overrun)",
        "hardware-hash.md §1, §3 items 3-4",
        INVALID_HASH,
    ),
    Rule(
        "hash-trailer",
        "error",
        "no 'CS' trailer of length 36 at the end offset (truncated or corrupted)",
        "hardware-hash.md §1, §3 item 5",
        INVALID_HASH,
    ),
    Rule(
        "hash-checksum",
        "error",
        "the SHA-256 in the trailer does not match bytes [0, end): an edited or corrupted hash",
        "hardware-hash.md §1, §3 item 5",
        INVALID_HASH,
    ),
    Rule(
        "hash-padding",
        "error",
        "non-zero bytes after the trailer, where real hashes are zero-padded",
        "hardware-hash.md §1, §3 item 6",
    ),
    Rule(
        "hash-missing-field",
        "error",
        "the hash has no non-empty serial number (type 14) or manufacturer (type 16)",
        "hardware-hash.md §3 item 7; graph-facts.md §3.1",
        INVALID_HASH,
    ),
    # --- one device record ---
    Rule(
        "serial-missing",
        "error",
        "serialNumber is absent or empty; the serial number is required",
        "graph-facts.md §3.3",
    ),
    Rule(
        "serial-whitespace",
        "error",
        "serialNumber has leading or trailing whitespace, which is stored and compared verbatim",
        "hardware-hash.md §4 (partner flows need exact SMBIOS values)",
    ),
    Rule(
        "serial-unprintable",
        "error",
        "serialNumber contains control or other non-printable characters",
        "hardware-hash.md §4 (partner flows need exact SMBIOS values)",
    ),
    Rule(
        "serial-placeholder",
        "warning",
        "serialNumber is a generic SMBIOS placeholder that many devices share",
        "hardware-hash.md §4 (generic-serial deny-list, warning only)",
    ),
    Rule(
        "serial-mismatch",
        "warning",
        "the serial number inside the hash differs from serialNumber",
        "hardware-hash.md §1, §3 item 8",
    ),
    Rule(
        "product-key",
        "error",
        "productKey is neither the 5x5 key form nor the Windows Product ID form",
        "graph-facts.md §3.4; hardware-hash.md §4",
    ),
    Rule(
        "upn",
        "error",
        "assignedUserPrincipalName is not local@domain.tld; Intune checks the domain",
        "graph-facts.md §3.3",
    ),
    Rule(
        "group-tag",
        "warning",
        "groupTag has leading/trailing whitespace or control characters, which break "
        "[OrderID] matches in dynamic groups",
        "graph-facts.md §3.4; hardware-hash.md §4",
    ),
    Rule(
        "ignored-property",
        "warning",
        "state or id is set by the service and ignored on import",
        "graph-facts.md §2 (import action fields), §4 item 5",
    ),
    # --- across the records of one batch ---
    Rule(
        "duplicate-serial",
        "error",
        "the serial number was already seen in this batch (hashes of one device differ each "
        "time they are generated, so equal serials are the reliable duplicate signal)",
        "hardware-hash.md §1; graph-facts.md §3.1",
    ),
    Rule(
        "duplicate-hash",
        "error",
        "the same hash appears twice in one batch; Intune processes only one",
        "graph-facts.md §3.1; hardware-hash.md §4",
        DUPLICATED,
    ),
    Rule(
        "duplicate-device",
        "error",
        "the device decoded from the hash (its serial number or SMBIOS UUID) was "
        "already seen under another hash: two captures of one device, or a cloned machine",
        "graph-facts.md §6.1",
    ),
    Rule("batch-size", "error", "more than 500 devices in one batch", "graph-facts.md §3.2"),
    Rule(
        "empty-batch",
        "warning",
        "an import body, a JSON array or a CSV file with no devices: nothing would be uploaded",
        "graph-facts.md §3.2",
    ),
    Rule(
        "import-wrapper",
        "error",
        "the devices are not where the import action takes them: a bare JSON array, or a parameter "
        'with another name; the body is {"importedWindowsAutopilotDeviceIdentities": [...]}',
        "graph-facts.md §3.2",
    ),
    Rule(
        "body-array",
        "warning",
        "a JSON array of device records: each is validated as a device; to import them, wrap them in "
        '{"importedWindowsAutopilotDeviceIdentities": [...]}',
        "graph-facts.md §3.2",
    ),
    # --- the Intune portal CSV file ---
    Rule(
        "csv-encoding",
        "warning",
        "the file is not plain ANSI text (BOM, UTF-16, non-ASCII UTF-8); the docs say ANSI "
        "only, but Get-WindowsAutopilotInfo itself writes UTF-16LE",
        "graph-facts.md §3.3; hardware-hash.md §4 (encoding conflict)",
    ),
    Rule(
        "csv-binary",
        "error",
        "a row holds NUL bytes (outside UTF-16): binary data where text should be; reading stops there "
        "(a file whose first line has one is refused whole)",
        "graph-facts.md §3.3",
    ),
    Rule(
        "csv-type-line",
        "error",
        "a '#TYPE ...' line from Export-Csv precedes the header",
        "graph-facts.md §3.3 (header, exactly)",
    ),
    Rule(
        "csv-quotes",
        "error",
        "values are wrapped in quotation marks, which the portal does not allow",
        "graph-facts.md §3.3; hardware-hash.md §4",
    ),
    Rule(
        "csv-header",
        "error",
        "a header name differs from the expected spelling (case, spaces, order, duplicates) or the header is missing",
        "graph-facts.md §3.3; hardware-hash.md §4",
    ),
    Rule("csv-extra-column", "error", "a column that is not an Autopilot CSV column", "graph-facts.md §3.3"),
    Rule(
        "csv-missing-column",
        "error",
        "a required column (Device Serial Number, Windows Product ID, Hardware Hash) is absent",
        "graph-facts.md §3.3; hardware-hash.md §4",
    ),
    Rule(
        "csv-row",
        "error",
        "a row has a different number of fields from the header, or an unbalanced quote",
        "graph-facts.md §3.3",
    ),
    Rule(
        "csv-not-autopilot",
        "error",
        "the first line is not an Autopilot CSV header and the file does not look like one; "
        "the file is not read further",
        "graph-facts.md §3.3 (header, exactly)",
    ),
    Rule(
        "csv-separator",
        "error",
        "values are separated by ';' or tabs (Excel in some locales, 'Text (Tab delimited)'); "
        "the portal needs commas; the rows are still checked with the separator found",
        "graph-facts.md §3.3",
    ),
    Rule(
        "csv-blank-line",
        "warning",
        "blank lines, which the portal may read as empty device rows",
        "graph-facts.md §3.3",
    ),
    Rule(
        "csv-formula",
        "warning",
        "a serial number or group tag a spreadsheet would run as a formula ('=' first, or '+', '-' or '@' "
        "followed by a function call, a DDE call '|' or a reference '!'): formula injection when the "
        "devices are exported and opened in Excel; reports show it escaped with a leading single quote",
        "OWASP, CSV Injection; graph-facts.md §3.3 (the CSV is edited and shared as a spreadsheet)",
    ),
    Rule(
        "csv-excel-mangled",
        "error",
        "a value shows signs of an Excel round trip (scientific-notation serial, stripped "
        "leading zeros, hash cut at an Excel limit)",
        "graph-facts.md §3.3 (don't edit the file in Excel)",
    ),
)

RULES_BY_CODE: Mapping[str, Rule] = MappingProxyType({rule.code: rule for rule in RULES})

#: The hash's own findings: each follows from a hash cut or otherwise mangled before it was decoded.
_HASH_FINDINGS = frozenset(
    (
        "base64",
        "hash-length",
        "hash-magic",
        "hash-records",
        "hash-trailer",
        "hash-checksum",
        "hash-padding",
        "hash-missing-field",
        "hash-double-encoded",
    )
)

#: One cause, one issue: a code and the codes that follow from it, at the same value (pointer) or,
#: for "object", at the other properties of the object holding it. Where the root cause is found, only
#: it is reported (``root_causes``): a hash Excel cut at 255 characters is not also bad base64 of the
#: wrong length; a serial Excel turned into '1.23E+11' or stripped of its leading zeros is not also a
#: serial that differs from the hash's; an object whose @odata.type names another type is not also an
#: unknown property per field. Batch issues (duplicates, batch size) are never explained away: they
#: count towards what the upload does.
EXPLAINS: Mapping[str, tuple[Literal["value", "object"], frozenset[str]]] = MappingProxyType(
    {
        "csv-excel-mangled": ("value", _HASH_FINDINGS | {"serial-mismatch"}),
        "odata-type": ("object", frozenset({"unknown-property"})),
    }
)


def _parent(pointer: str) -> str | None:
    return pointer.rsplit("/", 1)[0] if pointer else None


def root_causes(issues: list[Issue]) -> list[Issue]:
    """``issues`` without those a root cause among them explains (``EXPLAINS``): the one place this is decided."""
    value: set[tuple[str, str]] = set()
    siblings: set[tuple[str | None, str]] = set()
    for issue in issues:
        found = EXPLAINS.get(issue.code)
        if found is not None:
            scope, codes = found
            if scope == "value":
                value.update((issue.pointer, code) for code in codes)
            elif (parent := _parent(issue.pointer)) is not None:
                siblings.update((parent, code) for code in codes)
    if not value and not siblings:
        return issues
    return [i for i in issues if (i.pointer, i.code) not in value and (_parent(i.pointer), i.code) not in siblings]


def make_issue(
    code: str,
    pointer: str,
    message: str,
    *,
    location: Location | None = None,
    intune_outcome: str | None = None,
) -> Issue:
    """Build an ``Issue`` whose severity and outcome come from the table, never from the caller.

    ``intune_outcome`` overrides the table only where the outcome depends on
    the record (serial-missing names one only when the product key is absent too).
    """
    rule = RULES_BY_CODE[code]
    return Issue(
        pointer=pointer,
        code=code,
        message=message,
        severity=rule.severity,
        location=location,
        intune_outcome=intune_outcome if intune_outcome is not None else rule.intune_outcome,
    )

"""CI check: the body property table of each seed doc page, as parsed, equals the page's table.

The seed pages live in ../shared/seeds beside the checkout (CI only), so this
is a script rather than a test. The expected rows are written out by hand from
the pages: (name, type, collection, inherited_from, possible_values).

Usage: python .ci/check_seed_tables.py [SEEDS_DIR]   (exit 1 on any mismatch)
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))

from graph_contracts.docs import parse_page  # noqa: E402
from graph_contracts.errors import DocParseError  # noqa: E402

Row = tuple[str, str, bool, "str | None", tuple[str, ...]]

ENROLLMENT_STATES = ("unknown", "enrolled", "pendingReset", "failed", "notContacted")
IMPORTED = "importedDeviceIdentity"

EXPECTED: dict[str, list[Row]] = {
    # rendered text, v1.0: Create importedWindowsAutopilotDeviceIdentity
    "000_0fe5feb5f3322b77.txt": [
        ("id", "String", False, None, ()),
        ("groupTag", "String", False, None, ()),
        ("serialNumber", "String", False, None, ()),
        ("productKey", "String", False, None, ()),
        ("importId", "String", False, None, ()),
        ("hardwareIdentifier", "Binary", False, None, ()),
        ("state", "importedWindowsAutopilotDeviceIdentityState", False, None, ()),
        ("assignedUserPrincipalName", "String", False, None, ()),
    ],
    # markdown, beta doc stub: Create importedWindowsAutopilotDeviceIdentities
    "001_4141be937e4fdcf9.txt": [
        ("id", "String", False, "entity", ()),
        ("orderIdentifier", "String", False, None, ()),
        ("groupTag", "String", False, None, ()),
        ("serialNumber", "String", False, None, ()),
        ("productKey", "String", False, None, ()),
        ("importId", "String", False, None, ()),
        ("hardwareIdentifier", "Binary", False, None, ()),
        ("state", "importedWindowsAutopilotDeviceIdentityState", False, None, ()),
        ("assignedUserPrincipalName", "String", False, None, ()),
    ],
    # markdown, v1.0: Create windowsAutopilotDeviceIdentity
    "002_b53d5062c2738f66.txt": [
        ("id", "String", False, None, ()),
        ("groupTag", "String", False, None, ()),
        ("purchaseOrderIdentifier", "String", False, None, ()),
        ("serialNumber", "String", False, None, ()),
        ("productKey", "String", False, None, ()),
        ("manufacturer", "String", False, None, ()),
        ("model", "String", False, None, ()),
        ("enrollmentState", "enrollmentState", False, None, ENROLLMENT_STATES),
        ("lastContactedDateTime", "DateTimeOffset", False, None, ()),
        ("addressableUserName", "String", False, None, ()),
        ("userPrincipalName", "String", False, None, ()),
        ("resourceName", "String", False, None, ()),
        ("skuNumber", "String", False, None, ()),
        ("systemFamily", "String", False, None, ()),
        ("azureActiveDirectoryDeviceId", "String", False, None, ()),
        ("managedDeviceId", "String", False, None, ()),
        ("displayName", "String", False, None, ()),
    ],
    # markdown, v1.0 action: importedWindowsAutopilotDeviceIdentity: import
    "003_c7c25d1ab02fd1ba.txt": [
        (
            "importedWindowsAutopilotDeviceIdentities",
            "importedWindowsAutopilotDeviceIdentity",
            True,
            None,
            (),
        ),
    ],
    # rendered text, beta: Create importedDeviceIdentityResult
    "004_2316502b9621a7cd.txt": [
        ("id", "String", False, IMPORTED, ()),
        ("importedDeviceIdentifier", "String", False, IMPORTED, ()),
        (
            "importedDeviceIdentityType",
            "importedDeviceIdentityType",
            False,
            IMPORTED,
            ("unknown", "imei", "serialNumber", "manufacturerModelSerial"),
        ),
        ("lastModifiedDateTime", "DateTimeOffset", False, IMPORTED, ()),
        ("createdDateTime", "DateTimeOffset", False, IMPORTED, ()),
        ("lastContactedDateTime", "DateTimeOffset", False, IMPORTED, ()),
        ("description", "String", False, IMPORTED, ()),
        ("enrollmentState", "enrollmentState", False, IMPORTED, (*ENROLLMENT_STATES, "blocked")),
        (
            "platform",
            "platform",
            False,
            IMPORTED,
            ("unknown", "ios", "android", "windows", "windowsMobile", "macOS"),
        ),
        ("status", "Boolean", False, None, ()),
    ],
}


def check(seeds: Path) -> list[str]:
    """Every difference between the parsed body tables and EXPECTED, as messages."""
    problems: list[str] = []
    for name, expected in EXPECTED.items():
        path = seeds / name
        try:
            page = parse_page(path)
        except DocParseError as exc:
            problems.append(f"{name}: does not parse: {exc}")
            continue
        if page.body_table is None:
            problems.append(f"{name}: no request body table found")
            continue
        found = [
            (r.name, r.type, r.collection, r.inherited_from, r.possible_values)
            for r in page.body_table.rows
        ]
        for index in range(max(len(found), len(expected))):
            want = expected[index] if index < len(expected) else None
            got = found[index] if index < len(found) else None
            if want != got:
                problems.append(f"{name}: row {index + 1}: expected {want}, parsed {got}")
    return problems


def main(argv: list[str]) -> int:
    seeds = Path(argv[1]) if len(argv) > 1 else REPO.parent / "shared" / "seeds"
    if not seeds.is_dir():
        print(f"check_seed_tables: no seed directory at {seeds}", file=sys.stderr)
        return 1
    problems = check(seeds)
    for problem in problems:
        print(f"check_seed_tables: {problem}", file=sys.stderr)
    if problems:
        return 1
    print(f"check_seed_tables: {len(EXPECTED)} seed body tables match")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

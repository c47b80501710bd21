"""Bodies of the wrong shape get one issue that says the right shape, and their devices are still judged."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from graph_contracts.autopilot import build_hardware_hash, encode_hardware_hash
from graph_contracts.validation import Run

WRAPPER = "importedWindowsAutopilotDeviceIdentities"


def device(serial: str) -> dict[str, str]:
    return {"serialNumber": serial, "hardwareIdentifier": encode_hardware_hash(build_hardware_hash(serial, "C", "M"))}


def codes(tmp_path: Path, body: Any, run: Run | None = None) -> list[tuple[str, str, str]]:
    path = tmp_path / "body.json"
    path.write_text(json.dumps(body), encoding="utf-8")
    return [(r.label, i.code, i.severity) for r in (run or Run()).check_file(path) for i in r.issues]


def test_a_bare_array_where_an_import_body_is_expected_gets_the_wrapper(tmp_path: Path) -> None:
    path = tmp_path / "body.json"
    path.write_text(json.dumps([device("S1"), device("S2")]), encoding="utf-8")
    results = list(Run(operation="importedWindowsAutopilotDeviceIdentity.import").check_file(path))
    issues = [i for r in results for i in r.issues]
    assert [i.code for i in issues] == ["import-wrapper"]
    assert f'{{"{WRAPPER}": [...]}}' in issues[0].message
    assert sum(r.is_record for r in results) == 2  # the devices were still checked, as devices


def test_a_bare_array_of_devices_is_validated_as_records_with_a_note(tmp_path: Path) -> None:
    assert codes(tmp_path, [device("S1"), {**device("S2"), "serialNumber": ""}]) == [
        ("file", "body-array", "warning"),
        ("item 1", "serial-missing", "error"),
    ]


def test_devices_under_another_name_get_the_right_parameter_name(tmp_path: Path) -> None:
    found = codes(tmp_path, {"devices": [device("S1"), device("S2")]})
    assert found == [("import body", "import-wrapper", "error")]
    path = tmp_path / "body.json"
    [issue] = [i for r in Run().check_file(path) for i in r.issues]
    assert "'devices'" in issue.message and repr(WRAPPER) in issue.message and issue.pointer == "/devices"


def test_an_empty_batch_is_a_warning(tmp_path: Path) -> None:
    assert codes(tmp_path, []) == [("file", "empty-batch", "warning")]
    assert codes(tmp_path, {WRAPPER: []}) == [("import body", "empty-batch", "warning")]


def test_a_foreign_odata_type_is_one_issue_not_an_unknown_property_per_field(tmp_path: Path) -> None:
    record = {
        **device("S1"),
        "@odata.type": "#microsoft.graph.windowsAutopilotDeviceIdentity",
        "displayName": "x",
        "enrollmentState": "enrolled",
        "model": "m",
    }
    run = Run(type="importedWindowsAutopilotDeviceIdentity")
    assert [c for _, c, _ in codes(tmp_path, record, run)] == ["odata-type"]

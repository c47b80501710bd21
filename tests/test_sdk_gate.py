"""The SDK gate can fail: against a deliberately broken msgraph SDK it reports each break, with a counterexample."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("msgraph", reason="needs msgraph-sdk: run `tox -e sdk` or pip install graph-contracts[sdk]")

from kiota_serialization_json.json_parse_node import JsonParseNode
from kiota_serialization_json.json_serialization_writer import JsonSerializationWriter

from graph_contracts.contracts import default_contracts
from graph_contracts.sdk import SDKS, CheckResult, run_gate
from graph_contracts.sdk.roundtrip import check_type
from graph_contracts.sdk.wire import run_wire

V1 = SDKS["msgraph"]
EXAMPLES = 3
IMPORTED = "importedWindowsAutopilotDeviceIdentity"
DEVICE = "windowsAutopilotDeviceIdentity"


def roundtrip(type_name: str) -> dict[str, CheckResult]:
    results = check_type(V1, V1.installed_version(), type_name, EXAMPLES, default_contracts())
    return {r.check: r for r in results}


def wire(*operations: str) -> dict[tuple[str, str], CheckResult]:
    results = run_wire(V1, V1.installed_version(), EXAMPLES, operations=operations)
    return {(r.target, r.check): r for r in results}


@pytest.fixture
def drops_serial_number(monkeypatch: pytest.MonkeyPatch) -> None:
    original = JsonSerializationWriter.write_str_value

    def write_str_value(self: Any, key: str | None, value: str | None) -> None:
        if key != "serialNumber":
            original(self, key, value)

    monkeypatch.setattr(JsonSerializationWriter, "write_str_value", write_str_value)


@pytest.fixture
def enum_in_wrong_case(monkeypatch: pytest.MonkeyPatch) -> None:
    def write_enum_value(self: Any, key: str | None, value: Enum | None) -> None:
        if isinstance(value, Enum) and key is not None:
            text = str(value.value)
            self.writer[key] = text[:1].upper() + text[1:]

    monkeypatch.setattr(JsonSerializationWriter, "write_enum_value", write_enum_value)


@pytest.fixture
def strips_datetime_offset(monkeypatch: pytest.MonkeyPatch) -> None:
    def write_datetime_value(self: Any, key: str | None, value: datetime | None) -> None:
        if isinstance(value, datetime) and key is not None:
            self.writer[key] = value.replace(tzinfo=None).isoformat()

    monkeypatch.setattr(JsonSerializationWriter, "write_datetime_value", write_datetime_value)


@pytest.fixture
def reader_loses_offsets(monkeypatch: pytest.MonkeyPatch) -> None:
    original = JsonParseNode.get_datetime_value

    def get_datetime_value(self: Any) -> datetime | None:
        value = original(self)
        return value.replace(tzinfo=None) if value is not None else None

    monkeypatch.setattr(JsonParseNode, "get_datetime_value", get_datetime_value)


@pytest.fixture
def reader_rejects_unknown_members(monkeypatch: pytest.MonkeyPatch) -> None:
    original = JsonParseNode.get_enum_value

    def get_enum_value(self: Any, enum_class: Any) -> Any:
        value = original(self, enum_class)
        if value is None and self._json_node is not None:
            raise ValueError(f"{self._json_node!r} is not a member of {enum_class.__name__}")
        return value

    monkeypatch.setattr(JsonParseNode, "get_enum_value", get_enum_value)


def test_the_unmodified_sdk_round_trips_imported_identities() -> None:
    results = roundtrip(IMPORTED)
    assert {c: r.status for c, r in results.items()} == {
        "modelled": "pass", "parse": "pass", "schema": "pass", "fidelity": "pass"
    }


def test_a_dropped_property_fails_the_round_trip(drops_serial_number: None) -> None:
    fidelity = roundtrip(IMPORTED)["fidelity"]
    assert fidelity.status == "fail"
    assert fidelity.counterexample.startswith("/serialNumber: dropped")


def test_a_dropped_property_fails_the_wire_check(drops_serial_number: None) -> None:
    results = wire(f"{IMPORTED}.create")
    fidelity = results[(f"{IMPORTED}.create", "body fidelity")]
    assert fidelity.status == "fail"
    assert "/serialNumber: dropped" in fidelity.counterexample


def test_an_enum_in_the_wrong_case_fails_schema_and_fidelity(enum_in_wrong_case: None) -> None:
    results = roundtrip(DEVICE)
    assert results["schema"].status == "fail"
    assert results["schema"].counterexample.startswith("/enrollmentState: error enum: 'Unknown' is not a member")
    assert results["fidelity"].status == "fail"
    assert results["fidelity"].counterexample.startswith("/enrollmentState: changed: sent 'unknown', got 'Unknown'")


def test_an_enum_in_the_wrong_case_is_rejected_on_the_wire(enum_in_wrong_case: None) -> None:
    results = wire(f"{DEVICE}.create")
    assert results[(f"{DEVICE}.create", "body schema")].status == "fail"
    assert results[(f"{DEVICE}.create", "accepted")].status == "fail"
    assert "/enrollmentState" in results[(f"{DEVICE}.create", "accepted")].counterexample


def test_a_stripped_datetime_offset_fails_schema_and_fidelity(strips_datetime_offset: None) -> None:
    results = roundtrip(DEVICE)
    assert results["schema"].status == "fail"
    assert "/lastContactedDateTime" in results["schema"].counterexample
    assert results["fidelity"].status == "fail"
    assert results["fidelity"].counterexample.startswith(
        "/lastContactedDateTime: offset: sent '2024-02-29T23:59:59.1234567+05:30', got '2024-02-29T23:59:59.123456'"
    )


def test_the_seventh_fraction_digit_is_a_warning_not_a_break() -> None:
    precision = roundtrip(DEVICE)["date-time precision"]
    assert precision.status == "warn"
    assert "precision: sent '2024-02-29T23:59:59.1234567+05:30', got '2024-02-29T23:59:59.123456+05:30'" in (
        precision.counterexample
    )


def test_an_unknown_enum_member_in_a_response_is_reported_as_lost() -> None:
    result = wire(f"{IMPORTED}.get")[(f"{IMPORTED}.get", "unknown enum member")]
    assert result.status == "warn"
    assert "/state/deviceImportStatus: 'someFutureMember' read as None" in result.counterexample


def test_a_break_makes_the_gate_exit_1_and_fail_in_junit(
    drops_serial_number: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    junit = tmp_path / "sdk.xml"
    done = run_gate("msgraph", str(junit), 1)
    assert done.code == 1
    assert "FAIL" in done.report[0] and done.report[-1] == f"wrote {junit}"
    assert capsys.readouterr().out == ""  # the library returns what it found; the CLI prints it
    failures = [c for c in ET.parse(junit).iter("testcase") if c.find("failure") is not None]
    assert any("/serialNumber: dropped" in (c.find("failure").get("message") or "") for c in failures)  # type: ignore[union-attr]


def test_a_missing_sdk_exits_2_naming_the_extra(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(type(V1), "installed", lambda self: False)
    done = run_gate("msgraph", None, 1)
    assert (done.code, done.report) == (2, ())
    assert "graph-contracts[sdk]" in done.missing_text
    from graph_contracts.cli import main

    assert main(["sdk-check", "--sdk", "msgraph"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("graph-contracts sdk-check: not installed: msgraph-sdk") and "graph-contracts[sdk]" in err


def test_a_reader_that_loses_the_offset_breaks_the_response_checks(reader_loses_offsets: None) -> None:
    results = wire(f"{DEVICE}.get")
    generated = results[(f"{DEVICE}.get", "generated responses")]
    assert generated.status == "fail"
    assert generated.finding_code.startswith("offset /")
    assert ": offset: sent '" in generated.counterexample
    read = results[(f"{DEVICE}.get", "response read")]  # the emulator's own answer, read back
    assert read.status == "fail" and read.finding_code.startswith("offset /")


def test_a_reader_that_raises_on_an_unknown_enum_member_is_a_break(reader_rejects_unknown_members: None) -> None:
    result = wire(f"{IMPORTED}.get")[(f"{IMPORTED}.get", "unknown enum member")]
    assert result.status == "fail"
    assert "ValueError: 'someFutureMember' is not a member of" in result.counterexample

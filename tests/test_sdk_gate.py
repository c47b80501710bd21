"""The SDK gate can fail: against a deliberately broken msgraph SDK it reports each break, with a counterexample."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("msgraph", reason='needs msgraph-sdk: run `tox -e sdk` (or pip install ".[sdk]")')

from kiota_serialization_json.json_parse_node import JsonParseNode
from kiota_serialization_json.json_serialization_writer import JsonSerializationWriter

from graph_contracts.contracts import default_contracts
from graph_contracts.sdk import SDKS, CheckResult, Verdict, run_gate
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
        "modelled": "pass",
        "parse": "pass",
        "schema": "pass",
        "fidelity": "pass",
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
    wrong_case = "/enrollmentState: error enum: 'Unknown' is not a member"
    assert any(p.startswith(wrong_case) for p in results["schema"].details)
    assert results["fidelity"].status == "fail"
    assert results["fidelity"].counterexample.startswith("/enrollmentState: changed: sent 'unknown', got 'Unknown'")


def test_an_enum_in_the_wrong_case_is_rejected_on_the_wire(enum_in_wrong_case: None) -> None:
    results = wire(f"{DEVICE}.create")
    # Filed under the check recorded traffic uses for it, so one baseline entry would cover both.
    assert results[(f"{DEVICE}.create", "enum spelling")].status == "fail"
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
    assert done.verdict is Verdict.BREAK
    assert "FAIL" in done.report[0] and done.report[-1] == f"wrote {junit}"
    assert capsys.readouterr().out == ""  # the library returns what it found; the CLI prints it
    failures = [c for c in ET.parse(junit).iter("testcase") if c.find("failure") is not None]
    assert any("/serialNumber: dropped" in (c.find("failure").get("message") or "") for c in failures)  # type: ignore[union-attr]


def test_a_missing_sdk_exits_2_naming_the_extra(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(type(V1), "installed", lambda self: False)
    done = run_gate("msgraph", None, 1)
    assert (done.verdict, done.report) == (Verdict.NOT_GATED, ())
    assert capsys.readouterr() == ("", "")  # the library printed nothing
    from graph_contracts.cli import main

    assert main(["sdk-check", "--sdk", "msgraph"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("graph-contracts sdk-check: not installed: msgraph-sdk")
    assert 'pip install ".[sdk]"' in err and "pip install msgraph-sdk msgraph-beta-sdk" in err
    assert "graph-contracts[sdk]" not in err  # not on the index: that command fails


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


# --------------------------------------------------------------------------- every operation is driven


def test_every_contract_operation_has_a_request_builder_in_the_installed_sdks() -> None:
    """No operation is left to a skip: each resolves to a builder of the installed SDK (13 were 'exposed: SKIP')."""
    from graph_contracts.sdk.wire import OPERATION_CALLS, make_client, missing_builder

    contracts = default_contracts()
    for sdk in (V1, SDKS["msgraph-beta"]):
        if not sdk.installed():
            continue
        client = make_client(sdk, "http://127.0.0.1:9/" + sdk.version, "token")
        for op in contracts.operations_in(sdk.version):
            assert op.id in OPERATION_CALLS, op.id
            assert missing_builder(client, OPERATION_CALLS[op.id]) is None, (sdk.name, op.id)


@pytest.fixture
def assign_user_sends_upn(monkeypatch: pytest.MonkeyPatch) -> None:
    """A regression of the issue: the assignUserToDevice body writes `upn` instead of `userPrincipalName`."""
    from msgraph.generated.device_management.windows_autopilot_device_identities.item.assign_user_to_device import (
        assign_user_to_device_post_request_body as module,
    )

    def serialize(self: Any, writer: Any) -> None:
        writer.write_str_value("addressableUserName", self.addressable_user_name)
        writer.write_str_value("upn", self.user_principal_name)
        writer.write_additional_data_value(self.additional_data)

    monkeypatch.setattr(module.AssignUserToDevicePostRequestBody, "serialize", serialize)


ASSIGN = f"{DEVICE}.assignUserToDevice"


def test_the_unmodified_sdk_assigns_a_user_as_the_contract_says() -> None:
    results = wire(ASSIGN)
    assert results[(ASSIGN, "exposed")].status == "pass"
    assert {c: r.status for (_, c), r in results.items() if r.status != "pass"} == {}


def test_an_assign_user_body_sending_upn_fails_the_gate(assign_user_sends_upn: None) -> None:
    results = wire(ASSIGN)
    schema = results[(ASSIGN, "body schema")]
    assert schema.status == "fail" and any("/upn" in p for p in schema.details), schema.details
    fidelity = results[(ASSIGN, "body fidelity")]
    assert fidelity.status == "fail" and "/userPrincipalName: dropped" in fidelity.counterexample


def test_an_operation_the_sdk_lacks_fails_naming_the_builder(monkeypatch: pytest.MonkeyPatch) -> None:
    from msgraph.generated.device_management.windows_autopilot_device_identities.item import (
        windows_autopilot_device_identity_item_request_builder as item,
    )

    monkeypatch.delattr(item.WindowsAutopilotDeviceIdentityItemRequestBuilder, "assign_user_to_device")
    exposed = wire(ASSIGN)[(ASSIGN, "exposed")]
    assert exposed.status == "fail"
    assert exposed.counterexample == (
        "the SDK has no request builder client.device_management.windows_autopilot_device_identities"
        ".by_windows_autopilot_device_identity_id(id).assign_user_to_device.post(): "
        "'assign_user_to_device' is missing"
    )


def test_an_operation_the_gate_has_no_builder_for_is_a_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    from graph_contracts.sdk import wire as wire_module

    calls = {k: v for k, v in wire_module.OPERATION_CALLS.items() if k != ASSIGN}
    monkeypatch.setattr(wire_module, "OPERATION_CALLS", calls)
    exposed = wire(ASSIGN)[(ASSIGN, "exposed")]
    assert exposed.status == "fail" and "knows no SDK request builder for POST" in exposed.counterexample


# --------------------------------------------------------------------------- behaviour: throttling and paging


def behaviour() -> dict[str, CheckResult]:
    results = run_wire(V1, V1.installed_version(), 1, operations=(), behaviour=True)
    return {r.check: r for r in results}


BEHAVIOUR_CHECKS = ("throttling 429", "throttling 503", "retry budget", "paging")


def test_the_unmodified_sdk_retries_honours_retry_after_gives_up_and_pages() -> None:
    results = behaviour()
    assert {c: results[c].status for c in BEHAVIOUR_CHECKS} == dict.fromkeys(BEHAVIOUR_CHECKS, "pass"), results
    assert results["throttling 429"].note.startswith("retried after 1.")
    assert results["retry budget"].examples == 4  # 1 request + the 3 retries of kiota's documented budget
    assert results["paging"].note == "5 items in 3 pages of 2"


@pytest.fixture
def retry_handler_forwards_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """A regression of the issue: RetryHandler.send forwards the request once, whatever the answer."""
    from kiota_http.middleware import RetryHandler
    from kiota_http.middleware.middleware import BaseMiddleware

    async def send(self: Any, request: Any, transport: Any) -> Any:
        return await BaseMiddleware.send(self, request, transport)

    monkeypatch.setattr(RetryHandler, "send", send)


def test_a_retry_handler_that_forwards_once_fails_the_gate(retry_handler_forwards_once: None) -> None:
    results = behaviour()
    for check in ("throttling 429", "throttling 503"):
        assert results[check].status == "fail"
        assert results[check].counterexample.startswith("no retry of a"), results[check]
    budget = results["retry budget"]
    assert budget.status == "fail"
    assert budget.counterexample == "gave up before the documented budget of 3 retries; seen: 0 retries"


@pytest.fixture
def retry_ignores_retry_after(monkeypatch: pytest.MonkeyPatch) -> None:
    from kiota_http.middleware import RetryHandler

    monkeypatch.setattr(RetryHandler, "_get_retry_after", lambda self, response: 0.05)


def test_a_retry_sooner_than_retry_after_is_measured_and_fails(retry_ignores_retry_after: None) -> None:
    result = behaviour()["throttling 429"]
    assert result.status == "fail"
    assert result.counterexample.startswith("retried sooner than the Retry-After of the 429 answer; seen: retried ")


@pytest.fixture
def next_link_dropped(monkeypatch: pytest.MonkeyPatch) -> None:
    """A regression of the issue: collection responses no longer read `@odata.nextLink`."""
    from msgraph.generated.models.base_collection_pagination_count_response import (
        BaseCollectionPaginationCountResponse,
    )

    original = BaseCollectionPaginationCountResponse.get_field_deserializers

    def get_field_deserializers(self: Any) -> Any:
        fields = dict(original(self))
        fields.pop("@odata.nextLink", None)
        return fields

    monkeypatch.setattr(BaseCollectionPaginationCountResponse, "get_field_deserializers", get_field_deserializers)


def test_a_dropped_next_link_fails_the_paging_check(next_link_dropped: None) -> None:
    paging = behaviour()["paging"]
    assert paging.status == "fail"
    assert paging.counterexample == (
        "the page iterator stopped before the last @odata.nextLink; seen: read 2 of 5 items in 1 of 3 pages"
    )


def test_a_writer_only_bug_is_not_called_a_response_read_failure(drops_serial_number: None) -> None:
    results = wire(f"{IMPORTED}.get")
    assert results[(f"{IMPORTED}.get", "response read")].status == "pass"
    written = results[(f"{IMPORTED}.get", "response write-back")]
    assert written.status == "fail" and written.counterexample.startswith("/serialNumber: dropped")

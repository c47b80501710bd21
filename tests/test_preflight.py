"""``graph-contracts preflight`` over real HTTP against a seeded emulator: each verdict, the faults, read-only.

Each test starts an emulator holding a tenant's state (``seed.py``) on
loopback and runs the CLI against its URL with a token in ``GRAPH_TOKEN``, as a
user would against a tenant; the emulator's request log then shows what was sent.
"""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from graph_contracts.autopilot import build_hardware_hash, encode_hardware_hash
from graph_contracts.cli import main
from graph_contracts.graph.emulator import EmulatorConfig, EmulatorHandle, Fault, running_emulator
from graph_contracts.graph.emulator.seed import check_state
from graph_contracts.preflight import AccessError, check_token
from graph_contracts.preflight.output import csv_cell

READ_ONLY = ["DeviceManagementServiceConfig.Read.All"]
WITH_USERS = [*READ_ONLY, "User.Read.All"]
HEADER = "Device Serial Number,Windows Product ID,Hardware Hash,Group Tag,Assigned User"


def _hash(serial: str, *, capture: int = 0) -> str:
    # another capture of one device: same serial, maker and SMBIOS UUID, another record (as the capture time differs)
    extra = [(13, f"capture {capture}\0".encode())] if capture else []
    return encode_hardware_hash(build_hardware_hash(serial, "Contoso", extra_records=extra))


STATE: dict[str, Any] = {
    "registered_devices": [
        {
            "id": "dev-same",
            "serialNumber": "REG-SAME",
            "groupTag": "Sales",
            "userPrincipalName": "ada@contoso.example",
            "hardwareIdentifier": _hash("REG-SAME"),
        },
        {"id": "dev-other", "serialNumber": "REG-OTHER", "groupTag": "Sales", "hardwareIdentifier": _hash("REG-OTHER")},
        {"id": "dev-plain", "serialNumber": "REG-PLAIN", "groupTag": "Sales"},
        {"id": "dev-lab", "serialNumber": "REG-LAB", "groupTag": "Lab"},
    ],
    "imported_identities": [
        {
            "id": "imp-808",
            "serialNumber": "STALE-808",
            "state": "error",
            "deviceErrorName": "ZtdDeviceAssignedToOtherTenant",
        },
        {"id": "imp-pending", "serialNumber": "WAITING-1", "state": "pending"},
    ],
    "users": [{"userPrincipalName": "ada@contoso.example"}],
    "other_tenant_devices": [{"serialNumber": "STALE-808"}],
}

#: (serial, hash, group tag, user) -> the verdict code preflight must give
ROWS: list[tuple[str, str, str, str, str]] = [
    ("NEW-1", _hash("NEW-1"), "Sales", "", "will-import"),
    ("REG-SAME", _hash("REG-SAME"), "Sales", "", "already-registered"),
    ("REG-OTHER", _hash("REG-OTHER", capture=1), "Sales", "", "already-registered"),
    ("EDITED-1", _hash("REG-PLAIN"), "Sales", "", "already-registered"),  # the hash names a registered device
    ("STALE-808", _hash("STALE-808"), "Sales", "", "blocked-by-earlier-import"),
    ("WAITING-1", _hash("WAITING-1"), "Sales", "", "blocked-by-earlier-import"),
    ("NEW-2", _hash("NEW-2"), "Slaes", "", "group-tag-unknown"),
    ("NEW-3", _hash("NEW-3"), "Sales", "nobody@contoso.example", "user-not-found"),
    ("NEW-4", _hash("NEW-4"), "Sales", "ada@contoso.example", "will-import"),
    ("BROKEN-1", "notbase64!!", "Sales", "", "will-fail-offline"),
]


@pytest.fixture
def devices_csv(tmp_path: Path) -> Path:
    path = tmp_path / "devices.csv"
    path.write_text("\r\n".join([HEADER, *(f"{s},,{h},{t},{u}" for s, h, t, u, _ in ROWS)]) + "\r\n", encoding="utf-8")
    return path


@contextmanager
def tenant(*faults: str, page_size: int = 2) -> Iterator[EmulatorHandle]:
    config = EmulatorConfig(seed=check_state(STATE), page_size=page_size, faults=tuple(Fault.parse(f) for f in faults))
    with running_emulator(config) as handle:
        yield handle


@pytest.fixture(autouse=True)
def no_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("GRAPH_TOKEN", "AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET"):
        monkeypatch.delenv(name, raising=False)


def preflight(
    handle: EmulatorHandle,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    *args: str,
    token: str | None = None,
) -> tuple[int, str, str]:
    monkeypatch.setenv("GRAPH_TOKEN", token if token is not None else handle.token(READ_ONLY))
    status = main(["preflight", "--graph-endpoint", handle.base_url, *args])
    out, err = capsys.readouterr()
    return status, out, err


def verdicts(out: str) -> dict[str, dict[str, Any]]:
    return {d["serialNumber"]: d for d in json.loads(out)["devices"]}


def test_each_device_gets_its_verdict(
    devices_csv: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with tenant() as handle:
        status, out, _ = preflight(
            handle, monkeypatch, capsys, str(devices_csv), "--format", "json", token=handle.token(WITH_USERS)
        )
    assert status == 1
    found = verdicts(out)
    assert {s: found[s]["verdict"] for s, *_ in ROWS} == {s: v for s, _, _, _, v in ROWS}
    same, other = found["REG-SAME"], found["REG-OTHER"]
    assert same["details"] | {"capture": ""} == {
        "id": "dev-same",
        "serialNumber": "REG-SAME",
        "groupTag": "Sales",
        "userPrincipalName": "ada@contoso.example",
        "capture": "",
        "registered": 1,
    }
    assert same["details"]["capture"].startswith("the same capture")
    assert other["details"]["capture"].startswith("another capture of the same device")
    assert found["EDITED-1"]["details"]["id"] == "dev-plain"
    stale = found["STALE-808"]["details"]
    assert (stale["id"], stale["deviceErrorCode"], stale["deviceErrorName"]) == (
        "imp-808",
        808,
        "ZtdDeviceAssignedToOtherTenant",
    )
    assert "deregister" in stale["step"]
    assert found["WAITING-1"]["details"]["deviceImportStatus"] == "pending"
    assert found["NEW-2"]["details"]["closest"] == [{"groupTag": "Sales", "devices": 3}]
    assert "'Slaes' is on no registered device; closest in use: 'Sales' is on 3" in found["NEW-2"]["reason"]
    assert "user 'ada@contoso.example' exists" in found["NEW-4"]["reason"]
    assert found["BROKEN-1"]["details"]["issues"][0]["code"] == "base64"
    assert json.loads(out)["notes"] == []


def test_preflight_sends_only_reads_with_the_read_permission_alone(
    devices_csv: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with tenant() as handle:
        before = dict(handle.snapshot())
        status, out, _ = preflight(handle, monkeypatch, capsys, str(devices_csv), "--format", "json")
        sent = handle.received
        after = dict(handle.snapshot())
    assert status == 1 and sent
    assert {r.method for r in sent} == {"GET"}
    assert after == before
    # each collection read once, paged as the emulator pages it (2 a page), no $filter or $select
    assert not [r for r in sent if "filter" in r.query or "select" in r.query]
    assert sum(r.path.endswith("/windowsAutopilotDeviceIdentities") and not r.query for r in sent) == 1
    # the user check is skipped, saying which permission would enable it; nothing is guessed
    doc = json.loads(out)
    assert any("User.Read.All" in n and "not checked" in n for n in doc["notes"])
    assert not [r for r in sent if "/users/" in r.path]
    assert verdicts(out)["NEW-3"]["verdict"] == "will-import"
    assert "not checked (no permission)" in verdicts(out)["NEW-3"]["reason"]


@pytest.mark.parametrize(
    ("token_kind", "says"),
    [("expired", "expired"), ("no-permission", "preflight needs DeviceManagementServiceConfig.Read.All")],
)
def test_a_token_that_cannot_run_preflight_is_one_line_exit_2_before_any_request(
    devices_csv: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    token_kind: str,
    says: str,
) -> None:
    with tenant() as handle:
        token = handle.token(READ_ONLY, lifetime=-60) if token_kind == "expired" else handle.token(["User.Read.All"])
        status, out, err = preflight(handle, monkeypatch, capsys, str(devices_csv), token=token)
        assert handle.received == ()
    assert status == 2 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and says in lines[0]


def test_a_token_graph_refuses_is_one_line_exit_2_after_the_first_request(
    devices_csv: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with tenant() as handle:  # not a JWT: its claims cannot be read, so the first answer decides
        status, out, err = preflight(handle, monkeypatch, capsys, str(devices_csv), token="opaque-token")
        assert len(handle.received) == 1
    assert status == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and "Graph refused the token" in err and "401" in err


def test_no_token_at_all_is_refused() -> None:
    with pytest.raises(AccessError, match="no access token") as caught:
        check_token("  ")
    assert caught.value.problem == "missing"


def test_a_429_storm_leaves_every_device_not_checked_never_will_import(
    devices_csv: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with tenant("429;retry-after=0.05") as handle:
        status, out, _ = preflight(
            handle, monkeypatch, capsys, str(devices_csv), "--format", "json", "--max-wait", "0.3"
        )
        attempts = len(handle.received)
    found = verdicts(out)
    assert status == 1
    assert found["BROKEN-1"]["verdict"] == "will-fail-offline"
    unchecked = [d for s, d in found.items() if s != "BROKEN-1"]
    assert {d["verdict"] for d in unchecked} == {"not-checked"}
    assert all("not checked: the registered devices could not be read" in d["reason"] for d in unchecked)
    assert "429" in unchecked[0]["reason"] or "TooManyRequests" in unchecked[0]["reason"]
    assert attempts <= 12  # Retry-After honoured within the budget: no retry loop


def test_a_looping_next_link_leaves_what_it_could_not_check_not_checked(
    devices_csv: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with tenant("next-link=loop;path=importedWindowsAutopilotDeviceIdentities", page_size=1) as handle:
        status, out, _ = preflight(handle, monkeypatch, capsys, str(devices_csv), "--format", "json")
    found = verdicts(out)
    assert status == 1
    # the registered devices were read: 806 is certain without the imported identities
    assert found["EDITED-1"]["verdict"] == "already-registered"
    assert "capture not compared (the imported identities could not be read)" in found["REG-SAME"]["reason"]
    for serial in ("NEW-1", "STALE-808", "NEW-2", "NEW-4"):
        assert found[serial]["verdict"] == "not-checked"
        assert "loops" in found[serial]["reason"]
    assert not any(d["verdict"] == "will-import" for d in found.values())


def test_a_5xx_in_the_middle_of_paging_is_not_checked(
    devices_csv: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with tenant("500;after=1;path=/windowsAutopilotDeviceIdentities", page_size=1) as handle:
        status, out, _ = preflight(handle, monkeypatch, capsys, str(devices_csv), "--format", "json")
        pages = [r for r in handle.received if r.path.endswith("/windowsAutopilotDeviceIdentities")]
    assert len(pages) == 2  # the first page answered, the second failed
    found = verdicts(out)
    assert status == 1
    assert {d["verdict"] for s, d in found.items() if s != "BROKEN-1"} == {"not-checked"}
    assert "HTTP 500" in found["NEW-1"]["reason"]


def test_a_page_that_times_out_is_not_checked(
    devices_csv: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with tenant("latency=2;path=importedWindowsAutopilotDeviceIdentities") as handle:
        status, out, _ = preflight(
            handle, monkeypatch, capsys, str(devices_csv), "--format", "json", "--timeout", "0.2", "--max-wait", "0.3"
        )
    found = verdicts(out)
    assert status == 1 and found["NEW-1"]["verdict"] == "not-checked"
    assert "imported identities could not be read" in found["NEW-1"]["reason"]
    assert "timed out" in found["NEW-1"]["reason"] or "Timeout" in found["NEW-1"]["reason"]


def test_text_is_grouped_by_verdict_with_counts(
    devices_csv: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with tenant() as handle:
        status, out, _ = preflight(handle, monkeypatch, capsys, str(devices_csv), token=handle.token(WITH_USERS))
    assert status == 1
    assert "will import: 2\n" in out and "already registered here: 3\n" in out
    assert "blocked by an earlier import: 2\n" in out and "group tag unknown: 1\n" in out
    assert out.index("will import: 2") < out.index("already registered here: 3") < out.index("will fail offline: 1")
    assert out.rstrip().splitlines()[-1].startswith("10 devices: 2 will import, 3 already registered here")


def test_csv_is_the_admins_rows_with_verdict_and_reason_and_no_live_formula(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "formula.csv"
    path.write_text(f"{HEADER}\r\nNEW-9,,{_hash('NEW-9')},=cmd|' /C calc'!A0,\r\n", encoding="utf-8")
    with tenant() as handle:
        status, out, _ = preflight(handle, monkeypatch, capsys, str(path), "--format", "csv")
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == [*HEADER.split(","), "verdict", "reason"]
    assert rows[1][0] == "NEW-9" and rows[1][5] == "group-tag-unknown"
    assert rows[1][3] == "'=cmd|' /C calc'!A0"  # never a live formula
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
    assert status == 1


def test_csv_cells_that_start_a_formula_are_escaped() -> None:
    assert [csv_cell(v) for v in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "Sales", "")] == [
        "'=1+1",
        "'+1",
        "'-1",
        "'@SUM(A1)",
        "'\tx",
        "Sales",
        "",
    ]


def test_junit_has_a_failing_case_per_device_that_will_not_import(
    devices_csv: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with tenant() as handle:
        _, out, _ = preflight(
            handle, monkeypatch, capsys, str(devices_csv), "--format", "junit", token=handle.token(WITH_USERS)
        )
    suite = ET.fromstring(out).find("testsuite")
    assert suite is not None
    assert (suite.get("tests"), suite.get("failures")) == ("10", "8")
    failed = {
        c.get("name"): c.find("failure").get("type")
        for c in suite.iter("testcase")  # type: ignore[union-attr]
        if c.find("failure") is not None
    }
    assert failed["row 9: NEW-3"] == "user-not-found"


def test_all_devices_will_import_exits_0(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "good.csv"
    path.write_text(f"{HEADER}\r\nNEW-7,,{_hash('NEW-7')},Lab,\r\n", encoding="utf-8")
    with tenant() as handle:
        status, out, _ = preflight(handle, monkeypatch, capsys, str(path))
    assert status == 0 and out.startswith("will import: 1")


def test_the_embedded_emulator_endpoint_takes_a_state_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    state = tmp_path / "tenant.json"
    state.write_text(
        json.dumps({"registered_devices": [{"serialNumber": "REG-9", "groupTag": "Lab"}]}), encoding="utf-8"
    )
    path = tmp_path / "devices.csv"
    path.write_text(f"{HEADER}\r\nREG-9,,{_hash('REG-9')},Lab,\r\n", encoding="utf-8")
    status = main(["preflight", str(path), "--graph-endpoint", "emulator", "--state", str(state), "--format", "json"])
    assert status == 1
    assert verdicts(capsys.readouterr().out)["REG-9"]["verdict"] == "already-registered"


def test_the_fault_items_preflight_tests_rely_on_are_read() -> None:
    fault = Fault.parse("500;after=1;path=/x")
    assert (fault.status, fault.after, fault.path, fault.loop_next_link) == (500, 1, "/x", False)
    assert Fault.parse("next-link=loop").loop_next_link
    with pytest.raises(ValueError, match="next-link=again"):
        Fault.parse("next-link=again")


def test_state_with_a_live_endpoint_is_a_usage_error(devices_csv: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["preflight", str(devices_csv), "--state", "x.yaml", "--graph-endpoint", "http://127.0.0.1:9"]) == 2
    assert "--state: seeds the embedded emulator only" in capsys.readouterr().err

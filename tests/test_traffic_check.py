"""``traffic check`` on real recordings: a HAR saved by httpx event hooks, cassettes written by vcrpy,
and a mock file in Dev Proxy's documented format.

Each recording holds exchanges that conform (no finding), a broken request,
a broken response and an undocumented status; the emulator answers the
conforming and the broken-request exchanges, and a loopback app that
misbehaves like a bad mock or a broken gateway answers the other two.
"""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import vcr
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from graph_contracts.cli import main
from graph_contracts.cli.traffic_check import check_files
from graph_contracts.graph.endpoints import open_endpoint
from har_recorder import HarRecorder
from loopback import serve

FIXTURES = Path(__file__).parent / "fixtures" / "traffic"
DEVICES = "/v1.0/deviceManagement/windowsAutopilotDeviceIdentities"
IMPORTED = "/v1.0/deviceManagement/importedWindowsAutopilotDeviceIdentities"
GOOD_DEVICE = {
    "@odata.type": "#microsoft.graph.importedWindowsAutopilotDeviceIdentity",
    "serialNumber": "SN-1",
    "hardwareIdentifier": "aGFyZHdhcmU=",
}


async def broken_item(request: Request) -> JSONResponse:
    return JSONResponse(
        {"id": request.path_params["id"], "serialNumber": ["not", "a", "string"]},
        headers={"request-id": "1f2e3d4c-0000-4000-8000-000000000001"},
    )


async def accepted_list(request: Request) -> JSONResponse:
    return JSONResponse({"value": []}, 202, headers={"request-id": "1f2e3d4c-0000-4000-8000-000000000002"})


MISBEHAVING = Starlette(routes=[Route(DEVICES + "/{id}", broken_item), Route(DEVICES, accepted_list)])


def _conversation(graph: httpx.Client, bad: httpx.Client) -> None:
    graph.get(DEVICES)  # conforms
    graph.post(IMPORTED, json=GOOD_DEVICE)  # conforms
    graph.post(IMPORTED, json={**GOOD_DEVICE, "serialNumber": 5})  # a broken request (the emulator answers 400)
    bad.get(DEVICES + "/32633e7b-5c4e-4e4e-993c-e0ca7eae7f2c")  # a broken response
    bad.get(DEVICES)  # an undocumented status (202)
    graph.get("/v1.0/me")  # no contract: not covered


Recorder = Callable[[Callable[[httpx.Client, httpx.Client], None], Path], Path]


@pytest.fixture(scope="module")
def endpoints() -> Iterator[tuple[str, str, str]]:
    with open_endpoint("emulator") as emulator, serve(MISBEHAVING) as bad:
        yield emulator.base_url, bad, emulator.token("write") or ""


def _clients(endpoints: tuple[str, str, str], **kw: Any) -> tuple[httpx.Client, httpx.Client]:
    graph_url, bad_url, token = endpoints
    auth = {"Authorization": f"Bearer {token}"}
    return httpx.Client(base_url=graph_url, headers=auth, **kw), httpx.Client(base_url=bad_url, headers=auth, **kw)


@pytest.fixture(scope="module")
def har_file(endpoints: tuple[str, str, str], tmp_path_factory: pytest.TempPathFactory) -> Path:
    recorder = HarRecorder()
    graph, bad = _clients(endpoints, event_hooks=recorder.hooks)
    with graph, bad:
        _conversation(graph, bad)
    return recorder.save(tmp_path_factory.mktemp("har") / "session.har")


@pytest.fixture(scope="module", params=["yaml", "json"])
def cassette_file(
    request: pytest.FixtureRequest, endpoints: tuple[str, str, str], tmp_path_factory: pytest.TempPathFactory
) -> Path:
    folder = tmp_path_factory.mktemp("vcr")
    recorder = vcr.VCR(cassette_library_dir=str(folder), serializer=request.param, record_mode="all")
    graph, bad = _clients(endpoints)
    with recorder.use_cassette(f"session.{request.param}"), graph, bad:
        _conversation(graph, bad)
    return folder / f"session.{request.param}"


def _json_report(*files: Path, profile: str = "contract") -> tuple[int, dict[str, Any]]:
    out, err = io.StringIO(), io.StringIO()
    code = check_files([str(f) for f in files], fmt="json", profile=profile, out=out, err=err)  # type: ignore[arg-type]
    return code, json.loads(out.getvalue())


def _findings(report: dict[str, Any]) -> set[tuple[str, str]]:
    return {(i["pointer"], i["code"]) for i in report["issues"]}


EXPECTED = {
    ("/request/body/serialNumber", "type"),  # the broken request
    ("/response/body/serialNumber", "type"),  # the broken response
    ("/response/status", "undocumented-status"),  # 202 for a list
}


def test_har_from_httpx_hooks(har_file: Path) -> None:
    code, report = _json_report(har_file)
    assert code == 1
    assert _findings(report) == EXPECTED
    assert report["exchanges"] == 6 and report["checked"] == 5
    assert report["not_covered"] == {"GET /v1.0/me": 1}
    status = next(i for i in report["issues"] if i["code"] == "undocumented-status")
    assert status["location"]["file"] == str(har_file)
    assert status["exchange"].startswith("entry 4: GET /v1.0/deviceManagement/windowsAutopilotDeviceIdentities -> 202")


def test_cassette_written_by_vcrpy(cassette_file: Path) -> None:
    code, report = _json_report(cassette_file)
    assert code == 1
    assert _findings(report) == EXPECTED
    assert report["not_covered"] == {"GET /v1.0/me": 1}


def test_dev_proxy_mock_file() -> None:
    code, report = _json_report(FIXTURES / "devproxy-graph-mocks.json")
    assert code == 1
    findings = _findings(report)
    assert ("/request/body/serialNumber", "type") in findings  # a bodyFragment that is a whole, broken body
    assert ("/response/body/serialNumber", "type") in findings  # beta item: a number for a string
    assert ("/response/body/enrollmentState", "enum") in findings
    assert ("/response/status", "undocumented-status") in findings  # 202 for a list
    # a 500 Graph could not send: no request-id, no error envelope
    assert ("/response/headers/request-id", "request-id-missing") in findings
    assert ("/response/body", "error-envelope") in findings
    assert report["not_covered"] == {"GET /v1.0/me/messages": 1}
    first = [i for i in report["issues"] if i["pointer"].startswith("/response/body/serialNumber")]
    assert len(first) == 1  # the conforming v1.0 item mock has no finding; only the beta one does


def test_conforming_traffic_passes(endpoints: tuple[str, str, str], tmp_path: Path) -> None:
    recorder = HarRecorder()
    graph, _ = _clients(endpoints, event_hooks=recorder.hooks)
    with graph:
        created = graph.post(IMPORTED, json=GOOD_DEVICE).json()
        graph.get(f"{IMPORTED}/{created['id']}")
        graph.get(IMPORTED, params={"$select": "id,serialNumber"})
        graph.delete(f"{IMPORTED}/{created['id']}")
        graph.get(f"{IMPORTED}/{created['id']}")  # 404 with Graph's envelope
    code, report = _json_report(recorder.save(tmp_path / "ok.har"))
    assert (code, report["issues"], report["checked"]) == (0, [], 5)


def test_upload_profile_adds_the_autopilot_rules(har_file: Path, tmp_path: Path) -> None:
    har = json.loads(har_file.read_text())
    post = next(e for e in har["log"]["entries"] if e["request"]["method"] == "POST")
    body = {**GOOD_DEVICE, "hardwareIdentifier": "AAAA"}  # valid base64, not a hash
    post["request"]["postData"]["text"] = json.dumps(body)
    har["log"]["entries"] = [post]
    path = tmp_path / "one.har"
    path.write_text(json.dumps(har))
    assert _json_report(path)[0] == 0
    code, report = _json_report(path, profile="upload")
    assert code == 1 and any(i["pointer"].startswith("/request/body/hardwareIdentifier") for i in report["issues"])


@pytest.mark.parametrize(
    "host",
    [
        "https://graph.microsoft.us",
        "https://microsoftgraph.chinacloudapi.cn",
        "http://127.0.0.1:8080/graph-proxy",
        "https://dod-graph.microsoft.us",
    ],
)
def test_any_host_and_version_from_the_path(host: str, tmp_path: Path) -> None:
    line = {
        "request": {"method": "GET", "url": f"{host}/beta/deviceManagement/windowsAutopilotDeviceIdentities"},
        "response": {"status": 201, "headers": {"request-id": "x"}, "body": {"value": []}},
    }
    path = tmp_path / "t.ndjson"
    path.write_text(json.dumps(line) + "\n")
    code, report = _json_report(path)
    assert (code, _findings(report)) == (1, {("/response/status", "undocumented-status")})


def test_formats_and_exit_codes(har_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["traffic", "check", "--format", "github", str(har_file)]) == 1
    github = capsys.readouterr().out
    assert "::error file=" in github and "title=undocumented-status" in github
    assert main(["traffic", "check", "--format", "junit", str(har_file)]) == 1
    suite = ET.fromstring(capsys.readouterr().out)
    assert suite.get("tests") == "5"
    assert len(suite.findall(".//failure")) == 3
    assert main(["traffic", "check", str(har_file)]) == 1
    text = capsys.readouterr().out
    assert "not covered by a contract:" in text and "GET /v1.0/me" in text
    assert "5 checked against a contract, 3 errors" in text
    bad = tmp_path / "bad.har"
    bad.write_text('{"log": {"entries": [{"request": {"method": "GET"}}]}}')
    assert main(["traffic", "check", str(bad)]) == 2
    err = capsys.readouterr().err
    assert f"cannot read {bad}: entry 0:" in err and "Traceback" not in err


def test_a_folder_is_read_as_traffic_scan_reads_it(
    har_file: Path, cassette_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A folder's traffic files, recursively (its notes skipped); a missing path is one unreadable input."""
    folder = tmp_path / "recordings"
    (folder / "nested").mkdir(parents=True)
    (folder / "session.har").write_bytes(har_file.read_bytes())
    (folder / "nested" / "cassette.yaml").write_bytes(cassette_file.read_bytes())
    (folder / "README.md").write_text("# what these recordings are\n")
    code, report = _json_report(folder)
    assert code == 1
    assert report["unreadable"] == 0
    assert report["exchanges"] == 2 * _json_report(har_file)[1]["exchanges"]
    assert {i["location"]["file"] for i in report["issues"]} == {
        str(folder / "session.har"),
        str(folder / "nested" / "cassette.yaml"),
    }
    assert main(["traffic", "check", str(folder), str(tmp_path / "absent")]) == 2
    captured = capsys.readouterr()
    assert "Is a directory" not in captured.err and "Traceback" not in captured.err
    assert f"cannot read {tmp_path / 'absent'}: no such file or directory" in captured.err


async def accepting_create(request: Request) -> JSONResponse:
    return JSONResponse(
        {"id": "32633e7b-5c4e-4e4e-993c-e0ca7eae7f2c", **(await request.json())},
        201,
        headers={"request-id": "1f2e3d4c-0000-4000-8000-000000000003"},
    )


def test_expect_refusals_passes_an_invalid_body_answered_400_but_not_one_accepted(
    har_file: Path, tmp_path: Path
) -> None:
    """A contract suite's negative tests send invalid bodies on purpose (the shipped cassettes hold 141)."""
    out, err = io.StringIO(), io.StringIO()
    code = check_files([str(har_file)], fmt="json", out=out, err=err, expect_refusals=True)  # type: ignore[arg-type]
    assert code == 1  # the broken response and the undocumented status are still findings
    assert _findings(json.loads(out.getvalue())) == EXPECTED - {("/request/body/serialNumber", "type")}
    recorder = HarRecorder()
    with (
        serve(Starlette(routes=[Route(IMPORTED, accepting_create, methods=["POST"])])) as lax,
        httpx.Client(base_url=lax, event_hooks=recorder.hooks) as client,
    ):
        assert client.post(IMPORTED, json={**GOOD_DEVICE, "serialNumber": 5}).status_code == 201
    accepted = recorder.save(tmp_path / "accepted.har")
    out = io.StringIO()
    assert check_files([str(accepted)], fmt="json", out=out, err=err, expect_refusals=True) == 1  # type: ignore[arg-type]
    assert ("/request/body/serialNumber", "type") in _findings(json.loads(out.getvalue()))
    assert main(["traffic", "check", "--expect-refusals", str(accepted)]) == 1

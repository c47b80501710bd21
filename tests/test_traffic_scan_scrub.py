"""``traffic scan`` and ``traffic scrub`` from the command line, on HAR, cassettes, mock files, NDJSON and logs."""

from __future__ import annotations

import base64
import gzip
import json
import shutil
from pathlib import Path

import httpx
import pytest

from graph_contracts.cli import main
from graph_contracts.graph.endpoints import open_endpoint
from graph_contracts.traffic import read_traffic
from graph_contracts.traffic.secrets import PLACEHOLDER
from har_recorder import HarRecorder

FIXTURES = Path(__file__).parent / "fixtures" / "traffic"
DEVICES = "/v1.0/deviceManagement/windowsAutopilotDeviceIdentities"
TOKEN = "EwBwA8l6BAAU7p9QDpi-opaque-access-token-value"


@pytest.fixture(scope="module")
def emulator_session(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A HAR saved by httpx event hooks: the emulator's real JWT in every Authorization header."""
    recorder = HarRecorder()
    with open_endpoint("emulator") as endpoint:
        token = endpoint.token("write") or ""
        with httpx.Client(
            base_url=endpoint.base_url, event_hooks=recorder.hooks, headers={"Authorization": f"Bearer {token}"}
        ) as client:
            client.get(DEVICES)
            client.post("/v1.0/deviceManagement/importedWindowsAutopilotDeviceIdentities", json={"serialNumber": 5})
            client.get("/v1.0/me")
    return recorder.save(tmp_path_factory.mktemp("har") / "session.har"), token


def _line_of(path: Path, needle: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


def test_scan_reports_file_and_line_and_exits_1(
    emulator_session: tuple[Path, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    har, token = emulator_session
    folder = tmp_path / "recordings" / "nested"
    folder.mkdir(parents=True)
    shutil.copy(har, folder / "session.har")
    (tmp_path / "recordings" / "app.log").write_text(f"starting\nGET /me?access_token={TOKEN} 200\n")
    assert main(["traffic", "scan", str(tmp_path / "recordings")]) == 1
    out = capsys.readouterr().out.splitlines()
    copied = folder / "session.har"
    assert f"{tmp_path / 'recordings' / 'app.log'}:2: secret-name-value" in out
    assert f"{copied}:{_line_of(copied, token)}: jwt" in out


def test_scan_of_clean_files_exits_0_and_of_a_missing_path_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "clean.yaml").write_text("interactions: []\nversion: 1\n")
    assert main(["traffic", "scan", str(tmp_path)]) == 0
    assert main(["traffic", "scan", str(tmp_path / "absent")]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_a_clean_scan_says_what_it_read(
    emulator_session: tuple[Path, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Not "0 possible secrets in 0 files": the files, those read as traffic, their exchanges, the others."""
    har, _ = emulator_session
    assert main(["traffic", "scrub", str(har), "-o", str(tmp_path / "session.har")]) == 0
    (tmp_path / "empty.yaml").write_text("interactions: []\nversion: 1\n")
    (tmp_path / "notes.txt").write_text("nothing secret here\n")
    capsys.readouterr()
    assert main(["traffic", "scan", str(tmp_path)]) == 0
    assert capsys.readouterr().err.strip() == (
        "0 possible secrets in 0 files; scanned 3 files: 2 of recorded traffic with 3 exchanges, 1 read as text only"
    )
    (tmp_path / "notes.txt").write_text(f"Authorization: Bearer {TOKEN}\n")
    assert main(["traffic", "scan", str(tmp_path)]) == 1
    assert capsys.readouterr().err.strip().startswith("2 possible secrets in 1 file; scanned 3 files:")


def test_scan_sees_into_base64_and_gzip(tmp_path: Path) -> None:
    body = base64.b64encode(json.dumps({"access_token": TOKEN}).encode()).decode()
    har = {
        "log": {
            "entries": [
                {
                    "request": {"method": "GET", "url": "https://g/v1.0/x", "headers": []},
                    "response": {
                        "status": 200,
                        "headers": [],
                        "content": {"mimeType": "application/json", "text": body, "encoding": "base64"},
                    },
                }
            ]
        }
    }
    (tmp_path / "b64.har").write_text(json.dumps(har, indent=1))
    (tmp_path / "log.gz").write_bytes(gzip.compress(f"x\nAuthorization: Bearer {TOKEN}\n".encode()))
    assert main(["traffic", "scan", str(tmp_path / "b64.har")]) == 1
    assert main(["traffic", "scan", str(tmp_path / "log.gz")]) == 1


def test_scrubbed_har_is_still_a_har_with_the_same_findings(
    emulator_session: tuple[Path, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    har, token = emulator_session
    out = tmp_path / "scrubbed.har"
    assert main(["traffic", "scrub", str(har), "-o", str(out)]) == 0
    text = out.read_text()
    assert token not in text and token.split(".")[1] not in text
    before, after = list(read_traffic(har)), list(read_traffic(out))
    assert [(e.request.method, e.request.url, e.response.status) for e in after] == [
        (e.request.method, e.request.url, e.response.status) for e in before
    ]
    assert all(e.request.header("authorization") == PLACEHOLDER for e in after)
    capsys.readouterr()
    assert main(["traffic", "check", "--format", "json", str(har)]) == 1
    original = json.loads(capsys.readouterr().out)
    assert main(["traffic", "check", "--format", "json", str(out)]) == 1
    scrubbed = json.loads(capsys.readouterr().out)
    assert [(i["pointer"], i["code"]) for i in scrubbed["issues"]] == [
        (i["pointer"], i["code"]) for i in original["issues"]
    ]


def test_scrub_keeps_mock_files_ndjson_and_gzip_readable(tmp_path: Path) -> None:
    mocks = json.loads((FIXTURES / "devproxy-graph-mocks.json").read_text())
    mocks["mocks"][0]["response"]["headers"].append({"name": "Set-Cookie", "value": f"ESTSAUTH={TOKEN}"})
    (tmp_path / "mocks.json").write_text(json.dumps(mocks))
    line = {
        "request": {
            "method": "GET",
            "url": f"https://graph.microsoft.com/v1.0/me?access_token={TOKEN}",
            "headers": {"Authorization": f"Bearer {TOKEN}"},
        },
        "response": {"status": 200, "headers": {"request-id": "r"}, "body": {"value": []}},
    }
    (tmp_path / "t.ndjson").write_text(json.dumps(line) + "\n" + json.dumps(line) + "\n")
    (tmp_path / "t.ndjson.gz").write_bytes(gzip.compress((tmp_path / "t.ndjson").read_bytes()))
    for name, count in (("mocks.json", 6), ("t.ndjson", 2), ("t.ndjson.gz", 2)):
        out = tmp_path / f"out-{name}"
        assert main(["traffic", "scrub", str(tmp_path / name), "-o", str(out)]) == 0
        raw = gzip.decompress(out.read_bytes()) if name.endswith(".gz") else out.read_bytes()
        assert TOKEN.encode() not in raw
        assert len(list(read_traffic(out))) == count


def test_scrub_of_an_unreadable_file_exits_2_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.har"
    bad.write_text('{"log": ')
    assert main(["traffic", "scrub", str(bad), "-o", str(tmp_path / "out.har")]) == 2
    assert not (tmp_path / "out.har").exists()
    err = capsys.readouterr().err
    assert "bad.har:1" in err and "Traceback" not in err

"""The contract suite itself, run as a user runs it: against the emulator, from cassettes, and as a 'live' tenant.

The live runs point the suite at an emulator started here and treat it as a
tenant: it shows what the suite writes (only with --graph-allow-writes), that
everything it creates is tagged and deleted, and that it leaves alone what it
did not create.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
from pathlib import Path

import pytest
import yaml

from graph_contracts.cli import main
from graph_contracts.graph.emulator import DEFAULT_TENANT, EmulatorHandle, running_emulator
from graph_contracts.graph.recording import scan_for_secrets
from graph_contracts.resources import cassettes_dir
from suite_runs import run_live_suite, run_suite


def _json(body: bytes) -> object:
    try:
        return json.loads(body)
    except ValueError:
        return None  # the malformed bodies of the negative tests


def _summary(result: subprocess.CompletedProcess[str]) -> str:
    return result.stdout.strip().splitlines()[-1] if result.stdout.strip() else result.stderr[-2000:]


@pytest.mark.slow  # the whole suite, end to end (.ci/run runs -m slow)
def test_suite_passes_against_the_embedded_emulator(tmp_path: Path):
    result = run_suite("--graph-examples", "3", cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-4000:]
    assert " passed" in _summary(result) and "failed" not in _summary(result)


@pytest.mark.slow  # the whole suite, end to end (.ci/run runs -m slow)
def test_suite_replays_the_shipped_cassettes_offline(tmp_path: Path):
    result = run_suite("--graph-endpoint", "replay", cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-4000:]
    assert "137 passed" in _summary(result) or "passed" in _summary(result)


def test_a_request_missing_from_a_cassette_fails_and_names_it(tmp_path: Path):
    folder = tmp_path / "cassettes"
    shutil.copytree(cassettes_dir(), folder)
    [target] = folder.glob("test_list_and_get_answer_in_the_documented_shape_v1.0-windowsAutopilotDeviceIdentity.list*")
    data = yaml.safe_load(target.read_text(encoding="utf-8"))
    data["interactions"] = []
    target.write_text(yaml.safe_dump(data), encoding="utf-8")
    result = run_suite(
        "--graph-endpoint",
        "replay",
        "--graph-cassettes",
        str(folder),
        "-k",
        "test_list_and_get_answer_in_the_documented_shape and v1.0-windows",
        cwd=tmp_path,
    )
    assert result.returncode == 1
    assert "GET https://graph.replay.invalid/v1.0/deviceManagement/windowsAutopilotDeviceIdentities" in result.stdout


def test_recording_writes_scrubbed_cassettes(tmp_path: Path):
    folder = tmp_path / "recorded"
    selection = "test_import and not test_actions"
    result = run_suite("--graph-record", "--graph-cassettes", str(folder), "-k", selection, cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-4000:]
    files = sorted(folder.glob("*.yaml"))
    assert len(files) == 4
    text = "\n".join(f.read_text(encoding="utf-8") for f in files)
    assert "Bearer ey" not in text and "eyJ" not in text
    assert "REDACTED" in text  # the Authorization header, replaced before writing
    assert scan_for_secrets(folder) == []


@pytest.fixture
def tenant() -> EmulatorHandle:
    with running_emulator() as handle:
        yield handle  # type: ignore[misc]


def _live(tenant: EmulatorHandle, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return run_live_suite(tenant, "--graph-examples", "2", "--graph-poll-interval", "0", *args, cwd=cwd)


@pytest.mark.slow  # the whole suite, end to end (.ci/run runs -m slow)
def test_live_run_without_the_allow_flag_only_reads(tenant: EmulatorHandle, tmp_path: Path):
    result = _live(tenant, cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-4000:]
    token = tenant.token()
    writes = [r for r in tenant.received if r.method != "GET"]
    # the only non-GET requests are the 401 probes, which carry no usable token
    assert all(token not in (r.header("authorization") or "") for r in writes)
    assert all(not entities for entities in tenant.snapshot().values())
    assert "skipped" in _summary(result)


def test_live_run_with_writes_deletes_exactly_what_it_created(tenant: EmulatorHandle, tmp_path: Path):
    import httpx

    headers = tenant.headers()
    # beta: the service refuses creating registered devices in v1.0 (graph-facts 6.1), and so does the emulator
    mine = httpx.post(
        tenant.graph_url("beta") + "/deviceManagement/windowsAutopilotDeviceIdentities",
        json={"groupTag": "admin-made", "serialNumber": "KEEPME01"},
        headers=headers,
    )
    assert mine.status_code == 201
    result = _live(tenant, "--graph-allow-writes", "-k", "test_crud or test_import", cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-4000:]
    posts = [_json(r.body) for r in tenant.received if r.method == "POST" and r.path.endswith("Identities")]
    assert posts, "the run created nothing"
    created = [p for p in posts if isinstance(p, dict) and p.get("groupTag") != "admin-made"]
    tags = {str(p.get("groupTag") or p.get("description") or "") for p in created}
    # Every well-formed body carries the run tag, except negative bodies whose broken property is the tag itself.
    tagged = {t for t in tags if t.startswith("gc-")}
    tag = min(tagged)[: len("gc-") + 8]  # gc-<8 hex>
    assert all(t.startswith(tag) for t in tagged) and len(tagged) >= len(tags) - 3, tags
    left = tenant.snapshot()
    everything = [e for entities in left.values() for e in entities]
    assert [e["serialNumber"] for e in everything if e.get("groupTag") == "admin-made"] == ["KEEPME01"]
    leftovers = {k: [e["id"] for e in v if str(e.get("groupTag", "")).startswith(tag)] for k, v in left.items()}
    assert not any(leftovers.values()), leftovers


def test_cleanup_deletes_only_objects_with_the_tag(
    tenant: EmulatorHandle, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
):
    import httpx

    headers = tenant.headers()
    url = tenant.graph_url("beta") + "/deviceManagement/windowsAutopilotDeviceIdentities"
    for tag in ("gc-deadbeef-1", "gc-deadbeef-2", "gc-other-1", "production"):
        assert httpx.post(url, json={"groupTag": tag}, headers=headers).status_code == 201
    monkeypatch.setenv("GRAPH_TOKEN", tenant.token())
    assert main(["cleanup", "--tag", "gc-deadbeef", "--base-url", tenant.base_url, "--version", "v1.0"]) == 0
    out = capsys.readouterr().out
    assert "2 objects tagged 'gc-deadbeef'" in out
    remaining = sorted(e["groupTag"] for e in httpx.get(url, headers=headers).json()["value"])
    assert remaining == ["gc-other-1", "production"]


def test_cleanup_refuses_a_short_tag(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("GRAPH_TOKEN", "unused")
    assert main(["cleanup", "--tag", "gc", "--base-url", "http://127.0.0.1:9"]) == 2
    assert "at least 6 characters" in capsys.readouterr().err


def test_recording_over_a_cassette_replaces_it_rather_than_keeping_old_exchanges(tmp_path: Path):
    """Re-recording one test (``--graph-record -k NAME``) must not keep what an older emulator answered:
    a replay would meet those exchanges first."""
    folder = tmp_path / "recorded"
    folder.mkdir()
    [shipped] = cassettes_dir().glob(
        "test_no_token_is_401_invalid_authentication_token_v1.0-windowsAutopilotDeviceIdentity.list-*.yaml"
    )
    data = yaml.safe_load(shipped.read_text(encoding="utf-8"))
    stale = json.loads(json.dumps(data["interactions"][0]))
    stale["request"]["uri"] += "/stale-exchange-of-an-older-emulator"
    data["interactions"].append(stale)
    (folder / shipped.name).write_text(yaml.safe_dump(data), encoding="utf-8")
    selection = "test_no_token_is_401_invalid_authentication_token and v1.0-windowsAutopilotDeviceIdentity.list"
    result = run_suite("--graph-record", "--graph-cassettes", str(folder), "-k", selection, cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-4000:]
    assert [f.name for f in folder.glob("*.yaml")] == [shipped.name]
    recorded = yaml.safe_load((folder / shipped.name).read_text(encoding="utf-8"))["interactions"]
    assert [i["request"]["uri"].split("/", 3)[-1] for i in recorded] == [
        "v1.0/deviceManagement/windowsAutopilotDeviceIdentities"
    ]


def test_the_suite_runs_against_an_emulator_started_by_hand(tmp_path: Path):
    """``graph-contracts emulator`` in one terminal, the suite in another: every token kind from its token
    endpoint (the 403 checks run, none skipped), the requests in its log, no embedded emulator."""
    from loopback import emulator_process

    with emulator_process() as (proc, base_url):
        result = run_suite(
            "--graph-endpoint",
            "emulator",
            "--graph-base-url",
            base_url,
            "--graph-examples",
            "2",
            "-k",
            "(test_auth or test_crud) and v1.0-importedWindowsAutopilotDeviceIdentity"
            # the least-permission tests mint tokens of one chosen permission: embedded emulator only
            " and not least_permission and not one_step_down",
            cwd=tmp_path,
        )
        proc.terminate()
        out, _ = proc.communicate(timeout=10)
    assert result.returncode == 0, result.stdout[-4000:]
    summary = _summary(result)
    assert " passed" in summary and "skipped" not in summary and "failed" not in summary, summary
    logged = [line for line in out.splitlines() if line.startswith(("GET /", "POST /", "DELETE /", "PATCH /"))]
    assert any(" 403 " in line for line in logged) and any(" 201 " in line for line in logged), logged[:20]
    # write, read and no-permission tokens: three apps, one round trip each (and again per xdist worker)
    tokens = [line for line in logged if "/oauth2/v2.0/token 200 " in line]
    assert len(tokens) >= 3 and all(line.startswith(f"POST /{DEFAULT_TENANT}/") for line in tokens), tokens


def test_the_suite_says_once_when_no_emulator_answers_at_the_url(tmp_path: Path):
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    result = run_suite(
        "--graph-endpoint", "emulator", "--graph-base-url", f"http://127.0.0.1:{port}", "-k", "test_auth", cwd=tmp_path
    )
    assert result.returncode == 4, result.stdout[-2000:]  # pytest's usage error
    assert f"no graph-contracts emulator answers at http://127.0.0.1:{port}" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout

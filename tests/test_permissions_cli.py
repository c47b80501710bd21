"""graph-contracts permissions: operations, traffic recorded from the emulator, and tokens decoded locally."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from graph_contracts.cli import main
from graph_contracts.graph.emulator import running_emulator
from graph_contracts.permissions import load_permission_data
from graph_contracts.permissions.needs import EXAMPLES_KEPT, needs_of_requests, operation_permissions
from graph_contracts.permissions.token import TokenError, decode_token
from graph_contracts.traffic.permissions import traffic_needs
from har_recorder import HarRecorder

READ = "DeviceManagementServiceConfig.Read.All"
WRITE = "DeviceManagementServiceConfig.ReadWrite.All"
IMPORTED = "/v1.0/deviceManagement/importedWindowsAutopilotDeviceIdentities"
DEVICES = "/v1.0/deviceManagement/windowsAutopilotDeviceIdentities"
FIXTURES = Path(__file__).parent / "fixtures" / "permissions"


@pytest.fixture(scope="module")
def har(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A HAR a real client recorded against the emulator: an import, reads, and one request outside the data."""
    recorder = HarRecorder()
    with (
        running_emulator() as handle,
        httpx.Client(base_url=handle.base_url, headers=handle.headers(), event_hooks=recorder.hooks) as client,
    ):
        imported = client.post(f"{IMPORTED}/import", json={"importedWindowsAutopilotDeviceIdentities": []})
        assert imported.status_code == 200, imported.text
        listed = client.get(IMPORTED)
        assert listed.status_code == 200
        client.get(f"{IMPORTED}/00000000-0000-0000-0000-000000000001")
        client.get(DEVICES, params={"$top": "5"})
        client.get("/v1.0/users")
    yield recorder.save(tmp_path_factory.mktemp("har") / "session.har")


def _jwt(claims: dict[str, object], signature: str = "c2lnbmF0dXJl") -> str:
    def part(value: object) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"{part({'typ': 'JWT', 'alg': 'RS256'})}.{part(claims)}.{signature}"


def _token_file(tmp_path: Path, roles: list[str], *, expires_in: int = 3600, name: str = "token.jwt") -> Path:
    now = int(time.time())
    claims = {
        "aud": "https://graph.microsoft.com",
        "tid": "t",
        "appid": "a",
        "iat": now,
        "nbf": now,
        "exp": now + expires_in,
        "roles": roles,
    }
    target = tmp_path / name
    target.write_text(_jwt(claims) + "\n", encoding="utf-8")
    return target


# -- traffic


def test_traffic_recorded_from_the_emulator_needs_readwrite_for_the_import_and_read_for_reads(har: Path):
    needs = traffic_needs(load_permission_data(), [har])
    by_route = {(r.method, r.template): r for r in needs.routes}
    imp = by_route[("POST", "/devicemanagement/importedwindowsautopilotdeviceidentities/import")]
    assert imp.least("Application") == WRITE and imp.least("DelegatedWork") == WRITE
    for route in [
        ("GET", "/devicemanagement/importedwindowsautopilotdeviceidentities"),
        ("GET", "/devicemanagement/importedwindowsautopilotdeviceidentities/{id}"),
        ("GET", "/devicemanagement/windowsautopilotdeviceidentities"),
    ]:
        assert by_route[route].least("Application") == READ
    assert needs.covering("Application") == (WRITE,)  # ReadWrite.All, needed for the import, covers the reads
    assert [(u.method, u.path) for u in needs.unknown] == [("GET", "/users")]


def test_permissions_traffic_prints_which_request_needs_which_and_lists_unknowns(
    har: Path, capsys: pytest.CaptureFixture[str]
):
    assert main(["permissions", "--traffic", str(har)]) == 0
    out = capsys.readouterr().out
    assert f"POST /devicemanagement/importedwindowsautopilotdeviceidentities/import: {WRITE}" in out
    assert f"GET /devicemanagement/importedwindowsautopilotdeviceidentities: {READ}" in out
    assert f"least covering set (application): {WRITE}" in out
    assert "unknown to the permissions data (not guessed):" in out and "GET /users: the data knows no such path" in out
    assert "microsoftgraph/microsoft-graph-devx-content@6cbd6bbd665a" in out


def test_what_is_kept_does_not_grow_with_the_number_of_requests():
    """A tally per route (a count and the first few locations), never a list of requests.

    Measured end to end on a HAR of 100,000 entries (peak memory) in benchmarks/permissions.py.
    """
    data = load_permission_data()
    requests = (("GET", f"{IMPORTED}/id-{i}", f"big.har#{i}") for i in range(30_000))
    unknown = (("GET", f"/v1.0/users/{i}", f"big.har#{i}") for i in range(30_000))
    needs = needs_of_requests(data, (r for pair in zip(requests, unknown, strict=True) for r in pair))
    assert needs.requests == 60_000
    assert [r.requests for r in needs.routes] == [30_000] and [u.requests for u in needs.unknown] == [30_000]
    assert needs.routes[0].examples == ("big.har#0", "big.har#1", "big.har#2")
    assert len(needs.unknown[0].examples) == EXAMPLES_KEPT


# -- tokens


def test_a_token_with_only_read_cannot_import(har: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    token = _token_file(tmp_path, [READ])
    assert main(["permissions", "--token", str(token), "--traffic", str(har)]) == 1
    out = capsys.readouterr().out
    assert f"403 predicted: POST /devicemanagement/importedwindowsautopilotdeviceidentities/import needs {WRITE}" in out
    assert "403 predicted: GET" not in out
    assert "signature was not verified" in out and "over-granted" not in out


def test_a_token_with_directory_readwrite_as_well_is_over_granted(
    har: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    token = _token_file(tmp_path, [READ, WRITE, "Directory.ReadWrite.All"])
    assert main(["permissions", "--token", str(token), "--traffic", str(har)]) == 1
    out = capsys.readouterr().out
    assert "over-granted: no request needs Directory.ReadWrite.All" in out
    assert "403 predicted" not in out
    assert "not counting 1 requests unknown to the data" in out  # GET /users: a granted permission may serve it


def test_a_token_is_judged_against_every_operation_without_traffic(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    token = _token_file(tmp_path, [READ, "Directory.ReadWrite.All"])
    assert main(["permissions", "--token", str(token)]) == 1
    out = capsys.readouterr().out
    assert f"/devicemanagement/importedwindowsautopilotdeviceidentities/import needs {WRITE}" in out
    assert "over-granted: no request needs Directory.ReadWrite.All" in out


def test_a_fitting_token_is_ok_and_read_from_stdin(
    har: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
):
    import io

    token = _token_file(tmp_path, [READ, WRITE])
    monkeypatch.setattr("sys.stdin", io.StringIO("Bearer " + token.read_text(encoding="utf-8")))
    assert main(["permissions", "--token", "-", "--traffic", str(har)]) == 0
    assert "holds what every request needs" in capsys.readouterr().out


def test_an_expired_token_is_reported_as_such(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    token = _token_file(tmp_path, [WRITE], expires_in=-600)
    assert main(["permissions", "--token", str(token)]) == 1
    assert "expired: the token expired at" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("not-a-token", "expected three sections"),
        (_jwt({"roles": []}, signature="abc$def"), "section 3 (signature) is not base64url"),
        (_jwt({"roles": []}, signature="a"), "section 3 (signature) is not base64url"),
        (
            "eyJhbGciOiJub25lIn0." + base64.urlsafe_b64encode(b"not json").decode().rstrip("=") + ".c2ln",
            "claims (section 2) is not JSON",
        ),
        ("eyJhbGciOiJub25lIn0.WzEsMl0.c2ln", "claims (section 2) is not a JSON object"),
        ('{"expiresOn": "x"}', "must hold 'accessToken'"),
    ],
)
def test_a_bad_token_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, expected: str
):
    target = tmp_path / "bad.jwt"
    target.write_text(text, encoding="utf-8")
    assert main(["permissions", "--token", str(target)]) == 2
    captured = capsys.readouterr()
    assert expected in captured.err and "Traceback" not in captured.err
    assert len(captured.err.strip().splitlines()) == 1 and captured.out == ""
    if "signature" in expected:
        assert "signature was not verified" in captured.err


def test_decoding_reads_az_json_and_delegated_scopes():
    token = _jwt({"aud": "00000003-0000-0000-c000-000000000000", "scp": f"{READ} User.Read", "exp": 1})
    claims = decode_token(json.dumps({"accessToken": token, "expiresOn": "2026-01-01"}))
    assert claims.kind == "DelegatedWork" and claims.permissions == {READ, "User.Read"}
    assert claims.expired(now=2) and claims.algorithm == "RS256"
    with pytest.raises(TokenError):
        decode_token("a.b")


# -- operations


def test_operation_import_gives_least_level_guid_and_az_line(capsys: pytest.CaptureFixture[str]):
    assert main(["permissions", "--operation", "import"]) == 0
    out = capsys.readouterr().out
    assert f"application: {WRITE} (privilege level 3, id 5ac13192-7ace-4fcf-b828-1a26f28068ee)" in out
    assert (
        "AzureCloud (public): az ad app permission add --id <app-id> --api 00000003-0000-0000-c000-000000000000 "
        "--api-permissions 5ac13192-7ace-4fcf-b828-1a26f28068ee=Role"
    ) in out
    assert "--api-permissions 662ed50a-ac44-4eef-ad86-62eed9be2a29=Scope" in out
    for version in ("v1.0", "beta"):
        assert f"{version} importedWindowsAutopilotDeviceIdentity.import" in out


def test_an_az_line_per_cloud_the_data_says_it_is_deployed_in():
    data = load_permission_data(FIXTURES / "permissions.json")
    (v1,) = [o for o in operation_permissions(data, "import") if o.version == "v1.0"]
    app = v1.kind("Application")
    assert app is not None and [a.az_cloud for a in app.az] == ["AzureCloud", "AzureUSGovernment"]
    delegated = v1.kind("DelegatedWork")
    assert delegated is not None and delegated.info is not None and delegated.info.id is None and delegated.az == ()


def test_all_lists_every_operation_and_says_where_the_data_has_nothing(capsys: pytest.CaptureFixture[str]):
    assert main(["permissions", "--all"]) == 0
    out = capsys.readouterr().out
    assert out.count("\nv1.0 ") + out.count("\nbeta ") == len(load_permission_data().operations)
    assert "the permissions data lists no permission" in out  # v1.0 PATCH on imported devices


def test_an_unknown_operation_names_the_verbs(capsys: pytest.CaptureFixture[str]):
    assert main(["permissions", "--operation", "imprt"]) == 2
    err = capsys.readouterr().err
    assert "no operation 'imprt'" in err and "import" in err


def test_operation_and_traffic_together_are_refused(har: Path, capsys: pytest.CaptureFixture[str]):
    assert main(["permissions", "--operation", "import", "--traffic", str(har)]) == 2
    assert "give one of" in capsys.readouterr().err


def test_ndjson_and_dev_proxy_mocks_are_read_too(tmp_path: Path):
    ndjson = tmp_path / "calls.ndjson"
    lines = [
        {
            "request": {"method": "post", "url": f"https://graph.microsoft.com{IMPORTED}/import"},
            "response": {"status": 200},
        },
        {
            "request": {"method": "GET", "url": f"https://graph.microsoft.com{DEVICES}('x')/"},
            "response": {"status": 200},
        },
    ]
    ndjson.write_text("\n".join(json.dumps(line) for line in lines) + "\n", encoding="utf-8")
    mocks = tmp_path / "mocks.json"
    mocks.write_text(
        json.dumps(
            {
                "mocks": [
                    {
                        "request": {"url": f"https://graph.microsoft.com{DEVICES}/*", "method": "DELETE"},
                        "response": {"statusCode": 204},
                    },
                ]
            }
        ),
        encoding="utf-8",
    )
    needs = traffic_needs(load_permission_data(), [ndjson, mocks])
    assert {(r.method, r.template, r.least("Application")) for r in needs.routes} == {
        ("POST", "/devicemanagement/importedwindowsautopilotdeviceidentities/import", WRITE),
        ("GET", "/devicemanagement/windowsautopilotdeviceidentities/{id}", READ),
        ("DELETE", "/devicemanagement/windowsautopilotdeviceidentities/{id}", WRITE),
    }
    assert needs.unknown == ()

"""Cassettes: what recording writes to disk, how replay matches, and the secret scanner.

A real exchange (a client-credentials token, a POST and a GET carrying a UPN
and an Autopilot hardware hash) is recorded once per module against a
Starlette app on loopback, with a real vcrpy cassette. The server is then
stopped, and the replay tests point the client at a different base URL.
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
import yaml
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from vcr.request import Request as VcrRequest

from graph_contracts.errors import CassetteMissError, ConfigurationError, InputFileError
from graph_contracts.graph.auth import ClientCredentials
from graph_contracts.graph.client import GraphClient
from graph_contracts.graph.recording import (
    PLACEHOLDER,
    RECORD_MODES,
    cassette_path,
    closest_recorded,
    graph_request,
    graph_vcr,
    json_body,
    scan_for_secrets,
    scrub_request,
)
from graph_contracts.traffic.exchange import header_value
from loopback import serve

TENANT = "8b0e1c7a-52f3-4d6e-9a41-3f2d7c9e0b15"
CLIENT_ID = "5f1c2d3e-0000-4a4a-9b9b-123456789abc"
SECRET = "s3cr3t~Value.That-Must-Not-Leak"
SCOPE = "https://graph.microsoft.com/.default"
ACCESS_TOKEN = (
    "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9."
    "eyJhdWQiOiJodHRwczovL2dyYXBoLm1pY3Jvc29mdC5jb20iLCJ0aWQiOiI4YjBlIn0."
    "c2lnbmF0dXJlLXZhbHVl"
)
REFRESH_TOKEN = "0.ARwA-refresh-token-value-that-must-not-leak"
LOGIN_COOKIE = "fpc=login-cookie-value"
SESSION_COOKIE = "session=graph-cookie-value"
UPN = "alice.smith@contoso.com"
HARDWARE_HASH = base64.b64encode(hashlib.sha512(b"device").digest() * 6).decode()
SERIAL = "SN-0001"
ITEMS = "/deviceManagement/importedWindowsAutopilotDeviceIdentities"
DEVICE = {
    "@odata.type": "#microsoft.graph.importedWindowsAutopilotDeviceIdentity",
    "serialNumber": SERIAL,
    "productKey": "",
    "hardwareIdentifier": HARDWARE_HASH,
    "assignedUserPrincipalName": UPN,
    "groupTag": "kiosk",
}
REPLAY_BASE = "https://graph.replay.invalid:8443"
NODEID = "tests/test_recording.py::test_import_device[contoso]"


# --- the loopback server ------------------------------------------------------------------


async def token_endpoint(request: Request) -> JSONResponse:
    form = parse_qs((await request.body()).decode())
    if form.get("client_secret") != [SECRET]:
        return JSONResponse({"error": "invalid_client", "error_description": "bad secret"}, 401)
    body = {
        "token_type": "Bearer",
        "expires_in": 3599,
        "access_token": ACCESS_TOKEN,
        "refresh_token": REFRESH_TOKEN,
    }
    return JSONResponse(body, headers={"Set-Cookie": f"{LOGIN_COOKIE}; path=/; secure"})


async def devices(request: Request) -> JSONResponse:
    if request.headers.get("authorization") != f"Bearer {ACCESS_TOKEN}":
        return JSONResponse({"error": {"code": "InvalidAuthenticationToken", "message": "no"}}, 401)
    if request.method == "POST":
        created = {**(await request.json()), "id": "d-1", "state": {"deviceImportStatus": "pending"}}
        return JSONResponse(created, 201, headers={"request-id": "req-post"})
    return JSONResponse({"value": [{**DEVICE, "id": "d-1"}]}, headers={"request-id": "req-get"})


APP = Starlette(
    routes=[
        Route("/{tenant}/oauth2/v2.0/token", token_endpoint, methods=["POST"]),
        Route(f"/v1.0{ITEMS}", devices, methods=["GET", "POST"]),
    ]
)


def exchange(base_url: str, device: dict[str, Any] = DEVICE) -> tuple[Any, Any]:
    """The exchange under test: a token, then create a device and list devices."""
    tokens = ClientCredentials(TENANT, CLIENT_ID, SECRET, authority=base_url, scope=SCOPE)
    with GraphClient(base_url, tokens) as client:
        created = client.post(ITEMS, json=device, headers={"Cookie": SESSION_COOKIE}).json()
        listed = client.get(ITEMS, params={"$top": "1"}).json()
    return created, listed


@dataclass(frozen=True)
class Recording:
    directory: Path
    name: str
    text: str
    live: tuple[Any, Any]

    @property
    def file(self) -> Path:
        return self.directory / self.name

    def recorder(self) -> Any:
        return graph_vcr(self.directory, "none", scrub_upns=True, scrub_hashes=True)


@pytest.fixture(scope="module")
def recording(tmp_path_factory: pytest.TempPathFactory) -> Recording:
    """Record the exchange once, then stop the server: replays below have no network."""
    directory = tmp_path_factory.mktemp("cassettes")
    name = cassette_path(NODEID)
    with serve(APP) as base_url:
        recorder = graph_vcr(directory, "once", scrub_upns=True, scrub_hashes=True)
        with recorder.use_cassette(name):
            live = exchange(base_url)
    return Recording(directory, name, (directory / name).read_text(), live)


# --- what is written ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "secret",
    [SECRET, ACCESS_TOKEN, REFRESH_TOKEN, LOGIN_COOKIE, SESSION_COOKIE, TENANT, UPN, HARDWARE_HASH],
    ids=["secret", "access", "refresh", "set-cookie", "cookie", "tenant", "upn", "hash"],
)
def test_recorded_cassette_contains_none_of_the_secrets(recording: Recording, secret: str) -> None:
    assert secret not in recording.text
    assert secret.split("=")[-1] not in recording.text


def test_recorded_cassette_holds_placeholders_in_their_place(recording: Recording) -> None:
    interactions = yaml.safe_load(recording.text)["interactions"]
    token_request, post, get = (i["request"] for i in interactions)
    token_response = interactions[0]["response"]

    assert "client_secret=REDACTED" in token_request["body"]
    assert "/00000000-0000-4000-8000-" in token_request["uri"]
    assert json.loads(token_response["body"]["string"])["access_token"] == PLACEHOLDER
    assert json.loads(token_response["body"]["string"])["refresh_token"] == PLACEHOLDER
    assert token_response["headers"]["set-cookie"] == [PLACEHOLDER]
    assert post["headers"]["authorization"] == [PLACEHOLDER]
    assert get["headers"]["authorization"] == [PLACEHOLDER]
    assert post["headers"]["cookie"] == [PLACEHOLDER]
    assert post["headers"]["content-length"] == [str(len(post["body"].encode()))]


def test_tenant_upn_and_hash_become_stable_fakes_of_the_same_shape(recording: Recording) -> None:
    interactions = yaml.safe_load(recording.text)["interactions"]
    token_path = interactions[0]["request"]["uri"].split("/")[3]
    sent = json.loads(interactions[1]["request"]["body"])

    assert token_path.startswith("00000000-0000-4000-8000-") and len(token_path) == len(TENANT)
    assert sent["assignedUserPrincipalName"].startswith("user-")
    assert sent["assignedUserPrincipalName"].endswith("@example.invalid")
    fake_hash = sent["hardwareIdentifier"]
    assert len(fake_hash) == len(HARDWARE_HASH) and fake_hash != HARDWARE_HASH
    base64.b64decode(fake_hash, validate=True)
    listed = json.loads(interactions[2]["response"]["body"]["string"])["value"][0]
    assert listed["assignedUserPrincipalName"] == sent["assignedUserPrincipalName"]
    assert listed["hardwareIdentifier"] == fake_hash


def test_scanner_finds_nothing_in_the_recorded_cassette(recording: Recording) -> None:
    assert scan_for_secrets(recording.file) == []


# --- replay -------------------------------------------------------------------------------


def test_replay_against_another_base_url_gives_the_recorded_response(recording: Recording) -> None:
    with recording.recorder().use_cassette(recording.name):
        created, listed = exchange(REPLAY_BASE)

    live_created, live_listed = recording.live
    assert created["serialNumber"] == live_created["serialNumber"] == SERIAL
    assert created["state"] == live_created["state"]
    assert created["assignedUserPrincipalName"].endswith("@example.invalid")
    assert [d["id"] for d in listed["value"]] == [d["id"] for d in live_listed["value"]]


def test_replay_matches_a_body_whose_keys_are_reordered(recording: Recording) -> None:
    reordered = dict(reversed(list(DEVICE.items())))
    assert list(reordered) != list(DEVICE)

    with recording.recorder().use_cassette(recording.name):
        created, _ = exchange(REPLAY_BASE, reordered)

    assert created["id"] == "d-1"


def test_replay_of_an_unrecorded_request_fails_naming_it(recording: Recording) -> None:
    tokens = ClientCredentials(TENANT, CLIENT_ID, SECRET, authority=REPLAY_BASE, scope=SCOPE)
    with pytest.raises(CassetteMissError) as caught:  # noqa: SIM117 - the error surfaces on leaving
        with recording.recorder().use_cassette(recording.name):
            with GraphClient(REPLAY_BASE, tokens) as client:
                client.get("/deviceManagement/windowsAutopilotDeviceIdentities")

    error = caught.value
    assert error.method == "GET"
    assert error.url == f"{REPLAY_BASE}/v1.0/deviceManagement/windowsAutopilotDeviceIdentities"
    assert "GET" in str(error) and "windowsAutopilotDeviceIdentities" in str(error)
    assert error.cassette.endswith(recording.name)


def test_replay_with_a_changed_body_fails(recording: Recording) -> None:
    changed = {**DEVICE, "groupTag": "not-what-was-recorded"}
    with pytest.raises(CassetteMissError) as caught:  # noqa: SIM117
        with recording.recorder().use_cassette(recording.name):
            exchange(REPLAY_BASE, changed)

    assert caught.value.method == "POST"
    assert "/groupTag" in caught.value.detail


def test_replay_without_a_cassette_fails_naming_the_request(tmp_path: Path) -> None:
    with pytest.raises(CassetteMissError, match=r"POST .*/oauth2/v2.0/token"):  # noqa: SIM117
        with graph_vcr(tmp_path).use_cassette("never-recorded.yaml"):
            exchange(REPLAY_BASE)


def test_record_mode_must_be_one_of_the_four(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError) as caught:
        graph_vcr(tmp_path, "sometimes")

    assert caught.value.choices == RECORD_MODES == ("none", "once", "new_episodes", "all")


# --- matching and scrubbing, one function at a time ---------------------------------------


@dataclass
class FakeVcrRequest:
    body: bytes | None
    headers: dict[str, str]
    uri: str = "https://graph.microsoft.com/v1.0/x"


def json_request(body: Any) -> FakeVcrRequest:
    return FakeVcrRequest(json.dumps(body).encode(), {"Content-Type": "application/json"})


def test_json_body_ignores_key_order() -> None:
    json_body(json_request({"a": 1, "b": {"c": [1, 2]}}), json_request({"b": {"c": [1, 2]}, "a": 1}))


@pytest.mark.parametrize(
    ("live", "recorded", "where"),
    [({"a": True}, {"a": 1}, "/a"), ({"a": [1, 2]}, {"a": [2, 1]}, "/a/0"), ({"a": 1}, {}, "/a")],
)
def test_json_body_tells_where_bodies_differ(live: Any, recorded: Any, where: str) -> None:
    with pytest.raises(AssertionError, match=f"at {where}$"):
        json_body(json_request(live), json_request(recorded))


def test_json_body_compares_forms_as_unordered_fields() -> None:
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    json_body(FakeVcrRequest(b"a=1&b=2", form), FakeVcrRequest(b"b=2&a=1", form))
    with pytest.raises(AssertionError, match="differ in b"):
        json_body(FakeVcrRequest(b"a=1&b=2", form), FakeVcrRequest(b"a=1&b=3", form))


def test_json_body_reads_a_vcr_requests_content_type_in_any_case() -> None:
    """The matcher reads the header through traffic's one lookup, ``header_value``, on vcrpy's own requests."""
    uri = "https://graph.microsoft.com/v1.0/x"
    form = {"CONTENT-type": "Application/X-WWW-Form-Urlencoded; charset=utf-8"}
    json_body(VcrRequest("POST", uri, b"a=1&b=2", form), VcrRequest("POST", uri, b"b=2&a=1", form))
    with pytest.raises(AssertionError, match="differ in b"):
        json_body(VcrRequest("POST", uri, b"a=1&b=2", form), VcrRequest("POST", uri, b"a=1&b=3", form))
    with pytest.raises(AssertionError, match=r"bodies differ \(7 bytes"):  # no form without the header
        json_body(VcrRequest("POST", uri, b"a=1&b=2", {}), VcrRequest("POST", uri, b"b=2&a=1", {}))


def test_header_value_reads_recorded_headers_and_a_mappings_items_alike() -> None:
    pairs = (("Content-Type", "text/plain"), ("content-type", "application/json"), ("X-A", ""))
    assert header_value(pairs, "CONTENT-TYPE") == "text/plain"  # the first, as written
    assert header_value(dict(pairs[1:]).items(), "Content-Type") == "application/json"
    assert header_value(pairs, "x-a") == ""
    assert header_value(pairs, "x-b") is None


@pytest.mark.parametrize(
    ("tenant", "kept"),
    [("contoso.onmicrosoft.com", False), (TENANT, False), ("common", True), ("organizations", True)],
)
def test_token_endpoint_tenants_are_replaced_unless_well_known(tenant: str, kept: bool) -> None:
    def scrubbed() -> str:
        uri = f"https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token"
        request = FakeVcrRequest(None, {}, uri)
        return str(scrub_request(request).uri).split("/")[3]

    assert (scrubbed() == tenant) is kept
    assert scrubbed() == scrubbed()
    if tenant.endswith(".com"):
        assert scrubbed().startswith("tenant-") and scrubbed().endswith(".example.invalid")


def test_upns_are_kept_unless_asked_to_scrub_them() -> None:
    kept = scrub_request(json_request({"userPrincipalName": UPN}))
    scrubbed = scrub_request(json_request({"userPrincipalName": UPN}), scrub_upns=True)

    assert json.loads(kept.body) == {"userPrincipalName": UPN}
    assert json.loads(scrubbed.body)["userPrincipalName"].endswith("@example.invalid")


def test_cassette_path_is_safe_stable_and_unique() -> None:
    first = cassette_path("tests/test_x.py::TestY::test_z[a/b: c]")
    other = cassette_path("tests/test_x.py::TestY::test_z[a_b__c]")

    assert first == cassette_path("tests/test_x.py::TestY::test_z[a/b: c]")
    assert first != other
    assert first.startswith("tests.test_x.TestY.test_z_a_b_c")
    assert first.endswith(".yaml")
    assert set(first) <= set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
    assert cassette_path("tests/test_x.py::test_plain") == "tests.test_x.test_plain.yaml"
    assert len(cassette_path("t.py::" + "x" * 500)) < 140


# --- the secret scanner -------------------------------------------------------------------


PLANTED = f"""\
interactions:
- request:
    body: grant_type=client_credentials&client_id=abc&client_secret=planted-secret-1
    headers:
      Authorization:
      - Bearer planted-bearer-token-abcdefghijkl
    uri: https://graph.microsoft.com/v1.0/me
  response:
    body:
      string: '{{"token_type": "Bearer", "expires_in": 3599, "access_token": "planted-access",
        "refresh_token": "planted-refresh", "id_token": "{ACCESS_TOKEN}"}}'
    headers:
      Set-Cookie:
      - {PLACEHOLDER}
"""
PLANTED_KINDS = {"secret-name-value", "secret-header", "auth-scheme-credential", "jwt"}


def test_scanner_finds_each_kind_of_planted_secret_with_its_line(tmp_path: Path) -> None:
    planted = tmp_path / "planted.yaml"
    planted.write_text(PLANTED)

    findings = scan_for_secrets(tmp_path)

    assert {f.kind for f in findings} == PLANTED_KINDS
    assert {f.file for f in findings} == {str(planted)}
    assert {(f.line, f.kind) for f in findings} == {
        (3, "secret-name-value"),  # client_secret=
        (6, "secret-header"),  # Authorization:
        (6, "auth-scheme-credential"),  # Bearer ...
        (10, "secret-name-value"),  # access_token
        (11, "secret-name-value"),  # refresh_token, id_token
        (11, "jwt"),
    }


def test_scanner_reads_plain_text_files_too(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("ok\nAuthorization: Bearer abcdefghijklmnopqrstuvwxyz\n")

    assert [(f.line, f.kind) for f in scan_for_secrets(tmp_path)] == [
        (2, "auth-scheme-credential"),
        (2, "secret-name-value"),
    ]


def test_scanner_refuses_a_path_that_does_not_exist(tmp_path: Path) -> None:
    with pytest.raises(InputFileError):
        scan_for_secrets(tmp_path / "missing")


def test_no_secrets_in_cassettes(tmp_path: Path) -> None:
    """The repository's cassettes hold no secret, and the scanner would have seen one."""
    repo_cassettes = Path(__file__).parents[1] / "cassettes"
    copy = tmp_path / "cassettes"
    if repo_cassettes.is_dir():
        shutil.copytree(repo_cassettes, copy)
    else:
        copy.mkdir()
    (copy / "zz-planted.yaml").write_text(PLANTED)

    in_copy = scan_for_secrets(copy)
    assert {f.kind for f in in_copy} == PLANTED_KINDS
    assert {Path(f.file).name for f in in_copy} == {"zz-planted.yaml"}
    if repo_cassettes.exists():
        assert scan_for_secrets(repo_cassettes) == []


def test_a_replay_matches_on_method_path_query_and_json_body_and_names_the_closest_on_a_miss() -> None:
    from vcr.request import Request

    headers = {"Content-Type": "application/json"}
    live = Request("POST", "https://graph.replay.invalid/v1.0/a?x=1&y=2", b'{"k": 1, "j": [1]}', headers)
    assert graph_request(live, Request("POST", "https://other.host/v1.0/a?y=2&x=1", b'{"j":[1],"k":1}', headers))
    recorded = [
        Request("GET", "https://graph.replay.invalid/v1.0/a?x=1&y=2", None, {}),
        Request("POST", "https://graph.replay.invalid/v1.0/a?x=1&y=2", b'{"k": 2, "j": [1]}', headers),
        Request("POST", "https://graph.replay.invalid/v1.0/b", b'{"k": 1, "j": [1]}', headers),
    ]
    assert not any(graph_request(live, r) for r in recorded)
    closest = closest_recorded(live, recorded)
    assert closest[0] == "POST https://graph.replay.invalid/v1.0/a?x=1&y=2 (body: JSON bodies differ at /k)"
    assert len(closest) == 3

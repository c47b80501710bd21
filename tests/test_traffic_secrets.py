"""The secret rule table, through all three of its users: the recorder, ``traffic scrub`` and ``traffic scan``.

Each of 30 placements (headers in any case, query strings, forms with and
without their Content-Type, multipart, JSON in every key spelling, error
messages, Location, cookies, gzip) is sent through a real HTTP exchange on
loopback and recorded twice: by plain vcrpy (what a team's own cassette holds)
and by the project's recorder. The plain cassette must be flagged by the
scanner, the recorder's must not hold the secret, the scrub command's copy of
the plain one must not either, and both must scan clean.
"""

from __future__ import annotations

import base64
import gzip
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus

import httpx
import pytest
import vcr
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from vcr.request import Request as VcrRequest

from graph_contracts.cli import main
from graph_contracts.graph.recording import graph_vcr
from graph_contracts.traffic.scan import SecretLeakError, scan_paths, scan_text
from graph_contracts.traffic.secrets import PLACEHOLDER, is_secret_key, scrub_text
from loopback import serve

JWT = (
    "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJodHRwczovL2dyYXBoLm1pY3Jvc29mdC5jb20iLCJ0aWQiOiJ4In0."
    "Zm9vYmFyLXNpZ25hdHVyZS12YWx1ZQ"
)
OPAQUE = "EwBwA8l6BAAU7p9QDpi-opaque-access-token-value"
CLIENT_SECRET = "Qx8Q~planted.client_secret-Value2"
SAS_SIG = "k3Yx%2Bq9L0planted%2FSASsignature%3D"
PASSWORD = "Planted-P4ssw0rd-9x"
SUB_KEY = "4f0c2a9e8b7d41c3a6e5f9d8c7b6a5e4"
COOKIE = "ESTSAUTH=planted-session-cookie-value"
ITEMS = "/v1.0/deviceManagement/importedWindowsAutopilotDeviceIdentities"


@dataclass(frozen=True)
class Placement:
    name: str
    secret: str  # what must not reach the cassette
    send: Callable[[httpx.Client], Any]


def _json(body: Any) -> Callable[[httpx.Client], Any]:
    return lambda c: c.post("/echo", json=body)


def _get(path: str, **kw: Any) -> Callable[[httpx.Client], Any]:
    return lambda c: c.get(path, **kw)


PLACEMENTS = [
    Placement("authorization-bearer", OPAQUE, _get("/echo", headers={"Authorization": f"Bearer {OPAQUE}"})),
    Placement("AUTHORIZATION-jwt", JWT, _get("/echo", headers={"AUTHORIZATION": f"Bearer {JWT}"})),
    Placement(
        "authorization-basic",
        "dXNlcjpQbGFudGVkLVA0c3N3MHJkIQ==",
        _get("/echo", headers={"authorization": "Basic dXNlcjpQbGFudGVkLVA0c3N3MHJkIQ=="}),
    ),
    Placement(
        "proxy-authorization",
        "cHJveHk6cGxhbnRlZC1wcm94eS1zZWNyZXQ=",
        _get("/echo", headers={"Proxy-Authorization": "Basic cHJveHk6cGxhbnRlZC1wcm94eS1zZWNyZXQ="}),
    ),
    Placement("cookie", "planted-session-cookie-value", _get("/echo", headers={"Cookie": COOKIE})),
    Placement(
        "x-ms-authorization-auxiliary", JWT, _get("/echo", headers={"x-ms-authorization-auxiliary": f"Bearer {JWT}"})
    ),
    Placement("ocp-apim-subscription-key", SUB_KEY, _get("/echo", headers={"Ocp-Apim-Subscription-Key": SUB_KEY})),
    Placement("api-key", "planted-api-key-0f3c9", _get("/echo", headers={"api-key": "planted-api-key-0f3c9"})),
    Placement("query-access_token", OPAQUE, _get("/echo", params={"access_token": OPAQUE})),
    Placement("query-jwt", JWT, _get("/echo", params={"state": JWT})),
    Placement("query-sas-sig", "planted", _get(f"/echo?sv=2022-11-02&se=2030-01-01&sp=r&sig={SAS_SIG}")),
    Placement(
        "userinfo-password",
        PASSWORD,
        lambda c: c.get(str(c.base_url).replace("://", f"://admin:{PASSWORD}@") + "/echo"),
    ),
    Placement(
        "form-client_secret",
        CLIENT_SECRET,
        lambda c: c.post("/token", data={"grant_type": "client_credentials", "client_secret": CLIENT_SECRET}),
    ),
    Placement(
        "form-without-content-type",
        CLIENT_SECRET,
        lambda c: c.post(
            "/token",
            content=f"grant_type=client_credentials&client_secret={CLIENT_SECRET}",
            headers={"Content-Type": "text/plain"},
        ),
    ),
    Placement(
        "form-password",
        PASSWORD,
        lambda c: c.post("/token", data={"grant_type": "password", "username": "u", "password": PASSWORD}),
    ),
    Placement(
        "form-client_assertion",
        JWT,
        lambda c: c.post("/token", data={"client_assertion_type": "jwt-bearer", "client_assertion": JWT}),
    ),
    Placement(
        "multipart-client_secret",
        CLIENT_SECRET,
        lambda c: c.post("/token", data={"client_secret": CLIENT_SECRET}, files={"f": ("a.txt", b"x")}),
    ),
    Placement("json-access_token-nested", OPAQUE, _json({"outer": {"inner": [{"access_token": OPAQUE}]}})),
    Placement("json-accessToken", OPAQUE, _json({"accessToken": OPAQUE})),
    Placement("json-clientSecret", CLIENT_SECRET, _json({"clientSecret": CLIENT_SECRET})),
    Placement("json-secretText", CLIENT_SECRET, _json({"passwordCredential": {"secretText": CLIENT_SECRET}})),
    Placement("json-Access_Token", OPAQUE, _json({"Access_Token": OPAQUE})),
    Placement(
        "json-sas-url",
        "planted",
        _json({"uploadUrl": f"https://acct.blob.core.windows.net/c/b?sv=2022-11-02&sig={SAS_SIG}"}),
    ),
    Placement("set-cookie", "planted-session-cookie-value", _get("/respond/set-cookie")),
    Placement("set-cookie2", "planted-session-cookie-value", _get("/respond/set-cookie2")),
    Placement("location-sas", "planted", _get("/respond/location")),
    Placement("error-message-bearer", OPAQUE, _get("/respond/error-bearer")),
    Placement("error-message-jwt", JWT, _get("/respond/error-jwt")),
    Placement("token-response", OPAQUE, lambda c: c.post("/respond/token")),
    Placement("gzip-response", OPAQUE, _get("/respond/gzip")),
]


async def echo(request: Request) -> JSONResponse:
    await request.body()
    return JSONResponse({"ok": True}, headers={"request-id": "0d4c7f3e-2b1a-4c8e-9f6d-5a3b2c1d0e9f"})


async def respond(request: Request) -> Response:
    kind = request.path_params["kind"]
    if kind in ("set-cookie", "set-cookie2"):
        return JSONResponse({}, headers={kind: f"{COOKIE}; path=/; secure; HttpOnly"})
    if kind == "location":
        sas = f"https://acct.blob.core.windows.net/c/b?sv=2022-11-02&sig={SAS_SIG}"
        return Response(status_code=202, headers={"Location": sas})
    if kind == "error-bearer":
        message = f"Access token validation failure: header was 'Bearer {OPAQUE}'"
        return JSONResponse({"error": {"code": "InvalidAuthenticationToken", "message": message}}, 401)
    if kind == "error-jwt":
        message = f"Token {JWT} is expired"
        return JSONResponse({"error": {"code": "InvalidAuthenticationToken", "message": message}}, 400)
    if kind == "token":
        return JSONResponse(
            {
                "token_type": "Bearer",
                "expires_in": 3599,
                "access_token": OPAQUE,
                "refresh_token": "0.AXoA-planted-refresh",
            }
        )
    body = gzip.compress(json.dumps({"access_token": OPAQUE}).encode())
    return Response(body, headers={"content-type": "application/json", "content-encoding": "gzip"})


APP = Starlette(
    routes=[
        Route("/echo", echo, methods=["GET", "POST"]),
        Route("/token", echo, methods=["POST"]),
        Route("/respond/{kind}", respond, methods=["GET", "POST"]),
    ]
)


@dataclass(frozen=True)
class Recorded:
    plain: Path  # by plain vcrpy, no scrubbing
    scrubbed: Path  # by the project's recorder


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Recorded]:
    plain_dir = tmp_path_factory.mktemp("plain")
    scrubbed_dir = tmp_path_factory.mktemp("scrubbed")
    plain_vcr = vcr.VCR(cassette_library_dir=str(plain_dir), record_mode="all")
    ours = graph_vcr(scrubbed_dir, "all")
    out = {}
    with serve(APP) as base, httpx.Client(base_url=base) as client:
        for placement in PLACEMENTS:
            name = f"{placement.name}.yaml"
            with plain_vcr.use_cassette(name):
                placement.send(client)
            with ours.use_cassette(name):
                placement.send(client)
            out[placement.name] = Recorded(plain_dir / name, scrubbed_dir / name)
    return out


def test_there_are_thirty_placements() -> None:
    assert len({p.name for p in PLACEMENTS}) == 30


@pytest.mark.parametrize("placement", PLACEMENTS, ids=lambda p: p.name)
def test_scanner_flags_the_plain_cassette(recorded: dict[str, Recorded], placement: Placement) -> None:
    plain = recorded[placement.name].plain
    raw = plain.read_text()
    assert placement.secret in raw or "!!binary" in raw  # the gzip body holds it compressed
    assert scan_paths([plain]), f"the scanner missed {placement.name}"


@pytest.mark.parametrize("placement", PLACEMENTS, ids=lambda p: p.name)
def test_recorder_keeps_the_secret_out(recorded: dict[str, Recorded], placement: Placement) -> None:
    scrubbed = recorded[placement.name].scrubbed
    assert placement.secret not in scrubbed.read_text()
    assert PLACEHOLDER in scrubbed.read_text()
    assert scan_paths([scrubbed]) == []


@pytest.mark.parametrize("placement", PLACEMENTS, ids=lambda p: p.name)
def test_scrub_command_keeps_the_secret_out(
    recorded: dict[str, Recorded], placement: Placement, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "scrubbed.yaml"
    assert main(["traffic", "scrub", str(recorded[placement.name].plain), "-o", str(out)]) == 0
    text = out.read_text()
    assert placement.secret not in text
    if placement.name == "gzip-response":  # still gzip: the secret is only visible decompressed
        assert OPAQUE.encode() not in _bodies(out)
    assert main(["traffic", "scan", str(out)]) == 0


def _bodies(path: Path) -> bytes:
    from graph_contracts.traffic import read_traffic

    return b"".join(res.body for _, _, res in read_traffic(path))


# Response-side placements have nothing to match on, and httpx draws a new multipart boundary per request.
REQUEST_SIDE = [
    p for p in PLACEMENTS if not p.name.startswith(("set-cookie", "location", "error", "token-r", "gzip", "multipart"))
]


@pytest.mark.parametrize("placement", REQUEST_SIDE, ids=lambda p: p.name)
def test_scrubbed_cassette_replays(recorded: dict[str, Recorded], placement: Placement) -> None:
    """The fakes are stable: the live request, scrubbed the same way, matches the recorded one."""
    scrubbed = recorded[placement.name].scrubbed
    with (
        graph_vcr(scrubbed.parent, "none").use_cassette(scrubbed.name),
        httpx.Client(base_url="http://127.0.0.1:9") as client,
    ):
        assert placement.send(client).json() == {"ok": True}


def test_recorder_refuses_to_write_a_leaking_cassette_anywhere(tmp_path: Path) -> None:
    """A secret the hooks cannot see (a user hook put it back) stops the write, outside the repo too."""
    outside = tmp_path / "elsewhere" / "cassettes"
    recorder = graph_vcr(outside, "all")

    def leak(response: dict[str, Any]) -> dict[str, Any]:
        response["headers"]["x-debug"] = [f"Bearer {OPAQUE}"]
        return response

    recorder.before_record_response = leak
    with serve(APP) as base, pytest.raises(SecretLeakError) as caught, recorder.use_cassette("leak.yaml"):
        httpx.get(base + "/echo")
    assert not (outside / "leak.yaml").exists()
    assert "auth-scheme-credential" in str(caught.value)


def test_skiptoken_product_key_and_error_code_are_not_secrets() -> None:
    for name in ("$skiptoken", "$deltatoken", "productKey", "token_type"):
        assert not is_secret_key(name)
    text = '{"error": {"code": "BadRequest"}, "@odata.nextLink": "https://g/x?$skiptoken=abcdef0123456789"}'
    assert scrub_text(text) == text
    assert list(scan_text(text)) == []


# --- property: each kind of secret in each place is flagged before scrubbing, and gone after


def _secret_values() -> st.SearchStrategy[str]:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    return st.text(alphabet, min_size=12, max_size=40).map(lambda s: "Zq9" + s)


def _jwt(seed: str) -> str:
    def part(obj: Any) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")

    return f"{part({'typ': 'JWT', 'alg': 'RS256'})}.{part({'sub': seed})}.{seed}"


KEY_SPELLINGS = (
    "access_token",
    "accessToken",
    "Access_Token",
    "ACCESS-TOKEN",
    "client_secret",
    "clientSecret",
    "secretText",
    "refresh_token",
    "id_token",
    "password",
    "client_assertion",
    "userPassword",
)
HEADER_NAMES = (
    "Authorization",
    "authorization",
    "AUTHORIZATION",
    "x-ms-authorization-auxiliary",
    "Ocp-Apim-Subscription-Key",
    "api-key",
    "Cookie",
    "Proxy-Authorization",
)


def _case(name: str, draw: st.DrawFn) -> str:
    flips = draw(st.lists(st.booleans(), min_size=len(name), max_size=len(name)))
    return "".join(c.upper() if f else c.lower() for c, f in zip(name, flips, strict=True))


@st.composite
def planted_cassettes(draw: st.DrawFn) -> tuple[str, str, dict[str, Any]]:
    """(place, secret, a vcrpy cassette dict holding the secret there)."""
    value = draw(_secret_values())
    kind = draw(st.sampled_from(["opaque", "jwt", "sas", "userinfo", "pem", "base64-form", "base64-json"]))
    secret = _jwt(value) if kind == "jwt" else value
    places = ["header", "query", "form", "form-no-type", "json", "multipart", "error-text", "location", "set-cookie"]
    if kind == "pem":  # a key is sent in a body or a header, not as a URL
        places = ["header", "form", "form-no-type", "json", "multipart", "error-text"]
    place = draw(st.sampled_from(places))
    key = draw(st.sampled_from(KEY_SPELLINGS))
    request: dict[str, Any] = {
        "method": "POST",
        "uri": "https://graph.microsoft.com/v1.0/x",
        "body": None,
        "headers": {},
    }  # vcrpy's own Request below
    response: dict[str, Any] = {"status": {"code": 200, "message": "OK"}, "headers": {}, "body": {"string": "{}"}}
    if kind == "sas":
        carrier = f"https://a.blob.core.windows.net/c?sv=2022-11-02&sig={secret}"
    elif kind == "userinfo":
        carrier = f"https://admin:{secret}@proxy.contoso.com/"
    elif kind == "pem":
        label = draw(st.sampled_from(["RSA ", "EC ", "", "ENCRYPTED ", "OPENSSH "]))
        newline = draw(st.sampled_from(["\n", "\r\n"]))
        lines = [(secret * 8)[i * 7 : i * 7 + 64] for i in range(3)]
        carrier = newline.join([f"-----BEGIN {label}PRIVATE KEY-----", *lines, f"-----END {label}PRIVATE KEY-----"])
        if place in ("form", "form-no-type"):
            carrier = quote_plus(carrier)  # a form field as a form sends it, percent-encoded
    elif kind == "base64-form":
        carrier = base64.b64encode(f"client_id=app&{key}={secret}".encode()).decode()
    elif kind == "base64-json":
        carrier = base64.urlsafe_b64encode(json.dumps({key: secret}).encode()).decode().rstrip("=")
    else:
        carrier = None
    if place == "header":
        name = _case(draw(st.sampled_from((*HEADER_NAMES, "x-ms-client-principal", "X-Custom"))), draw)
        request["headers"][name] = [carrier or f"Bearer {secret}"]
    elif place == "query" and kind.startswith("base64"):
        request["uri"] = f"https://graph.microsoft.com/v1.0/x?state={carrier}&$top=1"
    elif place == "query":
        request["uri"] = carrier or f"https://graph.microsoft.com/v1.0/x?{key}={secret}&$top=1"
    elif place in ("form", "form-no-type"):
        request["body"] = f"grant_type=x&{key}={secret}&scope=s" if carrier is None else f"redirect={carrier}"
        request["headers"]["Content-Type"] = ["application/x-www-form-urlencoded" if place == "form" else "text/plain"]
    elif place == "json":
        request["body"] = json.dumps({"outer": [{key: secret}]} if carrier is None else {"url": carrier})
    elif place == "multipart":
        part = f'Content-Disposition: form-data; name="{key}"\r\n\r\n{carrier or secret}'
        request["body"] = f"--b\r\n{part}\r\n--b--\r\n"
        request["headers"]["Content-Type"] = ["multipart/form-data; boundary=b"]
    elif place == "error-text":
        response["status"] = {"code": 401, "message": "Unauthorized"}
        response["body"]["string"] = json.dumps(
            {"error": {"code": "InvalidAuthenticationToken", "message": f"rejected: Bearer {secret} ({carrier})"}}
        )
    elif place == "location" and kind.startswith("base64"):
        response["headers"]["Location"] = [f"https://graph.microsoft.com/v1.0/x?state={carrier}"]
    elif place == "location":
        response["headers"]["Location"] = [carrier or f"https://graph.microsoft.com/v1.0/x?{key}={secret}"]
    else:
        response["headers"][_case("Set-Cookie2" if draw(st.booleans()) else "Set-Cookie", draw)] = [
            f"ESTSAUTH={carrier if kind.startswith('base64') else secret}; path=/"
        ]
    vcr_request = VcrRequest(request["method"], request["uri"], request["body"], request["headers"])
    return f"{kind} in {place}", secret, {"requests": [vcr_request], "responses": [response]}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(planted=planted_cassettes())
def test_each_secret_in_each_place_is_flagged_then_gone(
    planted: tuple[str, str, dict[str, Any]], tmp_path: Path
) -> None:
    from vcr.serialize import serialize
    from vcr.serializers import yamlserializer

    place, secret, cassette = planted
    source = tmp_path / "planted.yaml"
    source.write_text(serialize(cassette, yamlserializer))
    assert scan_paths([source]), f"not flagged in {place}"
    out = tmp_path / "out.yaml"
    assert main(["traffic", "scrub", str(source), "-o", str(out)]) == 0
    assert secret not in _decoded(out.read_text())
    assert scan_paths([out]) == []


def _decoded(text: str) -> str:
    """``text`` and what its base64 runs decode to (a base64-wrapped secret must be gone from inside too)."""
    pieces = [text]
    for run in re.findall(r"[A-Za-z0-9+/_-]{16,}={0,2}", text):
        for decode in (base64.b64decode, base64.urlsafe_b64decode):
            try:
                pieces.append(decode(run + "=" * (-len(run) % 4)).decode("utf-8"))
            except ValueError:  # binascii.Error and UnicodeDecodeError are ValueErrors
                continue
    return "\n".join(pieces)


def test_a_large_file_is_searched_around_triggers_without_missing_anything(
    recorded: dict[str, Recorded], tmp_path: Path
) -> None:
    """Past 64 KB the scanner looks only near trigger words; it must find what a whole-text search finds."""
    from graph_contracts.traffic.secrets import find_secrets

    plain = "".join(r.plain.read_text() for r in recorded.values())
    filler = (Path(__file__).parents[1] / "cassettes").glob("*.yaml")
    text = "".join(f.read_text() for f in sorted(filler)[:10]) + plain
    assert len(text) > 1 << 16
    path = tmp_path / "big.yaml"
    path.write_text(text)
    newlines = [i for i, c in enumerate(text) if c == "\n"]
    whole = {(sum(n < h.start for n in newlines) + 1, h.kind) for h in find_secrets(text)}
    scanned = {(f.line, f.kind) for f in scan_paths([path])}
    assert whole
    assert whole <= scanned


def test_a_random_looking_token_in_any_header_is_replaced_but_ids_and_plain_values_are_kept() -> None:
    """The entropy rule (detect-secrets' limits): a header nobody named a secret can still carry one."""
    from graph_contracts.graph.recording import scrub_response

    response = {
        "headers": {
            "X-Custom-Auth": ["9fK2mQ7xL0pR4sT8vW1yZ3bC6dE5gHjN"],
            "request-id": ["0d4c7f3e-2b1a-4c8e-9f6d-5a3b2c1d0e9f"],
            "X-Tag": ["aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"],
            "ETag": ["W/\"datetime'2026-11-29T20%3A00%3A00.0000000Z'\""],
        },
        "body": {"string": b""},
    }
    headers = scrub_response(response)["headers"]
    assert headers["X-Custom-Auth"] == [PLACEHOLDER]
    assert headers["request-id"] == ["0d4c7f3e-2b1a-4c8e-9f6d-5a3b2c1d0e9f"]
    assert headers["X-Tag"] == ["aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"]
    assert headers["ETag"] == ["W/\"datetime'2026-11-29T20%3A00%3A00.0000000Z'\""]

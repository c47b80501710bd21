"""The kinds of secret that used to survive: private keys, YAML-folded values and base64-wrapped credentials.

Each placement is a real HTTP exchange on loopback, recorded three ways: by
plain vcrpy (a team's own cassette, written by vcrpy's own serializer, so a
fold is vcrpy's), by httpx event hooks into a HAR file (``har_recorder``),
and by the project's recorder. Then each of the three tools must do its job
on each kind, for cassettes and HAR:

- ``traffic scan`` flags the plain cassette and the plain HAR;
- ``traffic scrub`` writes copies of both in which nothing of the secret is
  left (every line of a private key, its END line included), which scan
  clean and still read as the same exchanges;
- the recorder writes a cassette without it, and refuses to write one when
  its scrubbing hooks are taken away (its scan before writing sees it).

What "nothing left" means is checked on the decoded exchanges (bodies,
headers, URLs, and what their base64 decodes to), not on the file's text,
where a fold or an escape could hide a string from a plain ``in``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote_plus

import httpx
import pytest
import vcr
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from vcr.request import Request as VcrRequest
from vcr.serialize import serialize
from vcr.serializers import yamlserializer

from graph_contracts.cli import main
from graph_contracts.graph.recording import graph_vcr
from graph_contracts.traffic import read_traffic
from graph_contracts.traffic.scan import SecretLeakError, scan_paths
from graph_contracts.traffic.secrets import PLACEHOLDER
from har_recorder import HarRecorder
from loopback import serve


def _key_lines(seed: str, count: int) -> list[str]:
    """Lines of made-up key material: 64 base64 characters each, as PEM writes them (no real key)."""
    raw = b"".join(hashlib.sha512(f"{seed}{i}".encode()).digest() for i in range(count))
    text = base64.b64encode(raw).decode()
    return [text[i : i + 64] for i in range(0, 64 * count, 64)]


RSA_LINES = _key_lines("rsa", 6)
PKCS8_LINES = _key_lines("pkcs8", 5)
EC_LINES = _key_lines("ec", 3)
RSA_KEY = "-----BEGIN RSA PRIVATE KEY-----\n" + "\n".join(RSA_LINES) + "\n-----END RSA PRIVATE KEY-----\n"
PKCS8_KEY = (
    "-----BEGIN ENCRYPTED PRIVATE KEY-----\r\n" + "\r\n".join(PKCS8_LINES) + "\r\n-----END ENCRYPTED PRIVATE KEY-----"
)
EC_KEY = "-----BEGIN EC PRIVATE KEY-----\n" + "\n".join(EC_LINES) + "\n-----END EC PRIVATE KEY-----\n"
PASSWORD = "Qz7kP2mX9vLw4RtY8nBc"  # the issue's
CLIENT_SECRET = "Qx8Q~planted.client_secret-Value2"
OPAQUE = "EwBwA8l6BAAU7p9QDpi-opaque-access-token-value"
REFRESH = "0.AXoA-planted-refresh-token-value"


def _b64(text: str, *, urlsafe: bool = False) -> str:
    encode = base64.urlsafe_b64encode if urlsafe else base64.b64encode
    return encode(text.encode()).decode()


PRINCIPAL = _b64(
    json.dumps(
        {
            "auth_typ": "aad",
            "claims": [{"typ": "name", "val": "Alice"}, {"typ": "access_token", "val": OPAQUE}],
            "name_typ": "name",
            "role_typ": "roles",
        }
    )
)


@dataclass(frozen=True)
class Placement:
    name: str
    parts: tuple[str, ...]  # every piece of the secret; none may survive
    send: Callable[[httpx.Client], Any]
    kind: str  # "pem", "fold" or "base64"


def _key_parts(lines: list[str], label: str) -> tuple[str, ...]:
    return (*lines, f"BEGIN {label} PRIVATE KEY", f"END {label} PRIVATE KEY")


#: A body vcrpy folds between the name and the value: json.dumps puts a space after the colon, and YAML
#: breaks the long single-quoted string there.
FOLDED_BODY = json.dumps({"description": "x" * 40, "password": PASSWORD})

PLACEMENTS = [
    Placement(
        "pem-json-request",
        _key_parts(RSA_LINES, "RSA"),
        lambda c: c.post("/echo", json={"displayName": "signing", "pem": RSA_KEY}),
        "pem",
    ),
    Placement(
        "pem-json-request-crlf-encrypted",
        _key_parts(PKCS8_LINES, "ENCRYPTED"),
        lambda c: c.post("/echo", json={"certificate": {"data": PKCS8_KEY}}),
        "pem",
    ),
    Placement(
        "pem-text-request-real-newlines",
        _key_parts(EC_LINES, "EC"),
        lambda c: c.post(
            "/echo", content=f"the key follows\n{EC_KEY}and ends here\n", headers={"Content-Type": "text/plain"}
        ),
        "pem",
    ),
    Placement(
        "pem-form-request-percent-encoded",
        _key_parts(RSA_LINES, "RSA"),
        lambda c: c.post("/token", data={"grant_type": "client_credentials", "cert": RSA_KEY}),
        "pem",
    ),
    Placement(
        "pem-json-response-error-message", _key_parts(RSA_LINES, "RSA"), lambda c: c.get("/respond/pem-error"), "pem"
    ),
    Placement("pem-json-response-field", _key_parts(EC_LINES, "EC"), lambda c: c.get("/respond/pem-field"), "pem"),
    Placement(
        "yaml-folded-password",
        (PASSWORD,),
        lambda c: c.post("/echo", content=FOLDED_BODY, headers={"Content-Type": "application/json"}),
        "fold",
    ),
    Placement(
        "base64-form-client_secret",
        (CLIENT_SECRET,),
        lambda c: c.post(
            "/token",
            content=_b64(f"grant_type=client_credentials&client_id=app&client_secret={CLIENT_SECRET}"),
            headers={"Content-Type": "text/plain"},
        ),
        "base64",
    ),
    Placement(
        "base64-json-field-urlsafe",
        (REFRESH,),
        lambda c: c.post(
            "/echo", json={"state": _b64(json.dumps({"refresh_token": REFRESH}), urlsafe=True).rstrip("=")}
        ),
        "base64",
    ),
    Placement(
        "x-ms-client-principal",
        (OPAQUE,),
        lambda c: c.get("/echo", headers={"x-ms-client-principal": PRINCIPAL}),
        "base64",
    ),
    Placement("base64-response-body", (OPAQUE,), lambda c: c.get("/respond/base64-token"), "base64"),
]


async def echo(request: Request) -> JSONResponse:
    await request.body()
    return JSONResponse({"ok": True}, headers={"request-id": "0d4c7f3e-2b1a-4c8e-9f6d-5a3b2c1d0e9f"})


async def respond(request: Request) -> Response:
    kind = request.path_params["kind"]
    if kind == "pem-error":
        message = f"The key could not be read: {RSA_KEY}"
        return JSONResponse({"error": {"code": "BadRequest", "message": message}}, 400)
    if kind == "pem-field":
        return JSONResponse({"value": [{"displayName": "signing", "keyMaterial": EC_KEY}]})
    return PlainTextResponse(_b64(json.dumps({"token_type": "Bearer", "access_token": OPAQUE})))


APP = Starlette(
    routes=[
        Route("/echo", echo, methods=["GET", "POST"]),
        Route("/token", echo, methods=["POST"]),
        Route("/respond/{kind}", respond, methods=["GET"]),
    ]
)


@dataclass(frozen=True)
class Recorded:
    cassette: Path  # by plain vcrpy, no scrubbing
    har: Path  # by httpx event hooks, no scrubbing
    ours: Path  # by the project's recorder


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Recorded]:
    plain_dir, har_dir, ours_dir = (tmp_path_factory.mktemp(n) for n in ("plain", "har", "ours"))
    plain_vcr = vcr.VCR(cassette_library_dir=str(plain_dir), record_mode="all")
    ours = graph_vcr(ours_dir, "all")
    out = {}
    with serve(APP) as base:
        for placement in PLACEMENTS:
            name = f"{placement.name}.yaml"
            har = HarRecorder()
            with httpx.Client(base_url=base, event_hooks=har.hooks) as client:
                placement.send(client)
            with httpx.Client(base_url=base) as client:
                with plain_vcr.use_cassette(name):
                    placement.send(client)
                with ours.use_cassette(name):
                    placement.send(client)
            out[placement.name] = Recorded(
                plain_dir / name, har.save(har_dir / f"{placement.name}.har"), ours_dir / name
            )
    return out


_BASE64 = re.compile(r"[A-Za-z0-9+/_-]{16,}={0,2}")


def _visible(path: Path) -> str:
    """Everything the exchanges in ``path`` say, decoded: URLs, headers, bodies (also percent-decoded), and
    the text their base64 runs decode to. A secret piece in this text is a secret piece in the file."""
    pieces = []
    for _, request, response in read_traffic(path):
        pieces += [
            request.url,
            *(f"{k}: {v}" for k, v in request.headers + response.headers),
            request.body.decode("utf-8", "replace"),
            response.body.decode("utf-8", "replace"),
        ]
    pieces += [unquote_plus(piece) for piece in pieces]  # forms and queries, percent-decoded
    text = "\n".join(pieces)
    for run in _BASE64.findall(text):
        for decode in (base64.b64decode, base64.urlsafe_b64decode):
            try:
                pieces.append(decode(run + "=" * (-len(run) % 4)).decode("utf-8"))
            except ValueError:  # binascii.Error and UnicodeDecodeError are ValueErrors
                continue
    return "\n".join(pieces).replace("\\r\\n", "\n").replace("\\n", "\n")


def _left(path: Path, placement: Placement) -> list[str]:
    visible = _visible(path)
    return [part for part in placement.parts if part in visible]


FORMATS = ("cassette", "har")


def test_the_kinds_are_all_placed() -> None:
    assert {p.kind for p in PLACEMENTS} == {"pem", "fold", "base64"}
    assert len({p.name for p in PLACEMENTS}) == len(PLACEMENTS)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("placement", PLACEMENTS, ids=lambda p: p.name)
def test_scan_flags_the_plain_recording(
    recorded: dict[str, Recorded], placement: Placement, fmt: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = getattr(recorded[placement.name], fmt)
    assert _left(path, placement) == list(placement.parts)  # the recording does hold every piece
    assert main(["traffic", "scan", str(path)]) == 1
    assert f"{path}:" in capsys.readouterr().out


@pytest.mark.parametrize("placement", PLACEMENTS, ids=lambda p: p.name)
def test_recorder_writes_none_of_it(recorded: dict[str, Recorded], placement: Placement) -> None:
    ours = recorded[placement.name].ours
    assert _left(ours, placement) == []
    assert PLACEHOLDER in _visible(ours)
    assert scan_paths([ours]) == []


@pytest.mark.parametrize("placement", PLACEMENTS, ids=lambda p: p.name)
def test_recorder_refuses_to_write_it_when_its_scrubbing_is_taken_away(placement: Placement, tmp_path: Path) -> None:
    """The scan before writing is the scanner at full strength: it alone must stop each kind."""
    recorder = graph_vcr(tmp_path, "all")
    recorder.before_record_request = lambda request: request
    recorder.before_record_response = lambda response: response
    with (
        serve(APP) as base,
        httpx.Client(base_url=base) as client,
        pytest.raises(SecretLeakError),
        recorder.use_cassette("leak.yaml"),
    ):
        placement.send(client)
    assert not (tmp_path / "leak.yaml").exists()


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("placement", PLACEMENTS, ids=lambda p: p.name)
def test_scrub_leaves_none_of_it(
    recorded: dict[str, Recorded], placement: Placement, fmt: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = getattr(recorded[placement.name], fmt)
    out = tmp_path / source.name
    assert main(["traffic", "scrub", str(source), "-o", str(out)]) == 0
    assert _left(out, placement) == []
    assert main(["traffic", "scan", str(out)]) == 0
    assert len(list(read_traffic(out))) == len(list(read_traffic(source))) == 1


def test_the_fold_is_vcrpys_and_the_finding_is_on_the_value_line(recorded: dict[str, Recorded]) -> None:
    cassette = recorded["yaml-folded-password"].cassette
    lines = cassette.read_text().splitlines()
    value_line = next(i for i, line in enumerate(lines, 1) if PASSWORD in line)
    assert '"password":' not in lines[value_line - 1]  # the name is on the line before: folded
    assert '"password":' in lines[value_line - 2]
    assert [(f.line, f.kind) for f in scan_paths([cassette])] == [(value_line, "secret-name-value")]


def _cassette(body: str) -> str:
    request = VcrRequest("POST", "https://graph.microsoft.com/v1.0/x", body, {"Content-Type": ["application/json"]})
    response = {"status": {"code": 200, "message": "OK"}, "headers": {}, "body": {"string": "{}"}}
    return str(serialize({"requests": [request], "responses": [response]}, yamlserializer))


def test_every_fold_vcrpy_makes_is_flagged_and_scrubbed(tmp_path: Path) -> None:
    """Wherever vcrpy's line width puts the fold (descriptions of every third length from 0 to 99, both separators)."""
    folded = 0
    for length in range(0, 100, 3):
        for body in (
            json.dumps({"description": "x" * length, "password": PASSWORD}),
            '{"description":"' + "y" * length + '", "password":"' + PASSWORD + '"}',
        ):
            source = tmp_path / "folded.yaml"
            source.write_text(_cassette(body))
            lines = source.read_text().splitlines()
            folded += not any('"password"' in line and PASSWORD in line for line in lines)
            assert scan_paths([source]), body
            out = tmp_path / "out.yaml"
            assert main(["traffic", "scrub", str(source), "-o", str(out)]) == 0
            assert PASSWORD not in _visible(out)
    assert folded  # some of them did put the name and the value on different lines


def test_scan_reads_a_log_as_text_for_keys_and_base64(tmp_path: Path) -> None:
    """A file that is no document is still scanned: a key's block and base64 of a form."""
    log = tmp_path / "app.log"
    log.write_text(f"start\nloaded {EC_KEY}sending {_b64('client_id=a&client_secret=' + CLIENT_SECRET)}\n")
    assert {f.kind for f in scan_paths([log])} == {"Private Key", "base64(secret-name-value)"}

"""No request makes the emulator answer 5xx (injected faults aside) or leaves a list unable to answer.

The named cases are those probing found (the lone-surrogate poison request,
deep nesting, huge numbers, odd methods, a 5,000-digit ``$filter``); the
property test then drives the raw HTTP surface (methods, paths, headers,
query strings and bodies as bytes over a socket) with hypothesis.
"""

from __future__ import annotations

import json
import re
import socket
from collections.abc import Iterator
from urllib.parse import quote

import httpx
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from graph_contracts.contracts import default_contracts
from graph_contracts.graph.emulator import EmulatorHandle, running_emulator

IMPORTED = "/deviceManagement/importedWindowsAutopilotDeviceIdentities"
DEVICES = "/deviceManagement/windowsAutopilotDeviceIdentities"
IDENTITIES = "/deviceManagement/importedDeviceIdentities"
LISTS = [("v1.0", IMPORTED), ("v1.0", DEVICES), ("beta", IMPORTED), ("beta", DEVICES), ("beta", IDENTITIES)]
POISON = b'{"serialNumber": "\\ud800"}'


@pytest.fixture(scope="module")
def running() -> Iterator[EmulatorHandle]:
    with running_emulator() as handle:
        yield handle
        client = _CLIENTS.pop(handle.base_url, None)
        if client is not None:
            client.close()


@pytest.fixture()
def emulator(running: EmulatorHandle) -> EmulatorHandle:
    running.reset()
    return running


_CLIENTS: dict[str, httpx.Client] = {}


def assert_lists_answer(emulator: EmulatorHandle) -> None:
    # One client per emulator: building an httpx client (its TLS context) costs more than the requests.
    client = _CLIENTS.get(emulator.base_url)
    if client is None:
        client = _CLIENTS[emulator.base_url] = httpx.Client(headers=emulator.headers(), timeout=10)
    for version, path in LISTS:
        response = client.get(emulator.graph_url(version) + path)
        assert response.status_code == 200, (version, path, response.text)
        response.json()


def assert_graph_400(response: httpx.Response) -> dict[str, object]:
    assert response.status_code == 400, response.text
    error: dict[str, object] = response.json()["error"]
    assert error["code"] == "BadRequest" and error["message"]
    return error


@pytest.mark.parametrize("version", ["v1.0", "beta"])
def test_the_lone_surrogate_poison_request_is_400_and_stores_nothing(emulator: EmulatorHandle, version: str) -> None:
    headers = {**emulator.headers(), "Content-Type": "application/json"}
    response = httpx.post(emulator.graph_url(version) + IMPORTED, content=POISON, headers=headers)
    error = assert_graph_400(response)
    assert "surrogate" in str(error["message"]) and "/serialNumber" in str(error["message"])
    assert emulator.snapshot().get(IMPORTED.rsplit("/", 1)[1], []) == []
    assert_lists_answer(emulator)


def test_a_lone_surrogate_in_a_property_name_is_400(emulator: EmulatorHandle) -> None:
    headers = {**emulator.headers(), "Content-Type": "application/json"}
    response = httpx.post(emulator.graph_url() + IMPORTED, content=b'{"\\udfff": 1}', headers=headers)
    assert "surrogate" in str(assert_graph_400(response)["message"])


def test_a_surrogate_pair_is_a_character_and_accepted(emulator: EmulatorHandle) -> None:
    headers = {**emulator.headers(), "Content-Type": "application/json"}
    body = b'{"serialNumber": "SN-\\ud83d\\ude00", "groupTag": "pair"}'
    response = httpx.post(emulator.graph_url("beta") + DEVICES, content=body, headers=headers)  # v1.0 refuses it
    assert response.status_code == 201, response.text
    assert response.json()["serialNumber"] == "SN-\U0001f600"
    assert_lists_answer(emulator)


@pytest.mark.parametrize("depth", [65, 100_000])
def test_deep_nesting_is_400(emulator: EmulatorHandle, depth: int) -> None:
    headers = {**emulator.headers(), "Content-Type": "application/json"}
    body = b'{"groupTag": ' + b"[" * depth + b"]" * depth + b"}"
    error = assert_graph_400(httpx.post(emulator.graph_url() + IMPORTED, content=body, headers=headers))
    assert "nested too deeply" in str(error["message"])


@pytest.mark.parametrize("number", [b"1" * 5000, b"1e400", b"-1e400"])
def test_huge_numbers_in_a_body_are_400(emulator: EmulatorHandle, number: bytes) -> None:
    headers = {**emulator.headers(), "Content-Type": "application/json"}
    body = b'{"serialNumber": "SN-1", "groupTag": ' + number + b"}"
    assert_graph_400(httpx.post(emulator.graph_url() + IMPORTED, content=body, headers=headers))


@pytest.mark.parametrize(
    "clause",
    [
        "groupTag eq " + "1" * 5000,
        "groupTag eq 1" + "0" * 400 + ".5",
        "groupTag eq 99999999999999999999",
        "groupTag eq -" + "9" * 30,
    ],
)
def test_a_numeric_filter_literal_out_of_range_is_400(emulator: EmulatorHandle, clause: str) -> None:
    response = httpx.get(emulator.graph_url() + IMPORTED, params={"$filter": clause}, headers=emulator.headers())
    assert "out of the range" in str(assert_graph_400(response)["message"])


@pytest.mark.parametrize("method", ["PROPFIND", "TRACE", "FOO", "HEAD", "OPTIONS", "PUT"])
def test_odd_methods_are_405_with_the_envelope(emulator: EmulatorHandle, method: str) -> None:
    response = httpx.request(method, emulator.graph_url() + IMPORTED, headers=emulator.headers())
    assert response.status_code == 405
    if method != "HEAD":
        assert response.json()["error"]["code"] == "MethodNotAllowed"
    assert "GET" in response.headers["Allow"]


@pytest.mark.parametrize("token", ["a.b.c", "e30.e30.x", "W10.W10.x", "Ww" * 500 + ".e30.x", "\u00e9.\u00e9.\u00e9"])
def test_tokens_that_are_not_ours_are_401(emulator: EmulatorHandle, token: str) -> None:
    headers = {"Authorization": f"Bearer {token}".encode("latin-1")}
    response = httpx.get(emulator.graph_url() + IMPORTED, headers=headers)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "InvalidAuthenticationToken"


def test_a_deeply_nested_skiptoken_is_400(emulator: EmulatorHandle) -> None:
    import base64

    token = base64.urlsafe_b64encode(b"[" * 3000 + b"]" * 3000).rstrip(b"=").decode()
    response = httpx.get(emulator.graph_url() + IMPORTED, params={"$skiptoken": token}, headers=emulator.headers())
    assert_graph_400(response)


# --------------------------------------------------------------------------- raw HTTP, property-based


def _raw_request(host: str, port: int, request: bytes) -> int | None:
    """Send one request on a fresh connection; the status of the answer, or None if the server closed."""
    with socket.create_connection((host, port), timeout=10) as sock:
        # No half-close: a client that shuts its side down may lose the answer, which is not the server's fault.
        sock.sendall(request)
        received = b""
        while b"\r\n" not in received:
            chunk = sock.recv(4096)
            if not chunk:
                return None
            received += chunk
    return int(received.split(b" ", 2)[1])


_SURROGATES = st.sampled_from(["\ud800", "SN-\udfff", "\udbff\udbff"])
_STRINGS = st.one_of(st.text(max_size=20), _SURROGATES, _SURROGATES, st.sampled_from(["SN-1", "", "x" * 300]))
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | _STRINGS,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(_STRINGS, children, max_size=4),
    max_leaves=12,
)
_DEVICE = st.fixed_dictionaries(
    {"serialNumber": _STRINGS},
    optional={
        "groupTag": _STRINGS,
        "productKey": _STRINGS,
        "assignedUserPrincipalName": _STRINGS,
        "hardwareIdentifier": st.sampled_from(["", "AAAA", "not base64"]),
        "state": _JSON,
        "importedDeviceIdentifier": _STRINGS,
        "importedDeviceIdentityType": st.sampled_from(["imei", "x"]),
    },
)
_BODIES = st.one_of(
    _DEVICE.map(lambda d: json.dumps(d).encode()),
    _DEVICE.map(lambda d: json.dumps(d).encode()),
    _DEVICE.map(lambda d: json.dumps({"importedWindowsAutopilotDeviceIdentities": [d, d]}).encode()),
    _JSON.map(lambda v: json.dumps(v).encode()),
    st.binary(max_size=64),
    st.sampled_from([b"", POISON, b'{"groupTag": ' + b"[" * 3000 + b"]" * 3000 + b"}", b'{"groupTag": 1e999}']),
)
_ANY_TEXT = st.text(min_size=0, max_size=12)
#: Every documented (method, path), with an id where the path takes one, so most requests reach a handler.
_DOCUMENTED = st.builds(
    lambda pair, ident: (pair[0], pair[1].replace("{id}", quote(ident, safe=""))),
    st.sampled_from(
        sorted(
            {
                (op.method.upper(), f"/{version}" + re.sub(r"\{[^}]+\}", "{id}", path))
                for version in default_contracts().versions()
                for op in default_contracts().operations_in(version)
                for path in op.paths
            }
        )
    ),
    st.one_of(st.uuids().map(str), _ANY_TEXT),
)
_ODD = st.tuples(
    st.sampled_from(["GET", "POST", "PATCH", "PUT", "DELETE", "HEAD", "OPTIONS", "TRACE", "PROPFIND", "get"]),
    st.one_of(
        st.lists(_ANY_TEXT.map(lambda s: quote(s.encode("utf-8", "surrogatepass"), safe="")), max_size=5).map(
            lambda parts: "/" + "/".join(parts)
        ),
        st.sampled_from(["/v1.0/deviceManagement/%ED%A0%80", "/beta/deviceManagement", "/v2.0/x", "//", "/_emulator"]),
    ),
)
_QUERY_NAMES = st.sampled_from(["$filter", "$top", "$select", "$skiptoken", "$orderby", "$expand", "custom", ""])
_QUERY_VALUES = st.one_of(
    st.sampled_from(
        [
            "groupTag eq 'x'",
            "groupTag eq " + "1" * 5000,
            "startswith(serialNumber,'A')",
            "state/deviceImportStatus eq 1",
            "0",
            "999",
            "1000",
            "-1",
            "serialNumber,groupTag",
            "bogus",
            "eyJvIjotMX0",
            "W10",
        ]
    ),
    _STRINGS,
)
_QUERIES = st.lists(st.tuples(_QUERY_NAMES, _QUERY_VALUES), max_size=3).map(
    lambda pairs: "&".join(
        f"{quote(k, safe='$')}={quote(v.encode('utf-8', 'surrogatepass'), safe='')}" for k, v in pairs
    )
)
# Repeats weight the choices towards requests that get past authentication and content negotiation.
_AUTH = st.sampled_from(["write"] * 5 + ["read", "none", "garbage", "missing"])
_CONTENT_TYPES = st.sampled_from(["application/json"] * 4 + ["application/json; charset=utf-8", "text/plain", None])
_FAULTS = st.one_of(st.none(), st.none(), st.sampled_from(["latency=0", "429;count=1", "503", "garbage", "count=0"]))
_CLIENT_REQUEST_IDS = st.one_of(
    st.none(),
    st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f"), max_size=20),
)


@example(
    target=("POST", f"/v1.0{IMPORTED}"),
    query="",
    body=POISON,
    auth="write",
    content_type="application/json",
    fault=None,
    client_request_id=None,
)
@example(
    target=("GET", f"/v1.0{IMPORTED}"),
    query="$filter=groupTag%20eq%20" + "1" * 5000,
    body=b"",
    auth="write",
    content_type=None,
    fault=None,
    client_request_id=None,
)
@given(
    target=st.one_of(_DOCUMENTED, _DOCUMENTED, _ODD),
    query=_QUERIES,
    body=_BODIES,
    auth=_AUTH,
    content_type=_CONTENT_TYPES,
    fault=_FAULTS,
    client_request_id=_CLIENT_REQUEST_IDS,
)
@settings(max_examples=200, deadline=None, database=None, suppress_health_check=list(HealthCheck))
def test_no_raw_request_gets_a_server_error_and_lists_keep_answering(
    running: EmulatorHandle,
    target: tuple[str, str],
    query: str,
    body: bytes,
    auth: str,
    content_type: str | None,
    fault: str | None,
    client_request_id: str | None,
) -> None:
    method, path = target
    tokens = {
        "write": running.token(),
        "read": running.token(["DeviceManagementServiceConfig.Read.All"]),
        "none": running.token(()),
        "garbage": "not-a-token",
    }
    lines = [
        f"{method} {path}{'?' + query if query else ''} HTTP/1.1",
        "Host: 127.0.0.1",
        "Connection: close",
        f"Content-Length: {len(body)}",
    ]
    if auth in tokens:
        lines.append(f"Authorization: Bearer {tokens[auth]}")
    if content_type:
        lines.append(f"Content-Type: {content_type}")
    if fault:
        lines.append(f"x-emulator-fault: {fault}")
    if client_request_id is not None:
        lines.append(f"client-request-id: {client_request_id.strip()}")
    request = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body
    host, port = running.base_url.removeprefix("http://").rsplit(":", 1)
    status = _raw_request(host, int(port), request)
    assert status is not None, "the emulator closed the connection without an answer"
    injected = fault is not None and fault.split(";")[0].isdigit() and int(fault.split(";")[0]) >= 500
    assert status < 500 or injected, (status, request[:300])
    assert_lists_answer(running)

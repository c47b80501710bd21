"""Every answer the emulator gives is Graph's: the JSON error envelope and ``request-id``, on any path and method.

Also what a client can get wrong without costing the emulator a traceback: a
body cut short by a client that left, a body with a repeated name, and the
``graph-contracts emulator`` flags.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest

from graph_contracts.cli import build_parser
from graph_contracts.graph.emulator import EmulatorHandle, running_emulator
from loopback import emulator_process

IMPORTED = "/deviceManagement/importedWindowsAutopilotDeviceIdentities"
DEVICES = "/deviceManagement/windowsAutopilotDeviceIdentities"


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorHandle]:
    with running_emulator() as handle:
        yield handle


def address(base_url: str) -> tuple[str, int]:
    host, port = base_url.removeprefix("http://").rsplit(":", 1)
    return host, int(port)


def exchange(base_url: str, raw: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send raw bytes as a request on a fresh connection; the status, headers and body of the answer."""
    with socket.create_connection(address(base_url)) as sock:
        sock.sendall(raw)
        sock.settimeout(10)
        answer = b""
        while b"\r\n\r\n" not in answer:
            answer += sock.recv(65536)
        head, _, body = answer.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        headers = dict(line.lower().split(": ", 1) for line in lines[1:])
        length = int(headers.get("content-length", "-1"))
        while len(body) < length or (length < 0 and (chunk := sock.recv(65536))):
            if length >= 0:
                chunk = sock.recv(65536)
                if not chunk:
                    break
            body += chunk
    return int(lines[0].split(" ", 2)[1]), headers, body


def assert_graph_answer(status: int, headers: dict[str, str], body: bytes, expected: int) -> dict[str, object]:
    """Graph's envelope: JSON, request-id in header and body, OData-Version, client-request-id."""
    assert status == expected, body[:300]
    assert headers["content-type"].startswith("application/json"), headers
    assert headers["odata-version"] == "4.0"
    assert headers["client-request-id"]
    error = json.loads(body)["error"]
    assert error["code"] and error["message"]
    assert error["innerError"]["request-id"] == headers["request-id"]
    return dict(error)


# --------------------------------------------------------------------------- odd paths, odd methods


def test_an_id_with_a_line_break_is_graphs_404_not_plain_text(emulator: EmulatorHandle) -> None:
    response = httpx.delete(emulator.graph_url() + IMPORTED + "/S0f%C2%8DH%0A%C2%85", headers=emulator.headers())
    headers = {k.lower(): v for k, v in response.headers.items()}
    error = assert_graph_answer(response.status_code, headers, response.content, 404)
    assert error["code"] == "ResourceNotFound"


@pytest.mark.parametrize(
    ("target", "method", "status"),
    [
        (f"/v1.0{DEVICES}/%C3%89%0A%F2%BD%A1%B6/assignUserToDevice", "POST", 404),  # the stateful chain's finding
        (f"/v1.0{IMPORTED}/a%0Db", "GET", 404),
        ("/v1.0/%0A", "GET", 400),
        ("/%0A", "GET", 400),
        ("*", "OPTIONS", 400),
        ("/", "GET", 400),
        (f"/v1.0{IMPORTED}", "BREW", 405),
        ("/_emulator/reset", "GET", 405),
        ("/_emulator/reset%0A", "POST", 400),
    ],
)
def test_any_path_and_method_gets_graphs_envelope_and_request_id(
    emulator: EmulatorHandle, target: str, method: str, status: int
) -> None:
    token = emulator.headers()["Authorization"]
    body = b'{"userPrincipalName": "a@example.com"}' if method == "POST" else b""
    raw = (
        f"{method} {target} HTTP/1.1\r\nHost: x\r\nAuthorization: {token}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode() + body
    assert_graph_answer(*exchange(emulator.base_url, raw), status)


@pytest.mark.parametrize(
    "raw",
    [
        b"G@T /v1.0 HTTP/1.1\r\nHost: x\r\n\r\n",  # a method that is no HTTP token
        b"GET /v1.0 HTTP/1.1\r\nHost x\r\n\r\n",  # a header line without a colon
    ],
)
def test_a_request_too_malformed_to_route_still_gets_graphs_envelope(emulator: EmulatorHandle, raw: bytes) -> None:
    error = assert_graph_answer(*exchange(emulator.base_url, raw), 400)
    assert error["code"] == "BadRequest"


def test_the_console_log_keeps_a_line_break_in_a_path_on_one_line() -> None:
    from graph_contracts.graph.emulator import RequestLine

    assert str(RequestLine("GET", "/v1.0/a\nb", 404, 1.0)) == "GET /v1.0/a%0Ab 404 1.0 ms"


# --------------------------------------------------------------------------- a client that leaves


def test_a_client_that_leaves_mid_body_is_logged_as_a_client_error_without_a_traceback() -> None:
    with emulator_process() as (proc, base_url):
        with socket.create_connection(address(base_url)) as sock:
            sock.sendall(
                f"POST /v1.0{IMPORTED} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                "Content-Length: 100\r\n\r\nhello".encode()
            )
        # One request after it, so its line shows the first one was logged before the process stops.
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if httpx.get(f"{base_url}/v1.0{DEVICES}").status_code == 401:
                break
        time.sleep(0.2)
        proc.terminate()
        out, err = proc.communicate(timeout=10)
    posted = [line for line in out.splitlines() if line.startswith(f"POST /v1.0{IMPORTED} ")]
    assert len(posted) == 1, out
    status = int(posted[0].rsplit(" ", 3)[1])
    assert 400 <= status < 500, posted
    assert "Traceback" not in err and "ClientDisconnect" not in err, err


# --------------------------------------------------------------------------- repeated names


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        ('{"serialNumber": "SN-1", "serialNumber": "SN-2"}', "/serialNumber"),
        (
            '{"serialNumber": "SN-1", "state": {"deviceImportStatus": "pending", "deviceImportStatus": "x"}}',
            "/state/deviceImportStatus",
        ),
    ],
)
def test_a_body_with_a_repeated_name_is_400_as_validate_says(emulator: EmulatorHandle, body: str, pointer: str) -> None:
    from graph_contracts.records import loads

    assert loads(body).duplicates == [pointer]  # what `graph-contracts validate` reports as duplicate-key
    response = httpx.post(
        emulator.graph_url() + IMPORTED,
        content=body.encode(),
        headers={**emulator.headers(), "Content-Type": "application/json"},
    )
    headers = {k.lower(): v for k, v in response.headers.items()}
    error = assert_graph_answer(response.status_code, headers, response.content, 400)
    assert error["code"] == "BadRequest"
    assert error["details"] == [
        {
            "code": "duplicate-key",
            "message": error["details"][0]["message"],  # type: ignore[index]
            "target": pointer,
        }
    ]
    listed = httpx.get(emulator.graph_url() + IMPORTED, headers=emulator.headers()).json()["value"]
    assert listed == []  # nothing was stored
    emulator.reset()


# --------------------------------------------------------------------------- the emulator's flags


@pytest.mark.parametrize(
    ("flag", "value"),
    [
        ("--port", "99999"),
        ("--port", "-1"),
        ("--port", "http"),
        ("--import-pending-reads", "-3"),
        ("--import-pending-reads", "1.5"),
        ("--import-pending-seconds", "-1"),
        ("--import-pending-seconds", "nan"),
        ("--import-pending-seconds", "inf"),
        ("--request-log-size", "0"),
    ],
)
def test_an_out_of_range_emulator_flag_is_a_usage_error_naming_it(
    capsys: pytest.CaptureFixture[str], flag: str, value: str
) -> None:
    with pytest.raises(SystemExit) as stopped:
        build_parser().parse_args(["emulator", flag, value])
    assert stopped.value.code == 2
    errors = [line for line in capsys.readouterr().err.splitlines() if "error:" in line]
    assert len(errors) == 1 and f"argument {flag}:" in errors[0] and value in errors[0], errors


@pytest.mark.parametrize(
    ("flag", "value", "parsed"),
    [
        ("--port", "0", 0),
        ("--port", "65535", 65535),
        ("--import-pending-reads", "0", 0),
        ("--import-pending-seconds", "0.5", 0.5),
    ],
)
def test_emulator_flags_in_range_are_accepted(flag: str, value: str, parsed: float) -> None:
    args = build_parser().parse_args(["emulator", flag, value])
    assert getattr(args, flag.lstrip("-").replace("-", "_")) == parsed


def test_the_emulator_command_with_port_99999_exits_2_with_one_line() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "graph_contracts.cli", "emulator", "--port", "99999"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and "OverflowError" not in result.stderr
    assert [line for line in result.stderr.splitlines() if "error:" in line] == [
        "graph-contracts emulator: error: argument --port: 99999 is not a port (0 to 65535)"
    ]


def test_an_emulator_bug_outside_a_graph_route_is_a_500_in_graphs_envelope(monkeypatch: pytest.MonkeyPatch) -> None:
    """The safety net: an exception no handler caught (here in the admin route's action) is still Graph's 500."""
    with running_emulator() as emulator:

        def broken(tenant_id: str | None = None) -> None:
            raise RuntimeError("a bug")

        monkeypatch.setattr(emulator.emulator.store, "reset", broken)
        response = httpx.post(f"{emulator.base_url}/_emulator/reset", headers=emulator.admin_headers())
        headers = {k.lower(): v for k, v in response.headers.items()}
        error = assert_graph_answer(response.status_code, headers, response.content, 500)
        assert error["code"] == "generalException" and "RuntimeError" in str(error["message"])

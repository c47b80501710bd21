"""What one client can cost the emulator: body size, time on a connection, the request log, shutdown, the wire.

Timeouts are configured small so the tests are quick; bounds on elapsed time
are generous multiples, since they only tell "was cut short" from "hung".
"""

from __future__ import annotations

import http.client
import signal
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import replace

import httpx
import pytest

from graph_contracts.graph.emulator import EmulatorConfig, EmulatorHandle, Limits, running_emulator
from loopback import emulator_process

IMPORTED = "/deviceManagement/importedWindowsAutopilotDeviceIdentities"
MB = 1024 * 1024


def limited(**limits: float) -> EmulatorConfig:
    return EmulatorConfig(limits=replace(Limits(), **limits))


@pytest.fixture(scope="module")
def running() -> Iterator[EmulatorHandle]:
    with running_emulator() as handle:
        yield handle


def address(emulator: EmulatorHandle) -> tuple[str, int]:
    host, port = emulator.base_url.removeprefix("http://").rsplit(":", 1)
    return host, int(port)


def read_until_closed(sock: socket.socket, limit: float = 10) -> bytes:
    """Everything the server sends until it closes the connection (or ``limit`` seconds pass)."""
    sock.settimeout(limit)
    received = b""
    try:
        while chunk := sock.recv(65536):
            received += chunk
    except (TimeoutError, ConnectionResetError):
        pass
    return received


def status_of(answer: bytes) -> int:
    return int(answer.split(b" ", 2)[1])


# --------------------------------------------------------------------------- body size


def test_a_declared_body_over_4_mb_is_413_without_being_read(running: EmulatorHandle) -> None:
    with socket.create_connection(address(running)) as sock:
        # Headers only: the emulator must answer without waiting for the 100 MB it was promised.
        sock.sendall(
            f"POST /v1.0{IMPORTED} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            f"Content-Length: {100 * MB}\r\n\r\n".encode()
        )
        answer = read_until_closed(sock)
    assert status_of(answer) == 413
    assert b'"code": "RequestEntityTooLarge"' in answer and b"4194304 bytes" in answer
    assert b"request-id" in answer.lower()


def test_a_chunked_body_is_cut_at_the_cap_and_the_connection_closed() -> None:
    with running_emulator(limited(max_body_bytes=1000)) as emulator:
        with socket.create_connection(address(emulator)) as sock:
            sock.sendall(
                f"POST /v1.0{IMPORTED} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                "Transfer-Encoding: chunked\r\n\r\n".encode()
            )
            chunk = b"x" * 400
            for _ in range(3):  # 1,200 bytes, past the cap; the emulator stops reading there
                sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            answer = read_until_closed(sock)
        assert status_of(answer) == 413
        assert b"connection: close" in answer.lower()
        assert [r.body for r in emulator.received] == [b""]


def test_a_body_of_exactly_the_cap_is_read(running: EmulatorHandle) -> None:
    body = b'{"groupTag": "' + b"x" * (4 * MB - 16) + b'"}'
    assert len(body) == 4 * MB
    response = httpx.post(
        running.graph_url() + IMPORTED,
        content=body,
        headers={**running.headers(), "Content-Type": "application/json"},
        timeout=30,
    )
    assert response.status_code != 413
    running.reset()


# --------------------------------------------------------------------------- time on a connection


def test_headers_that_never_finish_are_dropped_after_the_header_timeout() -> None:
    with running_emulator(limited(header_timeout=0.3)) as emulator, socket.create_connection(address(emulator)) as sock:
        sock.sendall(b"GET /v1.0" + IMPORTED.encode() + b" HTTP/1.1\r\nHost: x\r\n")
        started = time.monotonic()
        assert read_until_closed(sock) == b""
        assert time.monotonic() - started < 5


def test_a_body_that_never_finishes_is_408_after_the_body_timeout() -> None:
    with running_emulator(limited(body_timeout=0.3)) as emulator:
        with socket.create_connection(address(emulator)) as sock:
            sock.sendall(
                f"POST /v1.0{IMPORTED} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                'Transfer-Encoding: chunked\r\n\r\n5\r\n{"a":\r\n'.encode()
            )
            answer = read_until_closed(sock)
        assert status_of(answer) == 408
        assert b'"code": "RequestTimeout"' in answer


def test_many_stalled_bodies_are_all_answered_and_closed() -> None:
    with running_emulator(limited(body_timeout=0.3)) as emulator:
        sockets = [socket.create_connection(address(emulator)) for _ in range(30)]
        try:
            for sock in sockets:
                sock.sendall(f"POST /v1.0{IMPORTED} HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n{{".encode())
            assert [status_of(read_until_closed(sock)) for sock in sockets] == [408] * 30
        finally:
            for sock in sockets:
                sock.close()


def test_an_idle_keep_alive_connection_is_closed() -> None:
    with running_emulator(limited(keep_alive_timeout=1)) as emulator:
        with socket.create_connection(address(emulator)) as sock:
            sock.sendall(b"GET /v1.0" + IMPORTED.encode() + b" HTTP/1.1\r\nHost: x\r\n\r\n")
            answer = read_until_closed(sock)
        assert status_of(answer) == 401  # answered, then closed once idle


# --------------------------------------------------------------------------- the request log


def test_the_request_log_is_a_ring_of_the_configured_size() -> None:
    with running_emulator(limited(request_log_size=5)) as emulator, httpx.Client() as client:
        for i in range(12):
            client.get(emulator.graph_url() + IMPORTED, headers={"client-request-id": f"r{i}"})
        assert [r.header("client-request-id") for r in emulator.received] == [f"r{i}" for i in range(7, 12)]


def test_the_request_log_forgets_old_bodies_past_its_byte_budget() -> None:
    with running_emulator(limited(request_log_bytes=1000)) as emulator, httpx.Client() as client:
        for _ in range(10):
            client.post(emulator.graph_url() + IMPORTED, content=b"x" * 300)
        kept = emulator.received
        assert 1 <= len(kept) <= 3 and sum(len(r.body) for r in kept) <= 1000


# --------------------------------------------------------------------------- shutdown


def test_leaving_running_emulator_does_not_wait_for_a_sleeping_latency_fault() -> None:
    answers: list[int] = []

    def sleeper(url: str) -> None:
        try:
            answers.append(httpx.get(url, headers={"x-emulator-fault": "latency=600"}, timeout=30).status_code)
        except httpx.HTTPError:
            answers.append(0)

    with running_emulator() as emulator:
        thread = threading.Thread(target=sleeper, args=(emulator.graph_url() + IMPORTED,))
        thread.start()
        while not emulator.received:
            time.sleep(0.01)
        started = time.monotonic()
    stopped_in = time.monotonic() - started
    thread.join(5)
    assert stopped_in < 2, stopped_in
    assert answers == [401]  # the sleep was cut short and the request answered, not dropped


def test_the_cli_stops_on_sigterm_while_a_latency_fault_sleeps() -> None:
    with emulator_process("--quiet") as (proc, base_url):
        thread = threading.Thread(
            target=lambda: httpx.get(
                f"{base_url}/v1.0{IMPORTED}", headers={"x-emulator-fault": "latency=600"}, timeout=30
            )
        )
        thread.start()
        time.sleep(0.3)
        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
        assert time.monotonic() - started < 2
        thread.join(5)


# --------------------------------------------------------------------------- the wire


def test_sequential_requests_on_one_keep_alive_connection_do_not_wait_on_delayed_acks(
    running: EmulatorHandle,
) -> None:
    host, port = address(running)
    headers = running.headers()
    connection = http.client.HTTPConnection(host, port, timeout=10)
    try:
        connection.request("GET", f"/v1.0{IMPORTED}", headers=headers)  # warm: connect, first route
        connection.getresponse().read()
        started = time.perf_counter()
        for _ in range(20):
            connection.request("GET", f"/v1.0{IMPORTED}", headers=headers)
            response = connection.getresponse()
            response.read()
            assert response.status == 200
        elapsed = time.perf_counter() - started
    finally:
        connection.close()
    # A delayed ACK costs about 40 ms a request; half of that for all twenty is still a generous bound.
    assert elapsed < 20 * 0.040 / 2, f"20 requests took {elapsed * 1000:.0f} ms"

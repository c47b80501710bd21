"""One client connection: uvicorn's HTTP/1.1 protocol with TCP_NODELAY, one write per answer, a header deadline.

Without TCP_NODELAY every small answer waits on the client's delayed ACK
(about 40 ms on Linux), which dominated the suite's wall time. With it, the
status line and the body that uvicorn writes separately would leave as two
packets and two system calls, so ``CoalescingTransport`` gathers the writes of
one event-loop step and sends them together. uvicorn closes idle keep-alive
connections but has no deadline for a request whose headers never finish
arriving; ``EmulatorProtocol`` closes such a connection after
``Limits.header_timeout`` seconds. A request too malformed to reach the
application (a method that is no HTTP token, a broken header line) gets
Graph's 400 envelope with ``request-id`` rather than uvicorn's plain text.
"""

from __future__ import annotations

import asyncio
import json
import socket
import uuid
from datetime import datetime, timezone
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol


def set_nodelay(sock: socket.socket | None) -> None:
    """Send small writes at once rather than waiting to coalesce them (Nagle's algorithm off)."""
    if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class CoalescingTransport:
    """A transport whose writes within one event-loop step leave as one ``send``.

    Everything but ``write`` goes to the real transport; pending bytes are
    flushed before ``close`` and ``write_eof`` and dropped by ``abort``, as the
    real transport would treat its own buffer.
    """

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._pending: list[bytes] = []

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if not data:
            return
        if not self._pending:
            self._loop.call_soon(self._flush)
        self._pending.append(bytes(data))

    def _flush(self) -> None:
        if self._pending and not self._transport.is_closing():
            self._transport.write(b"".join(self._pending))
        self._pending.clear()

    def close(self) -> None:
        self._flush()
        self._transport.close()

    def write_eof(self) -> None:
        self._flush()
        self._transport.write_eof()

    def abort(self) -> None:
        self._pending.clear()
        self._transport.abort()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class EmulatorProtocol(H11Protocol):
    """uvicorn's h11 protocol, plus TCP_NODELAY on the accepted socket and the header deadline."""

    #: Seconds a connection may take to deliver a request's headers; set per server by ``protocol_for``.
    header_timeout: float = 10.0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._header_deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        set_nodelay(transport.get_extra_info("socket"))
        super().connection_made(CoalescingTransport(transport, self.loop))  # type: ignore[arg-type]
        self._arm_header_deadline()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_header_deadline()
        super().connection_lost(exc)

    def handle_events(self) -> None:
        super().handle_events()
        if self.conn.their_state is not h11.IDLE:
            self._disarm_header_deadline()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._arm_header_deadline()

    def send_400_response(self, msg: str) -> None:
        request_id = str(uuid.uuid4())
        body = json.dumps(
            {
                "error": {
                    "code": "BadRequest",
                    "message": f"The request is not valid HTTP/1.1: {msg}",
                    "innerError": {
                        "date": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S"),
                        "request-id": request_id,
                        "client-request-id": request_id,
                    },
                }
            }
        ).encode()
        headers = [
            (
                b"content-type",
                b"application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8",
            ),
            (b"odata-version", b"4.0"),
            (b"request-id", request_id.encode()),
            (b"client-request-id", request_id.encode()),
            (b"content-length", str(len(body)).encode()),
            (b"connection", b"close"),
        ]
        for event in (
            h11.Response(status_code=400, headers=headers, reason=b"Bad Request"),
            h11.Data(data=body),
            h11.EndOfMessage(),
        ):
            self.transport.write(self.conn.send(event))
        self.transport.close()

    def _arm_header_deadline(self) -> None:
        self._disarm_header_deadline()
        self._header_deadline = self.loop.call_later(self.header_timeout, self._headers_too_slow)

    def _disarm_header_deadline(self) -> None:
        if self._header_deadline is not None:
            self._header_deadline.cancel()
            self._header_deadline = None

    def _headers_too_slow(self) -> None:
        self._header_deadline = None
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            self.transport.close()


def protocol_for(header_timeout: float) -> type[EmulatorProtocol]:
    """The protocol class a server with this header deadline hands to uvicorn."""
    return type("EmulatorProtocol", (EmulatorProtocol,), {"header_timeout": header_timeout})

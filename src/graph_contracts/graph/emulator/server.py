"""Serving the application: uvicorn on a loopback socket, in a thread for tests or in the foreground.

``running_emulator()`` is what tests and the suite use and yields an
``EmulatorHandle`` (URLs, tokens, the request log, reset); ``serve()`` is what
``graph-contracts emulator`` runs. Both stop within ``Limits.shutdown_timeout``
(plus uvicorn's polling) even while a latency fault sleeps or a body trickles in.
"""

from __future__ import annotations

import math
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from types import FrameType
from typing import Any

import uvicorn

from ...errors import TransportError
from .app import Emulator, RequestLine
from .config import ADMIN_ROLE, DEFAULT_APP, EmulatorConfig
from .connection import protocol_for, set_nodelay
from .state import RecordedRequest
from .tokens import tenant_id_for


class _Server(uvicorn.Server):
    """uvicorn, plus what the emulator needs from the server: drop a connection, report readiness,
    and stop on SIGINT/SIGTERM without re-raising the signal (uvicorn's default), so the CLI exits 0."""

    def __init__(self, config: uvicorn.Config, emulator: Emulator, on_ready: Callable[[], None] | None = None) -> None:
        super().__init__(config)
        self._emulator = emulator
        self._on_ready = on_ready

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        # Wake latency faults and abandon slow bodies first, so answers in flight finish at once.
        self._emulator.stop_waiting()
        await super().shutdown(sockets=sockets)

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if self.started and self._on_ready is not None:
            self._on_ready()

    @contextmanager
    def capture_signals(self) -> Iterator[None]:
        if threading.current_thread() is not threading.main_thread():
            yield
            return

        def stop(sig: int, frame: FrameType | None) -> None:
            if self.should_exit and sig == signal.SIGINT:
                self.force_exit = True
            self.should_exit = True

        original = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield
        finally:
            for sig, handler in original.items():
                signal.signal(sig, handler)

    def drop(self, client: tuple[str, int] | None) -> bool:
        for connection in list(self.server_state.connections):
            if client is not None and getattr(connection, "client", None) == client:
                transport = getattr(connection, "transport", None)
                if transport is not None:
                    transport.abort()
                    return True
        return False


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY on accepted sockets only when the protocol says TCP.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    set_nodelay(sock)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def _uvicorn_config(emulator: Emulator, host: str, port: int) -> uvicorn.Config:
    limits = emulator.config.limits
    return uvicorn.Config(
        emulator.asgi,
        host=host,
        port=port,
        log_level="warning",
        access_log=False,
        lifespan="off",
        http=protocol_for(limits.header_timeout),
        loop="asyncio",
        interface="asgi3",
        proxy_headers=False,
        timeout_keep_alive=max(1, math.ceil(limits.keep_alive_timeout)),
        timeout_graceful_shutdown=max(1, math.ceil(limits.shutdown_timeout)),
    )


def _base_url(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


class EmulatorHandle:
    """A running emulator, as tests use it: URLs, tokens, the request log, reset."""

    def __init__(self, emulator: Emulator, base_url: str) -> None:
        self.emulator = emulator
        self.base_url = base_url

    @property
    def config(self) -> EmulatorConfig:
        return self.emulator.config

    @property
    def tenant_id(self) -> str:
        return self.emulator.config.tenant_id

    def graph_url(self, version: str = "v1.0") -> str:
        """The Graph root of a version, e.g. ``http://127.0.0.1:PORT/v1.0``."""
        return f"{self.base_url}/{version}"

    def token_url(self, tenant: str | None = None) -> str:
        return f"{self.base_url}/{tenant or self.tenant_id}/oauth2/v2.0/token"

    def token(
        self,
        roles: Iterable[str] | None = None,
        *,
        scopes: Iterable[str] = (),
        tenant: str | None = None,
        lifetime: float | None = None,
    ) -> str:
        """A token as the token endpoint would issue it, without the round trip.

        ``roles=None`` (and no ``scopes``) gives the default app's roles; pass
        ``roles=()`` for a valid token with no permission (the 403 case), or
        ``scopes`` for a delegated token. A ``lifetime`` <= 0 gives an expired token.
        """
        scopes = tuple(scopes)
        if roles is None:
            roles = () if scopes else DEFAULT_APP.roles
        return self.emulator.mint_token(tenant=tenant, roles=roles, scopes=scopes, lifetime=lifetime)

    def admin_headers(self) -> dict[str, str]:
        """Headers for the admin routes (``/_emulator/reset``, ``/_emulator/settle``): a token with the admin role."""
        return {"Authorization": f"Bearer {self.token([ADMIN_ROLE])}"}

    def headers(self, roles: Iterable[str] | None = None, **token_options: Any) -> dict[str, str]:
        """``Authorization`` and ``Accept`` headers for a request with ``token(...)``."""
        return {"Authorization": f"Bearer {self.token(roles, **token_options)}", "Accept": "application/json"}

    @property
    def received(self) -> tuple[RecordedRequest, ...]:
        """Every request the emulator received since start or the last reset, in arrival order."""
        return self.emulator.store.received

    def reset(self, tenant: str | None = None) -> None:
        """Forget entities (of one tenant, or all together with the request log and fault counters)."""
        self.emulator.store.reset(tenant_id_for(tenant) if tenant else None)

    def settle_imports(self, tenant: str | None = None) -> None:
        """Settle every pending import now instead of polling."""
        self.emulator.store.settle_now(tenant_id_for(tenant or self.tenant_id) or self.tenant_id)

    def snapshot(self, tenant: str | None = None) -> Mapping[str, list[dict[str, Any]]]:
        return self.emulator.store.snapshot(tenant_id_for(tenant or self.tenant_id) or self.tenant_id)


@contextmanager
def running_emulator(config: EmulatorConfig | None = None, *, host: str = "127.0.0.1") -> Iterator[EmulatorHandle]:
    """Run an emulator on a free loopback port in a background thread for the ``with`` block."""
    emulator = Emulator(config)
    sock = _bind(host, 0)
    port = sock.getsockname()[1]
    server = _Server(_uvicorn_config(emulator, host, port), emulator)
    emulator.drop_connection = server.drop
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="graph-emulator", daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            sock.close()
            raise TransportError(0, "EmulatorDidNotStart", f"the Graph emulator did not start on {host}:{port}")
        time.sleep(0.01)
    try:
        yield EmulatorHandle(emulator, _base_url(host, port))
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def serve(
    host: str = "127.0.0.1",
    port: int = 0,
    config: EmulatorConfig | None = None,
    *,
    on_ready: Callable[[EmulatorHandle], None] | None = None,
    on_request: Callable[[RequestLine], None] | None = None,
) -> None:
    """Serve in the foreground until SIGINT or SIGTERM.

    ``on_ready`` is called once the socket accepts connections, with the
    handle of the running emulator (its URLs and config), so a caller can tell
    a user where it listens; ``on_request`` after each answer (a console log).
    Raises ``OSError`` when the address cannot be bound.
    """
    emulator = Emulator(config)
    emulator.on_request = on_request
    sock = _bind(host, port)
    handle = EmulatorHandle(emulator, _base_url(host, sock.getsockname()[1]))
    server = _Server(
        _uvicorn_config(emulator, host, sock.getsockname()[1]),
        emulator,
        on_ready=None if on_ready is None else (lambda: on_ready(handle)),
    )
    emulator.drop_connection = server.drop
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()

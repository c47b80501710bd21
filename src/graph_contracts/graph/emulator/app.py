"""The emulator application: one request's way through limits, faults, auth, routing, query, body and handler.

``Emulator`` owns the store, the token issuer, the routes and the Starlette
app that a server (``server.py``) runs through ``Emulator.asgi``, which also
times each answer for the console log (``RequestLine``). Every request is
recorded; every failure becomes Graph's envelope (a bug too, as a 500, which
the property tests hunt for), on any path and method, with ``request-id``; the
admin routes need the admin role, and act on the token's own tenant unless
its app is one of ``EmulatorConfig.emulator_admins``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import secrets
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote

from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import Message, Receive, Scope, Send

from ...contracts import default_contracts
from ...errors import ConfigurationError
from ...validation import Validator
from .config import ADMIN_ROLE, DEFAULT_APP, EmulatorConfig
from .entra import entra_error, issue_token
from .failures import Drop, GraphFailure, bad_request
from .faults import Fault, fault_failure, loop_next_link
from .handlers import ACTION_HANDLERS, VERB_HANDLERS, Call
from .limits import CLOSE, declared_length, parse_json, read_body, too_large
from .odata import parse_query
from .render import Renderer, envelope
from .routes import GraphRoute, RouteTable
from .state import EmulatorStore, RecordedRequest
from .tokens import Principal, TokenIssuer, tenant_id_for, token_failure
from .users import answer_users, is_users_request

log = logging.getLogger("graph_contracts.emulator")

#: Graph's answer to a path it does not serve; also the admin routes' answer when switched off.
_NOT_SERVED = "Resource not found for the segment '{0}'."


class _Exact(Route):
    """A route whose pattern ends at the end of the path: Starlette's ``$`` also matches before a
    final line break, which made ``/_emulator/reset%0A`` the admin route."""

    def __init__(self, path: str, endpoint: Callable[..., Any], methods: list[str] | None = None) -> None:
        super().__init__(path, endpoint, methods=methods)
        self.path_regex = re.compile(self.path_regex.pattern.removesuffix("$") + r"\Z")


class _AnyMethod(_Exact):
    """A route for every method, odd ones too, so the route table answers 405 in Graph's envelope."""

    def __init__(self, path: str, endpoint: Callable[..., Any]) -> None:
        super().__init__(path, endpoint)
        self.methods = None


@dataclass(frozen=True)
class RequestLine:
    """One answered request, as the console log prints it."""

    method: str
    path: str
    status: int
    milliseconds: float

    def __str__(self) -> str:
        # A path may hold a line break or other control characters (percent-decoded): one line each.
        path = "".join(c if c.isprintable() else quote(c) for c in self.path)
        return f"{self.method} {path} {self.status} {self.milliseconds:.1f} ms"


class Emulator:
    """The emulator's state, rules and Starlette app; a server (thread or CLI) serves ``.asgi``."""

    def __init__(self, config: EmulatorConfig | None = None) -> None:
        self.config = config or EmulatorConfig()
        limits = self.config.limits
        self.contracts = self.config.contracts or default_contracts()
        self.store = EmulatorStore(
            self.config.lifecycle, log_size=limits.request_log_size, log_bytes=limits.request_log_bytes
        )
        self.issuer = TokenIssuer(self.config.signing_key or secrets.token_bytes(32))
        self.routes = RouteTable(self.contracts)
        if self.config.seed is not None:  # the tenant's state from ``--state`` (seed.py)
            self.config.seed.apply(self.store, self.config.tenant_id)
        self.renderer = Renderer(self.contracts)
        self._validators: dict[tuple[str, str], Validator] = {}
        self._accepts: dict[tuple[str, str, str, str], frozenset[str]] = {}
        self._apps = {app.client_id: app for app in self.config.apps}
        self._tenants = frozenset(
            tid for t in (self.config.tenant_id, *self.config.tenants) if (tid := tenant_id_for(t)) is not None
        )
        #: Set once the server stops: latency faults and slow bodies stop waiting.
        self._stopping = asyncio.Event()
        #: Set by the server that runs the app; closes a client's connection (the ``drop`` fault).
        self.drop_connection: Callable[[tuple[str, int] | None], bool] | None = None
        #: Called after each answer (``serve``'s console log); ``None`` for silence.
        self.on_request: Callable[[RequestLine], None] | None = None
        self.app = Starlette(
            routes=[
                _Exact("/{tenant}/oauth2/v2.0/token", self._token_endpoint, methods=["POST"]),
                _AnyMethod("/_emulator/reset", self._reset_endpoint),
                _AnyMethod("/_emulator/settle", self._settle_endpoint),
                _AnyMethod("/{path:path}", self._graph_endpoint),
            ],
            # Starlette's own 500 is plain text; the emulator answers in Graph's envelope only.
            exception_handlers={Exception: self._server_error},
        )
        # A path no route pattern matches (one with a line break, or not starting with "/") is still
        # Graph's to answer, as an unknown segment or an unknown id; never a redirect.
        self.app.router.default = self._unrouted
        self.app.router.redirect_slashes = False

    async def asgi(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The ASGI entry a server runs: the Starlette app, timed for ``on_request``."""
        listener = self.on_request
        if listener is None or scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 0

        async def timed_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, timed_send)
        finally:
            elapsed = (time.perf_counter() - started) * 1000
            listener(RequestLine(scope["method"], scope["path"], status, elapsed))

    def stop_waiting(self) -> None:
        """Cut short every latency fault and body read (called on the server's loop as it stops)."""
        self._stopping.set()

    # -- tokens

    def mint_token(
        self,
        *,
        tenant: str | None = None,
        roles: Iterable[str] = (),
        scopes: Iterable[str] = (),
        lifetime: float | None = None,
        client_id: str | None = None,
    ) -> str:
        tid = tenant_id_for(tenant or self.config.tenant_id) or self.config.tenant_id
        return self.issuer.mint(
            tid,
            client_id or DEFAULT_APP.client_id,
            roles=roles,
            scopes=scopes,
            lifetime=self.config.token_lifetime if lifetime is None else lifetime,
        )

    async def _token_endpoint(self, request: Request) -> Response:
        request_id = str(uuid.uuid4())
        try:
            body = await self._read(request)
        except GraphFailure as failure:
            self._record(request, b"", request_id)
            return envelope(failure, request_id, request_id)
        self._record(request, body, request_id)
        try:
            return issue_token(
                self.issuer,
                self._apps,
                self._tenants,
                self.config.token_lifetime,
                request.path_params["tenant"],
                body,
                request.headers.get("content-type", ""),
            )
        except Exception:
            log.exception("emulator token route failed")
            return entra_error("server", "an unexpected error occurred in the emulator")

    # -- admin routes (not Graph: test plumbing, for the emulator's own client only)

    async def _reset_endpoint(self, request: Request) -> Response:
        # None (every tenant, the request log, the fault counters) only for an emulator-wide admin.
        return await self._admin(request, self.store.reset, everything=True)

    async def _settle_endpoint(self, request: Request) -> Response:
        def settle(tenant_id: str | None) -> None:
            assert tenant_id is not None  # settle always acts on one tenant (everything=False)
            self.store.settle_now(tenant_id)

        return await self._admin(request, settle, everything=False)

    async def _admin(self, request: Request, action: Callable[[str | None], None], *, everything: bool) -> Response:
        request_id = str(uuid.uuid4())
        client_request_id = request.headers.get("client-request-id") or request_id
        body = b""
        try:
            if not self.config.admin_routes:
                raise GraphFailure(404, "ResourceNotFound", _NOT_SERVED.format("_emulator"))
            if request.method != "POST":
                raise GraphFailure(
                    405,
                    "MethodNotAllowed",
                    f"The HTTP method '{request.method}' is not allowed for the request URI; allowed: POST.",
                    headers=(("Allow", "POST"),),
                )
            body = await self._read(request)  # nothing to read in it, but the body cap holds on every route
            principal = self._authenticate(request)
            if ADMIN_ROLE not in principal.roles:
                raise GraphFailure(
                    403,
                    "Authorization_RequestDenied",
                    f"The emulator's admin routes need a token with the '{ADMIN_ROLE}' role.",
                )
            action(self._admin_scope(request, principal, everything))
            response = Response(status_code=204)
        except GraphFailure as failure:
            response = envelope(failure, request_id, client_request_id)
        self._record(request, body, request_id)
        return _stamped(response, request_id, client_request_id)

    def _admin_scope(self, request: Request, principal: Principal, everything: bool) -> str | None:
        """The tenant an admin call acts on: ``?tenant=``, else the token's own; None means every tenant.

        A name that is no tenant of this emulator is a 404, never "everything";
        another tenant than the token's needs an emulator-wide admin
        (``EmulatorConfig.emulator_admins``), and so does a reset of everything.
        """
        emulator_wide = principal.client_id in self.config.emulator_admins
        if "tenant" not in request.query_params:
            return None if emulator_wide and everything else principal.tenant_id
        name = request.query_params["tenant"]
        tid = tenant_id_for(name)
        if tid is None or not (tid in self._tenants or tid == principal.tenant_id or self.store.holds(tid)):
            raise GraphFailure(404, "ResourceNotFound", f"The emulator serves no tenant '{name}'.")
        if tid != principal.tenant_id and not emulator_wide:
            raise GraphFailure(
                403,
                "Authorization_RequestDenied",
                # An answer to an HTTP client, which cannot know how the emulator was started: it names
                # the setting and the app to add to it (the README gives the setting's flag beside it).
                f"An admin token of tenant '{principal.tenant_id}' acts on that tenant only; another tenant "
                f"needs an emulator-wide admin: start the emulator with app '{principal.client_id}' in its "
                "emulator_admins setting (EmulatorConfig.emulator_admins).",
            )
        return tid

    # -- answers no route gives

    async def _unrouted(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":  # a WebSocket, when the server speaks it: Starlette closes it
            await self.app.router.not_found(scope, receive, send)
            return
        response = await self._graph_endpoint(Request(scope, receive))
        await response(scope, receive, send)

    async def _server_error(self, request: Request, exc: Exception) -> Response:
        # Starlette re-raises after this answer, so the server still logs the traceback of the bug.
        request_id = str(uuid.uuid4())
        failure = GraphFailure(500, "generalException", f"Unexpected emulator error: {type(exc).__name__}.")
        return _stamped(envelope(failure, request_id, request_id), request_id, request_id)

    # -- Graph

    async def _read(self, request: Request) -> bytes:
        length = declared_length(request.headers.get("content-length"))
        if length in (0, None) and "transfer-encoding" not in request.headers:
            return b""  # HTTP/1.1: no length and no chunking means no body (most GETs and DELETEs)
        limits = self.config.limits
        if length is not None and length > limits.max_body_bytes:
            raise too_large(limits.max_body_bytes)
        try:
            return await read_body(request.stream(), limits, self._stopping)
        except ClientDisconnect:
            # The client's fault, not the emulator's: a 400 in the log, no traceback (nobody reads the answer).
            raise GraphFailure(
                400,
                "BadRequest",
                "The client closed the connection before the request body arrived.",
                headers=CLOSE,
            ) from None

    def _record(self, request: Request, body: bytes, request_id: str) -> None:
        self.store.record_request(
            RecordedRequest(
                method=request.method,
                path=request.url.path,
                query=request.url.query,
                headers=tuple((k, v) for k, v in request.headers.items()),
                body=body,
                request_id=request_id,
                received_at=time.time(),
            )
        )

    async def _graph_endpoint(self, request: Request) -> Response:
        request_id = str(uuid.uuid4())
        client_request_id = request.headers.get("client-request-id") or request_id
        recorded = False
        try:
            body = await self._read(request)
            self._record(request, body, request_id)
            recorded = True
            response = await self._graph(request, body)
        except Drop:
            return await self._drop(request)
        except GraphFailure as failure:
            response = envelope(failure, request_id, client_request_id)
        except Exception as exc:
            # Never a traceback to the client: an emulator bug still answers with Graph's envelope.
            log.exception("emulator failed on %s %s", request.method, request.url.path)
            unexpected = GraphFailure(500, "generalException", f"Unexpected emulator error: {type(exc).__name__}.")
            response = envelope(unexpected, request_id, client_request_id)
        if not recorded:
            self._record(request, b"", request_id)
        return _stamped(response, request_id, client_request_id)

    async def _drop(self, request: Request) -> Response:
        client = (request.client.host, request.client.port) if request.client else None
        if self.drop_connection is None or not self.drop_connection(client):
            failure = GraphFailure(500, "generalException", "The drop fault needs the emulator's own server.")
            return envelope(failure, "", "")
        # Let the aborted transport report connection_lost, so the server sends nothing more.
        for _ in range(3):
            await asyncio.sleep(0)
        return Response(status_code=500)

    async def _graph(self, request: Request, body: bytes) -> Response:
        raw_path = request.scope.get("raw_path") or request.url.path.encode()
        segments = [unquote(s) for s in raw_path.decode("latin-1").split("?")[0].strip("/").split("/")]
        loops = await self._inject_faults(request)
        version = segments[0]
        if version not in self.routes.versions:
            raise bad_request(f"Invalid version: {version}")
        principal = self._authenticate(request)
        method = request.method.upper()
        if is_users_request(segments[1:]):  # the one directory route (users.py), not in the contracts
            return answer_users(self, version, segments[1:], method, str(request.base_url).rstrip("/"), principal)
        try:
            route, params = self.routes.match(version, segments[1:], method)
        except GraphFailure:
            self._refuse(version, segments[1:], method, request.url.query)  # a refused route no page documents
            raise
        # routing comes before authorization in the service: a refused route is a 400 whatever the token holds
        self._refuse(version, segments[1:], method, request.url.query)
        self._authorize(route, principal)
        query = parse_query(self.renderer, route, request.url.query)
        payload = self._body(request, body, route) if route.operation.has_request_body else None
        call = Call(
            version, route, params, query, payload, principal, str(request.base_url).rstrip("/"), str(request.url)
        )
        handler = ACTION_HANDLERS.get(route.operation.id) or VERB_HANDLERS.get(route.operation.verb)
        if handler is None:
            raise GraphFailure(
                501, "NotImplemented", f"The emulator has no handler for the action '{route.operation.id}'."
            )
        response = handler(self, call)
        looped = loop_next_link(bytes(response.body), str(request.url)) if loops else None
        if looped is not None:  # the next-link=loop fault: the page links back to itself
            response.body = looped
            response.headers["content-length"] = str(len(looped))
        return response

    def _refuse(self, version: str, segments: list[str], method: str, query: str = "") -> None:
        """Answer as the service does where it refuses a documented operation (unless ``as_documented``)."""
        if self.config.as_documented:
            return
        fact = self.routes.refusal(version, segments, method, query)
        if fact is not None:
            raise GraphFailure(fact.refusal.status, fact.refusal.code, fact.refusal.message)

    async def _inject_faults(self, request: Request) -> bool:
        """Apply the faults that match the request; True when one asks for a looping next link."""
        faults: list[tuple[str, Fault]] = [
            (f"config:{i}", f)
            for i, f in enumerate(self.config.faults)
            if f.applies_to(request.method, request.url.path)
        ]
        header = request.headers.get("x-emulator-fault")
        if header:
            try:
                faults.append((f"header:{header}", Fault.parse(header)))
            except ConfigurationError as exc:
                raise bad_request(f"x-emulator-fault: {exc.detail}") from None
        loops = False
        for key, fault in faults:
            hits = self.store.count_fault(key) if fault.count is not None or fault.after else 0
            if (fault.count is not None and hits > fault.count) or (fault.after and hits <= fault.after):
                continue
            loops = loops or fault.loop_next_link
            if fault.latency:
                await self._sleep(fault.latency)
            if fault.drop:
                raise Drop()
            if fault.status is not None:
                raise fault_failure(fault)
        return loops

    async def _sleep(self, seconds: float) -> None:
        """A latency fault's wait, which a stopping server cuts short."""
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), seconds)

    def _authenticate(self, request: Request) -> Principal:
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise token_failure("missing")
        return self.issuer.verify(token.strip())

    def _authorize(self, route: GraphRoute, principal: Principal) -> None:
        if not principal.permissions & self._accepted(route, principal.permission_type):
            raise GraphFailure(403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")

    def _accepted(self, route: GraphRoute, page_kind: str) -> frozenset[str]:
        """Any one of these lets a token of ``page_kind`` call ``route``: Microsoft's permissions data where it
        and the page agree, else what the overlay settles (``permissions.needs.requirement`` names the source)."""
        key = (route.version, route.template, route.method, page_kind)
        if key not in self._accepts:
            from ...permissions import load_permission_data
            from ...permissions.data import kind_of
            from ...permissions.needs import requirement

            data, kind = load_permission_data(), kind_of(page_kind)
            self._accepts[key] = frozenset(
                p for op in route.operations for p in requirement(self.contracts, op, kind, data).accepted
            )
        return self._accepts[key]

    def _body(self, request: Request, body: bytes, route: GraphRoute) -> Any:
        content_type = request.headers.get("content-type", "")
        if content_type.split(";")[0].strip().lower() != "application/json":
            shown = content_type or "none"
            raise bad_request(f"The Content-Type '{shown}' is not supported for this request; send application/json.")
        payload = parse_json(body, self.config.limits.max_json_depth)
        issues = [i for i in self._validator(route).validate(payload) if i.severity == "error"]
        if issues:
            first = issues[0]
            raise bad_request(f"Invalid request body: {first.pointer or '/'}: {first.message}", issues)
        return payload

    def _validator(self, route: GraphRoute) -> Validator:
        key = (route.version, route.operation.id)
        if key not in self._validators:
            self._validators[key] = Validator.for_operation(
                route.operation.id, version=route.version, direction="request", profile="contract"
            )
        return self._validators[key]


def _stamped(response: Response, request_id: str, client_request_id: str) -> Response:
    """Graph's ``request-id`` and ``client-request-id`` headers, which every Graph answer carries."""
    response.headers["request-id"] = request_id
    response.headers["client-request-id"] = client_request_id
    return response

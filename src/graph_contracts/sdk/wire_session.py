"""One SDK call on the wire: the client pointed at the emulator, the response tap, and the session.

:func:`make_client` builds the SDK's own ``GraphServiceClient`` on a static
emulator token; :class:`ResponseOverlay` is the ASGI middleware that swaps the
body of the emulator's 2xx answer for a crafted one; :class:`WireSession`
performs one call and reads back what arrived (an :class:`Exchange`);
:class:`WireResults` collects a run's results, for the operation checks
(``wire``) and the behaviour checks (``behaviour``) alike.
"""

from __future__ import annotations

import importlib
import json
import threading
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx
from hypothesis import strategies as st

from ..contracts import ContractSet, Operation
from ..errors import UnknownContractError
from ..strategies import BodyStrategies, guids
from ..validation import Validator
from .models import SdkDistribution, action_body_class, model_class
from .report import CheckResult, with_problems
from .roundtrip import (
    Comparer,
    combined_edges,
    draw_examples,
    edge_bodies,
    parse_model,
)
from .wire_calls import APPLICATION, DELEGATED, GRAPH_SCOPE, Message, Receive, Scope, SdkCall, Send

# --------------------------------------------------------------------------- plumbing: credential and response tap


@dataclass(frozen=True)
class StaticTokenCredential:
    """An ``azure.core.credentials.TokenCredential`` that always hands out one token (the emulator's)."""

    token: str
    lifetime: int = 3600

    def get_token(self, *scopes: str, **kwargs: Any) -> Any:
        from azure.core.credentials import AccessToken

        return AccessToken(self.token, int(time.time()) + self.lifetime)


@dataclass(frozen=True)
class Answered:
    """When one Graph request arrived and was answered (monotonic seconds), for the behaviour checks' timing."""

    method: str
    path: str
    query: str
    status: int
    retry_after: float | None
    arrived: float
    answered: float


@dataclass
class ResponseTap:
    """Shared by the test code and the middleware: bodies to serve next, and every answer sent."""

    queued: list[bytes] = field(default_factory=list)
    sent: list[tuple[str, str, int, bytes]] = field(default_factory=list)
    timeline: list[Answered] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def serve_next(self, body: Any) -> None:
        with self.lock:
            self.queued.append(json.dumps(body).encode("utf-8"))

    def last_sent(self) -> tuple[str, str, int, bytes] | None:
        with self.lock:
            return self.sent[-1] if self.sent else None


class ResponseOverlay:
    """ASGI middleware: records each answer; a queued body replaces the body of the next 2xx Graph answer."""

    def __init__(self, app: Callable[[Scope, Receive, Send], Awaitable[None]], tap: ResponseTap) -> None:
        self.app = app
        self.tap = tap

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        arrived = time.monotonic()
        start: Message = {}
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            else:
                await send(message)

        await self.app(scope, receive, capture)
        if not start:
            return
        status = int(start["status"])
        headers = list(start.get("headers", []))
        body = b"".join(chunks)
        is_graph = "/oauth2/" not in scope["path"]
        with self.tap.lock:
            if is_graph and 200 <= status < 300 and self.tap.queued and body:
                body = self.tap.queued.pop(0)
                headers = [(k, v) for k, v in headers if k.lower() != b"content-length"]
                headers.append((b"content-length", str(len(body)).encode("ascii")))
            if is_graph:
                self.tap.sent.append((scope["method"], scope["path"], status, body))
                self.tap.timeline.append(
                    Answered(
                        scope["method"],
                        scope["path"],
                        scope.get("query_string", b"").decode("latin-1"),
                        status,
                        _retry_after(headers),
                        arrived,
                        time.monotonic(),
                    )
                )
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def _retry_after(headers: Sequence[tuple[bytes, bytes]]) -> float | None:
    for name, value in headers:
        if name.lower() == b"retry-after":
            try:
                return float(value.decode("latin-1"))
            except ValueError:
                return None
    return None


def make_client(sdk: SdkDistribution, graph_url: str, token: str) -> Any:
    """The SDK's GraphServiceClient with its default middleware, pointed at ``graph_url``."""
    module = importlib.import_module(sdk.package)
    client = module.GraphServiceClient(credentials=StaticTokenCredential(token), scopes=[GRAPH_SCOPE])
    client.request_adapter.base_url = graph_url
    return client


# --------------------------------------------------------------------------- one exchange


@dataclass(frozen=True)
class Exchange:
    """One SDK call: what was meant, what arrived at the emulator, what it answered, what the SDK returned."""

    sent_body: Any
    entity_id: str | None
    requests: tuple[Any, ...]
    answer: tuple[str, str, int, bytes] | None
    result: Any = None
    error: str | None = None

    @property
    def request(self) -> Any:
        return self.requests[-1] if self.requests else None

    def answer_json(self) -> Any:
        if self.answer is None or not self.answer[3]:
            return None
        return json.loads(self.answer[3])


class WireSession:
    """One SDK client against one running emulator, with the checks' shared state."""

    def __init__(
        self, sdk: SdkDistribution, sdk_version: str, emulator: Any, tap: ResponseTap, contracts: ContractSet
    ) -> None:
        self.sdk = sdk
        self.sdk_version = sdk_version
        self.emulator = emulator
        self.tap = tap
        self.contracts = contracts
        self.version = sdk.version
        self.token = emulator.token()
        self.client = make_client(sdk, emulator.graph_url(self.version), self.token)
        self._delegated: dict[tuple[str, ...], tuple[str, Any]] = {}
        self.comparer = Comparer(contracts, self.version)
        self.strategies = BodyStrategies(contracts, self.version)
        self._seed_bodies: dict[str, Any] = {}
        self._fixtures: dict[str, str] = {}
        # One connection pool for seeding: a new httpx client per request spends most of its time loading CAs.
        self._http = httpx.Client(headers=emulator.headers(), timeout=30)

    def close(self) -> None:
        self._http.close()

    def reset(self) -> None:
        """An empty tenant for the next operation: a list then answers with what that operation seeded, not
        with every entity the checks before it created (the SDK would parse them all)."""
        self.emulator.reset()
        self._fixtures.clear()

    def fixture(self, op: Operation) -> str:
        """One seeded entity per operation, for the answers the response checks replace anyway."""
        if op.id not in self._fixtures:
            self._fixtures[op.id] = self.seed(op)
        return self._fixtures[op.id]

    # -- calling

    def credentials_for(self, op: Operation) -> tuple[str, Any]:
        """(token, client) for ``op``: the app's, or a signed-in user's where the pages document no application
        permission (PATCH of an imported identity is delegated only, and the emulator answers an app 403)."""
        if op.permissions_for(APPLICATION) or not op.permissions_for(DELEGATED):
            return self.token, self.client
        scopes = op.permissions_for(DELEGATED)
        if scopes not in self._delegated:
            token = self.emulator.token(scopes=scopes)
            self._delegated[scopes] = (token, make_client(self.sdk, self.emulator.graph_url(self.version), token))
        return self._delegated[scopes]

    def _builder(self, call: SdkCall, entity_id: str | None, client: Any = None) -> Any:
        builder = getattr((client or self.client).device_management, call.collection)
        if call.item is not None:
            builder = getattr(builder, call.item)(entity_id)
        if call.action is not None:
            builder = getattr(builder, call.action)
        return builder

    async def exchange(
        self, op: Operation, call: SdkCall, body: Any = None, entity_id: str | None = None, *, model: Any = None
    ) -> Exchange:
        """One call through the SDK; ``model`` sends a model built by the caller instead of one parsed from ``body``."""
        before = len(self.emulator.received)
        result: Any = None
        error: str | None = None
        try:
            method = getattr(self._builder(call, entity_id, self.credentials_for(op)[1]), call.method)
            if model is not None:
                result = await method(model)
            elif body is None:
                result = await method()
            else:
                result = await method(self._body_model(op, body))
        except Exception as exc:  # the SDK's failure is the finding
            error = f"{type(exc).__name__}: {exc}"
        requests = tuple(r for r in self.emulator.received[before:] if "/oauth2/" not in r.path)
        return Exchange(body, entity_id, requests, self.tap.last_sent() if requests else None, result, error)

    def _body_model(self, op: Operation, body: Any) -> Any:
        cls = model_class(self.sdk, op.body_type) if op.body_type else action_body_class(self.sdk, op.id)
        if cls is None:
            raise UnknownContractError(f"no SDK class for the body of {op.id}")
        return parse_model(cls, body)

    def seed(self, op: Operation) -> str:
        """Create one entity of the operation's type straight over HTTP and return its id."""
        create = self.contracts.operations.get((self.version, f"{op.type}.create"))
        if create is None:
            raise UnknownContractError(f"no create operation for {op.type} to seed {op.id}")
        if create.id not in self._seed_bodies:
            self._seed_bodies[create.id] = next(iter(self.valid_bodies(create, 1)), {})
        body = self._seed_bodies[create.id]
        url = self.emulator.graph_url(self.version) + create.path
        response = self._http.post(url, json=body)
        response.raise_for_status()
        entity_id: str = response.json()["id"]
        return entity_id

    def valid_bodies(self, op: Operation, count: int, *, edges: bool = False) -> list[Any]:
        validator = Validator.for_operation(op.id, version=self.version, direction="request")
        bodies: list[Any] = []
        if edges and op.body_type is not None:
            singles = edge_bodies(self.contracts, self.version, op.body_type)
            for combined in combined_edges(singles):
                # A combination the schema refuses (properties that exclude each other) falls back to its parts.
                bodies += (
                    [combined]
                    if validator.is_valid(combined)
                    else [b for b in singles if b.items() <= combined.items()]
                )
        bodies += draw_examples(self.strategies.request_body(op), count)
        return [b for b in bodies if validator.is_valid(b)]

    def response_entities(self, type_name: str, count: int) -> list[Any]:
        """Generated response bodies: every property, read-only ones included, valid against the response schema."""
        props = self.contracts.all_properties(self.version, type_name)
        fields = {p.name: self.strategies.value(p.type, p.collection, p.name) for p in props if p.name != "id"}
        strategy = st.fixed_dictionaries(
            {"@odata.type": st.just(f"#microsoft.graph.{type_name}"), "id": guids()}, optional=fields
        )
        validator = Validator.for_type(type_name, version=self.version, direction="response")
        return [b for b in draw_examples(strategy, count) if validator.is_valid(b)]


class WireResults:
    """The results of one wire run, as ``CheckResult`` rows naming the session's SDK, version and Graph version.

    Filled by the operation checks (``wire``) and the behaviour checks (``behaviour``), which both take it.
    """

    def __init__(self, session: WireSession) -> None:
        self.session = session
        self.items: list[CheckResult] = []

    def add(
        self,
        op: Operation,
        check: str,
        status: Any,
        examples: int,
        counterexample: str = "",
        note: str = "",
        *,
        code: str = "",
    ) -> None:
        s = self.session
        self.items.append(
            CheckResult(
                s.sdk.name, s.sdk_version, s.version, "wire", op.id, check, status, examples, counterexample, note, code
            )
        )

    def add_all(
        self,
        op: Operation,
        check: str,
        problems: Sequence[str | None],
        examples: int,
        status_if: Any = "fail",
        note: str = "",
    ) -> None:
        """The check passed, or failed with every distinct problem (the first is the counterexample)."""
        s = self.session
        base = CheckResult(s.sdk.name, s.sdk_version, s.version, "wire", op.id, check, "pass", examples)
        found = [p for p in problems if p]
        self.items.append(with_problems(base, found, status_if, note=note))

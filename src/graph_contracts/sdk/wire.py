"""The wire check: an SDK's real GraphServiceClient performs every contract operation against the local emulator.

The client is the SDK's own ``GraphServiceClient`` with its default middleware;
only its request adapter's ``base_url`` points at the emulator's loopback URL,
and a static credential hands it an emulator token, so no call leaves the
machine. What arrived is read from the emulator's request log and checked
against the contract (path, method, headers, body against our request schema,
body equal to what the caller set); what the SDK made of each answer is
written back with its own serializer and compared with the bytes the emulator
sent.

Responses the emulator would never send on its own (generated entities with
every property, unknown enum members, extra properties, a derived type without
``@odata.type``, the documented examples) are served through a small ASGI
middleware added to the emulator's Starlette app before its first request: the
emulator still authenticates, validates and records the request, and the
middleware swaps the body of its 2xx answer. The emulator has no response hook
of its own; this is the stand-in until it does.
"""

from __future__ import annotations

import asyncio
import copy
import dataclasses
import importlib
import json
import re
import threading
import time
from collections.abc import Awaitable, Callable, Collection, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import httpx
from hypothesis import strategies as st

from ..contracts import ContractSet, Operation, Property, default_contracts
from ..errors import UnknownContractError
from ..issues import pointer_join
from ..schemas import base_types, tag_required
from ..schemas.jsonschema import odata_type_names
from ..strategies import BodyStrategies, guids
from ..validation import Validator
from .models import SdkDistribution, action_body_class, model_class
from .report import CheckResult
from .roundtrip import Comparer, Difference, _compact, draw_examples, edge_bodies, parse_model, serialize_model

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

GRAPH_SCOPE = "https://graph.microsoft.com/.default"
#: A member no contract enum has: how Graph's evolvable enums look to an older client.
UNKNOWN_MEMBER = "someFutureMember"
#: Properties no contract type has, as Graph adds them over time: plain text, a date-time, a GUID, an object.
EXTRA_PROPERTIES: Mapping[str, Any] = {
    "futureTextProperty": "added later",
    "futureDateTimeProperty": "2030-01-01T00:00:00.1234567Z",
    "futureGuidProperty": "0b7e5f2a-4c1d-4e8f-9a3b-2c6d8e0f1a2b",
    "futureObjectProperty": {"nested": 1},
}


@dataclass(frozen=True)
class SdkCall:
    """How the SDK reaches it: ``client.device_management.<collection>[.<item>(id)][.<action>].<method>()``."""

    collection: str
    method: str
    item: str | None = None
    action: str | None = None


_IMPORTED = "imported_windows_autopilot_device_identities"
_IMPORTED_ITEM = "by_imported_windows_autopilot_device_identity_id"
_DEVICES = "windows_autopilot_device_identities"
_DEVICES_ITEM = "by_windows_autopilot_device_identity_id"
_IDENTITIES = "imported_device_identities"
_IDENTITIES_ITEM = "by_imported_device_identity_id"

#: Contract operation -> the SDK's request builder path; an operation not listed is reported as not exposed.
OPERATION_CALLS: Mapping[str, SdkCall] = {
    "importedWindowsAutopilotDeviceIdentity.create": SdkCall(_IMPORTED, "post"),
    "importedWindowsAutopilotDeviceIdentity.list": SdkCall(_IMPORTED, "get"),
    "importedWindowsAutopilotDeviceIdentity.get": SdkCall(_IMPORTED, "get", item=_IMPORTED_ITEM),
    "importedWindowsAutopilotDeviceIdentity.delete": SdkCall(_IMPORTED, "delete", item=_IMPORTED_ITEM),
    "importedWindowsAutopilotDeviceIdentity.import": SdkCall(_IMPORTED, "post", action="import_"),
    "windowsAutopilotDeviceIdentity.create": SdkCall(_DEVICES, "post"),
    "windowsAutopilotDeviceIdentity.list": SdkCall(_DEVICES, "get"),
    "windowsAutopilotDeviceIdentity.get": SdkCall(_DEVICES, "get", item=_DEVICES_ITEM),
    "windowsAutopilotDeviceIdentity.delete": SdkCall(_DEVICES, "delete", item=_DEVICES_ITEM),
    "importedDeviceIdentity.create": SdkCall(_IDENTITIES, "post"),
    "importedDeviceIdentity.list": SdkCall(_IDENTITIES, "get"),
    "importedDeviceIdentity.get": SdkCall(_IDENTITIES, "get", item=_IDENTITIES_ITEM),
    "importedDeviceIdentity.delete": SdkCall(_IDENTITIES, "delete", item=_IDENTITIES_ITEM),
    # The result type shares its base type's collection: the SDK reaches it through the same builders.
    "importedDeviceIdentityResult.create": SdkCall(_IDENTITIES, "post"),
    "importedDeviceIdentityResult.list": SdkCall(_IDENTITIES, "get"),
    "importedDeviceIdentityResult.get": SdkCall(_IDENTITIES, "get", item=_IDENTITIES_ITEM),
    "importedDeviceIdentityResult.delete": SdkCall(_IDENTITIES, "delete", item=_IDENTITIES_ITEM),
}


# --------------------------------------------------------------------------- plumbing: credential and response tap


@dataclass(frozen=True)
class StaticTokenCredential:
    """An ``azure.core.credentials.TokenCredential`` that always hands out one token (the emulator's)."""

    token: str
    lifetime: int = 3600

    def get_token(self, *scopes: str, **kwargs: Any) -> Any:
        from azure.core.credentials import AccessToken

        return AccessToken(self.token, int(time.time()) + self.lifetime)


@dataclass
class ResponseTap:
    """Shared by the test code and the middleware: bodies to serve next, and every answer sent."""

    queued: list[bytes] = field(default_factory=list)
    sent: list[tuple[str, str, int, bytes]] = field(default_factory=list)
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
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


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

    def __init__(self, sdk: SdkDistribution, sdk_version: str, emulator: Any, tap: ResponseTap,
                 contracts: ContractSet) -> None:
        self.sdk = sdk
        self.sdk_version = sdk_version
        self.emulator = emulator
        self.tap = tap
        self.contracts = contracts
        self.version = sdk.version
        self.token = emulator.token()
        self.client = make_client(sdk, emulator.graph_url(self.version), self.token)
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

    def _builder(self, call: SdkCall, entity_id: str | None) -> Any:
        builder = getattr(self.client.device_management, call.collection)
        if call.item is not None:
            builder = getattr(builder, call.item)(entity_id)
        if call.action is not None:
            builder = getattr(builder, call.action)
        return builder

    async def exchange(self, op: Operation, call: SdkCall, body: Any = None, entity_id: str | None = None,
                       *, model: Any = None) -> Exchange:
        """One call through the SDK; ``model`` sends a model built by the caller instead of one parsed from ``body``."""
        before = len(self.emulator.received)
        result: Any = None
        error: str | None = None
        try:
            method = getattr(self._builder(call, entity_id), call.method)
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
            bodies += edge_bodies(self.contracts, self.version, op.body_type)
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


# --------------------------------------------------------------------------- request checks


def _path_pattern(op: Operation, version: str) -> re.Pattern[str]:
    alternatives = [
        "/" + re.escape(version) + re.sub(r"\\\{[^/]*?\\\}", "[^/]+", re.escape(p)) for p in op.paths
    ]
    return re.compile("^(?:" + "|".join(alternatives) + ")$")


def _media_type(value: str | None) -> str:
    return (value or "").split(";")[0].strip().lower()


def request_problems(op: Operation, version: str, ex: Exchange, token: str) -> dict[str, str | None]:
    """The first problem with the request, per request check (None: it conforms)."""
    req = ex.request
    if req is None:
        return {"path and method": f"no request arrived ({ex.error or 'the SDK sent nothing'})"}
    out: dict[str, str | None] = {}
    path_problem = None
    if req.method != op.method:
        path_problem = f"method {req.method}, contract says {op.method}"
    elif not _path_pattern(op, version).match(req.path):
        path_problem = f"path {req.path} matches none of {', '.join(op.paths)}"
    elif ex.entity_id is not None and quote(ex.entity_id, safe="") not in req.path:
        path_problem = f"path {req.path} does not carry the id {ex.entity_id}"
    elif len(ex.requests) > 1:
        path_problem = f"{len(ex.requests)} requests for one call (retries?)"
    out["path and method"] = path_problem
    header_problem = None
    if req.header("authorization") != f"Bearer {token}":
        header_problem = f"Authorization is {req.header('authorization')!r}, expected the credential's bearer token"
    for name, _documented in op.request_headers:
        lname = name.lower()
        if lname == "content-type" and op.has_request_body and _media_type(req.header(name)) != "application/json":
            header_problem = header_problem or f"Content-Type is {req.header(name)!r}, contract says application/json"
        if lname == "accept" and "application/json" not in (req.header(name) or ""):
            header_problem = header_problem or f"Accept is {req.header(name)!r}, contract says application/json"
    if op.has_request_body and _media_type(req.header("content-type")) != "application/json":
        header_problem = header_problem or f"Content-Type is {req.header('content-type')!r} on a JSON body"
    out["headers"] = header_problem
    if op.has_request_body:
        try:
            arrived = req.json()
        except ValueError:
            out["body schema"] = f"the body is not JSON: {req.body[:80]!r}"
            out["body fidelity"] = out["body schema"]
            return out
        issues = [i for i in Validator.for_operation(op.id, version=version).validate(arrived) if i.severity == "error"]
        out["body schema"] = f"{issues[0]} in body {_compact(arrived)}" if issues else None
        return out | {"body fidelity": None, "_arrived": json.dumps(arrived)}
    return out


def body_differences(comparer: Comparer, op: Operation, sent: Any, arrived: Any) -> list[Difference]:
    if op.body_type is not None:
        return comparer.compare(op.body_type, sent, arrived)
    out: list[Difference] = []
    for p in op.parameters:
        prop = Property(p.name, p.type, p.source, collection=p.collection)
        if p.name not in arrived:
            out.append(Difference(pointer_join("", p.name), "dropped", sent.get(p.name), None))
        else:
            out += comparer.compare_value(prop, sent.get(p.name), arrived[p.name], pointer_join("", p.name))
    out += [Difference(pointer_join("", k), "added", None, v) for k, v in arrived.items() if k not in sent]
    return out


# --------------------------------------------------------------------------- response checks


def response_differences(comparer: Comparer, op: Operation, raw: Any, result: Any) -> list[Difference]:
    """What the SDK lost or changed reading ``raw``: its model written back, compared with the answer's JSON."""
    type_name = op.response_type or op.type
    got = serialize_model(result) if result is not None else None
    if op.response_kind == "collection":
        raw_items = raw.get("value", []) if isinstance(raw, dict) else []
        got_items = got.get("value", []) if isinstance(got, dict) else []
        out: list[Difference] = []
        if len(raw_items) != len(got_items):
            out.append(Difference("/value", "changed", f"{len(raw_items)} items", f"{len(got_items)} items"))
        for i, (a, b) in enumerate(zip(raw_items, got_items, strict=False)):
            out += comparer.compare(type_name, a, b, f"/value/{i}")
        link = raw.get("@odata.nextLink") if isinstance(raw, dict) else None
        if link is not None and (got or {}).get("@odata.nextLink") != link:
            out.append(Difference("/@odata.nextLink", "dropped", link, (got or {}).get("@odata.nextLink")))
        return out
    if got is None:
        return [Difference("", "dropped", raw, None)] if raw else []
    raw = {k: v for k, v in raw.items() if k != "@odata.context"} if isinstance(raw, dict) else raw
    got = {k: v for k, v in got.items() if k != "@odata.context"}
    return comparer.compare(type_name, raw, got)


def _entity_body(raw: Any, op: Operation) -> Any:
    """The single entity the answer carries, for a get (entity) or list (first item)."""
    if op.response_kind == "collection":
        return {"value": [raw]}
    return raw


def _set_pointer(body: Any, path: Sequence[str], value: Any) -> Any:
    out = copy.deepcopy(body)
    target = out
    for key in path[:-1]:
        target = target.setdefault(key, {})
    target[path[-1]] = value
    return out


def enum_paths(
    contracts: ContractSet, version: str, type_name: str, prefix: tuple[str, ...] = ()
) -> list[tuple[str, ...]]:
    """JSON paths to every single-valued enum property, nested complex properties included."""
    out: list[tuple[str, ...]] = []
    for p in contracts.all_properties(version, type_name):
        t = contracts.types.get((version, p.type))
        if t is None or p.collection:
            continue
        if t.category == "enum":
            out.append((*prefix, p.name))
        elif len(prefix) < 3:
            out += enum_paths(contracts, version, t.name, (*prefix, p.name))
    return out


# --------------------------------------------------------------------------- the run


class _Results:
    def __init__(self, session: WireSession) -> None:
        self.session = session
        self.items: list[CheckResult] = []

    def add(self, op: Operation, check: str, status: Any, examples: int, counterexample: str = "",
            note: str = "", *, code: str = "") -> None:
        s = self.session
        self.items.append(CheckResult(s.sdk.name, s.sdk_version, s.version, "wire", op.id, check, status, examples,
                                      counterexample, note, code))


def _first(problems: Sequence[str | None]) -> str | None:
    return next((p for p in problems if p), None)


def _graph_message(answer: tuple[str, str, int, bytes] | None) -> str:
    """``<status> <error.message>`` of an answer, for a counterexample."""
    if answer is None:
        return "no answer"
    try:
        error = json.loads(answer[3]).get("error", {})
    except (ValueError, AttributeError):
        error = {}
    message = error.get("message") if isinstance(error, dict) else None
    return f"{answer[2]}" + (f" {message}" if message else "")


def caller_model(cls: Any, parsed: Any) -> Any:
    """``parsed`` rebuilt as a caller builds it: ``cls(**properties)``, leaving ``odata_type`` to the SDK's default."""
    values = {
        f.name: getattr(parsed, f.name)
        for f in dataclasses.fields(parsed)
        if f.init and f.name not in ("odata_type", "additional_data") and getattr(parsed, f.name) is not None
    }
    return cls(**values)


async def _check_type_tag(session: WireSession, op: Operation, call: SdkCall, results: _Results) -> None:
    """A derived model posted to its base type's collection must serialize its ``@odata.type``.

    The model is built as a caller builds it (the constructor, then the
    properties), so the tag is whatever the SDK's generator defaults it to; the
    gate's other checks parse bodies that already carry the tag.
    """
    derived = op.body_type or op.type
    cls = model_class(session.sdk, derived)
    bodies = session.valid_bodies(op, 3)
    if cls is None or not bodies:
        results.add(op, "type-tag", "skip", 0, note="no SDK model or no valid body to build it from")
        return
    body = max(bodies, key=len)  # the most properties, the derived type's own among them
    model = caller_model(cls, parse_model(cls, body))
    tag = f"#microsoft.graph.{derived}"
    written = serialize_model(model).get("@odata.type")
    derived_type = session.contracts.type(session.version, derived)
    if written in odata_type_names(session.contracts, session.version, derived_type):
        results.add(op, "type-tag", "pass", 1, note=f"{cls.__name__} serializes @odata.type {written!r}")
        return
    base = base_types(session.contracts, session.version, derived)[0]
    ex = await session.exchange(op, call, body, model=model)
    shown = "without `@odata.type`" if written is None else f"with `@odata.type` {written!r}"
    results.add(
        op, "type-tag", "fail", 1,
        f"`{cls.__name__}` serializes {shown}; the service will read the base type `{base}` "
        f"(the emulator answered {_graph_message(ex.answer)})",
        f"{session.sdk.distribution} {session.sdk_version}, model {cls.__module__}.{cls.__name__}: "
        f"fix: set odata_type = {tag!r} before posting, or the SDK generator should default it",
        code="missing-type-tag",
    )


async def _check_operation(session: WireSession, op: Operation, call: SdkCall, examples: int,
                           results: _Results) -> None:
    version = session.version
    bodies: list[Any] = [None]
    if op.has_request_body:
        bodies = session.valid_bodies(op, examples, edges=True)
    exchanges: list[Exchange] = []
    for body in bodies:
        entity_id = session.seed(op) if call.item is not None else None
        if op.verb == "list":
            session.seed(op)
        exchanges.append(await session.exchange(op, call, body, entity_id))
    n = len(exchanges)
    per_check: dict[str, list[str | None]] = {}
    precision: list[str] = []
    for ex in exchanges:
        problems = request_problems(op, version, ex, session.token)
        arrived = problems.pop("_arrived", None)
        if arrived is not None:
            diffs = body_differences(session.comparer, op, ex.sent_body, json.loads(arrived))
            breaking = [d for d in diffs if d.breaking]
            problems["body fidelity"] = f"{breaking[0]} in body {_compact(ex.sent_body)}" if breaking else None
            precision += [f"{d} in body {_compact(ex.sent_body)}" for d in diffs if d.kind == "precision"]
        status = ex.answer[2] if ex.answer else None
        if ex.error or status != op.success_status:
            problems["accepted"] = (
                f"status {status}, contract says {op.success_status}; {ex.error or ''}"
                f" {('; body ' + _compact(ex.sent_body)) if ex.sent_body is not None else ''}".strip()
            )
        else:
            problems["accepted"] = None
            diffs = []
            if op.response_kind != "none":
                diffs = response_differences(session.comparer, op, ex.answer_json(), ex.result)
            breaking = [d for d in diffs if d.breaking]
            problems["response read"] = f"{breaking[0]} in answer {_compact(ex.answer_json())}" if breaking else None
        for check, problem in problems.items():
            per_check.setdefault(check, []).append(problem)
    for check, problems_list in per_check.items():
        problem = _first(problems_list)
        results.add(op, check, "fail" if problem else "pass", n, problem or "")
    if precision:
        results.add(op, "date-time precision", "warn", n, precision[0],
                    "7th fraction digit truncated on the way out; not a break (see roundtrip.py)")
    if tag_required(session.contracts, version, op):
        await _check_type_tag(session, op, call, results)
    if op.verb in ("get", "list"):
        await _check_responses(session, op, call, examples, results)


async def _serve(session: WireSession, op: Operation, call: SdkCall, entity: Any) -> tuple[Exchange, Any]:
    fixture = session.fixture(op)
    entity_id = fixture if call.item is not None else None
    answer = _entity_body(entity, op)
    session.tap.serve_next(answer)
    ex = await session.exchange(op, call, None, entity_id)
    return ex, answer


async def _check_responses(session: WireSession, op: Operation, call: SdkCall, examples: int,
                           results: _Results) -> None:
    """The SDK reading answers the contract allows: generated, documented, and the contract's silent corners."""
    comparer = session.comparer
    type_name = op.response_type or op.type
    generated = session.response_entities(type_name, max(1, examples))
    breaks: list[str] = []
    precision: list[str] = []
    for entity in generated:
        ex, answer = await _serve(session, op, call, entity)
        if ex.error:
            breaks.append(f"{ex.error} reading {_compact(answer)}")
            continue
        for d in response_differences(comparer, op, answer, ex.result):
            (breaks if d.breaking else precision).append(f"{d} in answer {_compact(answer)}")
    results.add(op, "generated responses", "fail" if breaks else "pass", len(generated), _first(breaks) or "")
    if precision:
        results.add(op, "response date-time precision", "warn", len(generated), precision[0],
                    "the 7th fraction digit Graph sends is truncated on reading; not a break (see roundtrip.py)")

    validator = Validator.for_operation(op.id, version=session.version, direction="response")
    documented = [e.response_body for e in op.examples if e.response_body is not None]
    valid = [d for d in documented if validator.is_valid(d)]
    if not valid:
        results.add(op, "documented examples", "skip", 0,
                    note=f"none of the {len(documented)} documented response examples is valid against the contract")
    else:
        problems: list[str] = []
        for doc in valid:
            entity = doc["value"][0] if op.response_kind == "collection" and doc.get("value") else doc
            if op.response_kind == "collection" and not doc.get("value"):
                continue
            ex, answer = await _serve(session, op, call, entity)
            diffs = [d for d in response_differences(comparer, op, answer, ex.result) if d.breaking]
            if ex.error or diffs:
                problems.append(f"{ex.error or diffs[0]} reading {_compact(answer)}")
        results.add(op, "documented examples", "fail" if problems else "pass", len(valid), _first(problems) or "")

    base_entity = generated[0] if generated else {"id": "00000000-0000-0000-0000-000000000001"}
    await _check_unknown_enum(session, op, call, base_entity, results)
    await _check_extra_properties(session, op, call, base_entity, results)
    await _check_derived(session, op, call, results)


async def _check_unknown_enum(session: WireSession, op: Operation, call: SdkCall, entity: Any,
                              results: _Results) -> None:
    paths = enum_paths(session.contracts, session.version, op.response_type or op.type)
    if not paths:
        return
    errors: list[str] = []
    lost: list[str] = []
    for path in paths:
        body = _set_pointer(entity, path, UNKNOWN_MEMBER)
        ex, answer = await _serve(session, op, call, body)
        if ex.error:
            errors.append(f"{ex.error} reading {_compact(answer)}")
            continue
        for d in response_differences(session.comparer, op, answer, ex.result):
            if d.sent == UNKNOWN_MEMBER:
                lost.append(f"{d.pointer}: {UNKNOWN_MEMBER!r} read as None and dropped")
    if errors:
        results.add(op, "unknown enum member", "fail", len(paths), errors[0])
    elif lost:
        results.add(op, "unknown enum member", "warn", len(paths), lost[0],
                    "contract silent: an unknown member is read as None, not kept (not even in additional_data), "
                    "and a PATCH of the model would not send it back")
    else:
        results.add(op, "unknown enum member", "pass", len(paths))


async def _check_extra_properties(session: WireSession, op: Operation, call: SdkCall, entity: Any,
                                  results: _Results) -> None:
    body = {**entity, **EXTRA_PROPERTIES}
    ex, answer = await _serve(session, op, call, body)
    if ex.error:
        results.add(op, "extra properties", "fail", 1, f"{ex.error} reading {_compact(answer)}")
        return
    changed = [d for d in response_differences(session.comparer, op, answer, ex.result)
               if d.pointer.split("/")[-1] in EXTRA_PROPERTIES or d.kind == "unmodelled"]
    if changed:
        results.add(op, "extra properties", "warn", 1, str(changed[0]),
                    "contract silent: unknown properties are kept in additional_data, but a string that looks "
                    "like a date-time or GUID is converted, so it is written back re-encoded "
                    "(6 fraction digits, +00:00)")
    else:
        results.add(op, "extra properties", "pass", 1, note="unknown properties are kept in additional_data")


async def _check_derived(session: WireSession, op: Operation, call: SdkCall, results: _Results) -> None:
    declared = op.response_type or op.type
    for derived in session.contracts.derived_types(session.version, declared):
        cls = model_class(session.sdk, derived)
        entities = session.response_entities(derived, 3)
        if cls is None or not entities:
            continue
        entity = max(entities, key=len)
        tagged = {**entity, "@odata.type": f"#microsoft.graph.{derived}"}
        ex, answer = await _serve(session, op, call, tagged)
        model = _single(ex.result, op)
        if ex.error or not isinstance(model, cls):
            results.add(op, f"derived type {derived}", "fail", 1,
                        ex.error or f"read as {type(model).__name__} despite @odata.type in {_compact(answer)}")
        else:
            results.add(op, f"derived type {derived}", "pass", 1)
        untagged = {k: v for k, v in entity.items() if k != "@odata.type"}
        ex, answer = await _serve(session, op, call, untagged)
        model = _single(ex.result, op)
        if ex.error:
            results.add(op, f"derived {derived} without @odata.type", "fail", 1, ex.error)
        elif not isinstance(model, cls):
            own = [p.name for p in session.contracts.type(session.version, derived).properties]
            results.add(op, f"derived {derived} without @odata.type", "warn", 1,
                        f"read as {type(model).__name__}: {_compact(untagged)}",
                        f"contract silent (@odata.type is optional): the derived type's own properties "
                        f"({', '.join(own)}) land in additional_data")
        else:
            results.add(op, f"derived {derived} without @odata.type", "pass", 1)


def _single(result: Any, op: Operation) -> Any:
    if op.response_kind == "collection":
        items = getattr(result, "value", None) or []
        return items[0] if items else None
    return result


async def _run(
    sdk: SdkDistribution, sdk_version: str, examples: int, contracts: ContractSet, only: Collection[str] | None
) -> list[CheckResult]:
    from ..graph.emulator import EmulatorConfig, running_emulator

    tap = ResponseTap()
    # The gate checks what the SDK sends against the pages, so the emulator serves the operations the
    # service refuses (POST v1.0 windowsAutopilotDeviceIdentities) as documented rather than with a 400.
    with running_emulator(EmulatorConfig(as_documented=True)) as emulator:
        emulator.emulator.app.add_middleware(ResponseOverlay, tap=tap)
        session = WireSession(sdk, sdk_version, emulator, tap, contracts)
        results = _Results(session)
        try:
            for op in contracts.operations_in(sdk.version):
                if only is not None and op.id not in only:
                    continue
                call = OPERATION_CALLS.get(op.id)
                if call is None:
                    results.add(op, "exposed", "skip", 0, note="the gate knows no SDK request builder for it")
                    continue
                session.reset()
                await _check_operation(session, op, call, examples, results)
        finally:
            session.close()
        return results.items


def run_wire(
    sdk: SdkDistribution,
    sdk_version: str,
    examples: int,
    contracts: ContractSet | None = None,
    *,
    operations: Collection[str] | None = None,
) -> list[CheckResult]:
    """Every contract operation of the SDK's Graph version (or those named), through its client, on a fresh emulator."""
    return asyncio.run(_run(sdk, sdk_version, examples, contracts or default_contracts(), operations))

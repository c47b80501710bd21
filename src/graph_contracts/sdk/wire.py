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
from .report import CheckResult, with_problems
from .roundtrip import (
    Comparer,
    Difference,
    _compact,
    combined_edges,
    draw_examples,
    edge_bodies,
    parse_model,
    reoffset_note,
    serialize_model,
)
from .traffic import SCHEMA_CHECKS, schema_problems, type_tag_problem

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

GRAPH_SCOPE = "https://graph.microsoft.com/.default"
#: Permission kinds as the contracts name them (the pages' permission table).
APPLICATION = "Application"
DELEGATED = "Delegated (work or school account)"
#: A member no contract enum has: how Graph's evolvable enums look to an older client.
UNKNOWN_MEMBER = "someFutureMember"
#: Properties no contract type has, as Graph adds them over time: plain text, a date-time, a GUID, an object.
EXTRA_PROPERTIES: Mapping[str, Any] = {
    "futureTextProperty": "added later",
    "futureDateTimeProperty": "2030-01-01T00:00:00.1234567Z",
    "futureGuidProperty": "0b7e5f2a-4c1d-4e8f-9a3b-2c6d8e0f1a2b",
    "futureObjectProperty": {"nested": 1},
}


#: The wire check draws this share of ``--examples`` per operation (at least 1). The round trip sends every
#: example through the same serializer and parser; each wire example costs an HTTP exchange and an SDK model
#: parse (msgraph-beta's Entity resolves some 4,900 imports per parse), which is most of the gate's CPU.
WIRE_SHARE = 3


def wire_examples(examples: int) -> int:
    """Generated request bodies and responses per operation for ``examples``: a third, but not below 3 (or
    ``examples``, if smaller): 25 -> 9, 9 -> 3, 2 -> 2."""
    return max(1, min(examples, max(3, -(-examples // WIRE_SHARE))))


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

#: Contract operation -> the SDK's request builder path. An operation not listed, or whose builder the installed
#: SDK lacks, fails the ``exposed`` check naming the builder: a silent skip would let a missing operation pass.
OPERATION_CALLS: Mapping[str, SdkCall] = {
    "importedWindowsAutopilotDeviceIdentity.create": SdkCall(_IMPORTED, "post"),
    "importedWindowsAutopilotDeviceIdentity.list": SdkCall(_IMPORTED, "get"),
    "importedWindowsAutopilotDeviceIdentity.get": SdkCall(_IMPORTED, "get", item=_IMPORTED_ITEM),
    "importedWindowsAutopilotDeviceIdentity.delete": SdkCall(_IMPORTED, "delete", item=_IMPORTED_ITEM),
    "importedWindowsAutopilotDeviceIdentity.import": SdkCall(_IMPORTED, "post", action="import_"),
    "importedWindowsAutopilotDeviceIdentity.update": SdkCall(_IMPORTED, "patch", item=_IMPORTED_ITEM),
    "windowsAutopilotDeviceIdentity.create": SdkCall(_DEVICES, "post"),
    "windowsAutopilotDeviceIdentity.list": SdkCall(_DEVICES, "get"),
    "windowsAutopilotDeviceIdentity.get": SdkCall(_DEVICES, "get", item=_DEVICES_ITEM),
    "windowsAutopilotDeviceIdentity.delete": SdkCall(_DEVICES, "delete", item=_DEVICES_ITEM),
    "windowsAutopilotDeviceIdentity.assignUserToDevice": SdkCall(
        _DEVICES, "post", item=_DEVICES_ITEM, action="assign_user_to_device"
    ),
    "windowsAutopilotDeviceIdentity.unassignUserFromDevice": SdkCall(
        _DEVICES, "post", item=_DEVICES_ITEM, action="unassign_user_from_device"
    ),
    "windowsAutopilotDeviceIdentity.updateDeviceProperties": SdkCall(
        _DEVICES, "post", item=_DEVICES_ITEM, action="update_device_properties"
    ),
    "windowsAutopilotDeviceIdentity.assignResourceAccountToDevice": SdkCall(
        _DEVICES, "post", item=_DEVICES_ITEM, action="assign_resource_account_to_device"
    ),
    "windowsAutopilotDeviceIdentity.unassignResourceAccountFromDevice": SdkCall(
        _DEVICES, "post", item=_DEVICES_ITEM, action="unassign_resource_account_from_device"
    ),
    "importedDeviceIdentity.create": SdkCall(_IDENTITIES, "post"),
    "importedDeviceIdentity.list": SdkCall(_IDENTITIES, "get"),
    "importedDeviceIdentity.get": SdkCall(_IDENTITIES, "get", item=_IDENTITIES_ITEM),
    "importedDeviceIdentity.delete": SdkCall(_IDENTITIES, "delete", item=_IDENTITIES_ITEM),
    "importedDeviceIdentity.update": SdkCall(_IDENTITIES, "patch", item=_IDENTITIES_ITEM),
    "importedDeviceIdentity.importDeviceIdentityList": SdkCall(
        _IDENTITIES, "post", action="import_device_identity_list"
    ),
    "importedDeviceIdentity.searchExistingIdentities": SdkCall(
        _IDENTITIES, "post", action="search_existing_identities"
    ),
    # The result type shares its base type's collection: the SDK reaches it through the same builders.
    "importedDeviceIdentityResult.create": SdkCall(_IDENTITIES, "post"),
    "importedDeviceIdentityResult.list": SdkCall(_IDENTITIES, "get"),
    "importedDeviceIdentityResult.get": SdkCall(_IDENTITIES, "get", item=_IDENTITIES_ITEM),
    "importedDeviceIdentityResult.delete": SdkCall(_IDENTITIES, "delete", item=_IDENTITIES_ITEM),
    "importedDeviceIdentityResult.update": SdkCall(_IDENTITIES, "patch", item=_IDENTITIES_ITEM),
}


def builder_path(call: SdkCall) -> str:
    """How a caller reaches the operation, for a message: ``client.device_management.<...>.post()``."""
    parts = ["client.device_management", call.collection]
    if call.item is not None:
        parts.append(f"{call.item}(id)")
    if call.action is not None:
        parts.append(call.action)
    return ".".join(parts) + f".{call.method}()"


def missing_builder(client: Any, call: SdkCall) -> str | None:
    """The first step of ``call`` the SDK's client lacks (None: the whole path resolves)."""
    builder = client.device_management
    steps: list[tuple[str, bool]] = [(call.collection, False)]
    if call.item is not None:
        steps.append((call.item, True))
    if call.action is not None:
        steps.append((call.action, False))
    steps.append((call.method, False))
    for name, is_item in steps:
        if not hasattr(builder, name):
            return name
        builder = getattr(builder, name)
        if is_item:
            builder = builder("00000000-0000-0000-0000-000000000000")
    return None


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
                self.tap.timeline.append(Answered(
                    scope["method"], scope["path"], scope.get("query_string", b"").decode("latin-1"), status,
                    _retry_after(headers), arrived, time.monotonic(),
                ))
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

    async def exchange(self, op: Operation, call: SdkCall, body: Any = None, entity_id: str | None = None,
                       *, model: Any = None) -> Exchange:
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
                bodies += [combined] if validator.is_valid(combined) else [
                    b for b in singles if b.items() <= combined.items()
                ]
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


def request_problems(op: Operation, version: str, ex: Exchange, token: str) -> dict[str, list[str]]:
    """Every problem with the request, per request check (an empty list: it conforms).

    Schema issues go to the check the traffic gate files them under (``traffic.schema_problems``), so the
    same break found here and in recorded traffic is one baseline entry. ``_arrived`` carries the body's JSON.
    """
    req = ex.request
    if req is None:
        return {"path and method": [f"no request arrived ({ex.error or 'the SDK sent nothing'})"]}
    out: dict[str, list[str]] = {}
    path_problem = None
    if req.method != op.method:
        path_problem = f"method {req.method}, contract says {op.method}"
    elif not _path_pattern(op, version).match(req.path):
        path_problem = f"path {req.path} matches none of {', '.join(op.paths)}"
    elif ex.entity_id is not None and quote(ex.entity_id, safe="") not in req.path:
        path_problem = f"path {req.path} does not carry the id {ex.entity_id}"
    elif len(ex.requests) > 1:
        path_problem = f"{len(ex.requests)} requests for one call (retries?)"
    out["path and method"] = [path_problem] if path_problem else []
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
    out["headers"] = [header_problem] if header_problem else []
    if op.has_request_body:
        try:
            arrived = req.json()
        except ValueError:
            out["body schema"] = [f"the body is not JSON: {req.body[:80]!r}"]
            out["body fidelity"] = out["body schema"]
            return out
        for check in SCHEMA_CHECKS:
            out[check] = []
        for check, problem in schema_problems(op.id, version, arrived):
            out[check].append(f"{problem} in body {_compact(arrived)}")
        return out | {"body fidelity": [], "_arrived": [json.dumps(arrived)]}
    return out


def body_differences(comparer: Comparer, op: Operation, sent: Any, arrived: Any) -> list[Difference]:
    if op.body_type is not None:
        # The receiver expects the collection's type: the base type where a derived type is posted to it.
        declared = base_types(comparer.contracts, comparer.version, op.body_type)[0] if tag_required(
            comparer.contracts, comparer.version, op) else op.body_type
        return comparer.compare(op.body_type, sent, arrived, declared=declared)
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


def _snake(name: str) -> str:
    return "odata_type" if name == "@odata.type" else re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


def model_holds(op: Operation, result: Any, pointer: str) -> bool:
    """Whether the SDK's model, as read, holds a value at ``pointer`` (attribute or ``additional_data``)."""
    parts = pointer.split("/")[1:]
    node = result
    if op.response_kind == "collection":
        if len(parts) < 2 or parts[0] != "value" or not parts[1].isdigit():
            return False
        items = getattr(result, "value", None) or []
        index = int(parts[1])
        if index >= len(items):
            return False
        node, parts = items[index], parts[2:]
    for part in parts:
        if node is None or not parts:
            return False
        value = getattr(node, _snake(part), None)
        if value is None:
            value = (getattr(node, "additional_data", None) or {}).get(part)
        node = value
    return node is not None


def split_by_side(op: Operation, result: Any, diffs: Sequence[Difference]) -> tuple[list[Difference], list[Difference]]:
    """(the reader's, the writer's) differences: a property the written-back JSON lacks while the model holds it
    was read and then lost by the SDK's writer; calling that a response-read failure would send the SDK's
    maintainer to the wrong half of the serializer."""
    read: list[Difference] = []
    written: list[Difference] = []
    for d in diffs:
        (written if d.kind == "dropped" and d.pointer and model_holds(op, result, d.pointer) else read).append(d)
    return read, written


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

    def add_all(self, op: Operation, check: str, problems: Sequence[str | None], examples: int,
                status_if: Any = "fail", note: str = "") -> None:
        """The check passed, or failed with every distinct problem (the first is the counterexample)."""
        s = self.session
        base = CheckResult(s.sdk.name, s.sdk_version, s.version, "wire", op.id, check, "pass", examples)
        found = [p for p in problems if p]
        self.items.append(with_problems(base, found, status_if, note=note))


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
        why = f"the SDK has no model class for {derived}" if cls is None else "no valid body to build it from"
        results.add(op, "type-tag", "fail", 0, f"cannot run: {why}")
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
        f"{type_tag_problem(derived, base)} in body {_compact(body)}: `{cls.__name__}` serializes {shown} "
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
        bodies = session.valid_bodies(op, wire_examples(examples), edges=True)
    exchanges: list[Exchange] = []
    for body in bodies:
        entity_id = session.seed(op) if call.item is not None else None
        if op.verb == "list":
            session.seed(op)
        exchanges.append(await session.exchange(op, call, body, entity_id))
    n = len(exchanges)
    per_check: dict[str, list[str]] = {}
    precision: list[str] = []
    notes: list[str] = []
    for ex in exchanges:
        problems = request_problems(op, version, ex, session.credentials_for(op)[0])
        arrived = problems.pop("_arrived", None)
        if arrived:
            diffs = body_differences(session.comparer, op, ex.sent_body, json.loads(arrived[0]))
            for d in (d for d in diffs if d.breaking):
                per_check.setdefault("body fidelity", []).append(f"{d} in body {_compact(ex.sent_body)}")
            notes += [reoffset_note(d) for d in diffs if d.kind == "reoffset"][:1]
            precision += [f"{d} in body {_compact(ex.sent_body)}" for d in diffs if d.kind == "precision"]
        status = ex.answer[2] if ex.answer else None
        if ex.error or status != op.success_status:
            # The cause is part of the problem (a baseline names it): the service's error message, or the SDK's.
            cause = _graph_message(ex.answer).partition(" ")[2] if ex.answer and status != op.success_status else ""
            problems["accepted"] = [
                f"status {status}, contract says {op.success_status}: {cause or ex.error or 'no answer'}"
                + (f"; body {_compact(ex.sent_body)}" if ex.sent_body is not None else "")
            ]
        else:
            problems["accepted"] = []
            diffs = []
            if op.response_kind != "none":
                diffs = response_differences(session.comparer, op, ex.answer_json(), ex.result)
            read, written = split_by_side(op, ex.result, [d for d in diffs if d.breaking])
            for side, side_diffs in (("response read", read), ("response write-back", written)):
                per_check.setdefault(side, []).extend(
                    f"{d} in answer {_compact(ex.answer_json())}" for d in side_diffs
                )
            if op.response_kind == "none":
                per_check.pop("response read", None)
                per_check.pop("response write-back", None)
        for check, found in problems.items():
            per_check.setdefault(check, []).extend(found)
    # A get or list reads more answers below: its write-back findings are reported there, in one row.
    write_back = per_check.pop("response write-back", []) if op.verb in ("get", "list") else []
    for check, problems_list in per_check.items():
        results.add_all(op, check, problems_list, n, note=notes[0] if notes and check == "body fidelity" else "")
    if precision:
        results.add_all(op, "date-time precision", precision, n, "warn",
                        "7th fraction digit truncated on the way out; not a break (see roundtrip.py)")
    if tag_required(session.contracts, version, op):
        await _check_type_tag(session, op, call, results)
    if op.verb in ("get", "list"):
        await _check_responses(session, op, call, examples, results, write_back)


async def _serve(session: WireSession, op: Operation, call: SdkCall, entity: Any) -> tuple[Exchange, Any]:
    fixture = session.fixture(op)
    entity_id = fixture if call.item is not None else None
    answer = _entity_body(entity, op)
    session.tap.serve_next(answer)
    ex = await session.exchange(op, call, None, entity_id)
    return ex, answer


async def _check_responses(session: WireSession, op: Operation, call: SdkCall, examples: int,
                           results: _Results, write_back: list[str] | None = None) -> None:
    """The SDK reading answers the contract allows: generated, documented, and the contract's silent corners.

    A difference only the SDK's writer made (the model holds the value) goes to ``response write-back``.
    """
    write_back = list(write_back or [])
    comparer = session.comparer
    type_name = op.response_type or op.type
    generated = session.response_entities(type_name, wire_examples(examples))
    breaks: list[str] = []
    precision: list[str] = []
    for entity in generated:
        ex, answer = await _serve(session, op, call, entity)
        if ex.error:
            breaks.append(f"{ex.error} reading {_compact(answer)}")
            continue
        diffs = response_differences(comparer, op, answer, ex.result)
        read, written = split_by_side(op, ex.result, [d for d in diffs if d.breaking])
        breaks += [f"{d} in answer {_compact(answer)}" for d in read]
        write_back += [f"{d} in answer {_compact(answer)}" for d in written]
        precision += [f"{d} in answer {_compact(answer)}" for d in diffs if d.kind == "precision"]
    results.add_all(op, "generated responses", breaks, len(generated))
    if precision:
        results.add_all(op, "response date-time precision", precision, len(generated), "warn",
                        "the 7th fraction digit Graph sends is truncated on reading; not a break (see roundtrip.py)")

    validator = Validator.for_operation(op.id, version=session.version, direction="response")
    documented = [e.response_body for e in op.examples if e.response_body is not None]
    valid = [d for d in documented if validator.is_valid(d)]
    if not valid:
        if documented:  # documented, but none the contract allows: the check cannot run, and someone must look
            results.add(op, "documented examples", "fail", 0,
                        f"cannot run: none of the {len(documented)} documented response examples is valid against "
                        "the contract")
    else:
        problems: list[str] = []
        for doc in valid:
            entity = doc["value"][0] if op.response_kind == "collection" and doc.get("value") else doc
            if op.response_kind == "collection" and not doc.get("value"):
                continue
            ex, answer = await _serve(session, op, call, entity)
            read, written = split_by_side(
                op, ex.result, [d for d in response_differences(comparer, op, answer, ex.result) if d.breaking]
            )
            problems += [f"{x} reading {_compact(answer)}" for x in ([ex.error] if ex.error else read)]
            write_back += [f"{d} in answer {_compact(answer)}" for d in written]
        results.add_all(op, "documented examples", problems, len(valid))
    results.add_all(op, "response write-back", write_back, len(generated) + len(valid))

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
        results.add_all(op, "unknown enum member", errors, len(paths))
    elif lost:
        results.add_all(op, "unknown enum member", lost, len(paths), "warn",
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
        results.add_all(op, "extra properties", [str(d) for d in changed], 1, "warn",
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
            why = f"the SDK has no model class for {derived}" if cls is None else "no valid response body of it"
            results.add(op, f"derived type {derived}", "fail", 0, f"cannot run: {why}")
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
    sdk: SdkDistribution, sdk_version: str, examples: int, contracts: ContractSet, only: Collection[str] | None,
    behaviour: bool,
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
                    results.add(op, "exposed", "fail", 0,
                                f"the gate knows no SDK request builder for {op.method} {op.path} "
                                "(add it to graph_contracts.sdk.wire.OPERATION_CALLS)")
                    continue
                lacking = missing_builder(session.client, call)
                if lacking is not None:
                    results.add(op, "exposed", "fail", 0,
                                f"the SDK has no request builder {builder_path(call)}: {lacking!r} is missing")
                    continue
                if op.has_request_body and op.body_type is None and action_body_class(sdk, op.id) is None:
                    results.add(op, "exposed", "fail", 0,
                                f"the SDK has no request body class for {builder_path(call)} "
                                "(or graph_contracts.sdk.models.ACTION_BODY_CLASSES does not name it)")
                    continue
                results.add(op, "exposed", "pass", 0, note=builder_path(call))
                session.reset()
                await _check_operation(session, op, call, examples, results)
            if behaviour:
                from .behaviour import run_behaviour

                await run_behaviour(session, results)
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
    behaviour: bool | None = None,
) -> list[CheckResult]:
    """Every contract operation of the SDK's Graph version (or those named), through its client, on a fresh emulator.

    ``behaviour`` (default: when no ``operations`` are named) adds the throttling and paging checks (``sdk.behaviour``).
    """
    run_behaviour = operations is None if behaviour is None else behaviour
    return asyncio.run(_run(sdk, sdk_version, examples, contracts or default_contracts(), operations, run_behaviour))

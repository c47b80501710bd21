"""What each operation does to the store: CRUD by verb, actions by operation id, hooks on create.

``VERB_HANDLERS`` serves any contract operation with a plain verb, so a new
contract operation needs no code; ``ACTION_HANDLERS`` holds the actions
(``import``); ``CREATE_HOOKS`` sets the asynchronous Autopilot import in motion.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from itertools import islice
from typing import Any, Protocol
from urllib.parse import quote, urlencode

from starlette.responses import Response

from ...autopilot import analyse_hardware_hash
from ...contracts import ContractSet, Operation, Parameter
from .config import EmulatorConfig
from .failures import GraphFailure
from .odata import Query, select_properties, skiptoken
from .render import CREATED_STAMPS, MODIFIED_STAMPS, SERVER_OWNED, Renderer, json_response, utc_now
from .routes import GraphRoute
from .state import DUPLICATED, INVALID_HASH, DdsError, EmulatorStore, Record
from .tokens import Principal


class EmulatorParts(Protocol):
    """What a handler uses of the emulator (``app.Emulator``): its store, renderer, contracts and config.

    Named here rather than imported from ``app``, which imports this module's
    handler tables: the handlers depend on these four parts, not on the app.
    """

    @property
    def store(self) -> EmulatorStore: ...

    @property
    def renderer(self) -> Renderer: ...

    @property
    def contracts(self) -> ContractSet: ...

    @property
    def config(self) -> EmulatorConfig: ...


@dataclass(frozen=True)
class Call:
    """One authorized Graph request, as a handler sees it."""

    version: str
    route: GraphRoute
    params: Mapping[str, str]
    query: Query
    body: Any
    principal: Principal
    base_url: str
    url: str

    @property
    def tenant(self) -> str:
        return self.principal.tenant_id

    @property
    def op(self) -> Operation:
        return self.route.operation

    def entity_id(self) -> str:
        return next(iter(self.params.values()))


Handler = Callable[[EmulatorParts, Call], Response]


def _not_found(call: Call) -> GraphFailure:
    # Intune wraps its own error object in the message; clients branch on the code.
    inner = json.dumps(
        {
            "_version": 3,
            "Message": f"No {call.op.type} with id '{call.entity_id()}' exists. - Url: {call.url}",
            "CustomApiErrorPhrase": "",
            "RetryAfter": None,
            "ErrorSourceService": "",
            "HttpHeaders": "{}",
        }
    )
    return GraphFailure(404, "ResourceNotFound", inner)


def _context(call: Call, suffix: str) -> str:
    return f"{call.base_url}/{call.version}/$metadata#{suffix}"


def _handle_get(emulator: EmulatorParts, call: Call) -> Response:
    with emulator.store.tenant(call.tenant) as state:
        record = state.collection(call.route.collection).get(call.entity_id())
        if record is None:
            raise _not_found(call)
        entity = emulator.renderer.entity(call.version, call.op.type, record.data)
        emulator.store.read(record)
    body = {"@odata.context": _context(call, f"deviceManagement/{call.route.collection}/$entity")}
    body.update(select_properties(entity, call.query.select))
    return json_response(call.op.success_status, body)


def _handle_list(emulator: EmulatorParts, call: Call) -> Response:
    query = call.query
    page_size = query.top or emulator.config.page_size
    with emulator.store.tenant(call.tenant) as state:
        records = state.collection(call.route.collection)
        if query.predicate is None:
            # Render only the page: a list must not cost more as the collection grows.
            page = [
                (record, emulator.renderer.entity(call.version, call.op.type, record.data))
                for record in islice(records.values(), query.offset, query.offset + page_size)
            ]
            total = len(records)
        else:
            # $filter compares rendered values (defaults included), so every entity is rendered.
            rendered = ((r, emulator.renderer.entity(call.version, call.op.type, r.data)) for r in records.values())
            matching = [(r, e) for r, e in rendered if query.predicate(e)]
            page = matching[query.offset : query.offset + page_size]
            total = len(matching)
        for record, _ in page:
            emulator.store.read(record)
    body: dict[str, Any] = {
        "@odata.context": _context(call, f"deviceManagement/{call.route.collection}"),
        "value": [select_properties(e, query.select) for _, e in page],
    }
    if query.offset + page_size < total:
        kept = [(k, v) for k, v in query.raw if k != "$skiptoken"]
        kept.append(("$skiptoken", skiptoken(query.offset + page_size)))
        body["@odata.nextLink"] = (
            f"{call.base_url}/{call.version}{call.route.template}?{urlencode(kept, quote_via=quote, safe='$')}"
        )
    return json_response(call.op.success_status, body)


def _handle_create(emulator: EmulatorParts, call: Call) -> Response:
    declared = call.op.body_type or call.op.type
    record = new_record(emulator, call, declared, call.body)
    with emulator.store.tenant(call.tenant) as state:
        admit(emulator, record, declared, set())
        state.add(call.route.collection, record)
        entity = emulator.renderer.entity(call.version, declared, record.data)
    body = {"@odata.context": _context(call, f"deviceManagement/{call.route.collection}/$entity")}
    body.update(entity)
    return json_response(call.op.success_status, body)


def _handle_update(emulator: EmulatorParts, call: Call) -> Response:
    declared = call.op.body_type or call.op.type
    with emulator.store.tenant(call.tenant) as state:
        record = state.collection(call.route.collection).get(call.entity_id())
        if record is None:
            raise _not_found(call)
        changes = new_record(emulator, call, declared, call.body).data
        changes.pop("id")
        for stamp in CREATED_STAMPS - MODIFIED_STAMPS:
            changes.pop(stamp, None)
        state.update(call.route.collection, record, changes)
        entity = emulator.renderer.entity(call.version, declared, record.data)
    if call.op.response_kind == "none":
        return Response(status_code=call.op.success_status)
    return json_response(call.op.success_status, entity)


def _handle_delete(emulator: EmulatorParts, call: Call) -> Response:
    # Deleting an imported identity leaves the registered device alone, as in Intune.
    with emulator.store.tenant(call.tenant) as state:
        if state.remove(call.route.collection, call.entity_id()) is None:
            raise _not_found(call)
    return Response(status_code=call.op.success_status)


def _handle_import(emulator: EmulatorParts, call: Call) -> Response:
    """The import action: every record created pending, in one batch for duplicate detection.

    The records of one import share one ``importId`` (beta shows it; v1.0 has no
    such property), which is how the service groups them; a value sent in the
    body is the service's to set and is replaced.
    """
    records_in = call.body.get(call.op.parameters[0].name) if call.op.parameters else None
    declared = call.op.parameters[0].type if call.op.parameters else call.op.type
    import_id = str(uuid.uuid4())
    seen: set[str] = set()
    out = []
    with emulator.store.tenant(call.tenant) as state:
        for item in records_in or []:
            record = new_record(emulator, call, declared, item)
            record.data["importId"] = import_id
            admit(emulator, record, declared, seen)
            state.add(call.route.collection, record)
            out.append(emulator.renderer.entity(call.version, declared, record.data))
    body = {"@odata.context": _context(call, f"Collection(microsoft.graph.{declared})"), "value": out}
    return json_response(call.op.success_status, body)


def _entity_action(clear: bool) -> Handler:
    """An action on one entity that sets (or clears) the properties its parameters name.

    assignUserToDevice sets userPrincipalName and addressableUserName,
    updateDeviceProperties the group tag, user and names it is given, and the
    unassign actions clear what the matching assign set, so a later GET shows
    the change. Parameters that are no property of the type (a password, a
    resource account name) change nothing a GET could show.
    """

    def handle(emulator: EmulatorParts, call: Call) -> Response:
        props = emulator.renderer.properties(call.version, call.op.type)
        names = [p.name for p in _assigning(emulator, call.op)] if clear else list(call.body or {})
        with emulator.store.tenant(call.tenant) as state:
            record = state.collection(call.route.collection).get(call.entity_id())
            if record is None:
                raise _not_found(call)
            changes = {
                name: None if clear else (call.body or {})[name]
                for name in names
                if name in props and not props[name].read_only
            }
            state.update(call.route.collection, record, changes)
        return Response(status_code=call.op.success_status)

    return handle


def _assigning(emulator: EmulatorParts, op: Operation) -> tuple[Parameter, ...]:
    """The parameters of the assign action an unassign action undoes (assignX for unassignX)."""
    assign = emulator.contracts.undone_by(op)
    return assign.parameters if assign is not None else ()


def _handle_import_identity_list(emulator: EmulatorParts, call: Call) -> Response:
    """importDeviceIdentityList: each identity stored, unless it exists and overwriting was not asked for.

    The answer is one importedDeviceIdentityResult per identity sent, ``status``
    saying whether it was stored.
    """
    items = (call.body or {}).get("importedDeviceIdentities") or []
    overwrite = bool((call.body or {}).get("overwriteImportedDeviceIdentities"))
    declared = call.op.parameters[0].type if call.op.parameters else call.op.type
    out = []
    with emulator.store.tenant(call.tenant) as state:
        stored = state.collection(call.route.collection)
        by_identifier = {r.data.get("importedDeviceIdentifier"): k for k, r in stored.items()}
        for item in items:
            record = new_record(emulator, call, declared, {k: v for k, v in item.items() if k != "@odata.type"})
            existing = by_identifier.get(record.data.get("importedDeviceIdentifier"))
            status = existing is None or overwrite
            if existing is not None and overwrite:
                record.data["id"] = existing
            if status:
                state.add(call.route.collection, record)
                by_identifier[record.data.get("importedDeviceIdentifier")] = record.data["id"]
            result = {**record.data, "@odata.type": "#microsoft.graph.importedDeviceIdentityResult", "status": status}
            out.append(emulator.renderer.entity(call.version, "importedDeviceIdentityResult", result))
    body = {"@odata.context": _context(call, "Collection(microsoft.graph.importedDeviceIdentityResult)"), "value": out}
    return json_response(call.op.success_status, body)


def _handle_search_existing(emulator: EmulatorParts, call: Call) -> Response:
    """searchExistingIdentities: the stored identities whose identifier one of the given identities carries."""
    wanted = {
        i.get("importedDeviceIdentifier")
        for i in (call.body or {}).get("importedDeviceIdentities") or []
        if isinstance(i, dict)
    }
    with emulator.store.tenant(call.tenant) as state:
        found = [
            emulator.renderer.entity(call.version, call.op.type, r.data)
            for r in state.collection(call.route.collection).values()
            if r.data.get("importedDeviceIdentifier") in wanted
        ]
    body = {"@odata.context": _context(call, f"Collection(microsoft.graph.{call.op.type})"), "value": found}
    return json_response(call.op.success_status, body)


def _admit_autopilot_import(emulator: EmulatorParts, record: Record, seen_hashes: set[str]) -> None:
    """Decide now what DDS will say later: a repeated hash in the batch, or a hash that fails the rule.

    Whether the serial is already registered (806/808) is decided when the
    import settles, because another import may register it meanwhile.
    """
    hardware = record.data.get("hardwareIdentifier")
    planned: DdsError | None = None
    if isinstance(hardware, str) and hardware:
        decoded, issues = analyse_hardware_hash(hardware, "/hardwareIdentifier")
        if hardware in seen_hashes:
            planned = DUPLICATED
        elif any(i.intune_outcome == INVALID_HASH.name for i in issues):
            planned = INVALID_HASH
        seen_hashes.add(hardware)
        if decoded is not None:
            facts = {"manufacturer": decoded.manufacturer, "model": decoded.model}
            record.device_facts = {k: v for k, v in facts.items() if v}
    emulator.store.admit_import(record, planned)


def new_record(emulator: EmulatorParts, call: Call, declared: str, body: Mapping[str, Any]) -> Record:
    """A stored entity from a request body: server-owned values dropped, id and stamps set."""
    actual = emulator.renderer.actual_type(call.version, declared, body.get("@odata.type"))
    props = emulator.renderer.properties(call.version, actual)
    owned = SERVER_OWNED.get(declared, frozenset())
    data: dict[str, Any] = {k: v for k, v in body.items() if k in props and not props[k].read_only and k not in owned}
    if actual != declared:
        data["@odata.type"] = f"#microsoft.graph.{actual}"
    data["id"] = str(uuid.uuid4())
    now = utc_now()
    for stamp in CREATED_STAMPS & props.keys():
        data[stamp] = now
    return Record(data=data, created=time.monotonic())


def admit(emulator: EmulatorParts, record: Record, declared: str, seen_hashes: set[str]) -> None:
    """Run what creating an entity of ``declared`` sets in motion (``CREATE_HOOKS``)."""
    hook = CREATE_HOOKS.get(declared)
    if hook is not None:
        hook(emulator, record, seen_hashes)


#: Plain CRUD, by the operation's verb: served for any contract operation with that verb.
VERB_HANDLERS: Mapping[str, Handler] = {
    "get": _handle_get,
    "list": _handle_list,
    "create": _handle_create,
    "update": _handle_update,
    "delete": _handle_delete,
}


#: Actions, by operation id: the only operations that need code of their own.
ACTION_HANDLERS: Mapping[str, Handler] = {
    "importedWindowsAutopilotDeviceIdentity.import": _handle_import,
    "windowsAutopilotDeviceIdentity.assignUserToDevice": _entity_action(clear=False),
    "windowsAutopilotDeviceIdentity.unassignUserFromDevice": _entity_action(clear=True),
    "windowsAutopilotDeviceIdentity.updateDeviceProperties": _entity_action(clear=False),
    "windowsAutopilotDeviceIdentity.assignResourceAccountToDevice": _entity_action(clear=False),
    "windowsAutopilotDeviceIdentity.unassignResourceAccountFromDevice": _entity_action(clear=True),
    "importedDeviceIdentity.importDeviceIdentityList": _handle_import_identity_list,
    "importedDeviceIdentity.searchExistingIdentities": _handle_search_existing,
}


#: What creating an entity of a type sets in motion (the asynchronous Autopilot import).
CREATE_HOOKS: Mapping[str, Callable[[EmulatorParts, Record, set[str]], None]] = {
    "importedWindowsAutopilotDeviceIdentity": _admit_autopilot_import,
}

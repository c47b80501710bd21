"""The wire check's comparisons: what arrived against the contract, what the SDK parsed against what was sent.

Request checks (path, method, headers, body against our request schema and
against what the caller set) and response checks (the SDK's model written back
and compared with the bytes the emulator sent, split by which side is at fault).
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

from ..contracts import ContractSet, Operation, Property
from ..issues import pointer_join
from ..schemas import base_types, tag_required
from .roundtrip import (
    Comparer,
    Difference,
    compact_body,
    serialize_model,
)
from .traffic import SCHEMA_CHECKS, schema_problems
from .wire_session import Exchange

# --------------------------------------------------------------------------- request checks


def _path_pattern(op: Operation, version: str) -> re.Pattern[str]:
    alternatives = ["/" + re.escape(version) + re.sub(r"\\\{[^/]*?\\\}", "[^/]+", re.escape(p)) for p in op.paths]
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
            out[check].append(f"{problem} in body {compact_body(arrived)}")
        return out | {"body fidelity": [], "_arrived": [json.dumps(arrived)]}
    return out


def body_differences(comparer: Comparer, op: Operation, sent: Any, arrived: Any) -> list[Difference]:
    if op.body_type is not None:
        # The receiver expects the collection's type: the base type where a derived type is posted to it.
        declared = (
            base_types(comparer.contracts, comparer.version, op.body_type)[0]
            if tag_required(comparer.contracts, comparer.version, op)
            else op.body_type
        )
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


def entity_body(raw: Any, op: Operation) -> Any:
    """The single entity the answer carries, for a get (entity) or list (first item)."""
    if op.response_kind == "collection":
        return {"value": [raw]}
    return raw


def set_pointer(body: Any, path: Sequence[str], value: Any) -> Any:
    """A copy of ``body`` with ``value`` at ``path`` (objects made on the way)."""
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

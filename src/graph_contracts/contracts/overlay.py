"""The reviewed overlay: facts the doc pages lack or get wrong, each entry citing its source.

One file per version (``contracts/overlays/<version>.yaml``) holding a list of
entries. Every entry carries ``source`` (where the fact comes from) and may
carry ``reason``. The kinds, one key each, a table rather than a language:

- ``type`` + ``property`` + ``set``: change flags of a property (nullable, read_only, required, type)
- ``type`` + ``remove_property``: the property no longer exists
- ``type`` + ``add_property``: a property the pages do not list
- ``type`` + ``set``: change the type itself (base_type, category)
- ``type`` + ``members``: the full member list (name, value) from the metadata
- ``type`` + ``define``: a whole type the pages do not document
- ``operation`` + ``set``: change an operation (paths, permissions, request_headers)
- ``operation`` + ``service``: the service refuses the documented operation
  (``status``, ``code``, ``message`` as the service sends them)
- ``route`` (``"PATCH /path/{id}"``) + ``service``: the same for a route no
  imported page documents
- ``when`` beside ``service``: the service answers so only for some queries
  (``{query_option: $select}``, ``{contains_with_hyphen: serialNumber}``; the
  kinds are ``model.QUERY_CONDITIONS``); the operation is not refused as a whole
- ``acknowledge``: a lint finding id that has been reviewed and accepted

``service`` entries are facts about the service, not about the metadata: their
``source`` cites where the behaviour was seen (graph-facts 6.1 and the issues
it names). Each yields a finding naming the page and that source.

Applying an entry that changes a page fact yields an acknowledged ``Finding``
naming the page and the overlay's source.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ..errors import ContractError
from .io import load_yaml, member_from, property_from
from .model import (
    QUERY_CONDITIONS,
    EnumMember,
    Finding,
    Operation,
    Property,
    QueryCondition,
    ServiceFact,
    ServiceRefusal,
    Source,
    TypeContract,
)

PROPERTY_FLAGS = frozenset({"nullable", "read_only", "required", "type", "collection"})
TYPE_FIELDS = frozenset({"base_type", "category"})
OPERATION_FIELDS = frozenset({"paths", "permissions", "request_headers", "success_status"})


@dataclass(frozen=True)
class OverlayEntry:
    index: int
    data: Mapping[str, Any]
    source: str
    reason: str

    @property
    def pointer(self) -> str:
        return f"/entries/{self.index}"


@dataclass(frozen=True)
class Overlay:
    file: str
    version: str
    entries: tuple[OverlayEntry, ...]

    @property
    def acknowledged(self) -> frozenset[str]:
        return frozenset(str(e.data["acknowledge"]) for e in self.entries if "acknowledge" in e.data)


def load_overlay(path: Path) -> Overlay:
    data = load_yaml(path)
    file = str(path)
    if not isinstance(data, Mapping) or "version" not in data:
        raise ContractError(file, "an overlay needs 'version' and 'entries'")
    entries = []
    for i, raw in enumerate(data.get("entries") or ()):
        if not isinstance(raw, Mapping):
            raise ContractError(file, "an entry must be a mapping", f"/entries/{i}")
        if not raw.get("source"):
            raise ContractError(file, "every overlay entry must name its source", f"/entries/{i}")
        if not any(k in raw for k in ("type", "operation", "route", "acknowledge")):
            raise ContractError(file, "an entry needs 'type', 'operation', 'route' or 'acknowledge'", f"/entries/{i}")
        entries.append(OverlayEntry(i, raw, str(raw["source"]), str(raw.get("reason", ""))))
    return Overlay(file, str(data["version"]), tuple(entries))


def apply_overlay(
    overlay: Overlay,
    types: dict[str, TypeContract],
    ops: dict[str, Operation],
    facts: list[ServiceFact] | None = None,
) -> list[Finding]:
    """Apply ``overlay`` to one version's types and operations in place; return the findings it settles.

    Service facts are appended to ``facts`` when given.
    """
    findings: list[Finding] = []
    for entry in overlay.entries:
        d = entry.data
        cite = f"{Path(overlay.file).name}{entry.pointer}: {entry.source}"
        if "acknowledge" in d:
            continue
        if "service" in d:
            fact = _service_fact(overlay, entry, ops)
            if fact.operation is not None and fact.when is None:
                ops[fact.operation] = replace(ops[fact.operation], refused=fact.refusal)
            if facts is not None:
                facts.append(fact)
            findings.append(_refusal_finding(overlay, fact, cite))
            continue
        if "operation" in d:
            findings += _apply_operation(overlay, entry, ops, cite)
            continue
        name = str(d["type"])
        if "define" in d:
            if name in types:
                raise ContractError(overlay.file, f"type {name!r} is documented; do not redefine it", entry.pointer)
            types[name] = _define(overlay, entry, name)
            findings.append(
                _found(
                    overlay,
                    f"{name}:undocumented-type",
                    f"type {name} has no doc page; defined from the metadata",
                    "(no doc page)",
                    cite,
                )
            )
            continue
        if name not in types:
            raise ContractError(overlay.file, f"no type {name!r} in {overlay.version}", entry.pointer + "/type")
        t = types[name]
        if "property" in d:
            types[name], f = _set_property(overlay, entry, t, str(d["property"]), cite)
        elif "remove_property" in d:
            types[name], f = _remove_property(overlay, entry, t, str(d["remove_property"]), cite)
        elif "add_property" in d:
            types[name], f = _add_property(overlay, entry, t, cite)
        elif "members" in d:
            types[name], f = _members(overlay, entry, t, cite)
        elif "set" in d:
            types[name], f = _set_type(overlay, entry, t, cite)
        else:
            raise ContractError(overlay.file, "the entry changes nothing", entry.pointer)
        findings += f
    return findings


def _found(overlay: Overlay, key: str, message: str, page: str, cite: str) -> Finding:
    return Finding(f"{overlay.version}:{key}", message, page, f"overlay {cite}", acknowledged=True)


def _fields(overlay: Overlay, entry: OverlayEntry, allowed: frozenset[str]) -> Mapping[str, Any]:
    fields = entry.data.get("set")
    if not isinstance(fields, Mapping) or not fields:
        raise ContractError(overlay.file, "'set' must be a non-empty mapping", entry.pointer + "/set")
    unknown = sorted(set(fields) - allowed)
    if unknown:
        raise ContractError(
            overlay.file,
            f"cannot set {', '.join(unknown)}; allowed: {', '.join(sorted(allowed))}",
            entry.pointer + "/set",
        )
    return fields


def _set_property(
    overlay: Overlay, entry: OverlayEntry, t: TypeContract, prop: str, cite: str
) -> tuple[TypeContract, list[Finding]]:
    fields = _fields(overlay, entry, PROPERTY_FLAGS)
    current = t.property(prop)
    if current is None:
        raise ContractError(overlay.file, f"type {t.name} has no property {prop!r}", entry.pointer + "/property")
    changed = replace(current, **dict(fields))
    props = tuple(changed if p.name == prop else p for p in t.properties)
    what = ", ".join(f"{k}={v}" for k, v in fields.items())
    finding = _found(
        overlay,
        f"{t.name}.{prop}:{'+'.join(sorted(fields))}",
        f"{t.name}.{prop}: the page does not say {what}; the metadata does",
        str(current.source),
        cite,
    )
    return replace(t, properties=props), [finding]


def _remove_property(
    overlay: Overlay, entry: OverlayEntry, t: TypeContract, prop: str, cite: str
) -> tuple[TypeContract, list[Finding]]:
    current = t.property(prop)
    if current is None:
        raise ContractError(overlay.file, f"type {t.name} has no property {prop!r} to remove", entry.pointer)
    finding = _found(
        overlay,
        f"{t.name}.{prop}:removed",
        f"{t.name}.{prop} is documented but does not exist in the metadata",
        str(current.source),
        cite,
    )
    return replace(t, properties=tuple(p for p in t.properties if p.name != prop)), [finding]


def _add_property(
    overlay: Overlay, entry: OverlayEntry, t: TypeContract, cite: str
) -> tuple[TypeContract, list[Finding]]:
    raw = dict(entry.data["add_property"])
    raw.setdefault("source", {"page": f"overlay {cite}"})
    prop: Property = property_from(raw, overlay.file, entry.pointer + "/add_property")
    if t.property(prop.name) is not None:
        raise ContractError(overlay.file, f"{t.name}.{prop.name} exists already", entry.pointer)
    finding = _found(
        overlay,
        f"{t.name}.{prop.name}:added",
        f"{t.name}.{prop.name} exists in the metadata but not on the page",
        str(t.source),
        cite,
    )
    return replace(t, properties=(*t.properties, prop)), [finding]


def _members(overlay: Overlay, entry: OverlayEntry, t: TypeContract, cite: str) -> tuple[TypeContract, list[Finding]]:
    src = {"page": f"overlay {cite}"}
    wanted: list[EnumMember] = [
        member_from({**m, "source": m.get("source", src)}, overlay.file, f"{entry.pointer}/members/{i}")
        for i, m in enumerate(entry.data["members"])
    ]
    page = {m.name: m for m in t.members}
    merged = tuple(replace(page[m.name], value=m.value) if m.name in page else m for m in wanted)
    before = ", ".join(f"{m.name}={m.value}" for m in t.members)
    after = ", ".join(f"{m.name}={m.value}" for m in merged)
    if before == after:
        raise ContractError(overlay.file, f"the members of {t.name} already match", entry.pointer)
    finding = _found(
        overlay,
        f"{t.name}:members",
        f"{t.name} members: page has [{before}]; metadata has [{after}]",
        str(t.source),
        cite,
    )
    return replace(t, members=merged), [finding]


def _set_type(overlay: Overlay, entry: OverlayEntry, t: TypeContract, cite: str) -> tuple[TypeContract, list[Finding]]:
    fields = _fields(overlay, entry, TYPE_FIELDS)
    what = ", ".join(f"{k}={v}" for k, v in fields.items())
    finding = _found(
        overlay,
        f"{t.name}:{'+'.join(sorted(fields))}",
        f"{t.name}: the page does not say {what}; the metadata does",
        str(t.source),
        cite,
    )
    return replace(t, **dict(fields)), [finding]


def _define(overlay: Overlay, entry: OverlayEntry, name: str) -> TypeContract:
    raw = dict(entry.data["define"])
    src = Source(f"overlay {Path(overlay.file).name}{entry.pointer}: {entry.source}")
    members = tuple(
        member_from(
            {**m, "source": m.get("source", {"page": src.page})}, overlay.file, f"{entry.pointer}/define/members/{i}"
        )
        for i, m in enumerate(raw.get("members") or ())
    )
    props = tuple(
        property_from(
            {**p, "source": p.get("source", {"page": src.page})}, overlay.file, f"{entry.pointer}/define/properties/{i}"
        )
        for i, p in enumerate(raw.get("properties") or ())
    )
    category = raw.get("category", "enum" if members else "complex")
    return TypeContract(
        name=name,
        version=overlay.version,
        category=category,
        source=src,
        base_type=raw.get("base_type"),
        description=str(raw.get("description", "")),
        properties=props,
        members=members,
        file=overlay.file,
    )


def _apply_operation(overlay: Overlay, entry: OverlayEntry, ops: dict[str, Operation], cite: str) -> list[Finding]:
    op_id = str(entry.data["operation"])
    if op_id not in ops:
        raise ContractError(overlay.file, f"no operation {op_id!r} in {overlay.version}", entry.pointer + "/operation")
    op = ops[op_id]
    fields = dict(_fields(overlay, entry, OPERATION_FIELDS))
    if "paths" in fields:
        fields["paths"] = tuple(fields["paths"])
    if "permissions" in fields:
        fields["permissions"] = tuple((str(k), tuple(v)) for k, v in fields["permissions"].items())
    if "request_headers" in fields:
        fields["request_headers"] = tuple((str(k), str(v)) for k, v in fields["request_headers"].items())
    findings = [
        _found(
            overlay,
            f"{op_id}:{key}",
            f"{op_id} {key}: page says {_show(getattr(op, key))}; overlay says {_show(value)}",
            str(op.source),
            cite,
        )
        for key, value in fields.items()
    ]
    ops[op_id] = replace(op, **fields)
    return findings


def _show(value: object) -> str:
    if isinstance(value, tuple):
        return "[" + "; ".join(_show(v) for v in value) + "]"
    return str(value)


def _service_fact(overlay: Overlay, entry: OverlayEntry, ops: dict[str, Operation]) -> ServiceFact:
    raw = entry.data["service"]
    where = entry.pointer + "/service"
    if not isinstance(raw, Mapping):
        raise ContractError(overlay.file, "'service' must be a mapping of status, code and message", where)
    missing = [k for k in ("status", "code", "message") if not raw.get(k)]
    if missing:
        raise ContractError(overlay.file, f"'service' needs {', '.join(missing)}", where)
    status = raw["status"]
    if not isinstance(status, int) or not 400 <= status <= 599:
        raise ContractError(
            overlay.file, f"a refusal's status is an HTTP error status, not {status!r}", where + "/status"
        )
    refusal = ServiceRefusal(status, str(raw["code"]), str(raw["message"]), entry.source, entry.reason)
    when = _condition(overlay, entry)
    if "operation" in entry.data:
        op_id = str(entry.data["operation"])
        if op_id not in ops:
            raise ContractError(
                overlay.file, f"no operation {op_id!r} in {overlay.version}", entry.pointer + "/operation"
            )
        op = ops[op_id]
        return ServiceFact(overlay.version, op.method, op.path, refusal, op.id, str(op.source), when)
    route = str(entry.data.get("route", "")).split()
    if len(route) != 2 or not route[1].startswith("/"):
        raise ContractError(overlay.file, "a route reads 'METHOD /path'", entry.pointer + "/route")
    method, path = route[0].upper(), route[1]
    documented = next((o for o in ops.values() if o.method == method and path in o.paths), None)
    if documented is not None:
        raise ContractError(
            overlay.file, f"{method} {path} is documented as {documented.id}: name the operation", entry.pointer
        )
    return ServiceFact(overlay.version, method, path, refusal, when=when)


def _condition(overlay: Overlay, entry: OverlayEntry) -> QueryCondition | None:
    """The entry's ``when``: one of ``QUERY_CONDITIONS`` with its argument, or None when absent."""
    raw = entry.data.get("when")
    if raw is None:
        return None
    where = entry.pointer + "/when"
    if not isinstance(raw, Mapping) or len(raw) != 1:
        raise ContractError(overlay.file, f"'when' is one of {', '.join(QUERY_CONDITIONS)} with its value", where)
    [(kind, argument)] = raw.items()
    if kind not in QUERY_CONDITIONS:
        raise ContractError(overlay.file, f"unknown condition {kind!r}; known: {', '.join(QUERY_CONDITIONS)}", where)
    if not isinstance(argument, str) or not argument:
        raise ContractError(overlay.file, f"{kind} needs a name ({QUERY_CONDITIONS[kind]})", f"{where}/{kind}")
    return QueryCondition(str(kind), argument)


def _refusal_finding(overlay: Overlay, fact: ServiceFact, cite: str) -> Finding:
    what = fact.operation or f"{fact.method} {fact.path}"
    r = fact.refusal
    if fact.when is not None:
        return _found(
            overlay,
            f"{what}:refused-by-service:{fact.when}",
            f"{what}: documented, refused by the service when {QUERY_CONDITIONS[fact.when.kind]} "
            f"({fact.when.argument}): {r.status} {r.code!r} ({r.message})",
            fact.page or "(documented on a page the contracts do not import)",
            cite,
        )
    return _found(
        overlay,
        f"{what}:refused-by-service",
        f"{what}: documented, refused by the service: {r.status} {r.code!r} ({r.message})",
        fact.page or "(documented on a page the contracts do not import)",
        cite,
    )

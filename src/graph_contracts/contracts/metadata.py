"""Microsoft's ``$metadata`` as a second source: read it incrementally, report where the contracts disagree.

The CSDL files are large (the global v1.0 one is 3.4 MB) and only a few types
matter, so they are read with ``defusedxml``'s ``iterparse`` (no entity
expansion, no external resources) and every element is dropped once read.
The beta type mappings (JSON) carry names only: properties, navigation
properties and enum members, without types or nullability, so fewer checks
apply to them.

A disagreement is a ``Finding`` whose id starts ``metadata:<cloud>:<version>:``.
It is acknowledged by the version's overlay (``acknowledge: <id>``), like a
lint finding; a finding about a fact an overlay entry took "from the
metadata" (its source names M-v1 or M-beta) says so, because that entry no
longer holds.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from xml.etree.ElementTree import Element, ParseError

from ..errors import InputFileError
from .model import ContractSet, Finding, Operation, TypeContract

_EDM = "{http://docs.oasis-open.org/odata/ns/edm}"
_NAMESPACE = "microsoft.graph"
#: File name -> (version, cloud): ``v1.0-Prod.csdl``, ``beta-entity-types.json``.
_FILE_NAME = re.compile(r"^(?P<version>v1\.0|beta)-(?P<cloud>[A-Za-z]+)")
#: Verbs served by CRUD on an entity set; any other verb names a bound action.
_CRUD = frozenset({"create", "get", "list", "update", "delete"})


@dataclass(frozen=True)
class MetaProperty:
    name: str
    type: str  # unqualified: "String" for Edm.String, "platform" for graph.platform
    collection: bool = False
    nullable: bool | None = True  # None: the source does not say (JSON type mappings)


@dataclass(frozen=True)
class MetaType:
    name: str
    kind: str  # entity, complex, enum
    base_type: str | None = None
    properties: tuple[MetaProperty, ...] = ()
    navigation: tuple[MetaProperty, ...] = ()
    members: tuple[tuple[str, int | None], ...] = ()
    typed: bool = True  # False for JSON type mappings: names only


@dataclass(frozen=True)
class MetaAction:
    name: str
    bound_to: str
    bound_collection: bool
    parameters: tuple[MetaProperty, ...]
    returns: MetaProperty | None


@dataclass(frozen=True)
class Metadata:
    """The part of one cloud's metadata for one version that graph-contracts reads."""

    source: str
    version: str
    cloud: str
    types: Mapping[str, MetaType] = field(default_factory=dict)
    actions: tuple[MetaAction, ...] = ()

    def action(self, name: str, bound_to: str) -> MetaAction | None:
        return next((a for a in self.actions if a.name == name and a.bound_to == bound_to), None)


def _type_ref(text: str) -> tuple[str, bool]:
    collection = text.startswith("Collection(")
    inner = text[len("Collection(") : -1] if collection else text
    return inner.rsplit(".", 1)[-1], collection


def _property(el: Element) -> MetaProperty:
    name, collection = _type_ref(el.get("Type", ""))
    return MetaProperty(el.get("Name", ""), name, collection, el.get("Nullable", "true") != "false")


def _version_cloud(path: Path) -> tuple[str, str]:
    m = _FILE_NAME.match(path.name)
    if not m:
        raise InputFileError(str(path), "expected a file named like v1.0-Prod.csdl or beta-entity-types.json")
    cloud = m.group("cloud")
    return m.group("version"), "Prod" if cloud in ("entity", "complex", "enum") else cloud


def read_csdl(path: Path) -> Metadata:
    """The microsoft.graph types and bound actions of one CSDL file, read incrementally."""
    from defusedxml.ElementTree import iterparse  # type: ignore[import-untyped]

    version, cloud = _version_cloud(path)
    types: dict[str, MetaType] = {}
    actions: list[MetaAction] = []
    in_graph = False
    try:
        for event, el in iterparse(str(path), events=("start", "end")):
            tag = el.tag.removeprefix(_EDM)
            if tag == "Schema":
                in_graph = event == "start" and el.get("Namespace") == _NAMESPACE
                continue
            if event != "end" or not in_graph:
                continue
            if tag in ("EntityType", "ComplexType"):
                base = el.get("BaseType")
                types[el.get("Name", "")] = MetaType(
                    el.get("Name", ""),
                    "entity" if tag == "EntityType" else "complex",
                    base.rsplit(".", 1)[-1] if base else None,
                    tuple(_property(p) for p in el.findall(f"{_EDM}Property")),
                    tuple(_property(p) for p in el.findall(f"{_EDM}NavigationProperty")),
                )
                el.clear()
            elif tag == "EnumType":
                members = tuple(
                    (m.get("Name", ""), int(v) if (v := m.get("Value")) is not None else None)
                    for m in el.findall(f"{_EDM}Member")
                )
                types[el.get("Name", "")] = MetaType(el.get("Name", ""), "enum", members=members)
                el.clear()
            elif tag == "Action" and el.get("IsBound") == "true":
                params = [_property(p) for p in el.findall(f"{_EDM}Parameter")]
                ret = el.find(f"{_EDM}ReturnType")
                if params:
                    binding = params[0]
                    actions.append(
                        MetaAction(
                            el.get("Name", ""),
                            binding.type,
                            binding.collection,
                            tuple(params[1:]),
                            _property(ret) if ret is not None else None,
                        )
                    )
                el.clear()
    except (ParseError, OSError) as exc:
        raise InputFileError(str(path), f"not readable as CSDL XML: {exc}") from exc
    except Exception as exc:  # defusedxml's refusals (entities, DTDs) derive from ValueError
        if type(exc).__module__.startswith("defusedxml"):
            raise InputFileError(str(path), f"refused: {exc}") from exc
        raise
    return Metadata(str(path), version, cloud, types, tuple(actions))


def read_type_mappings(paths: list[Path]) -> Metadata:
    """The beta type-mapping JSON files (entity, complex, enum), names only."""
    types: dict[str, MetaType] = {}
    version = cloud = ""
    for path in paths:
        version, cloud = _version_cloud(path)
        kind = "enum" if "enum" in path.name else "complex" if "complex" in path.name else "entity"
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise InputFileError(str(path), f"not readable as a type-mapping JSON file: {exc}") from exc
        graph = data.get(_NAMESPACE, {}) if isinstance(data, dict) else {}
        for name, spec in graph.items():
            if kind == "enum":
                types[name] = MetaType(name, kind, members=tuple((m, None) for m in spec), typed=False)
            else:
                types[name] = MetaType(
                    name,
                    kind,
                    properties=tuple(MetaProperty(p, "", nullable=None) for p in spec.get("properties", ())),
                    navigation=tuple(MetaProperty(p, "", nullable=None) for p in spec.get("navigationProperties", ())),
                    typed=False,
                )
    return Metadata(", ".join(str(p) for p in paths), version, cloud, types)


def read_metadata(paths: list[Path]) -> list[Metadata]:
    """Each CSDL file on its own; the JSON type mappings of one version together."""
    out = [read_csdl(p) for p in paths if p.suffix.lower() in (".csdl", ".xml")]
    mappings = [p for p in paths if p.suffix.lower() == ".json"]
    if mappings:
        out.append(read_type_mappings(mappings))
    missing = [p for p in paths if not p.is_file()]
    if missing:
        raise InputFileError(str(missing[0]), "no such file")
    return out


# ---------------------------------------------------------------- comparing


@dataclass
class _Compare:
    contracts: ContractSet
    meta: Metadata
    claims: Mapping[str, str]  # "<subject>:<fact>" -> the overlay entry that says "from the metadata"

    def finding(self, key: str, subject: str, message: str, contract_source: str) -> Finding:
        fact = key.removeprefix(subject).lstrip(":").split(":")[0]
        claim = self.claims.get(f"{subject}:{_CLAIMED_FACTS.get(fact, fact)}")
        if claim:
            message += f"; the overlay entry ({claim}) says the metadata has it"
        return Finding(
            f"metadata:{self.meta.cloud}:{self.meta.version}:{key}", message, contract_source, self.meta.source
        )

    def types(self) -> Iterator[Finding]:
        for t in self.contracts.types_in(self.meta.version):
            m = self.meta.types.get(t.name)
            if m is None:
                continue  # cloud gaps are reported by cloud_gaps()
            yield from self._type(t, m)

    def _type(self, t: TypeContract, m: MetaType) -> Iterator[Finding]:
        src = str(t.source)
        if t.category == "enum":
            yield from self._enum(t, m)
            return
        # an entity without a base type in its contract derives from graph.entity, as every Graph entity does
        ours_base = t.base_type or ("entity" if t.category == "entity" else None)
        if m.typed and ours_base != m.base_type:
            yield self.finding(
                f"{t.name}:base-type",
                t.name,
                f"{t.name}: base type {ours_base} here, {m.base_type} in the metadata",
                src,
            )
        theirs = {p.name: p for p in self._declared(m)}
        ours = {p.name: p for p in t.properties}
        for name in sorted(set(theirs) - set(ours)):
            if any(p.name == name for p in self.contracts.all_properties(t.version, t.name)):
                continue  # inherited in the contract, declared again by the metadata
            yield self.finding(
                f"{t.name}.{name}:missing",
                f"{t.name}.{name}",
                f"{t.name}.{name} is in the metadata but not in the contract",
                src,
            )
        for name in sorted(set(ours) - set(theirs)):
            yield self.finding(
                f"{t.name}.{name}:extra",
                f"{t.name}.{name}",
                f"{t.name}.{name} is in the contract but not in the metadata",
                str(ours[name].source),
            )
        if not m.typed:
            return
        for name in sorted(set(ours) & set(theirs)):
            p, q = ours[name], theirs[name]
            if (p.type, p.collection) != (q.type, q.collection):
                show = f"{'Collection(' if q.collection else ''}{q.type}{')' if q.collection else ''}"
                yield self.finding(
                    f"{t.name}.{name}:type",
                    f"{t.name}.{name}",
                    f"{t.name}.{name}: {p.type}{' collection' if p.collection else ''} here, {show} in the metadata",
                    str(p.source),
                )
            # the key: never null in a response, never sent in a request (read_only), so its flag changes nothing
            is_key = name == "id" and p.read_only
            if q.nullable is not None and p.nullable != q.nullable and not is_key:
                yield self.finding(
                    f"{t.name}.{name}:nullable",
                    f"{t.name}.{name}",
                    f"{t.name}.{name}: nullable={p.nullable} here, Nullable={str(q.nullable).lower()} in the metadata",
                    str(p.source),
                )

    def operations(self) -> Iterator[Finding]:
        root = self.meta.types.get("deviceManagement")
        navs = {n.name: n for n in root.navigation} if root else {}
        for op in self.contracts.operations_in(self.meta.version):
            if op.type not in self.meta.types:
                continue
            segments = [s for s in op.path.split("/") if s]
            if root is not None and len(segments) >= 2 and segments[0] == "deviceManagement":
                nav = navs.get(segments[1])
                if nav is None:
                    yield self.finding(
                        f"{op.id}:path",
                        op.id,
                        f"{op.id}: deviceManagement has no navigation property {segments[1]!r}",
                        str(op.source),
                    )
                elif self.meta.types[root.name].typed and nav.type not in self._lineage(op.type):
                    yield self.finding(
                        f"{op.id}:path",
                        op.id,
                        f"{op.id}: deviceManagement/{segments[1]} holds {nav.type}, not {op.type}",
                        str(op.source),
                    )
            if op.verb not in _CRUD and self.meta.actions:
                yield from self._action(op)

    def _enum(self, t: TypeContract, m: MetaType) -> Iterator[Finding]:
        src = str(t.source)
        ours = {(x.name, x.value if m.typed else None) for x in t.members}
        theirs = {(n, v if m.typed else None) for n, v in m.members}
        for name, value in sorted(theirs - ours, key=str):
            yield self.finding(
                f"{t.name}:member-missing:{name}",
                t.name,
                f"{t.name}: the metadata has member {name}={value}; the contract does not",
                src,
            )
        for name, value in sorted(ours - theirs, key=str):
            yield self.finding(
                f"{t.name}:member-extra:{name}", t.name, f"{t.name}: member {name}={value} is not in the metadata", src
            )

    def _declared(self, m: MetaType) -> list[MetaProperty]:
        """The type's properties with those of its metadata base types the contract does not model (graph.entity)."""
        props = list(m.properties)
        base = m.base_type
        while base and base not in {t.name for t in self.contracts.types_in(self.meta.version)}:
            b = self.meta.types.get(base)
            if b is None:
                break
            props += b.properties
            base = b.base_type
        if m.kind == "entity" and not m.typed and not any(p.name == "id" for p in props):
            props.append(MetaProperty("id", "", nullable=None))  # names-only mappings leave out graph.entity's key
        return props

    def _lineage(self, name: str) -> set[str]:
        out = set()
        current: str | None = name
        while current and current not in out:
            out.add(current)
            current = self.meta.types[current].base_type if current in self.meta.types else None
        return out

    def _action(self, op: Operation) -> Iterator[Finding]:
        action = self.meta.action(op.verb, op.type)
        src = str(op.source)
        if action is None:
            yield self.finding(f"{op.id}:action", op.id, f"{op.id}: no action {op.verb} bound to {op.type}", src)
            return
        if op.binding and action.bound_collection != (op.binding == "collection"):
            yield self.finding(
                f"{op.id}:binding",
                op.id,
                f"{op.id}: bound to the {op.binding} here, "
                f"to {'the collection' if action.bound_collection else 'one entity'} in the metadata",
                src,
            )
        ours = {p.name: (p.type, p.collection) for p in op.parameters}
        theirs = {p.name: (p.type, p.collection) for p in action.parameters}
        if ours != theirs:
            yield self.finding(
                f"{op.id}:parameters",
                op.id,
                f"{op.id}: parameters {sorted(ours.items())} here, {sorted(theirs.items())} in the metadata",
                src,
            )
        returns = (action.returns.type, action.returns.collection) if action.returns else None
        ours_ret = (op.response_type, op.response_kind == "collection") if op.response_kind != "none" else None
        if returns != ours_ret:
            yield self.finding(
                f"{op.id}:returns", op.id, f"{op.id}: returns {ours_ret} here, {returns} in the metadata", src
            )


#: A metadata finding's fact -> the fact of the overlay finding that set it.
_CLAIMED_FACTS = {
    "member-missing": "members",
    "member-extra": "members",
    "base-type": "base_type",
    "missing": "added",
    "extra": "removed",
}


def _claims(contracts: ContractSet, version: str) -> dict[str, str]:
    """Facts the version's overlay sets citing the metadata (M-v1, M-beta...), as ``<subject>:<fact>``."""
    out: dict[str, str] = {}
    for f in contracts.findings:
        if not f.id.startswith(f"{version}:") or not re.search(r"\bM-(v1|beta)", f.second_source):
            continue
        _, subject, facts = f.id.split(":", 2)
        for fact in facts.split("+"):
            out[f"{subject}:{fact}"] = f.second_source.removeprefix("overlay ")
    return out


def compare(contracts: ContractSet, meta: Metadata) -> list[Finding]:
    """Every disagreement between the contracts (overlay applied) and one metadata source."""
    c = _Compare(contracts, meta, _claims(contracts, meta.version))
    return [*c.types(), *c.operations()]


def cloud_gaps(contracts: ContractSet, meta: Metadata) -> tuple[str, ...]:
    """The contract types of the metadata's version that this cloud's metadata lacks."""
    return tuple(t.name for t in contracts.types_in(meta.version) if t.name not in meta.types)


def gap_findings(contracts: ContractSet, meta: Metadata, recorded: tuple[str, ...] | None) -> list[Finding]:
    """A finding when ``contracts/clouds.yaml`` says otherwise than the cloud's metadata about what it lacks."""
    found = cloud_gaps(contracts, meta)
    if meta.cloud == "Prod" or recorded is None or tuple(sorted(recorded)) == tuple(sorted(found)):
        return []
    return [
        Finding(
            f"metadata:{meta.cloud}:{meta.version}:cloud-gaps",
            f"the {meta.cloud} cloud lacks [{', '.join(found)}]; contracts/clouds.yaml says [{', '.join(recorded)}]",
            "contracts/clouds.yaml",
            meta.source,
        )
    ]


def acknowledge(findings: list[Finding], acknowledged: set[str]) -> list[Finding]:
    return [replace(f, acknowledged=f.id in acknowledged) for f in findings]

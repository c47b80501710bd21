"""The contract data model: Graph types and operations as frozen, hashable facts."""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from ..patterns import GUID_PATTERN as GUID_PATTERN  # defined there (the validator reads it without this model)
from ..resources import VERSIONS as VERSIONS  # defined there (the CLI reads it without this model)

TypeCategory = Literal["entity", "complex", "enum"]
ResponseKind = Literal["entity", "collection", "none"]

#: ``GUID_PATTERN`` compiled; use ``GUID.fullmatch`` so that a trailing newline is no GUID.
GUID = re.compile(GUID_PATTERN)

#: Graph primitive types the contracts may use; the value is what JSON carries.
PRIMITIVES: Mapping[str, str] = {
    "String": "string",
    "Binary": "base64 string",
    "DateTimeOffset": "RFC 3339 date-time string",
    "Date": "RFC 3339 date string",
    "TimeOfDay": "time string",
    "Duration": "ISO 8601 duration string",
    "Guid": "GUID string",
    "Int16": "integer",
    "Int32": "integer",
    "Int64": "integer",
    "Byte": "integer",
    "Double": "number",
    "Single": "number",
    "Decimal": "number",
    "Boolean": "boolean",
}


@dataclass(frozen=True)
class Source:
    """Where a fact came from: a doc page (and table, line) or an overlay entry's cited source."""

    page: str
    table: str | None = None
    line: int | None = None

    def __str__(self) -> str:
        out = self.page
        if self.table:
            out += f" ({self.table}"
            out += f", line {self.line})" if self.line else ")"
        elif self.line:
            out += f":{self.line}"
        return out


@dataclass(frozen=True)
class Property:
    """A structural property of a type.

    ``nullable`` defaults to True, the CSDL default; ``read_only`` marks
    server-assigned values (``id``, timestamps); ``required`` means required
    on create, which the metadata marks for none of these types.
    """

    name: str
    type: str
    source: Source
    collection: bool = False
    nullable: bool = True
    read_only: bool = False
    required: bool = False
    description: str = ""
    inherited_from: str | None = None
    possible_values: tuple[str, ...] = ()


@dataclass(frozen=True)
class EnumMember:
    name: str
    value: int | None
    source: Source
    description: str = ""


@dataclass(frozen=True)
class Conflict:
    """Two doc pages disagree about one fact; the first page's value was kept."""

    fact: str
    kept: str
    kept_source: str
    other: str
    other_source: str


@dataclass(frozen=True)
class TypeContract:
    name: str
    version: str
    category: TypeCategory
    source: Source
    namespace: str = "microsoft.graph"
    base_type: str | None = None
    description: str = ""
    properties: tuple[Property, ...] = ()
    members: tuple[EnumMember, ...] = ()
    conflicts: tuple[Conflict, ...] = ()
    file: str = field(default="", compare=False)

    @property
    def qualified_name(self) -> str:
        return f"{self.namespace}.{self.name}"

    def property(self, name: str) -> Property | None:
        return next((p for p in self.properties if p.name == name), None)


@dataclass(frozen=True)
class Parameter:
    """A body parameter of an action (the import action takes one collection)."""

    name: str
    type: str
    source: Source
    collection: bool = False
    nullable: bool = True
    description: str = ""


@dataclass(frozen=True)
class Example:
    """A documented example exchange, kept verbatim so lint can check it against the schemas."""

    source: Source
    request_body: Any = None
    response_status: int | None = None
    response_body: Any = None
    body_error: str | None = None


@dataclass(frozen=True)
class ServiceRefusal:
    """The service refuses an operation its pages document, and how it answers.

    Comes from an overlay ``service`` entry, never from a page: ``source`` cites
    where the behaviour was observed (graph-facts 6.1 and the issues it names).
    The emulator answers with it by default; with ``--as-documented`` it
    answers as the page says.
    """

    status: int
    code: str
    message: str
    source: str
    reason: str = ""


#: The query conditions a service fact may depend on (an overlay entry's ``when``), and what each means.
QUERY_CONDITIONS: dict[str, str] = {
    "query_option": "the request carries this system query option (e.g. $select)",
    "contains_with_hyphen": "$filter calls contains(<this property>, '...') with a value holding a hyphen",
}


@dataclass(frozen=True)
class QueryCondition:
    """When a service fact applies: only to requests whose query meets ``kind`` with ``argument``.

    ``kind`` is one of ``QUERY_CONDITIONS`` (``query_option: $select``,
    ``contains_with_hyphen: serialNumber``). The emulator evaluates it on the
    raw query; a fact with a condition never marks its operation refused as a
    whole (the same list without ``$select`` works).
    """

    kind: str
    argument: str

    def __str__(self) -> str:
        return f"{self.kind}={self.argument}"


@dataclass(frozen=True)
class ServiceFact:
    """What the service answers on one route, beside what the pages say.

    ``operation`` names the documented operation on that route, or is None
    when no page in the contracts documents it (PATCH on the registered
    Autopilot devices is documented only on pages we do not import).
    ``when`` limits the fact to some queries (see ``QueryCondition``).
    """

    version: str
    method: str
    path: str
    refusal: ServiceRefusal
    operation: str | None = None
    page: str | None = None
    when: QueryCondition | None = None


@dataclass(frozen=True)
class Operation:
    """One documented HTTP operation.

    ``id`` is ``<type>.<verb>`` (``importedWindowsAutopilotDeviceIdentity.import``).
    ``body_type`` names the entity the body represents (create) and
    ``parameters`` the action's body parameters; at most one is set.
    ``body_table`` keeps the names the page's request-body table listed, and
    ``body_table_says_required`` whether its sentence called them required, so
    lint can compare them with the type. ``binding`` says whether an action
    acts on one entity (``.../{id}/action``) or on the collection.
    ``refused`` is set by the overlay when the service does not serve the
    operation as documented.
    """

    id: str
    version: str
    verb: str
    type: str
    method: str
    paths: tuple[str, ...]
    success_status: int
    response_kind: ResponseKind
    source: Source
    response_type: str | None = None
    body_type: str | None = None
    parameters: tuple[Parameter, ...] = ()
    body_table: tuple[str, ...] = ()
    body_table_says_required: bool = False
    permissions: tuple[tuple[str, tuple[str, ...]], ...] = ()
    request_headers: tuple[tuple[str, str], ...] = ()
    examples: tuple[Example, ...] = ()
    conflicts: tuple[Conflict, ...] = ()
    binding: Literal["entity", "collection"] | None = None
    refused: ServiceRefusal | None = None
    file: str = field(default="", compare=False)

    @property
    def path(self) -> str:
        """The canonical (first) path."""
        return self.paths[0]

    def item_path(self, entity_id: str) -> str:
        """The canonical path with its key placeholder filled (``.../{id}`` -> ``.../<entity_id>``).

        Ids come from the server, so the id is percent-encoded as one path
        segment (a ``/`` or ``?`` in it cannot reach another resource) and
        inserted literally, never read as a regular-expression replacement.
        """
        segment = urllib.parse.quote(entity_id, safe="")
        if segment in (".", ".."):  # a dot segment would be resolved away by URL normalisation
            segment = segment.replace(".", "%2E")
        return re.sub(r"\{[^}]+\}", lambda _: segment, self.path, count=1)

    @property
    def has_request_body(self) -> bool:
        return self.body_type is not None or bool(self.parameters)

    @property
    def writes(self) -> bool:
        return self.method in ("POST", "PATCH", "PUT", "DELETE")

    def permissions_for(self, permission_type: str) -> tuple[str, ...]:
        return dict(self.permissions).get(permission_type, ())


@dataclass(frozen=True)
class Finding:
    """Two sources disagree, or a documented fact is suspect.

    ``acknowledged`` is set when the version's overlay names this finding
    (by carrying the entry that resolves it, or an ``acknowledge`` entry);
    unacknowledged findings make ``contracts lint`` exit 1.
    """

    id: str
    message: str
    first_source: str
    second_source: str
    acknowledged: bool = False

    def __str__(self) -> str:
        sources = f"\n    source 1: {self.first_source}\n    source 2: {self.second_source}"
        return marked(self.id, self.acknowledged, self.message + sources)


def marked(finding_id: str, acknowledged: bool, text: str) -> str:
    """A finding as lint and the importer list it: ``[acknowledged]`` or ``[NEW]``, its id, then what it says."""
    return f"[{'acknowledged' if acknowledged else 'NEW'}] {finding_id}: {text}"


@dataclass(frozen=True, repr=False)
class ContractSet:
    """Every type and operation of the contracts, per version, checked and with the overlay applied."""

    types: Mapping[tuple[str, str], TypeContract]
    operations: Mapping[tuple[str, str], Operation]
    findings: tuple[Finding, ...] = ()
    service_facts: tuple[ServiceFact, ...] = ()

    def __repr__(self) -> str:
        return f"ContractSet({len(self.types)} types, {len(self.operations)} operations)"

    def type(self, version: str, name: str) -> TypeContract:
        return self.types[(version, name)]

    def operation(self, version: str, op_id: str) -> Operation:
        return self.operations[(version, op_id)]

    def versions(self) -> tuple[str, ...]:
        present = {v for v, _ in self.types}
        return tuple(v for v in VERSIONS if v in present)

    def types_in(self, version: str) -> Iterator[TypeContract]:
        return (t for (v, _), t in sorted(self.types.items()) if v == version)

    def refused(self, version: str, method: str, path: str) -> ServiceFact | None:
        """The service fact for a route template (``/x/things/{thingId}``), if the service refuses it whatever
        the query (facts that depend on the query, ``when``, are left out)."""
        return next(
            (
                f
                for f in self.service_facts
                if (f.version, f.method, f.path) == (version, method.upper(), path) and f.when is None
            ),
            None,
        )

    def operations_in(self, version: str) -> Iterator[Operation]:
        return (o for (v, _), o in sorted(self.operations.items()) if v == version)

    def undone_by(self, op: Operation) -> Operation | None:
        """For an unassign action (``unassignUserFromDevice``), the assign action whose effect it clears."""
        if not op.verb.startswith("unassign"):
            return None
        name = op.verb.replace("unassign", "assign", 1).replace("From", "To", 1)
        return self.operations.get((op.version, f"{op.type}.{name}"))

    def derived_types(self, version: str, name: str) -> tuple[str, ...]:
        """Names of the types that derive from ``name``, directly or not, sorted."""
        found: set[str] = set()
        frontier = {name}
        while frontier:
            nxt = {t.name for t in self.types_in(version) if t.base_type in frontier and t.name not in found}
            found |= nxt
            frontier = nxt
        return tuple(sorted(found))

    def all_properties(self, version: str, name: str) -> tuple[Property, ...]:
        """The type's properties with those of its base types, base first, without duplicates."""
        chain: list[TypeContract] = []
        current: str | None = name
        while current is not None and (version, current) in self.types:
            t = self.types[(version, current)]
            chain.append(t)
            current = t.base_type
        seen: dict[str, Property] = {}
        for t in reversed(chain):
            for p in t.properties:
                seen[p.name] = p
        return tuple(seen.values())

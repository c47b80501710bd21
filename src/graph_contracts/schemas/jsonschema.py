"""Contracts to JSON Schema 2020-12: one schema per type and per operation body.

Request and response schemas differ on purpose. A request schema rejects
unknown properties (a typo such as ``serialnumber`` is the commonest upload
bug) and requires only what the contract requires; a response schema
tolerates unknown properties, because Graph adds properties over time.
Each schema is self-contained: referenced types live in its ``$defs``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ..contracts import ContractSet, Operation, Property, TypeContract
from ..patterns import BASE64_PATTERN as BASE64_PATTERN  # the patterns and names are shared with the validator
from ..patterns import DATETIME_PATTERN as DATETIME_PATTERN
from ..patterns import GUID_PATTERN as GUID_PATTERN
from ..patterns import Direction as Direction
from ..patterns import def_name as def_name

DIALECT = "https://json-schema.org/draft/2020-12/schema"
ID_BASE = "https://graph-contracts.invalid/schemas"


def _int(bits: int) -> dict[str, Any]:
    return {"type": "integer", "minimum": -(2 ** (bits - 1)), "maximum": 2 ** (bits - 1) - 1}


#: Graph primitive type -> JSON Schema.
PRIMITIVE_SCHEMAS: Mapping[str, dict[str, Any]] = {
    "String": {"type": "string"},
    "Binary": {"type": "string", "contentEncoding": "base64", "pattern": BASE64_PATTERN},
    "DateTimeOffset": {"type": "string", "format": "date-time", "pattern": DATETIME_PATTERN},
    "Date": {"type": "string", "format": "date", "pattern": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"},
    "TimeOfDay": {"type": "string", "pattern": r"^[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?$"},
    "Duration": {"type": "string", "format": "duration"},
    "Guid": {"type": "string", "format": "uuid", "pattern": GUID_PATTERN},
    "Byte": {"type": "integer", "minimum": 0, "maximum": 255},
    "Int16": _int(16),
    "Int32": _int(32),
    "Int64": _int(64),
    "Double": {"type": "number"},
    "Single": {"type": "number"},
    "Decimal": {"type": "number"},
    "Boolean": {"type": "boolean"},
}

ODATA_ANNOTATIONS: Mapping[str, dict[str, Any]] = {
    "@odata.context": {"type": "string"},
    "@odata.etag": {"type": "string"},
    "@odata.id": {"type": "string"},
}


def tag_required(contracts: ContractSet, version: str, op: Operation) -> bool:
    """Whether ``op`` posts a derived type to a collection documented for one of its base types.

    OData's JSON format requires the ``@odata.type`` annotation on such a body:
    without it the service reads the base type, and the derived type's own
    properties are unknown there (graph-facts 6.4). Beta's
    ``importedDeviceIdentityResult.create`` posts to ``importedDeviceIdentities``,
    the collection of ``importedDeviceIdentity``. The collection's type is taken
    from the other operations documented at the same method and path.
    """
    if op.body_type is None:
        return False
    ancestors = set(base_types(contracts, version, op.body_type))
    if not ancestors:
        return False
    return any(
        other is not op
        and other.method == op.method
        and set(other.paths) & set(op.paths)
        and (other.body_type or other.type) in ancestors
        for other in contracts.operations_in(version)
    )


def base_types(contracts: ContractSet, version: str, name: str) -> tuple[str, ...]:
    """The base types of ``name``, nearest first (empty for a type with no base type in the contracts)."""
    out: list[str] = []
    current = contracts.types[(version, name)].base_type if (version, name) in contracts.types else None
    while current is not None and (version, current) in contracts.types and current not in out:
        out.append(current)
        current = contracts.types[(version, current)].base_type
    return tuple(out)


def odata_type_names(contracts: ContractSet, version: str, t: TypeContract) -> list[str]:
    """The ``@odata.type`` values that may stand on an object of type ``t``.

    Graph writes ``#microsoft.graph.x`` at the top level and the docs write
    nested complex values without ``#``; both are accepted.
    """
    names = [t.name, *contracts.derived_types(version, t.name)]
    return [f"{prefix}{t.namespace}.{n}" for n in names for prefix in ("#", "")]


class SchemaBuilder:
    """Builds schemas for one version; collects ``$defs`` as types are referenced."""

    def __init__(self, contracts: ContractSet, version: str, direction: Direction) -> None:
        self.contracts = contracts
        self.version = version
        self.direction = direction
        self.defs: dict[str, dict[str, Any]] = {}
        self._ref_prefix = "#/$defs/"

    def with_ref_prefix(self, prefix: str) -> SchemaBuilder:
        self._ref_prefix = prefix
        return self

    # -- references

    def ref(self, type_name: str) -> dict[str, Any]:
        name = def_name(type_name, self.direction)
        if name not in self.defs:
            self.defs[name] = {}  # placeholder against recursion
            self.defs[name] = self._type_schema(self.contracts.type(self.version, type_name))
        return {"$ref": self._ref_prefix + name}

    def value_schema(self, type_name: str, collection: bool, nullable: bool) -> dict[str, Any]:
        item = dict(PRIMITIVE_SCHEMAS[type_name]) if type_name in PRIMITIVE_SCHEMAS else self.ref(type_name)
        if collection:
            schema: dict[str, Any] = {"type": "array", "items": item}
            return {"anyOf": [schema, {"type": "null"}]} if nullable else schema
        if not nullable:
            return item
        if "$ref" in item:
            return {"anyOf": [item, {"type": "null"}]}
        return {**item, "type": [item["type"], "null"]}

    # -- types

    def _type_schema(self, t: TypeContract) -> dict[str, Any]:
        if t.category == "enum":
            names = [m.name for m in t.members]
            schema: dict[str, Any] = {"type": "string", "enum": names}
            if t.description:
                schema["description"] = t.description
            return schema
        derived = self.contracts.derived_types(self.version, t.name)
        base = self._object_schema(t)
        if not derived:
            return base
        # A base-typed slot may hold a derived value, recognised by its @odata.type.
        own_name = def_name(t.name, self.direction) + ".own"
        self.defs[own_name] = base
        chain: dict[str, Any] = {"$ref": self._ref_prefix + own_name}
        for d in reversed(derived):
            dt = self.contracts.type(self.version, d)
            marks = [f"{p}{dt.namespace}.{d}" for p in ("#", "")]
            chain = {
                "if": {"type": "object", "required": ["@odata.type"], "properties": {"@odata.type": {"enum": marks}}},
                "then": self.ref(d),
                "else": chain,
            }
        return chain

    def _object_schema(self, t: TypeContract) -> dict[str, Any]:
        props: dict[str, Any] = {
            "@odata.type": {"type": "string", "enum": odata_type_names(self.contracts, self.version, t)}
        }
        required: list[str] = []
        for p in self.contracts.all_properties(self.version, t.name):
            props[p.name] = self._property_schema(p)
            if self.direction == "request" and p.required:
                required.append(p.name)
        schema: dict[str, Any] = {"type": "object", "title": t.qualified_name}
        if t.description:
            schema["description"] = t.description
        schema["properties"] = props
        if required:
            schema["required"] = required
        if self.direction == "request":
            schema["additionalProperties"] = False
        else:
            for k, v in ODATA_ANNOTATIONS.items():
                props.setdefault(k, v)
        return schema

    def _property_schema(self, p: Property) -> dict[str, Any]:
        schema = self.value_schema(p.type, p.collection, p.nullable)
        if p.description:
            schema = {**schema, "description": p.description}
        if p.read_only:
            # Graph ignores server-set values in a request; the upload profile warns about them.
            schema = {**schema, "readOnly": True}
        return schema

    # -- operation bodies

    def request_body(self, op: Operation) -> dict[str, Any] | None:
        if op.body_type is not None:
            body = self.ref(op.body_type)
            if tag_required(self.contracts, self.version, op):
                # The type's own schema keeps @odata.type optional (a slot typed as the derived type needs no
                # tag); posted to the base type's collection, the body must say what it is.
                body["required"] = ["@odata.type"]
            return body
        if not op.parameters:
            return None
        props = {p.name: self.value_schema(p.type, p.collection, p.nullable) for p in op.parameters}
        return {"type": "object", "properties": props, "additionalProperties": False}

    def response_body(self, op: Operation) -> dict[str, Any] | None:
        if op.response_kind == "none" or op.response_type is None:
            return None
        item = self.ref(op.response_type)
        if op.response_kind == "entity":
            return item
        return {
            "type": "object",
            "required": ["value"],
            "properties": {
                "value": {"type": "array", "items": item},
                "@odata.context": {"type": "string"},
                "@odata.nextLink": {"type": "string", "format": "uri"},
                "@odata.count": {"type": "integer", "minimum": 0},
            },
        }


def _document(body: dict[str, Any], builder: SchemaBuilder, schema_id: str) -> dict[str, Any]:
    doc: dict[str, Any] = {"$schema": DIALECT, "$id": f"{ID_BASE}/{schema_id}"}
    doc.update(body)
    if builder.defs:
        doc["$defs"] = dict(sorted(builder.defs.items()))
    return doc


def type_schema(contracts: ContractSet, version: str, name: str, direction: Direction = "response") -> dict[str, Any]:
    b = SchemaBuilder(contracts, version, direction)
    body = b.ref(name)
    return _document(body, b, f"{version}/types/{def_name(name, direction)}.json")


def operation_schema(
    contracts: ContractSet, version: str, op: Operation, direction: Direction
) -> dict[str, Any] | None:
    b = SchemaBuilder(contracts, version, direction)
    make: Callable[[Operation], dict[str, Any] | None] = b.request_body if direction == "request" else b.response_body
    body = make(op)
    if body is None:
        return None
    return _document(body, b, f"{version}/operations/{op.id}.{direction}.json")

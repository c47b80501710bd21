"""Answers as Graph writes them: stored entities in a version's shape, JSON bodies, the error envelope.

``Renderer`` fills every property of a type (defaults where non-nullable) and
resolves property paths for ``$select``/``$filter``; ``json_response`` is every
JSON answer; ``envelope`` renders a ``GraphFailure``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

from starlette.responses import Response

from ...contracts import ContractSet, Property, TypeContract
from .failures import GraphFailure, bad_request

NEVER = "0001-01-01T00:00:00Z"


#: A default for each primitive Graph type, used for non-nullable properties nobody set.
PRIMITIVE_DEFAULTS: Mapping[str, Any] = {
    "String": "",
    "Binary": "",
    "DateTimeOffset": NEVER,
    "Date": "0001-01-01",
    "TimeOfDay": "00:00:00",
    "Duration": "PT0S",
    "Guid": "00000000-0000-0000-0000-000000000000",
    "Int16": 0,
    "Int32": 0,
    "Int64": 0,
    "Byte": 0,
    "Double": 0.0,
    "Single": 0.0,
    "Decimal": 0.0,
    "Boolean": False,
}


#: Enum defaults that say more than the first member: a device imported but never seen is notContacted.
ENUM_DEFAULTS: Mapping[str, str] = {
    "enrollmentState": "notContacted",
    "deploymentProfileAssignmentStatus": "notAssigned",
    "deploymentProfileAssignmentDetailedStatus": "none",
    "remediationState": "unknown",
}


#: Timestamps the service sets on create (and, for lastModifiedDateTime, on update).
CREATED_STAMPS = frozenset({"createdDateTime", "createdDateTimeUtc", "lastModifiedDateTime"})


MODIFIED_STAMPS = frozenset({"lastModifiedDateTime"})


#: Properties the service owns on each type beyond read-only ones: a request's value is ignored.
SERVER_OWNED: Mapping[str, frozenset[str]] = {
    "importedWindowsAutopilotDeviceIdentity": frozenset({"state"}),
}


_MISSING = object()


def utc_now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


class Renderer:
    """Stored entities as a version's response shape: every property, defaults where non-nullable."""

    def __init__(self, contracts: ContractSet) -> None:
        self.contracts = contracts

    def actual_type(self, version: str, declared: str, odata_type: Any) -> str:
        """The type an ``@odata.type`` names, when it is the declared type or derived from it."""
        if isinstance(odata_type, str):
            name = odata_type.lstrip("#").rsplit(".", 1)[-1]
            if name in self.contracts.derived_types(version, declared):
                return name
        return declared

    def entity(self, version: str, declared: str, data: Mapping[str, Any]) -> dict[str, Any]:
        actual = self.actual_type(version, declared, data.get("@odata.type"))
        out: dict[str, Any] = {"@odata.type": f"#microsoft.graph.{actual}"}
        out.update(self._object(version, actual, data))
        return out

    def _object(self, version: str, type_name: str, data: Mapping[str, Any]) -> dict[str, Any]:
        return {
            p.name: self._value(version, p, data.get(p.name, _MISSING))
            for p in self.contracts.all_properties(version, type_name)
        }

    def _value(self, version: str, p: Property, value: Any) -> Any:
        if value is _MISSING or value is None:
            return None if p.nullable else self.default(version, p)
        t = self._type(version, p.type)
        if t is not None and t.category == "complex" and isinstance(value, dict) and not p.collection:
            return self._object(version, t.name, value)
        if t is not None and t.category == "enum" and not p.collection and isinstance(value, str):
            return self._member(version, p, t, value)
        return value

    def _member(self, version: str, p: Property, t: TypeContract, value: str) -> str:
        """A member this version's enum lacks (one set through the other version) is not sent as is.

        Graph never writes a member outside a version's enum: evolvable enums
        answer ``unknownFutureValue`` for a newer member; an enum without that
        sentinel gets the property's default here, so one shared store answers
        v1.0 and beta each in its own shape.
        """
        members = {m.name for m in t.members}
        if value in members:
            return value
        return "unknownFutureValue" if "unknownFutureValue" in members else self.default(version, p)

    def default(self, version: str, p: Property) -> Any:
        if p.collection:
            return []
        if p.type in PRIMITIVE_DEFAULTS:
            return PRIMITIVE_DEFAULTS[p.type]
        t = self._type(version, p.type)
        if t is None:
            return None
        if t.category == "enum":
            members = [m.name for m in t.members]
            preferred = ENUM_DEFAULTS.get(p.name)
            return preferred if preferred in members else members[0]
        return self._object(version, t.name, {})

    def _type(self, version: str, name: str) -> TypeContract | None:
        return self.contracts.types.get((version, name))

    def properties(self, version: str, type_name: str) -> dict[str, Property]:
        """Properties of a type and of the types derived from it ($select and $filter may name either)."""
        out = {p.name: p for p in self.contracts.all_properties(version, type_name)}
        for derived in self.contracts.derived_types(version, type_name):
            for p in self.contracts.all_properties(version, derived):
                out.setdefault(p.name, p)
        return out

    def property_path(self, version: str, type_name: str, path: str) -> Property:
        """Resolve ``state/deviceImportStatus``; raises Graph's 400 for a name the type lacks."""
        current = type_name
        prop: Property | None = None
        for name in path.split("/"):
            if prop is not None:
                t = self._type(version, prop.type)
                if t is None or t.category != "complex":
                    raise bad_request(f"Property '{prop.name}' is not a complex type; cannot navigate to '{name}'.")
                current = t.name
            prop = self.properties(version, current).get(name)
            if prop is None:
                raise bad_request(f"Could not find a property named '{name}' on type 'microsoft.graph.{current}'.")
        assert prop is not None
        return prop


GRAPH_JSON = "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8"


#: Headers on every Graph JSON answer, as the service sends them.
ODATA_HEADERS: Mapping[str, str] = {"OData-Version": "4.0"}


def json_response(status: int, body: Any, headers: Mapping[str, str] | None = None) -> Response:
    """A Graph JSON answer: UTF-8 without escapes, Graph's content type and ``OData-Version``."""
    return Response(
        json.dumps(body, ensure_ascii=False).encode("utf-8"),
        status_code=status,
        headers={**ODATA_HEADERS, **(headers or {})},
        media_type=GRAPH_JSON,
    )


def envelope(failure: GraphFailure, request_id: str, client_request_id: str) -> Response:
    """Graph's error body for a failure, with its status and headers."""
    inner: dict[str, Any] = {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S"),
        "request-id": request_id,
        "client-request-id": client_request_id,
    }
    inner.update(dict(failure.inner))
    error: dict[str, Any] = {"code": failure.code, "message": failure.message, "innerError": inner}
    if failure.details:
        error["details"] = [{"code": i.code, "message": i.message, "target": i.pointer or "/"} for i in failure.details]
    return json_response(failure.status, {"error": error}, dict(failure.headers))

"""One OpenAPI 3.1 document per API version, covering every contract operation."""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from ..contracts import ContractSet, Operation
from .jsonschema import DIALECT, SchemaBuilder

PATH_PARAM = re.compile(r"\{([^}]+)\}")

#: Graph's error envelope; every 4xx and 5xx body has this shape.
GRAPH_ERROR: dict[str, Any] = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "innerError": {
                    "type": "object",
                    "properties": {
                        "date": {"type": "string"},
                        "request-id": {"type": "string"},
                        "client-request-id": {"type": "string"},
                    },
                },
            },
        }
    },
}

LIST_QUERY: list[dict[str, Any]] = [
    {"name": "$top", "in": "query", "required": False, "schema": {"type": "integer", "minimum": 1, "maximum": 999}},
    {
        "name": "$select",
        "in": "query",
        "required": False,
        "schema": {"type": "string", "pattern": r"^[A-Za-z@.]+(,[A-Za-z@.]+)*$"},
    },
    {"name": "$filter", "in": "query", "required": False, "schema": {"type": "string", "minLength": 1}},
    {"name": "$skiptoken", "in": "query", "required": False, "schema": {"type": "string", "minLength": 1}},
]


def _pick(contracts: ContractSet, version: str, ops: list[Operation]) -> Operation:
    """Of operations sharing a path and method, the one about the base type serves all.

    Beta documents create/get/list/delete twice on /importedDeviceIdentities, for
    importedDeviceIdentity and for its derived importedDeviceIdentityResult; the
    base type's schema already admits the derived one by ``@odata.type``.
    """
    for op in ops:
        derived = set(contracts.derived_types(version, op.type))
        if all(o is op or o.type in derived for o in ops):
            return op
    raise ValueError(f"operations {[o.id for o in ops]} share a path and method with unrelated types")


def openapi_document(contracts: ContractSet, version: str) -> dict[str, Any]:
    req = SchemaBuilder(contracts, version, "request").with_ref_prefix("#/components/schemas/")
    resp = SchemaBuilder(contracts, version, "response").with_ref_prefix("#/components/schemas/")
    grouped: dict[tuple[str, str], list[Operation]] = defaultdict(list)
    for op in contracts.operations_in(version):
        for path in op.paths:
            grouped[(path, op.method.lower())].append(op)
    paths: dict[str, dict[str, Any]] = {}
    for (path, method), ops in sorted(grouped.items()):
        op = _pick(contracts, version, ops)
        paths.setdefault(path, {})[method] = _operation(op, path, req, resp)
    schemas = {**req.defs, **resp.defs, "GraphError": GRAPH_ERROR}
    return {
        "openapi": "3.1.0",
        "jsonSchemaDialect": DIALECT,
        "info": {
            "title": f"Microsoft Graph {version}: Windows Autopilot device identities (graph-contracts)",
            "version": version,
            "description": "Generated from the graph-contracts contracts. Do not edit.",
        },
        "servers": [{"url": f"https://graph.microsoft.com/{version}"}],
        "security": [{"bearer": []}],
        "paths": paths,
        "components": {
            "schemas": dict(sorted(schemas.items())),
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
            "responses": {
                "GraphError": {
                    "description": "Graph error envelope",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/GraphError"}}},
                }
            },
        },
    }


def _operation(op: Operation, path: str, req: SchemaBuilder, resp: SchemaBuilder) -> dict[str, Any]:
    out: dict[str, Any] = {"operationId": op.id, "summary": f"{op.verb} {op.type}"}
    params: list[dict[str, Any]] = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string", "minLength": 1}}
        for name in PATH_PARAM.findall(path)
    ]
    if op.verb == "list":
        params += LIST_QUERY
    if params:
        out["parameters"] = params
    body = req.request_body(op)
    if body is not None:
        out["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
    responses: dict[str, Any] = {}
    rbody = resp.response_body(op)
    ok: dict[str, Any] = {"description": f"{op.success_status} success"}
    if rbody is not None:
        ok["content"] = {"application/json": {"schema": rbody}}
    responses[str(op.success_status)] = ok
    for code in ("4XX", "5XX"):
        responses[code] = {"$ref": "#/components/responses/GraphError"}
    out["responses"] = responses
    return out

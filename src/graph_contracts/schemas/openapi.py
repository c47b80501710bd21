"""One OpenAPI 3.1 document per API version, covering every contract operation.

The document carries OpenAPI links, so stateful tools (schemathesis's state
machine) chain calls as users do: create -> get, update, delete and the
entity's actions by the new ``id``; list, import and the collection actions
that answer with entities -> the same, by the ``id`` of the first entity in
``value`` (a link names one value; the first stands for each).
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from ..contracts import ContractSet, Operation
from ..errors import ContractError
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
    raise ContractError(
        f"contracts/{version}", f"operations {[o.id for o in ops]} share a path and method with unrelated types"
    )


def openapi_document(contracts: ContractSet, version: str) -> dict[str, Any]:
    req = SchemaBuilder(contracts, version, "request").with_ref_prefix("#/components/schemas/")
    resp = SchemaBuilder(contracts, version, "response").with_ref_prefix("#/components/schemas/")
    grouped: dict[tuple[str, str], list[Operation]] = defaultdict(list)
    for op in contracts.operations_in(version):
        for path in op.paths:
            grouped[(path, op.method.lower())].append(op)
    paths: dict[str, dict[str, Any]] = {}
    kinds: dict[tuple[str, str], str] = {}
    for (path, method), ops in sorted(grouped.items()):
        op = _pick(contracts, version, ops)
        paths.setdefault(path, {})[method] = _operation(op, path, req, resp)
        kinds[(path, method)] = op.response_kind
    _add_links(paths, kinds)
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


def _add_links(paths: dict[str, dict[str, Any]], kinds: dict[tuple[str, str], str]) -> None:
    """Links from every operation answering with entities to the operations addressed by their ``id``."""
    for path, methods in paths.items():
        for method, spec in methods.items():
            ok = next((r for code, r in spec["responses"].items() if code.startswith("2")), None)
            schema = (ok or {}).get("content", {}).get("application/json", {}).get("schema")
            if schema is None:
                continue
            kind = kinds[(path, method)]
            pointer = "$response.body#/value/0/id" if kind == "collection" else "$response.body#/id"
            collection = path if method != "post" or kind == "entity" else path.rsplit("/", 1)[0]
            links = {}
            for target, target_methods in sorted(paths.items()):
                rest = target[len(collection) :] if target.startswith(collection + "/") else None
                if rest is None:
                    continue
                key = rest.lstrip("/").split("/")[0]
                if not PATH_PARAM.fullmatch(key):
                    continue
                for target_method, target_spec in sorted(target_methods.items()):
                    links[target_spec["operationId"]] = {
                        "operationId": target_spec["operationId"],
                        "parameters": {key.strip("{}"): pointer},
                        "description": f"{target_method.upper()} {target} with the id {spec['operationId']} answered",
                    }
            if links and ok is not None:
                ok["links"] = links


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

"""JSON Schema 2020-12 and OpenAPI 3.1 documents generated from the contracts."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from ..contracts.model import GUID_PATTERN
from ..resources import schemas_dir
from .build import build, check, generate, render
from .jsonschema import (
    BASE64_PATTERN,
    DATETIME_PATTERN,
    PRIMITIVE_SCHEMAS,
    Direction,
    SchemaBuilder,
    base_types,
    def_name,
    operation_schema,
    tag_required,
    type_schema,
)
from .openapi import GRAPH_ERROR, openapi_document

__all__ = [
    "BASE64_PATTERN",
    "DATETIME_PATTERN",
    "GRAPH_ERROR",
    "GUID_PATTERN",
    "PRIMITIVE_SCHEMAS",
    "Direction",
    "SchemaBuilder",
    "base_types",
    "build",
    "check",
    "def_name",
    "generate",
    "load_openapi",
    "openapi_document",
    "operation_schema",
    "render",
    "tag_required",
    "type_schema",
]


@lru_cache(maxsize=4)
def load_openapi(version: str) -> dict[str, Any]:
    """The committed OpenAPI document of ``version``."""
    data: dict[str, Any] = json.loads((schemas_dir() / version / "openapi.json").read_text(encoding="utf-8"))
    return data

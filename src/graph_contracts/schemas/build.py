"""Writing schemas/ from the contracts, byte-identically, and checking it for drift."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..contracts import ContractSet
from ..errors import SchemaDriftError
from .jsonschema import Direction, def_name, operation_schema, type_schema
from .openapi import openapi_document

DIRECTIONS: tuple[Direction, ...] = ("request", "response")


def render(doc: Any) -> str:
    """The one serialisation of every schema file: insertion order, 2-space indent, final newline."""
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def generate(contracts: ContractSet) -> dict[str, str]:
    """Every schema file's relative path and content."""
    files: dict[str, str] = {}
    for version in contracts.versions():
        for t in contracts.types_in(version):
            for direction in DIRECTIONS:
                if t.category == "enum" and direction == "request":
                    continue
                rel = f"{version}/types/{def_name(t.name, direction)}.json"
                files[rel] = render(type_schema(contracts, version, t.name, direction))
        for op in contracts.operations_in(version):
            for direction in DIRECTIONS:
                doc = operation_schema(contracts, version, op, direction)
                if doc is not None:
                    files[f"{version}/operations/{op.id}.{direction}.json"] = render(doc)
        files[f"{version}/openapi.json"] = render(openapi_document(contracts, version))
    return dict(sorted(files.items()))


def build(contracts: ContractSet, out: Path) -> list[str]:
    """Write the schemas and remove generated files the contracts no longer produce."""
    files = generate(contracts)
    for rel, text in files.items():
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8", newline="\n")
    for path in sorted(out.rglob("*.json")):
        if path.relative_to(out).as_posix() not in files:
            path.unlink()
    return list(files)


def check(contracts: ContractSet, out: Path) -> None:
    """Raise ``SchemaDriftError`` listing each stale, missing or orphaned file."""
    files = generate(contracts)
    stale, missing = [], []
    for rel, text in files.items():
        path = out / rel
        if not path.is_file():
            missing.append(rel)
        elif path.read_text(encoding="utf-8") != text:
            stale.append(rel)
    extra = (
        sorted(p.relative_to(out).as_posix() for p in out.rglob("*.json") if p.relative_to(out).as_posix() not in files)
        if out.is_dir()
        else []
    )
    if stale or missing or extra:
        raise SchemaDriftError(stale, missing, extra)

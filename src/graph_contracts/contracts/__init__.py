"""Contracts: load the YAML facts, apply the version's overlay, and check the result.

A contract set is checked on load: an unknown Graph type, a reference to a
type no contract defines, and a property listed twice are ``ContractError``s
naming the file, so nothing downstream sees a half-valid contract.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from ..errors import ContractError
from ..resources import contracts_dir
from .io import load_yaml, operation_from_dict, type_from_dict
from .model import (
    PRIMITIVES,
    VERSIONS,
    Conflict,
    ContractSet,
    EnumMember,
    Example,
    Finding,
    Operation,
    Parameter,
    Property,
    QueryCondition,
    ServiceFact,
    ServiceRefusal,
    Source,
    TypeContract,
)
from .overlay import Overlay, apply_overlay, load_overlay

__all__ = [
    "PRIMITIVES",
    "VERSIONS",
    "Conflict",
    "ContractSet",
    "EnumMember",
    "Example",
    "Finding",
    "Operation",
    "Parameter",
    "Property",
    "QueryCondition",
    "ServiceFact",
    "ServiceRefusal",
    "Source",
    "TypeContract",
    "default_contracts",
    "load_contracts",
    "load_overlays",
]

#: Base types every entity may name without a contract of its own.
BUILTIN_BASES = frozenset({"entity"})


def load_overlays(root: Path) -> dict[str, Overlay]:
    out = {}
    for version in VERSIONS:
        path = root / "overlays" / f"{version}.yaml"
        if path.is_file():
            out[version] = load_overlay(path)
    return out


def load_contracts(root: str | Path, *, overlay: bool = True) -> ContractSet:
    """Load every contract under ``root`` (``<version>/types``, ``<version>/operations``).

    With ``overlay`` (the default) each version's overlay is applied and the
    findings it settles are attached to the set; ``overlay=False`` gives the
    page facts alone, as ``contracts import`` wrote them.
    """
    root = Path(root)
    if not root.is_dir():
        raise ContractError(str(root), "contracts folder not found")
    overlays = load_overlays(root) if overlay else {}
    types: dict[tuple[str, str], TypeContract] = {}
    ops: dict[tuple[str, str], Operation] = {}
    findings: list[Finding] = []
    facts: list[ServiceFact] = []
    for version in VERSIONS:
        vtypes: dict[str, TypeContract] = {}
        vops: dict[str, Operation] = {}
        for path in sorted((root / version / "types").glob("*.yaml")):
            t = type_from_dict(load_yaml(path), _rel(path, root))
            _check_same(t.version, version, t.file)
            if t.name in vtypes:
                raise ContractError(t.file, f"type {t.name} is defined twice (also in {vtypes[t.name].file})")
            vtypes[t.name] = t
        for path in sorted((root / version / "operations").glob("*.yaml")):
            o = operation_from_dict(load_yaml(path), _rel(path, root))
            _check_same(o.version, version, o.file)
            if o.id in vops:
                raise ContractError(o.file, f"operation {o.id} is defined twice")
            vops[o.id] = o
        if version in overlays:
            findings += apply_overlay(overlays[version], vtypes, vops, facts)
        _check(version, vtypes, vops)
        types.update({(version, k): v for k, v in vtypes.items()})
        ops.update({(version, k): v for k, v in vops.items()})
    return ContractSet(types=types, operations=ops, findings=tuple(findings), service_facts=tuple(facts))


@lru_cache(maxsize=1)
def default_contracts() -> ContractSet:
    """The contracts shipped with graph-contracts, loaded once per process."""
    return load_contracts(contracts_dir())


def _rel(path: Path, root: Path) -> str:
    return f"contracts/{path.relative_to(root).as_posix()}"


def _check_same(found: str, expected: str, file: str) -> None:
    if found != expected:
        raise ContractError(file, f"version {found!r} in a {expected} folder", "/version")


def _check(version: str, types: dict[str, TypeContract], ops: dict[str, Operation]) -> None:
    def known(name: str) -> bool:
        return name in PRIMITIVES or name in types

    for t in types.values():
        if t.base_type and t.base_type not in types and t.base_type not in BUILTIN_BASES:
            raise ContractError(t.file, f"base type {t.base_type!r} is not defined in {version}", "/base_type")
        seen: set[str] = set()
        for i, p in enumerate(t.properties):
            if p.name in seen:
                raise ContractError(t.file, f"property {p.name!r} is listed twice", f"/properties/{i}")
            seen.add(p.name)
            if not known(p.type):
                raise ContractError(
                    t.file, f"property {p.name!r} has unknown Graph type {p.type!r}", f"/properties/{i}/type"
                )
        names: set[str] = set()
        values: set[int] = set()
        for i, m in enumerate(t.members):
            if m.name in names or (m.value is not None and m.value in values):
                raise ContractError(t.file, f"enum member {m.name!r}={m.value} is listed twice", f"/members/{i}")
            names.add(m.name)
            if m.value is not None:
                values.add(m.value)
    for o in ops.values():
        refs = [("type", o.type), ("body_type", o.body_type), ("response/type", o.response_type)]
        refs += [(f"parameters/{i}/type", p.type) for i, p in enumerate(o.parameters)]
        for where, ref in refs:
            if ref is not None and not known(ref):
                raise ContractError(o.file, f"{ref!r} is not a type defined in {version}", "/" + where)
        if not o.paths:
            raise ContractError(o.file, "an operation needs at least one path", "/paths")

"""Where the doc pages' permission tables and Microsoft's permissions data disagree, as findings naming both.

Finding ids read ``<version>:<operation>:permissions:<what>`` (or
``<version>:<METHOD> <path>:permissions:...`` for a method only the data
lists), so an overlay ``acknowledge`` entry settles one as it does for lint.
The kinds of disagreement, one function each:

- ``page-only:<kind>:<permission>``: the page lists a permission the data does not allow there;
- ``data-only:<kind>:<permission>``: the data allows a permission the page does not list;
- ``least:<kind>``: the page's first (least privileged) permission is not the data's least;
- ``write-with-read:<permission>``: a write operation allowed with a read permission, by either source;
- ``unknown-path``: no path of the data fits the operation's path;
- ``method-not-in-data``: the data knows the path but lists no permission for the method;
- ``method-not-in-contracts``: the data lists a method on a contract path that no operation has.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from .data import KINDS, PAGE_KINDS, Kind, PermissionData, RouteRule, normalize_path

if TYPE_CHECKING:
    from ..contracts import ContractSet, Finding, Operation


def is_read_permission(name: str) -> bool:
    """``X.Read.All``, ``X.Read``: a permission whose access part reads, never writes."""
    parts = name.split(".")
    return "Read" in parts and not any("Write" in p for p in parts)


def page_permissions(op: Operation, kind: Kind) -> tuple[str, ...]:
    """The page's permissions of ``kind`` in table order (the pages list the least privileged first)."""
    return op.permissions_for(PAGE_KINDS[kind])


def permission_findings(contracts: ContractSet, data: PermissionData) -> list[Finding]:
    """Every disagreement between the contracts' permission tables and ``data``, unacknowledged."""
    found: list[Finding] = []
    for version in contracts.versions():
        ops = list(contracts.operations_in(version))
        for op in ops:
            found.extend(_operation(version, op, data))
        found.extend(_methods_only_in_data(version, ops, data))
    return found


def _where(data: PermissionData, method: str, path: str) -> str:
    return f"permissions data {data.source}: {method} {path}"


def _operation(version: str, op: Operation, data: PermissionData) -> Iterator[Finding]:
    from ..contracts import Finding

    key = f"{version}:{op.id}:permissions"
    page = str(op.source)
    for raw in op.paths:
        path = normalize_path(raw)
        match = data.match(path, op.method)
        where = _where(data, op.method, path)
        if match.status == "path":
            yield Finding(f"{key}:unknown-path", f"{op.id}: the permissions data knows no path {path}", page, where)
            continue
        if match.rule is None:
            listed = ", ".join(data.methods_on(match.template or path)) or "none"
            yield Finding(
                f"{key}:method-not-in-data",
                f"{op.id}: the permissions data lists no permission for {op.method} {path} (it lists {listed})",
                page,
                where,
            )
            continue
        rule = match.rule
        for kind in KINDS:
            on_page = page_permissions(op, kind)
            allowed = rule.allowed(kind)
            for name in on_page:
                if name not in allowed:
                    yield Finding(
                        f"{key}:page-only:{kind}:{name}",
                        f"{op.id} ({kind}): the page lists {name}; the data does not allow it there "
                        f"(it allows {', '.join(allowed) or 'none'})",
                        page,
                        where,
                    )
            for name in allowed:
                if name not in on_page:
                    yield Finding(
                        f"{key}:data-only:{kind}:{name}",
                        f"{op.id} ({kind}): the data allows {name}; the page does not list it "
                        f"(it lists {', '.join(on_page) or 'none'})",
                        page,
                        where,
                    )
            least = rule.least_one(kind)
            if on_page and least and on_page[0] != least:
                yield Finding(
                    f"{key}:least:{kind}",
                    f"{op.id} ({kind}): the page's least privileged permission is {on_page[0]}; the data's is {least}",
                    page,
                    where,
                )
        if op.writes:
            readers = sorted(
                {
                    n
                    for kind in KINDS
                    for n in (*page_permissions(op, kind), *rule.allowed(kind))
                    if is_read_permission(n)
                }
            )
            for name in readers:
                says = [s for s, names in (("the page", _page_all(op)), ("the data", _rule_all(rule))) if name in names]
                yield Finding(
                    f"{key}:write-with-read:{name}",
                    f"{op.id}: a write ({op.method}) allowed with the read permission {name} by {' and '.join(says)}",
                    page,
                    where,
                )


def _page_all(op: Operation) -> set[str]:
    return {n for kind in KINDS for n in page_permissions(op, kind)}


def _rule_all(rule: RouteRule) -> set[str]:
    return {n for kind in KINDS for n in rule.allowed(kind)}


def _methods_only_in_data(version: str, ops: list[Operation], data: PermissionData) -> Iterator[Finding]:
    from ..contracts import Finding

    documented: dict[str, set[str]] = {}
    sources: dict[str, str] = {}
    for op in ops:
        for raw in op.paths:
            path = normalize_path(raw)
            documented.setdefault(path, set()).add(op.method)
            sources.setdefault(path, str(op.source))
    for path, methods in sorted(documented.items()):
        for method in data.methods_on(path):
            if method not in methods:
                yield Finding(
                    f"{version}:{method} {path}:permissions:method-not-in-contracts",
                    f"{method} {path}: the permissions data lists permissions for it; no {version} operation has it",
                    f"contracts {version} (documented there: {', '.join(sorted(methods))}; e.g. {sources[path]})",
                    _where(data, method, path),
                )


@dataclass(frozen=True)
class PermissionCheck:
    """The findings of one check, acknowledged where the overlays name them, and the data's source."""

    findings: tuple[Finding, ...]
    source: str

    @property
    def ok(self) -> bool:
        return all(f.acknowledged for f in self.findings)


def check_permissions(root: Path, data: PermissionData) -> PermissionCheck:
    """Compare the contracts under ``root`` (overlays applied) with ``data``; overlays acknowledge findings."""
    from ..contracts import load_contracts, load_overlays

    contracts = load_contracts(root)
    acknowledged = {
        a if a.startswith(f"{v}:") else f"{v}:{a}" for v, o in load_overlays(root).items() for a in o.acknowledged
    }
    findings = tuple(replace(f, acknowledged=f.id in acknowledged) for f in permission_findings(contracts, data))
    return PermissionCheck(findings, str(data.source))

"""``contracts lint``: every place where two sources disagree, or a documented fact is suspect.

A finding names both sources. It is acknowledged when the version's overlay
settles it (an entry that corrects the fact) or lists its id under
``acknowledge``; lint exits 1 when any finding is not acknowledged, so CI
fails on new drift and passes on drift that has been reviewed.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from jsonschema import Draft202012Validator

from .contracts import ContractSet, Finding, Operation, load_contracts, load_overlays
from .schemas import Direction, operation_schema
from .validation import schema_issues


@dataclass(frozen=True)
class LintReport:
    findings: tuple[Finding, ...]
    stale_acknowledgements: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return all(f.acknowledged for f in self.findings)


def lint(root: Path) -> LintReport:
    contracts = load_contracts(root)
    overlays = load_overlays(root)
    acknowledged = {f"{v}:{a}" if not a.startswith(f"{v}:") else a for v, o in overlays.items() for a in o.acknowledged}
    raw = [*contracts.findings, *_findings(contracts), *_permission_findings(root, contracts)]
    findings = tuple(f if f.acknowledged or f.id not in acknowledged else replace(f, acknowledged=True) for f in raw)
    produced = {f.id for f in findings}
    return LintReport(findings, tuple(sorted(acknowledged - produced)))


def _permission_findings(root: Path, contracts: ContractSet) -> list[Finding]:
    """The contracts against the permissions index shipped beside them (none when a contracts folder has none)."""
    from .permissions.check import permission_findings
    from .permissions.data import shipped_index_file
    from .permissions.load import load_permission_data

    index = shipped_index_file(root)
    return permission_findings(contracts, load_permission_data(index)) if index.is_file() else []


def _findings(contracts: ContractSet) -> Iterator[Finding]:
    for version in contracts.versions():
        for t in contracts.types_in(version):
            for c in t.conflicts:
                yield Finding(
                    f"{version}:{t.name}:pages-disagree:{c.fact}",
                    f"{t.name} {c.fact}: [{c.kept}] vs [{c.other}] (the first was kept)",
                    c.kept_source,
                    c.other_source,
                )
            for p in t.properties:
                if not p.possible_values:
                    continue
                enum = contracts.types.get((version, p.type))
                if enum is None or enum.category != "enum":
                    continue
                members = [m.name for m in enum.members]
                if list(p.possible_values) != members:
                    yield Finding(
                        f"{version}:{t.name}.{p.name}:possible-values",
                        f"{t.name}.{p.name} lists possible values [{', '.join(p.possible_values)}] "
                        f"but {enum.name} has [{', '.join(members)}]",
                        str(p.source),
                        str(enum.members[-1].source if enum.members else enum.source),
                    )
        for op in contracts.operations_in(version):
            yield from _operation_findings(contracts, version, op)


def _operation_findings(contracts: ContractSet, version: str, op: Operation) -> Iterator[Finding]:
    for c in op.conflicts:
        yield Finding(
            f"{version}:{op.id}:pages-disagree:{c.fact}",
            f"{op.id} {c.fact}: [{c.kept}] vs [{c.other}]",
            c.kept_source,
            c.other_source,
        )
    if not any(perms for _, perms in op.permissions):
        yield Finding(
            f"{version}:{op.id}:no-permissions",
            f"{op.id}: the page documents no permission (TODO placeholders)",
            str(op.source),
            "graph-facts.md §2.2 (permissions per operation)",
        )
    if op.body_type:
        props = {p.name: p for p in contracts.all_properties(version, op.body_type)}
        body_type = contracts.type(version, op.body_type)
        for name in op.body_table:
            if name not in props:
                yield Finding(
                    f"{version}:{op.id}:body-table-extra:{name}",
                    f"{op.id}: the request-body table lists {name!r}, which {op.body_type} does not have",
                    str(op.source),
                    str(body_type.source),
                )
        server_set = [n for n in op.body_table if n in props and props[n].read_only]
        if op.body_table_says_required and server_set:
            yield Finding(
                f"{version}:{op.id}:required-table",
                f"{op.id}: the page calls every listed property required on create, including server-set "
                f"{', '.join(server_set)}; the contract requires none",
                str(op.source),
                str(body_type.source),
            )
    for index, example in enumerate(op.examples):
        where = f"{example.source.page}"
        if example.body_error:
            yield Finding(
                f"{version}:{op.id}:example-{index}:unparsable",
                f"{op.id}: the documented example body is not JSON ({example.body_error})",
                where,
                "RFC 8259",
            )
        bodies: tuple[tuple[Direction, object], ...] = (
            ("request", example.request_body),
            ("response", example.response_body),
        )
        for direction, body in bodies:
            if body is None:
                continue
            schema = operation_schema(contracts, version, op, direction)
            if schema is None:
                continue
            issues = schema_issues(Draft202012Validator(schema), body)
            if issues:
                detail = "; ".join(f"{i.pointer}: {i.message}" for i in issues[:4])
                more = f" (+{len(issues) - 4} more)" if len(issues) > 4 else ""
                yield Finding(
                    f"{version}:{op.id}:example-{index}:{direction}",
                    f"{op.id}: the documented {direction} example fails its own schema: {detail}{more}",
                    where,
                    f"schemas/{version}/operations/{op.id}.{direction}.json",
                )

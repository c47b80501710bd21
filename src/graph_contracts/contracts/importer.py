"""Turning parsed doc pages into contract files: page facts only, merged across pages.

When several pages describe the same type or operation, the page given first
wins (pass the seeds before the wider doc set), except that a documented fact
always replaces a missing or TODO one; every disagreement is kept in the
contract as a ``Conflict`` so ``contracts lint`` can report it with both pages.

A page the importer cannot use does not stop the import: it becomes an
``ImportFinding`` (page, line, why) and every other page is still imported,
so one generated stub in a folder of a hundred pages costs one page, not the
folder. Only input that cannot be read at all (a missing path) raises.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from ..docs import PAGE_SUFFIXES, DocPage, parse_page
from ..docs.model import Table, TableRow
from ..errors import ContractError, DocParseError, InputFileError
from .io import operation_file, operation_to_dict, type_file, type_to_dict, write_contract
from .model import (
    PRIMITIVES,
    VERSIONS,
    Conflict,
    EnumMember,
    Example,
    Operation,
    Parameter,
    Property,
    Source,
    TypeContract,
    marked,
)

#: Verbs whose request body is the entity itself; any other verb is an action with parameters.
ENTITY_BODY_VERBS = frozenset({"create", "update"})


@dataclass(frozen=True)
class ImportFinding:
    """A page, or part of one, the importer could not use, and why.

    ``id`` is stable (``import:<file name>:<what>``) so an overlay can
    acknowledge it; ``line`` is 0 when the problem is the whole page.
    """

    id: str
    page: str
    line: int
    why: str
    acknowledged: bool = False

    def __str__(self) -> str:
        where = f"{self.page}:{self.line}" if self.line else self.page
        return marked(self.id, self.acknowledged, f"{where}: {self.why}")


@dataclass(frozen=True)
class ImportResult:
    types: tuple[TypeContract, ...]
    operations: tuple[Operation, ...]
    findings: tuple[ImportFinding, ...]
    pages: int

    def acknowledge(self, ids: Iterable[str]) -> ImportResult:
        known = frozenset(ids)
        return replace(self, findings=tuple(replace(f, acknowledged=f.id in known) for f in self.findings))

    @property
    def ok(self) -> bool:
        return all(f.acknowledged for f in self.findings)


def _page_files(root: Path) -> Iterator[Path]:
    if not root.exists():
        raise InputFileError(str(root), "no such file or directory")
    if root.is_dir():
        yield from sorted(p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in PAGE_SUFFIXES)
    else:
        yield root


def _finding(name: str, line: int, what: str, why: str) -> ImportFinding:
    return ImportFinding(f"import:{Path(name).name}:{what}", name, line, why)


def import_pages(inputs: Sequence[str | Path]) -> ImportResult:
    """Parse every page under ``inputs`` and merge them into types and operations.

    Raises InputFileError only when an input path does not exist or cannot be
    read; every page-level problem becomes a finding in the result.
    """
    types: dict[tuple[str, str], TypeContract] = {}
    ops: dict[tuple[str, str], Operation] = {}
    implied_enums: dict[tuple[str, str], TypeContract] = {}
    findings: list[ImportFinding] = []
    pending: list[tuple[Operation, str, int]] = []  # stubs: merged only into an addressable operation
    count = 0
    for root in inputs:
        root_path = Path(root)
        base = root_path.parent
        for file in _page_files(root_path):
            count += 1
            name = file.resolve().relative_to(base.resolve()).as_posix()
            try:
                page = parse_page(file)
            except DocParseError as exc:
                if exc.line == 0 and "readable" in exc.expected:
                    raise InputFileError(str(file), exc.found or "cannot be read") from exc
                findings.append(
                    _finding(
                        name,
                        exc.line,
                        "unparsable",
                        f"expected {exc.expected}" + (f"; found {exc.found!r}" if exc.found else ""),
                    )
                )
                continue
            version = page.version or _version_from_folder(file)
            if version is None:
                findings.append(_finding(name, 0, "no-version", "the page does not say its API version (v1.0 or beta)"))
                continue
            if page.kind == "operation":
                try:
                    op = _operation(page, name, version)
                except ContractError as exc:
                    findings.append(_finding(name, page.paths_line, "not-an-operation", exc.detail))
                    continue
                if page.unaddressable:
                    pending.append((op, name, page.paths_line))
                else:
                    key = (version, op.id)
                    ops[key] = _merge_operation(ops[key], op) if key in ops else op
                tables = [page.body_table] if page.body_table else []
            else:
                try:
                    t = _type(page, name, version)
                except ContractError as exc:
                    findings.append(_finding(name, 0, "no-type-name", exc.detail))
                    continue
                key = (version, t.name)
                types[key] = _merge_type(types[key], t) if key in types else t
                tables = [page.properties] if page.properties else []
            for table in tables:
                for row in table.rows:
                    _note_implied_enum(implied_enums, row, table, name, version)
    for op, name, line in pending:
        key = (op.version, op.id)
        if key in ops:
            ops[key] = _merge_operation(ops[key], replace(op, paths=ops[key].paths))
            outcome = f"its facts were merged into {op.id}, whose path another page gives"
        else:
            outcome = f"no other page gives a path for {op.id}, so no operation was written"
        findings.append(_finding(name, line, "unaddressable", f"a stub whose request line names no path; {outcome}"))
    for key, enum in implied_enums.items():
        types.setdefault(key, enum)
    for key, t in types.items():
        types[key] = _without_inherited(t, types)
    return ImportResult(
        tuple(sorted(types.values(), key=_tkey)), tuple(sorted(ops.values(), key=_okey)), tuple(findings), count
    )


def _version_from_folder(path: Path) -> str | None:
    """Doc repositories keep pages under a folder named for the version; resource pages often say nothing else."""
    return next((part for part in reversed(path.parts) if part in VERSIONS), None)


def _without_inherited(t: TypeContract, types: dict[tuple[str, str], TypeContract]) -> TypeContract:
    """Rows "Inherited from X" belong to X's contract when X has one: keep each fact in one place."""
    ancestors: set[str] = set()
    current = t.base_type
    while current is not None and (t.version, current) in types and current not in ancestors:
        ancestors.add(current)
        current = types[(t.version, current)].base_type
    if not ancestors:
        return t
    return replace(t, properties=tuple(p for p in t.properties if p.inherited_from not in ancestors))


def write_contracts(types: Iterable[TypeContract], ops: Iterable[Operation], out: Path) -> list[Path]:
    written = []
    for t in types:
        path = type_file(out, t)
        write_contract(path, type_to_dict(t))
        written.append(path)
    for o in ops:
        path = operation_file(out, o)
        write_contract(path, operation_to_dict(o))
        written.append(path)
    return written


def _tkey(t: TypeContract) -> tuple[str, str]:
    return (t.version, t.name)


def _okey(o: Operation) -> tuple[str, str]:
    return (o.version, o.id)


def _row_property(row: TableRow, page: str, table: str) -> Property:
    return Property(
        name=row.name,
        type=row.type,
        source=Source(page, table, row.line),
        collection=row.collection,
        description=row.description,
        inherited_from=row.inherited_from,
        possible_values=row.possible_values,
    )


def _type(page: DocPage, name: str, version: str) -> TypeContract:
    type_name = _type_name(page)
    if page.kind == "enum":
        return TypeContract(
            name=type_name,
            version=version,
            category="enum",
            source=Source(name, "Members", page.members_line or None),
            namespace=page.namespace or "microsoft.graph",
            description=page.description,
            members=tuple(
                EnumMember(m.name, m.value, Source(name, "Members", m.line), m.description) for m in page.members
            ),
        )
    table = page.properties
    props = tuple(_row_property(r, name, "Properties") for r in table.rows) if table else ()
    is_entity = page.base_type is not None or any(p.name == "id" for p in props)
    return TypeContract(
        name=type_name,
        version=version,
        category="entity" if is_entity else "complex",
        source=Source(name, "Properties", table.line if table else None),
        namespace=page.namespace or "microsoft.graph",
        base_type=page.base_type,
        description=page.description,
        properties=props,
    )


def _type_name(page: DocPage) -> str:
    if page.odata_type:
        return page.odata_type.rsplit(".", 1)[-1]
    words = page.title.split()
    if not words:
        raise ContractError(page.path, "the page has no title to take the type name from")
    return words[0]


def _note_implied_enum(
    found: dict[tuple[str, str], TypeContract], row: TableRow, table: Table, page: str, version: str
) -> None:
    """An enum known only from a "Possible values are" sentence becomes a type without values."""
    if not row.possible_values or row.type in PRIMITIVES:
        return
    key = (version, row.type)
    if key in found:
        return
    src = Source(page, table.title, row.line)
    found[key] = TypeContract(
        name=row.type,
        version=version,
        category="enum",
        source=src,
        members=tuple(EnumMember(v, None, src) for v in row.possible_values),
    )


def _operation(page: DocPage, name: str, version: str) -> Operation:
    missing = [
        what
        for what, value in (
            ("a verb in the title", page.verb),
            ("the type the operation is about", page.subject_type),
            ("an HTTP request line", page.method),
            ("a success status", page.success_status),
        )
        if not value
    ]
    if missing:
        raise ContractError(name, "operation page lacks " + ", ".join(missing))
    assert page.verb and page.subject_type and page.method and page.success_status
    table = page.body_table
    body_type: str | None = None
    params: tuple[Parameter, ...] = ()
    if page.verb in ENTITY_BODY_VERBS:
        body_type = page.body_type or page.subject_type
    elif table is not None:
        params = tuple(
            Parameter(r.name, r.type, Source(name, table.title, r.line), r.collection, True, r.description)
            for r in table.rows
        )
    examples: list[Example] = []
    req, resp = page.request_example, page.response_example
    if req is not None or resp is not None:
        line = (req or resp).line if (req or resp) else None  # type: ignore[union-attr]
        errors = [e.body_error for e in (req, resp) if e is not None and e.body_error]
        examples.append(
            Example(
                source=Source(name, "Example", line),
                request_body=req.body if req else None,
                response_status=resp.status if resp else None,
                response_body=resp.body if resp else None,
                body_error="; ".join(errors) or None,
            )
        )
    binding = page.binding[1] if page.binding else None
    return Operation(
        id=f"{page.subject_type}.{page.verb}",
        version=version,
        verb=page.verb,
        type=page.subject_type,
        method=page.method.upper(),
        paths=page.paths,
        success_status=page.success_status,
        response_kind=page.response_kind or "none",
        response_type=page.response_type,
        source=Source(name, "HTTP request", page.paths_line or None),
        body_type=body_type,
        parameters=params,
        body_table=tuple(r.name for r in table.rows) if table and body_type else (),
        body_table_says_required=page.body_table_says_required and body_type is not None,
        permissions=tuple((p.permission_type, p.permissions) for p in page.permissions),
        request_headers=tuple((h.name, h.value) for h in page.request_headers),
        examples=tuple(examples),
        binding="entity" if binding == "entity" else "collection" if binding == "collection" else None,
    )


def _differ(fact: str, kept: object, kept_src: Source, other: object, other_src: Source) -> list[Conflict]:
    if kept == other:
        return []
    return [Conflict(fact, _show(kept), kept_src.page, _show(other), other_src.page)]


def _show(value: object) -> str:
    if isinstance(value, tuple):
        return ", ".join(_show(v) for v in value) or "(none)"
    return str(value)


def _merge_type(kept: TypeContract, other: TypeContract) -> TypeContract:
    conflicts = list(kept.conflicts)
    ks, os_ = kept.source, other.source
    if kept.category == "enum":
        conflicts += _differ(
            "members",
            tuple(f"{m.name}={m.value}" for m in kept.members),
            ks,
            tuple(f"{m.name}={m.value}" for m in other.members),
            os_,
        )
    else:
        conflicts += _differ(
            "properties",
            tuple(f"{p.name}:{p.type}" for p in kept.properties),
            ks,
            tuple(f"{p.name}:{p.type}" for p in other.properties),
            os_,
        )
    conflicts += _differ("base_type", kept.base_type, ks, other.base_type, os_)
    return replace(kept, conflicts=tuple(conflicts))


def _merge_operation(kept: Operation, other: Operation) -> Operation:
    ks, os_ = kept.source, other.source
    conflicts = list(kept.conflicts)
    for fact in ("method", "paths", "success_status", "response_kind", "response_type", "body_table"):
        conflicts += _differ(fact, getattr(kept, fact), ks, getattr(other, fact), os_)
    conflicts += _differ(
        "permissions",
        tuple(f"{k}: {', '.join(v) or '(none)'}" for k, v in kept.permissions),
        ks,
        tuple(f"{k}: {', '.join(v) or '(none)'}" for k, v in other.permissions),
        os_,
    )
    permissions = kept.permissions
    if not any(v for _, v in permissions) and any(v for _, v in other.permissions):
        permissions = other.permissions  # a documented list beats a TODO
    return replace(
        kept,
        permissions=permissions,
        examples=kept.examples + other.examples,
        conflicts=tuple(conflicts),
    )

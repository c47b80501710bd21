"""Turns a page outline, from either format, into a DocPage: the page's facts, interpreted."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from graph_contracts.docs import common
from graph_contracts.docs.model import (
    DocPage,
    EnumMemberRow,
    Header,
    PageKind,
    PermissionRow,
    Table,
    TableRow,
)
from graph_contracts.docs.outline import Line, Outline, RawTable, Section
from graph_contracts.errors import DocParseError

_NAMESPACE = re.compile(r"^Namespace:\s*(?P<namespace>\S+)", re.IGNORECASE)
_LINK_TARGET = re.compile(r"\[(?P<text>[A-Za-z_][\w.]*)\]\([^)]*\)")
#: Lines of an HTTP request section that are markup around the request lines.
_NOT_A_REQUEST = re.compile(r'^(```|~~~|<!--|-->|[{}]|"[^"]*"\s*:)')


def build_page(outline: Outline) -> DocPage:
    kind = _kind(outline)
    fields = _KIND_FIELDS[kind](outline)
    return DocPage(
        path=outline.path,
        format=outline.format,
        kind=kind,
        title=common.strip_markup(outline.title),
        namespace=_namespace(outline),
        version=_version(outline),
        description=_description(outline),
        todos=tuple(n for n, text in enumerate(outline.lines, 1) if "TODO" in text),
        extra={"front_matter": outline.front_matter},
        **fields,
    )


# ---------------------------------------------------------------- page-wide facts


def _kind(outline: Outline) -> PageKind:
    doc_type = str(outline.front_matter.get("doc_type", "")).strip().lower()
    if doc_type in common.DOC_TYPES:
        return common.DOC_TYPES[doc_type]
    title = common.strip_markup(outline.title)
    for pattern, kind in common.TITLE_KINDS:
        if pattern.search(title):
            return kind
    return "operation"


def _namespace(outline: Outline) -> str | None:
    for _, text in outline.preamble:
        m = _NAMESPACE.match(text.strip())
        if m:
            return m.group("namespace")
    return None


def _description_paragraph(outline: Outline) -> list[Line]:
    """The first paragraph of the opening prose that is not a notice."""
    paragraph: list[Line] = []
    for number, text in outline.preamble:
        if not text.strip():
            if paragraph:
                break
            continue
        if common.NOT_DESCRIPTION.match(text.strip()):
            if paragraph:
                break
            continue
        paragraph.append((number, text))
    return paragraph


def _description(outline: Outline) -> str:
    text = " ".join(t for _, t in _description_paragraph(outline))
    fallback = outline.front_matter.get("description")
    if not text and isinstance(fallback, str):
        text = fallback
    return common.strip_markup(text)


def _version(outline: Outline) -> str | None:
    request = outline.request_example
    from_url = common.url_version(request.url if request else None)
    if from_url:
        return from_url
    for key in common.FRONT_MATTER_VERSION_KEYS:
        value = str(outline.front_matter.get(key, "")).strip()
        if value in ("v1.0", "beta"):
            return value
    if any(common.BETA_NOTICE.search(text) for _, text in outline.preamble):
        return "beta"
    return None


#: The sentence doc pages put before a create table ("the properties that are required when you create").
_SAYS_REQUIRED = re.compile(r"properties that are required", re.IGNORECASE)


def _joined(section: Section | None) -> str:
    return " ".join(text.strip() for _, text in section.body) if section else ""


# ---------------------------------------------------------------- tables


def _column(table: RawTable, cells: tuple[str, ...], *names: str) -> str:
    """The cell under the first of ``names`` that the header has; "" if none."""
    header = [common.normalise_heading(h) for h in table.header]
    for name in names:
        if name in header:
            return cells[header.index(name)]
    return ""


def _property_table(section: Section | None) -> Table | None:
    if section is None or section.table is None:
        return None
    raw = section.table
    rows = []
    for line, cells in raw.rows:
        type_name, collection = common.parse_type(_column(raw, cells, "type"))
        description, inherited, values = common.split_description(_column(raw, cells, "description"))
        rows.append(
            TableRow(
                name=common.strip_markup(cells[0]).strip("`"),
                type=type_name,
                description=description,
                line=line,
                collection=collection,
                inherited_from=inherited,
                possible_values=values,
            )
        )
    return Table(common.strip_markup(section.heading), raw.header, raw.line, tuple(rows))


def _permissions(section: Section | None) -> tuple[PermissionRow, ...]:
    # newer pages [!INCLUDE] the table from elsewhere: no rows, but not an error
    if section is None or section.table is None:
        return ()
    # a "Least privileged | Higher privileged" table lists one ordered run over two columns
    return tuple(
        PermissionRow(
            permission_type=common.strip_markup(cells[0]),
            permissions=tuple(name for cell in cells[1:] for name in common.permission_names(cell)),
            raw=", ".join(cell for cell in cells[1:] if cell),
            line=line,
        )
        for line, cells in section.table.rows
    )


def _headers(section: Section | None) -> tuple[Header, ...]:
    if section is None or section.table is None:
        return ()
    return tuple(
        Header(common.strip_markup(cells[0]), common.strip_markup(cells[1]), line) for line, cells in section.table.rows
    )


def _members(section: Section | None) -> tuple[EnumMemberRow, ...]:
    if section is None or section.table is None:
        return ()
    raw = section.table
    members = []
    for line, cells in raw.rows:
        value = common.strip_markup(_column(raw, cells, "value")).strip("`")
        members.append(
            EnumMemberRow(
                name=common.strip_markup(cells[0]).strip("`"),
                value=int(value) if re.fullmatch(r"-?\d+", value) else None,
                description=common.strip_markup(_column(raw, cells, "description")),
                line=line,
            )
        )
    return tuple(members)


# ---------------------------------------------------------------- operation pages


def _request_lines(outline: Outline) -> list[tuple[int, re.Match[str]]]:
    """The request lines of the HTTP request section (or a stub's line); raises when there are none."""
    section = outline.section("http request")
    if section is None:
        following = [s for s in outline.sections if s.name in ("request headers", "request body", "response")]
        line = following[0].line if following else len(outline.lines)
        found = following[0].heading if following else "end of page"
        raise DocParseError(outline.path, line, "an 'HTTP request' section before this", found)
    matches = [(n, m) for n, text in section.body if (m := common.REQUEST_LINE.match(text.strip()))]
    if matches:
        return matches
    stubs = [(n, m) for n, text in section.body if (m := common.STUB_REQUEST_LINE.match(text.strip()))]
    if stubs:
        return stubs[:1]
    filled = [(n, text.strip()) for n, text in section.body if text.strip() and not _NOT_A_REQUEST.match(text.strip())]
    line, found = filled[0] if filled else (section.line, f"nothing under {section.heading!r}")
    raise DocParseError(outline.path, line, "an HTTP request line such as 'POST /deviceManagement/...'", found)


def _response(outline: Outline) -> tuple[int | None, str | None, str | None]:
    """(status, kind, type) from the Response sentence, else from the example response."""
    sentence = common.response_sentence(_joined(outline.section("response")))
    if sentence is not None:
        return sentence.status, sentence.kind, sentence.type
    example = outline.response_example
    if example is None or example.status is None:
        return None, None, None
    body = example.body
    if body is None:
        return example.status, "none", None
    if isinstance(body, dict) and isinstance(body.get("value"), list):
        return example.status, "collection", None
    return example.status, "entity", None


def _description_link(outline: Outline) -> str | None:
    for _, text in _description_paragraph(outline):
        m = _LINK_TARGET.search(text)
        if m:
            return m.group("text")
    return None


def _operation_fields(outline: Outline) -> dict[str, Any]:
    requests = _request_lines(outline)
    method = requests[0][1].group("method")
    stub = requests[0][1].groupdict().get("why")
    paths = () if stub else tuple(common.request_path(m.group("url")) for _, m in requests)
    body_section = outline.section("request body")
    body_type = common.body_type(_joined(body_section))
    status, response_kind, response_type = _response(outline)
    titled = common.title_verb(outline.title)
    verb = titled.verb or common.METHOD_VERBS.get(method)
    if verb == "get" and titled.verb is None and response_kind == "collection":
        verb = "list"
    is_action = verb is not None and verb not in common.METHOD_VERBS.values() and verb != "list"
    bound = common.binding(paths[0]) if paths and is_action else None
    subject = (
        (titled.subject if titled.bound else None)
        or (bound[0] if bound else None)
        or (common.stub_type(stub) if stub else None)
        or body_type
        or response_type
        or _description_link(outline)
        or (common.singular(titled.subject) if titled.subject and verb == "list" else None)
        or titled.subject
    )
    permissions = outline.section("permissions", "prerequisites")
    return {
        "verb": verb,
        "subject_type": subject,
        "method": method,
        "paths": paths,
        "paths_line": requests[0][0],
        "unaddressable": stub,
        "binding": bound,
        "permissions": _permissions(permissions),
        "permission_order": common.permission_order(permissions.table.header)
        if permissions and permissions.table
        else None,
        "request_headers": _headers(outline.section("request headers")),
        "body_type": body_type,
        "body_table": _property_table(body_section),
        "body_table_says_required": bool(_SAYS_REQUIRED.search(_joined(body_section))),
        "success_status": status,
        "response_kind": response_kind,
        "response_type": response_type,
        "request_example": outline.request_example,
        "response_example": outline.response_example,
    }


# ---------------------------------------------------------------- resource and enum pages


def _resource_fields(outline: Outline) -> dict[str, Any]:
    properties = outline.section("properties")
    scanned = list(outline.preamble) + list(properties.body if properties else ())
    base = next((b for _, t in scanned if (b := common.inherits_from(t.strip()))), None)
    return {
        "properties": _property_table(properties),
        "base_type": base,
        "odata_type": common.odata_type(_joined(outline.section("json representation"))),
    }


def _enum_fields(outline: Outline) -> dict[str, Any]:
    members = outline.section("members")
    return {
        "members": _members(members),
        "members_line": members.table.line if members and members.table else 0,
    }


_KIND_FIELDS: dict[PageKind, Callable[[Outline], dict[str, Any]]] = {
    "operation": _operation_fields,
    "resource": _resource_fields,
    "enum": _enum_fields,
}

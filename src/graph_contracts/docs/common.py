"""Cell and sentence readers shared by both doc page formats: markup, types, prose, examples."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from graph_contracts.docs.model import Example, Header
from graph_contracts.docs.outline import Line, RawTable, Section, TableKind

ResponseKind = Literal["entity", "collection", "none"]


# ---------------------------------------------------------------- text


_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)
_SPACES = re.compile(r"\s+")


def strip_markup(text: str) -> str:
    """``text`` without links, bold, ``<br>`` and HTML entities, spaces collapsed."""
    text = _LINK.sub(r"\1", text)
    text = _BOLD.sub(r"\1", text)
    text = _BREAK.sub(" ", text)
    return _SPACES.sub(" ", html.unescape(text)).strip()


def normalise_heading(text: str) -> str:
    return _SPACES.sub(" ", strip_markup(text)).strip().lower()


# ---------------------------------------------------------------- table headers

#: Header rows each table kind accepts, lower case, in column order.
TABLE_HEADERS: dict[TableKind, tuple[tuple[str, ...], ...]] = {
    "property": (
        ("property", "type", "description"),
        ("parameter", "type", "description"),
        ("name", "type", "description"),
    ),
    "permission": (
        ("permission type", "permissions (from least to most privileged)"),
        ("permission type", "permissions (from most to least privileged)"),
        ("permission type", "permissions"),
        ("permission type", "permission"),
        ("permission type", "least privileged permissions", "higher privileged permissions"),
    ),
    "header": (
        ("header", "value"),
        ("name", "description"),
        ("name", "value"),
        ("header", "description"),
    ),
    "member": (("member", "value", "description"), ("member", "description")),
}

#: The table each section holds, by normalised heading.
SECTION_TABLES: dict[str, TableKind] = {
    "permissions": "permission",
    "prerequisites": "permission",
    "request headers": "header",
    "request body": "property",
    "properties": "property",
    "members": "member",
}


def match_header(kind: TableKind, cells: tuple[str, ...]) -> bool:
    return tuple(normalise_heading(c) for c in cells) in TABLE_HEADERS[kind]


def header_example(kind: TableKind) -> str:
    return "|".join(c.capitalize() for c in TABLE_HEADERS[kind][0])


#: Permission types a permissions row may start with, longest first.
PERMISSION_TYPES: tuple[str, ...] = (
    "Delegated (work or school account)",
    "Delegated (personal Microsoft account)",
    "Application",
)

_ORDER = re.compile(r"from (least|most) to (least|most) privileged", re.IGNORECASE)


def permission_order(header: tuple[str, ...]) -> str | None:
    """``least-to-most`` or ``most-to-least``, from the permissions column headings."""
    if [normalise_heading(c) for c in header[1:2]] == ["least privileged permissions"]:
        return "least-to-most"
    for cell in header:
        m = _ORDER.search(cell)
        if m:
            return f"{m.group(1).lower()}-to-{m.group(2).lower()}"
    return None


_NO_PERMISSION = re.compile(r"\b(?:not supported|not available|none|n/a)\b\.?", re.IGNORECASE)
_PERMISSION_SPLIT = re.compile(r"[,;\s]+")


def permission_names(cell: str) -> tuple[str, ...]:
    """The permissions a cell lists; empty for "Not supported." or a TODO placeholder.

    Names are split on commas and, for flattened rendered rows, on spaces.
    """
    text = strip_markup(cell).replace("`", "")
    if "TODO" in text:
        return ()
    text = _NO_PERMISSION.sub(" ", text)
    names = (name.strip().rstrip(".") for name in _PERMISSION_SPLIT.split(text))
    return tuple(name for name in names if name and name != "-")


# ---------------------------------------------------------------- property cells

_COLLECTION_TYPE: tuple[re.Pattern[str], ...] = (
    re.compile(r"^Collection\((?P<type>[^)]+)\)$", re.IGNORECASE),
    re.compile(r"^(?P<type>\S+)\s+collection$", re.IGNORECASE),
)


def parse_type(cell: str) -> tuple[str, bool]:
    """The Graph type a type cell names and whether it is a collection of it."""
    text = strip_markup(cell).replace("`", "").strip()
    for pattern in _COLLECTION_TYPE:
        m = pattern.match(text)
        if m:
            return m.group("type").strip(), True
    return text, False


_POSSIBLE = re.compile(r"\s*Possible values (?:are|include)\s*:?\s*", re.IGNORECASE)
_SENTENCE_END = re.compile(r"\.(?=\s|$)")
_INHERITED = re.compile(r"\s*Inherited from\s+(?P<base>[A-Za-z_]\w*(?:\.\w+)*)\.?", re.IGNORECASE)


def split_description(cell: str) -> tuple[str, str | None, tuple[str, ...]]:
    """A description cell as (prose, inherited_from, possible_values)."""
    text = strip_markup(cell)
    values: tuple[str, ...] = ()
    m = _POSSIBLE.search(text)
    if m:
        rest = text[m.end() :]
        end = _SENTENCE_END.search(rest)
        listed, after = (rest[: end.start()], rest[end.end() :]) if end else (rest, "")
        values = tuple(v for v in (_value(part) for part in listed.split(",")) if v)
        text = (text[: m.start()] + " " + after).strip()
    inherited: str | None = None
    m = _INHERITED.search(text)
    if m:
        inherited = m.group("base")
        text = (text[: m.start()] + " " + text[m.end() :]).strip()
    return _SPACES.sub(" ", text).strip(), inherited, values


def _value(part: str) -> str:
    part = re.sub(r"^\s*(and|or)\s+", "", part.strip())
    return part.strip().strip("`'\"").strip()


# ---------------------------------------------------------------- prose sentences

_STATUS = re.compile(r"\b(?P<status>[1-5]\d\d)\b(?:\s+[A-Z][A-Za-z]*)*\s+response code", re.I)
_NOT_A_TYPE = r"(?!(?:a|an|the|and|updated|new|of|in)\b)"
_RESPONSE_TYPES: tuple[tuple[re.Pattern[str], ResponseKind], ...] = (
    (
        re.compile(r"\bcollection of (?P<type>[\w.]+) (?:objects|entities|resources)\b"),
        "collection",
    ),
    (re.compile(r"\bCollection\((?P<type>[\w.]+)\)"), "collection"),
    (re.compile(rf"\b{_NOT_A_TYPE}(?P<type>[A-Za-z][\w.]*) collection\b"), "collection"),
    (
        re.compile(rf"\b{_NOT_A_TYPE}(?P<type>[A-Za-z][\w.]*) (?:object|entity|resource)\b"),
        "entity",
    ),
)


@dataclass(frozen=True)
class ResponseSentence:
    status: int
    kind: ResponseKind
    type: str | None


def response_sentence(text: str) -> ResponseSentence | None:
    """Reads "returns a `201 Created` response code and a [X] object" and its variants."""
    text = strip_markup(text).replace("`", "")
    m = _STATUS.search(text)
    if not m:
        return None
    rest = text[m.end() :]
    end = _SENTENCE_END.search(rest)
    rest = rest[: end.start()] if end else rest
    for pattern, kind in _RESPONSE_TYPES:
        found = pattern.search(rest)
        if found:
            return ResponseSentence(int(m.group("status")), kind, found.group("type"))
    return ResponseSentence(int(m.group("status")), "none", None)


_BODY_TYPE = re.compile(
    r"supply (?:an? )?JSON representation (?:of|for) (?:the |an? )?(?P<type>[A-Za-z][\w.]*)"
    r" (?:object|entity|resource)",
    re.IGNORECASE,
)


def body_type(text: str) -> str | None:
    """The type named by "supply a JSON representation of the [X] object", if any."""
    m = _BODY_TYPE.search(strip_markup(text).replace("`", ""))
    return m.group("type") if m else None


_INHERITS = re.compile(r"^Inherits from\s+(?P<base>[A-Za-z_]\w*(?:\.\w+)*)", re.IGNORECASE)


def inherits_from(text: str) -> str | None:
    m = _INHERITS.match(strip_markup(text))
    return m.group("base") if m else None


_ODATA_TYPE = re.compile(r'"@odata\.type"\s*:\s*"#?(?P<type>[\w.()]+)"')


def odata_type(text: str) -> str | None:
    m = _ODATA_TYPE.search(text)
    return m.group("type") if m else None


#: Lines of the opening prose that are notices, not the page's description.
NOT_DESCRIPTION = re.compile(
    r"^(>|\[!INCLUDE|<!--|-->|Namespace:|Note:|Important:|Inherits from|"
    r"This API is available in the following)",
    re.IGNORECASE,
)


# ---------------------------------------------------------------- page facts

DOC_TYPES: dict[str, Literal["operation", "resource", "enum"]] = {
    "apipagetype": "operation",
    "resourcepagetype": "resource",
    "enumpagetype": "enum",
    "conceptualpagetype": "operation",
}

TITLE_KINDS: tuple[tuple[re.Pattern[str], Literal["resource", "enum"]], ...] = (
    (re.compile(r"\bresource type$", re.IGNORECASE), "resource"),
    (re.compile(r"\benum(?:eration)? type$", re.IGNORECASE), "enum"),
)

_VERSION_URL = re.compile(r"https?://graph\.microsoft\.(?:com|us|de)/(?P<version>v1\.0|beta)/")
BETA_NOTICE = re.compile(r"APIs under the /beta version|\[!INCLUDE \[beta-disclaimer\]", re.I)
FRONT_MATTER_VERSION_KEYS = ("version", "ms.version", "graph_version", "api_version")


def url_version(url: str | None) -> str | None:
    m = _VERSION_URL.search(url or "")
    return m.group("version") if m else None


#: Title verbs, as written, to the verbs graph-contracts uses.
VERBS: dict[str, str] = {
    "create": "create",
    "add": "create",
    "get": "get",
    "read": "get",
    "list": "list",
    "delete": "delete",
    "remove": "delete",
    "update": "update",
}

#: Verb implied by the HTTP method when the title names none.
METHOD_VERBS: dict[str, str] = {
    "POST": "create",
    "GET": "get",
    "DELETE": "delete",
    "PATCH": "update",
    "PUT": "update",
}


@dataclass(frozen=True)
class TitleVerb:
    verb: str | None
    subject: str | None  # the type the title names, maybe plural
    bound: bool  # "type: action" titles name the type the action is bound to


_TITLE_VERBS: tuple[re.Pattern[str], ...] = (
    re.compile(r"^(?P<verb>[A-Za-z]+)\s+(?P<subject>[A-Za-z_][\w.]*)$"),
    re.compile(r"^(?P<subject>[A-Za-z_][\w.]*)\s*:\s*(?P<verb>[A-Za-z_]\w*)$"),
    re.compile(r"^(?P<verb>[A-Za-z_]\w*)\s+(?:action|function)$", re.IGNORECASE),
)


def title_verb(title: str) -> TitleVerb:
    """The verb and subject a title names: "Create X", "X: import", "import action"."""
    title = strip_markup(title)
    for index, pattern in enumerate(_TITLE_VERBS):
        m = pattern.match(title)
        if not m:
            continue
        verb = m.group("verb")
        subject = m.groupdict().get("subject")
        if index == 0:
            if verb.lower() not in VERBS:
                continue
            return TitleVerb(VERBS[verb.lower()], subject, False)
        return TitleVerb(verb, subject, index == 1)
    return TitleVerb(None, None, False)


def singular(word: str) -> str:
    """A naive English singular, only for titles such as "List widgetPolicies"."""
    for plural, one in (("ies", "y"), ("sses", "ss"), ("s", "")):
        if word.endswith(plural) and not word.endswith("ss"):
            return word[: -len(plural)] + one
    return word


# ---------------------------------------------------------------- HTTP lines and examples

METHODS = ("GET", "POST", "PATCH", "PUT", "DELETE")
REQUEST_LINE = re.compile(r"^(?P<method>GET|POST|PATCH|PUT|DELETE)\s+(?P<url>(?:https?://|/)\S*)")
#: The request line of a generated stub whose type has no addressable collection:
#: ``POST ** Collection URI for microsoft.graph.importedDeviceIdentityResult not found``.
STUB_REQUEST_LINE = re.compile(
    r"^(?P<method>GET|POST|PATCH|PUT|DELETE)\s+\*\*\s*(?P<why>(?:Collection|Entity) URI for (?P<type>[\w.]+) not found)"
)
_KEY_SEGMENT = re.compile(r"^\{(?P<name>[A-Za-z_]\w*?)(?:-?[Ii]d)?\}$")


def stub_type(why: str) -> str | None:
    """The unqualified type a stub's "Collection URI for microsoft.graph.X not found" names."""
    m = STUB_REQUEST_LINE.match(f"GET ** {why}")
    return m.group("type").rsplit(".", 1)[-1] if m else None


def binding(path: str) -> tuple[str, str] | None:
    """The type and kind (``entity`` or ``collection``) an action path is bound to.

    ``/x/windowsAutopilotDeviceIdentities/{windowsAutopilotDeviceIdentityId}/assignUserToDevice``
    is bound to one windowsAutopilotDeviceIdentity; ``/x/importedDeviceIdentities/importDeviceIdentityList``
    to the collection of importedDeviceIdentity. Doc pages name key placeholders after the
    type, which is the only place an action page states the type it acts on.
    """
    parts = [p for p in path.split("/") if p]
    if len(parts) < 2:
        return None
    bound = parts[-2]
    key = _KEY_SEGMENT.match(bound)
    if key:
        return key.group("name"), "entity"
    if bound.startswith("{"):
        return None
    return singular(bound), "collection"


STATUS_LINE = re.compile(r"^HTTP/\d(?:\.\d)?\s+(?P<status>\d{3})\b")
_HEADER_LINE = re.compile(r"^(?P<name>[A-Za-z][A-Za-z0-9-]*)\s*:\s*(?P<value>.*)$")
_ROOT = re.compile(r"^https?://[^/]+/(?:v1\.0|beta)(?=/)")


def request_path(url: str) -> str:
    """The path of a request URL: no scheme, host, version or query string."""
    path = _ROOT.sub("", url).split("?", 1)[0]
    return re.sub(r"^https?://[^/]+", "", path) or "/"


def parse_example(chunk: list[Line]) -> Example | None:
    """An example request or response: a start line, headers, then a JSON body.

    Blank lines between the start line and the headers are allowed; the body
    is everything after the headers. A body that is not JSON is kept with the
    reason in ``body_error`` rather than raised.
    """
    lines = [(n, text.rstrip()) for n, text in chunk]
    while lines and not lines[0][1].strip():
        lines.pop(0)
    if not lines:
        return None
    start_line, start = lines[0]
    request = REQUEST_LINE.match(start.strip())
    response = STATUS_LINE.match(start.strip())
    if not request and not response:
        return None
    rest = lines[1:]
    headers: list[Header] = []
    index = 0
    while index < len(rest) and not rest[index][1].strip() and not headers:
        index += 1
    while index < len(rest):
        m = _HEADER_LINE.match(rest[index][1].strip())
        if not m:
            break
        headers.append(Header(m.group("name"), html.unescape(m.group("value").strip()), rest[index][0]))
        index += 1
    body_lines = rest[index:]
    while body_lines and not body_lines[0][1].strip():
        body_lines.pop(0)
    while body_lines and not body_lines[-1][1].strip():
        body_lines.pop()
    body: Any = None
    body_text: str | None = None
    body_error: str | None = None
    if body_lines:
        body_text = "\n".join(text for _, text in body_lines)
        try:
            body = json.loads(body_text)
        except json.JSONDecodeError as exc:
            line = body_lines[0][0] + exc.lineno - 1
            body_error = f"{exc.msg} at line {line} column {exc.colno}"
    return Example(
        line=start_line,
        method=request.group("method") if request else None,
        url=request.group("url") if request else None,
        status=int(response.group("status")) if response else None,
        headers=tuple(headers),
        body=body,
        body_text=body_text,
        body_error=body_error,
    )


#: A format's table reader: the table of a section's body, checked against the header its kind needs.
TableReader = Callable[[str, tuple[Line, ...], TableKind], "RawTable | None"]


def cut_section(
    path: str, lines: list[str], headings: list[tuple[int, int, str]], index: int, read_table: TableReader
) -> Section:
    """The section under ``headings[index]`` (line, level, text): its lines up to the next heading, and its table.

    Both page formats cut sections alike; only how a table is read differs,
    so each passes its own ``read_table``.
    """
    number, level, heading = headings[index]
    end = headings[index + 1][0] if index + 1 < len(headings) else len(lines) + 1
    body = tuple((n, lines[n - 1]) for n in range(number + 1, end))
    name = normalise_heading(heading)
    kind = SECTION_TABLES.get(name)
    table = read_table(path, body, kind) if kind and level == 2 else None
    return Section(name, heading, level, number, body, table)

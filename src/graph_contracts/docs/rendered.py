"""Reads the rendered plain text of a Graph doc page: bare headings, flattened tables, bare JSON."""

from __future__ import annotations

import re
from collections.abc import Callable

from graph_contracts.docs.common import (
    PERMISSION_TYPES,
    REQUEST_LINE,
    STATUS_LINE,
    TABLE_HEADERS,
    cut_section,
    header_example,
    match_header,
    normalise_heading,
    parse_example,
)
from graph_contracts.docs.model import Example
from graph_contracts.docs.outline import Line, Outline, RawTable, TableKind
from graph_contracts.errors import DocParseError

#: Bare lines that the rendering turns headings into, by normalised text, with their level.
HEADINGS: dict[str, int] = {
    "permissions": 2,
    "prerequisites": 2,
    "http request": 2,
    "optional query parameters": 2,
    "request headers": 2,
    "request body": 2,
    "response": 2,
    "example": 2,
    "examples": 2,
    "request": 3,
    "methods": 2,
    "properties": 2,
    "relationships": 2,
    "json representation": 2,
    "members": 2,
    "related content": 2,
    "see also": 2,
}
_NUMBERED_EXAMPLE = re.compile(r"^example \d+\b")
_PIPE_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")


def read_rendered(path: str, lines: list[str]) -> Outline:
    """Cuts a rendered page into its outline; raises DocParseError on broken structure."""
    title_line = next((n for n, text in enumerate(lines, 1) if text.strip()), 0)
    if not title_line:
        raise DocParseError(path, 1, "a title on the first non-empty line", "an empty page")
    headings = _headings(lines, title_line)
    sections = tuple(cut_section(path, lines, headings, index, _table) for index in range(len(headings)))
    first_section = headings[0][0] if headings else len(lines) + 1
    preamble = tuple((n, lines[n - 1]) for n in range(title_line + 1, first_section))
    request, response = _examples(lines, headings)
    return Outline(
        path=path,
        format="rendered",
        lines=tuple(lines),
        title=lines[title_line - 1].strip(),
        title_line=title_line,
        preamble=preamble,
        sections=sections,
        request_example=request,
        response_example=response,
    )


def _headings(lines: list[str], title_line: int) -> list[tuple[int, int, str]]:
    """(line number, level, text) of every bare heading line that follows a blank line.

    "Response" is a level-2 section before the first "Example" heading and an
    example sub-heading after it.
    """
    found: list[tuple[int, int, str]] = []
    in_examples = False
    for number in range(title_line + 1, len(lines) + 1):
        text = lines[number - 1].strip()
        if lines[number - 2].strip():
            continue
        name = normalise_heading(text)
        numbered = bool(_NUMBERED_EXAMPLE.match(name)) and len(name.split()) <= 6
        if name not in HEADINGS and not numbered:
            continue
        level = 3 if numbered or (in_examples and name == "response") else HEADINGS.get(name, 3)
        in_examples = in_examples or name.startswith("example")
        found.append((number, level, text))
    return found


# ---------------------------------------------------------------- tables


def _pipe_cells(text: str) -> tuple[str, ...]:
    text = text.strip().removeprefix("|").removesuffix("|")
    return tuple(cell.strip() for cell in text.split("|"))


def _flat_header(kind: TableKind, text: str) -> tuple[str, ...] | None:
    """The header cells of a flattened header row, cut by the words of the variant it matches."""
    words = text.split()
    for variant in TABLE_HEADERS[kind]:
        if " ".join(variant) != normalise_heading(text):
            continue
        cells: list[str] = []
        for column in variant:
            width = len(column.split())
            cells.append(" ".join(words[:width]))
            words = words[width:]
        return tuple(cells)
    return None


def _permission_row(text: str, width: int) -> tuple[str, ...] | None:
    for permission_type in PERMISSION_TYPES:
        rest = text.removeprefix(permission_type)
        if rest != text and (not rest or rest[0].isspace()):
            return (permission_type, rest.strip())
    return None


def _regex_row(pattern: str) -> Callable[[str, int], tuple[str, ...] | None]:
    compiled = re.compile(pattern)

    def split(text: str, width: int) -> tuple[str, ...] | None:
        m = compiled.match(text)
        return tuple((g or "") for g in m.groups())[:width] if m else None

    return split


#: How a flattened row splits into cells, by table kind and header width.
_ROW_SPLITTERS: dict[tuple[TableKind, int], Callable[[str, int], tuple[str, ...] | None]] = {
    ("property", 3): _regex_row(r"^(\S+)\s+(\S+(?:\s+collection\b)?)(?:\s+(.*))?$"),
    ("permission", 2): _permission_row,
    ("permission", 3): _permission_row,  # least / higher privileged: both in the second cell
    ("header", 2): _regex_row(r"^(\S+)(?:\s+(.*))?$"),
    ("member", 3): _regex_row(r"^(\S+)\s+(-?\d+)(?:\s+(.*))?$"),
    ("member", 2): _regex_row(r"^(\S+)(?:\s+(.*))?$"),
}

_ROW_SHAPES: dict[TableKind, str] = {
    "property": "a row 'name Type Description'",
    "permission": "a row starting with a permission type (" + ", ".join(PERMISSION_TYPES) + ")",
    "header": "a row 'Header-Name value'",
    "member": "a row 'member value description'",
}


def _table(path: str, body: tuple[Line, ...], kind: TableKind) -> RawTable | None:
    """The table of a section: a recognised header row and the non-blank lines under it."""
    for index, (number, text) in enumerate(body):
        piped = text.strip().startswith("|")
        header = _pipe_cells(text) if piped else _flat_header(kind, text)
        if header is None or not match_header(kind, header):
            continue
        rows: list[tuple[int, tuple[str, ...]]] = []
        for row_number, row_text in body[index + 1 :]:
            if not row_text.strip():
                break
            if _PIPE_SEPARATOR.match(row_text):
                continue
            cells = _pipe_cells(row_text) if piped else _split_row(kind, header, row_text)
            if cells is None:
                raise DocParseError(path, row_number, _ROW_SHAPES[kind], row_text.strip())
            rows.append((row_number, cells + ("",) * (len(header) - len(cells))))
        return RawTable(kind, header, number, tuple(rows))
    _reject_headless_table(path, body, kind)
    return None


def _split_row(kind: TableKind, header: tuple[str, ...], text: str) -> tuple[str, ...] | None:
    splitter = _ROW_SPLITTERS.get((kind, len(header)))
    return splitter(text.strip(), len(header)) if splitter else None


def _reject_headless_table(path: str, body: tuple[Line, ...], kind: TableKind) -> None:
    """Raises when the section holds table rows but no header row above them.

    Prose paragraphs render as single lines, so two or more consecutive
    non-blank lines, or a line starting with a permission type, are rows.
    """
    expected = f"a table header row '{header_example(kind).replace('|', ' ')}'"
    for index, (number, text) in enumerate(body):
        if not text.strip():
            continue
        next_filled = index + 1 < len(body) and bool(body[index + 1][1].strip())
        is_row = kind == "permission" and _permission_row(text.strip(), 2) is not None
        if next_filled or is_row:
            raise DocParseError(path, number, expected, text.strip())


# ---------------------------------------------------------------- examples


def _examples(lines: list[str], headings: list[tuple[int, int, str]]) -> tuple[Example | None, Example | None]:
    """The first request and response after the first "Example" heading.

    Each runs from its start line (``POST https://...``, ``HTTP/1.1 201 Created``)
    to the next heading or the end of the page.
    """
    starts = [n for n, _, text in headings if normalise_heading(text).startswith("example")]
    if not starts:
        return None, None
    stops = sorted({n for n, _, _ in headings} | {len(lines) + 1})
    request: Example | None = None
    response: Example | None = None
    for number in range(starts[0] + 1, len(lines) + 1):
        text = lines[number - 1].strip()
        wanted = (request is None and REQUEST_LINE.match(text)) or (response is None and STATUS_LINE.match(text))
        if not wanted:
            continue
        stop = next(n for n in stops if n > number)
        example = parse_example([(n, lines[n - 1]) for n in range(number, stop)])
        if example is not None and example.method:
            request = example
        elif example is not None:
            response = example
    return request, response

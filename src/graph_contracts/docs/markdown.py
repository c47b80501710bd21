"""Reads the markdown source of a Graph doc page (front matter, # headings, pipe tables, fences)."""

from __future__ import annotations

import re
from typing import Any

import yaml

from graph_contracts.docs.common import (
    cut_section,
    header_example,
    match_header,
    parse_example,
)
from graph_contracts.docs.model import Example
from graph_contracts.docs.outline import Line, Outline, RawTable, Section, TableKind
from graph_contracts.errors import DocParseError

_HEADING = re.compile(r"^(?P<marks>#{1,6})\s+(?P<text>.*?)\s*#*\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")
_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")
_CELL_SPLIT = re.compile(r"(?<!\\)\|")


def looks_like_markdown(lines: list[str]) -> bool:
    """True when the page has front matter, a ``#`` heading or a code fence."""
    first = next((line.strip() for line in lines if line.strip()), "")
    if first == "---":
        return True
    return any(_HEADING.match(line) or _FENCE.match(line) for line in lines)


def read_markdown(path: str, lines: list[str]) -> Outline:
    """Cuts a markdown page into its outline; raises DocParseError on broken structure."""
    front, body_start = _front_matter(path, lines)
    headings = _headings(lines, body_start)
    title_line, title = _title(path, lines, body_start, headings, front)
    sections = tuple(
        cut_section(path, lines, headings, index, _table) for index, (_, level, _) in enumerate(headings) if level >= 2
    )
    first_section = sections[0].line if sections else len(lines) + 1
    preamble = tuple((n, lines[n - 1]) for n in range(max(title_line, body_start) + 1, first_section))
    request, response = _examples(sections)
    return Outline(
        path=path,
        format="markdown",
        lines=tuple(lines),
        title=title,
        title_line=title_line,
        preamble=preamble,
        sections=sections,
        front_matter=front,
        request_example=request,
        response_example=response,
    )


def _front_matter(path: str, lines: list[str]) -> tuple[dict[str, Any], int]:
    """The YAML front matter as a dict and the number of the last line it takes (0 if none)."""
    if not lines or lines[0].strip() != "---":
        return {}, 0
    for index in range(1, len(lines)):
        if lines[index].strip() in ("---", "..."):
            break
    else:
        raise DocParseError(path, 1, "a closing '---' line for the front matter", "end of file")
    try:
        data = yaml.safe_load("\n".join(lines[1:index]))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark is not None else 1
        raise DocParseError(path, line, "YAML front matter", str(exc).splitlines()[0]) from exc
    return (data if isinstance(data, dict) else {}), index + 1


def _headings(lines: list[str], start: int) -> list[tuple[int, int, str]]:
    """(line number, level, text) of every heading outside code fences."""
    found: list[tuple[int, int, str]] = []
    fenced = False
    for number in range(start + 1, len(lines) + 1):
        text = lines[number - 1]
        if _FENCE.match(text):
            fenced = not fenced
            continue
        m = None if fenced else _HEADING.match(text)
        if m:
            found.append((number, len(m.group("marks")), m.group("text")))
    return found


def _title(
    path: str,
    lines: list[str],
    start: int,
    headings: list[tuple[int, int, str]],
    front: dict[str, Any],
) -> tuple[int, str]:
    for number, level, text in headings:
        if level == 1:
            return number, text
    if isinstance(front.get("title"), str):
        number = next(n for n in range(1, start + 1) if lines[n - 1].startswith("title:"))
        return number, str(front["title"])
    line = next((n for n in range(start + 1, len(lines) + 1) if lines[n - 1].strip()), 1)
    found = lines[line - 1].strip() if line <= len(lines) else ""
    raise DocParseError(path, line, "a '# Title' heading", found or "an empty page")


def _cells(text: str) -> tuple[str, ...]:
    text = text.strip()
    text = text[1:] if text.startswith("|") else text
    text = text[:-1] if text.endswith("|") and not text.endswith("\\|") else text
    return tuple(cell.strip().replace("\\|", "|") for cell in _CELL_SPLIT.split(text))


def _table(path: str, body: tuple[Line, ...], kind: TableKind) -> RawTable | None:
    """The first pipe table in a section, checked against the header its section needs."""
    fenced = False
    rows: list[Line] = []
    for number, text in body:
        if _FENCE.match(text):
            fenced = not fenced
        if fenced:
            continue
        if text.strip().startswith("|"):
            rows.append((number, text))
        elif rows:
            break
    if not rows:
        return None
    example = f"|{header_example(kind)}|"
    (line, first), rest = rows[0], rows[1:]
    if _SEPARATOR.match(first):
        raise DocParseError(path, line, f"a header row {example} above the |:---| line", first)
    if not rest or not _SEPARATOR.match(rest[0][1]):
        raise DocParseError(path, line, f"a header row {example} followed by |:---|", first)
    header = _cells(first)
    if not match_header(kind, header):
        raise DocParseError(path, line, f"a header row {example}", first.strip())
    width = len(header)
    cells = tuple((n, _fit(_cells(text), width)) for n, text in rest[1:] if not _SEPARATOR.match(text))
    return RawTable(kind, header, line, cells)


def _fit(cells: tuple[str, ...], width: int) -> tuple[str, ...]:
    """Pads a short row and folds the cells of a long one into its last column."""
    if len(cells) <= width:
        return cells + ("",) * (width - len(cells))
    return (*cells[: width - 1], "|".join(cells[width - 1 :]))


def _examples(sections: tuple[Section, ...]) -> tuple[Example | None, Example | None]:
    """The first example request and response in the Example(s) part of the page."""
    request: Example | None = None
    response: Example | None = None
    inside = False
    for section in sections:
        if section.level == 2:
            inside = section.name.startswith("example")
        if not inside:
            continue
        for block in _fenced_blocks(section.body):
            example = parse_example(block)
            if example is None:
                continue
            if example.method and request is None:
                request = example
            elif example.status and response is None:
                response = example
    return request, response


def _fenced_blocks(body: tuple[Line, ...]) -> list[list[Line]]:
    blocks: list[list[Line]] = []
    current: list[Line] | None = None
    for number, text in body:
        if _FENCE.match(text):
            if current is None:
                current = []
            else:
                blocks.append(current)
                current = None
        elif current is not None:
            current.append((number, text))
    if current:
        blocks.append(current)
    return blocks

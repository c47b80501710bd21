"""The format-neutral outline a page reader produces: title, prose, sections, tables, examples."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from graph_contracts.docs.model import Example, PageFormat

TableKind = Literal["property", "permission", "header", "member"]

#: One line of the source file: its 1-based number and its text (no line ending).
Line = tuple[int, str]


def split_lines(text: str) -> list[str]:
    """The file's lines without endings: a BOM is dropped and CRLF counts as one break.

    ``str.splitlines`` is not used because it also breaks on form feeds and
    Unicode separators, which would shift every line number after them.
    """
    text = text.removeprefix("\ufeff")
    return [line.removesuffix("\r") for line in text.split("\n")]


@dataclass(frozen=True)
class RawTable:
    """A table as cut out of the page: header cells and each row's cells, markup kept."""

    kind: TableKind
    header: tuple[str, ...]
    line: int
    rows: tuple[tuple[int, tuple[str, ...]], ...]


@dataclass(frozen=True)
class Section:
    """The lines under one heading, up to the next heading."""

    name: str  # normalised: lower case, single spaces ("http request")
    heading: str  # as written ("HTTP Request")
    level: int
    line: int
    body: tuple[Line, ...]
    table: RawTable | None = None


@dataclass(frozen=True)
class Outline:
    """What a format reader hands over: the page cut into parts, nothing interpreted yet."""

    path: str
    format: PageFormat
    lines: tuple[str, ...]
    title: str
    title_line: int
    preamble: tuple[Line, ...]
    sections: tuple[Section, ...]
    front_matter: dict[str, Any] = field(default_factory=dict)
    request_example: Example | None = None
    response_example: Example | None = None

    def section(self, *names: str, max_level: int = 2) -> Section | None:
        """The first section called any of ``names`` at ``max_level`` or above."""
        for section in self.sections:
            if section.name in names and section.level <= max_level:
                return section
        return None

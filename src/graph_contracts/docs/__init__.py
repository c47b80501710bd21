"""Parses Microsoft Graph API doc pages, markdown source or rendered text, into DocPage data."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from graph_contracts.docs.assemble import build_page
from graph_contracts.docs.markdown import looks_like_markdown, read_markdown
from graph_contracts.docs.model import (
    DocPage,
    EnumMemberRow,
    Example,
    Header,
    PageFormat,
    PageKind,
    PermissionRow,
    Table,
    TableRow,
)
from graph_contracts.docs.outline import split_lines
from graph_contracts.docs.rendered import read_rendered
from graph_contracts.errors import DocParseError

__all__ = [
    "DocPage",
    "DocParseError",
    "EnumMemberRow",
    "Example",
    "Header",
    "PageFormat",
    "PageKind",
    "PermissionRow",
    "Table",
    "TableRow",
    "parse_page",
    "parse_pages",
]

#: File name endings ``parse_pages`` picks up when it walks a directory.
PAGE_SUFFIXES = (".md", ".txt")


def parse_page(path: str | Path, text: str | None = None) -> DocPage:
    """Parses one doc page, read from ``path`` unless its ``text`` is given.

    The format (markdown source or rendered plain text) is detected from the
    text. Raises DocParseError naming the file and line when the page does not
    have the structure of a Graph doc page.
    """
    name = str(path)
    if text is None:
        try:
            text = Path(path).read_bytes().decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise DocParseError(name, 0, "UTF-8 text", f"byte {exc.start}: {exc.reason}") from exc
        except OSError as exc:
            raise DocParseError(name, 0, "a readable doc page file", exc.strerror or "") from exc
    lines = split_lines(text)
    read = read_markdown if looks_like_markdown(lines) else read_rendered
    return build_page(read(name, lines))


def parse_pages(paths: Iterable[str | Path]) -> list[DocPage]:
    """Parses files and directories (walked recursively for *.md and *.txt, sorted by path)."""
    pages: list[DocPage] = []
    for path in map(Path, paths):
        if path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in PAGE_SUFFIXES)
            pages.extend(parse_page(p) for p in files)
        else:
            pages.append(parse_page(path))
    return pages

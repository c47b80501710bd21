"""parse_page and parse_pages: format detection, line endings, BOM, directory walking."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from graph_contracts.docs import DocPage, parse_page, parse_pages

FIXTURES = Path(__file__).parent / "fixtures" / "docs"
PAGES = FIXTURES / "pages"


def _without_path(page: DocPage) -> DocPage:
    return dataclasses.replace(page, path="")


def test_parse_pages_walks_directories_sorted_and_takes_files(tmp_path: Path) -> None:
    nested = tmp_path / "b" / "inner"
    nested.mkdir(parents=True)
    (tmp_path / "a.md").write_bytes((PAGES / "markdown-widgetcolor-enum.md").read_bytes())
    (nested / "c.txt").write_bytes((PAGES / "rendered-widgetcolor-enum.txt").read_bytes())
    (tmp_path / "notes.json").write_text("{}")
    pages = parse_pages([tmp_path, PAGES / "markdown-widget-delete.md"])
    assert [Path(p.path).name for p in pages] == ["a.md", "c.txt", "markdown-widget-delete.md"]
    assert [p.format for p in pages] == ["markdown", "rendered", "markdown"]


def test_every_fixture_page_parses() -> None:
    pages = parse_pages([PAGES])
    assert len(pages) == 9
    assert sorted((p.format, p.kind) for p in pages) == [
        ("markdown", "enum"),
        ("markdown", "operation"),
        ("markdown", "operation"),
        ("markdown", "operation"),
        ("markdown", "resource"),
        ("rendered", "enum"),
        ("rendered", "operation"),
        ("rendered", "operation"),
        ("rendered", "resource"),
    ]


def test_crlf_and_bom_give_the_same_page_and_lines(tmp_path: Path) -> None:
    for name in ("markdown-widget-assign-todo.md", "rendered-create-deviceenrollmentwidget.txt"):
        original = PAGES / name
        crlf = tmp_path / f"crlf-{name}"
        text = original.read_text(encoding="utf-8")
        crlf.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8"))
        assert b"\r\n" in crlf.read_bytes()
        assert _without_path(parse_page(crlf)) == _without_path(parse_page(original))


def test_crlf_page_values_have_no_carriage_returns(tmp_path: Path) -> None:
    crlf = tmp_path / "crlf.md"
    text = (PAGES / "markdown-widget-assign-todo.md").read_text(encoding="utf-8")
    crlf.write_bytes(text.replace("\n", "\r\n").encode("utf-8"))
    page = parse_page(crlf)
    assert page.paths_line == 31
    assert page.todos == (3, 4, 13, 20, 48)
    assert page.paths[1].endswith("/assign")
    assert page.request_headers[1].value == "application/json. Required."
    assert page.request_example is not None
    assert page.request_example.body_text is not None
    assert "\r" not in page.request_example.body_text


def test_text_argument_is_parsed_instead_of_the_file() -> None:
    text = "\ufeffwidgetShape enum type\n\nMembers\n\nMember Value Description\nround 0 Round.\n"
    page = parse_page("virtual/widgetshape.txt", text)
    assert (page.path, page.format, page.kind) == ("virtual/widgetshape.txt", "rendered", "enum")
    assert [(m.name, m.value, m.line) for m in page.members] == [("round", 0, 6)]

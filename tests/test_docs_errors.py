"""Pages that are not Graph doc pages raise DocParseError naming the file, line and expectation."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph_contracts.docs import parse_page
from graph_contracts.errors import DocParseError, GraphContractsError

BROKEN = Path(__file__).parent / "fixtures" / "docs" / "broken"


@pytest.mark.parametrize(
    ("name", "line", "expected", "found"),
    [
        (
            "markdown-body-table-without-header.md",
            20,
            "a header row |Property|Type|Description| followed by |:---|",
            "|id|String|Key of the policy.|",
        ),
        (
            "markdown-no-request-line.md",
            18,
            "an HTTP request line such as 'POST /deviceManagement/...'",
            "/deviceManagement/widgetPolicies/{widgetPolicyId}",
        ),
        (
            "rendered-properties-without-header.txt",
            15,
            "a table header row 'Property Type Description'",
            "id String Key of the policy.",
        ),
        (
            "rendered-no-http-request.txt",
            13,
            "an 'HTTP request' section before this",
            "Request headers",
        ),
    ],
)
def test_broken_fixture_pages(name: str, line: int, expected: str, found: str) -> None:
    path = BROKEN / name
    with pytest.raises(DocParseError) as caught:
        parse_page(path)
    assert (caught.value.file, caught.value.line) == (str(path), line)
    assert (caught.value.expected, caught.value.found) == (expected, found)
    assert str(caught.value).startswith(f"{path}:{line}: expected ")


_MARKDOWN_HEAD = """---
doc_type: apiPageType
---

# Create widgetPolicy

## HTTP request
```http
POST /deviceManagement/widgetPolicies
```
"""  # 10 lines; what a test appends starts on line 11


def _error(text: str, name: str = "page.md") -> DocParseError:
    with pytest.raises(DocParseError) as caught:
        parse_page(name, text)
    return caught.value


def test_markdown_table_starting_with_its_separator() -> None:
    error = _error(_MARKDOWN_HEAD + "\n## Permissions\n|:---|:---|\n|Application|Widget.Read.All|\n")
    assert (error.line, error.found) == (13, "|:---|:---|")
    assert "above the |:---| line" in error.expected


def test_markdown_table_with_the_wrong_header() -> None:
    error = _error(_MARKDOWN_HEAD + "\n## Request headers\n|Property|Type|\n|:---|:---|\n|a|b|\n")
    assert (error.line, error.expected) == (13, "a header row |Header|Value|")


def test_rendered_permission_row_of_unknown_type() -> None:
    text = (
        "Get widgetPolicy\n\nPermissions\n\n"
        "Permission type Permissions (from least to most privileged)\n"
        "Application Widget.Read.All\n"
        "Robot account Widget.Read.All\n\n"
        "HTTP Request\n\nGET /widgetPolicies\n"
    )
    error = _error(text, "page.txt")
    assert (error.line, error.found) == (7, "Robot account Widget.Read.All")
    assert error.expected.startswith("a row starting with a permission type")


def test_rendered_permission_rows_without_header() -> None:
    text = "Get widgetPolicy\n\nPermissions\n\nApplication Widget.Read.All\n"
    error = _error(text, "page.txt")
    assert (error.line, error.expected) == (
        5,
        "a table header row 'Permission type Permissions (from least to most privileged)'",
    )


def test_unclosed_front_matter() -> None:
    error = _error("---\ntitle: x\ndoc_type: apiPageType\n")
    assert (error.line, error.expected) == (1, "a closing '---' line for the front matter")


def test_bad_yaml_front_matter_names_its_line() -> None:
    error = _error("---\ntitle: x\ndoc_type: [unclosed\n---\n# x\n")
    assert error.line == 3
    assert error.expected == "YAML front matter"


def test_empty_page() -> None:
    error = _error("\n\n", "empty.txt")
    assert (error.file, error.line) == ("empty.txt", 1)


def test_operation_page_without_any_section() -> None:
    error = _error("Create widgetPolicy\n\nCreate a new widgetPolicy object.\n", "page.txt")
    assert (error.line, error.found) == (4, "end of page")


def test_missing_file_and_undecodable_bytes(tmp_path: Path) -> None:
    with pytest.raises(DocParseError) as caught:
        parse_page(tmp_path / "missing.md")
    assert caught.value.line == 0
    bad = tmp_path / "bad.md"
    bad.write_bytes(b"# Get x\n\xff\xfe\n")
    with pytest.raises(DocParseError) as caught:
        parse_page(bad)
    assert caught.value.expected == "UTF-8 text"


def test_doc_parse_error_is_a_graph_contracts_error() -> None:
    assert isinstance(_error("\n"), GraphContractsError)

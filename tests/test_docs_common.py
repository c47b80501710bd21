"""The cell and sentence readers both page formats share."""

from __future__ import annotations

import pytest

from graph_contracts.docs import common


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("String", ("String", False)),
        ("[widgetColor](../resources/widgetcolor.md)", ("widgetColor", False)),
        ("[widgetLayout](../resources/widgetlayout.md) collection", ("widgetLayout", True)),
        ("String collection", ("String", True)),
        ("Collection(microsoft.graph.widgetPolicy)", ("microsoft.graph.widgetPolicy", True)),
        ("`Int32`", ("Int32", False)),
    ],
)
def test_parse_type(cell: str, expected: tuple[str, bool]) -> None:
    assert common.parse_type(cell) == expected


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("Name shown to admins.", ("Name shown to admins.", None, ())),
        (
            "Key Inherited from [entity](../resources/entity.md)",
            ("Key", "entity", ()),
        ),
        (
            "Tile color. Inherited from [item](x.md). Possible values are: `red`, `green`.",
            ("Tile color.", "item", ("red", "green")),
        ),
        (
            "Tile color Inherited from item. Possible values are: red, green, and blue.",
            ("Tile color", "item", ("red", "green", "blue")),
        ),
        (
            "Scope. Possible values are: `all`, `some`. Defaults to all.",
            ("Scope. Defaults to all.", None, ("all", "some")),
        ),
        ("**TODO: Add Description**", ("TODO: Add Description", None, ())),
    ],
)
def test_split_description(cell: str, expected: tuple[str, str | None, tuple[str, ...]]) -> None:
    assert common.split_description(cell) == expected


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("Widget.Read.All, Widget.ReadWrite.All", ("Widget.Read.All", "Widget.ReadWrite.All")),
        ("Not supported.", ()),
        ("**TODO: Provide applicable permissions.**", ()),
        ("", ()),
    ],
)
def test_permission_names(cell: str, expected: tuple[str, ...]) -> None:
    assert common.permission_names(cell) == expected


def test_permission_order() -> None:
    assert (
        common.permission_order(("Permission type", "Permissions (from most to least privileged)")) == "most-to-least"
    )
    assert common.permission_order(("Permission type", "Permissions")) is None


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        (
            "returns a `201 Created` response code and an [widget](x.md) object in the body.",
            (201, "entity", "widget"),
        ),
        (
            "returns a `200 OK` response code and a collection of [widget](x.md) objects.",
            (200, "collection", "widget"),
        ),
        (
            "returns a 200 OK response code and a widget collection in the response body.",
            (200, "collection", "widget"),
        ),
        ("returns a `204 No Content` response code.", (204, "none", None)),
        ("returns a `200 OK` response code and [widget](x.md) object.", (200, "entity", "widget")),
    ],
)
def test_response_sentence(sentence: str, expected: tuple[int, str, str | None]) -> None:
    found = common.response_sentence("If successful, this method " + sentence)
    assert found is not None
    assert (found.status, found.kind, found.type) == expected


def test_response_sentence_without_status() -> None:
    assert common.response_sentence("Returns the widget.") is None


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("In the request body, supply a JSON representation for the widget object.", "widget"),
        (
            "In the request body, supply a JSON representation of the [widget](x.md) object.",
            "widget",
        ),
        ("In the request body, supply JSON representation of the parameters.", None),
    ],
)
def test_body_type(sentence: str, expected: str | None) -> None:
    assert common.body_type(sentence) == expected


@pytest.mark.parametrize(
    ("title", "verb", "subject", "bound"),
    [
        ("Create widgetPolicies", "create", "widgetPolicies", False),
        ("List widgetPolicies", "list", "widgetPolicies", False),
        ("Update widgetPolicy", "update", "widgetPolicy", False),
        ("widgetPolicy: assign", "assign", "widgetPolicy", True),
        ("assign action", "assign", None, False),
        ("Widgets overview", None, None, False),
    ],
)
def test_title_verb(title: str, verb: str | None, subject: str | None, bound: bool) -> None:
    assert common.title_verb(title) == common.TitleVerb(verb, subject, bound)


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("widgetPolicies", "widgetPolicy"),
        ("widgets", "widget"),
        ("addresses", "address"),
        ("class", "class"),
    ],
)
def test_singular(word: str, expected: str) -> None:
    assert common.singular(word) == expected


def test_request_path_drops_host_version_and_query() -> None:
    assert common.request_path("https://graph.microsoft.com/beta/widgets/{id}?$select=a") == "/widgets/{id}"
    assert common.request_path("/widgets?$top=5") == "/widgets"


def test_example_with_html_entities_and_no_body() -> None:
    example = common.parse_example(
        [
            (7, "GET https://graph.microsoft.com/v1.0/widgets"),
            (8, "Authorization: Bearer &lt;token&gt;"),
        ]
    )
    assert example is not None
    assert (example.line, example.method, example.body, example.body_text) == (7, "GET", None, None)
    assert [(h.name, h.value, h.line) for h in example.headers] == [("Authorization", "Bearer <token>", 8)]


def test_example_that_is_not_http() -> None:
    assert common.parse_example([(1, '{"a": 1}')]) is None

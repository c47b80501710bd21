"""The markdown-source reader, on invented pages in the docs repository's format."""

from __future__ import annotations

from pathlib import Path

from graph_contracts.docs import Header, PermissionRow, TableRow, parse_page

PAGES = Path(__file__).parent / "fixtures" / "docs" / "pages"


def _rows(rows: tuple[TableRow, ...]) -> list[tuple[object, ...]]:
    return [(r.line, r.name, r.type, r.collection, r.inherited_from, r.possible_values, r.description) for r in rows]


def test_resource_page() -> None:
    page = parse_page(PAGES / "markdown-deviceenrollmentwidget-resource.md")
    assert (page.format, page.kind, page.title) == (
        "markdown",
        "resource",
        "deviceEnrollmentWidget resource type",
    )
    assert page.description == "A tile that an enrollment portal shows to the user."
    assert page.base_type == "deviceEnrollmentItem"
    assert page.odata_type == "microsoft.graph.deviceEnrollmentWidget"
    assert page.version is None
    assert page.properties is not None
    assert (page.properties.title, page.properties.header, page.properties.line) == (
        "Properties",
        ("Property", "Type", "Description"),
        25,
    )
    assert _rows(page.properties.rows) == [
        (27, "id", "String", False, "deviceEnrollmentItem", (), "Key of the widget."),
        (28, "displayName", "String", False, None, (), "Name shown to admins."),
        (
            29,
            "widgetColor",
            "widgetColor",
            False,
            None,
            ("red", "green", "blue", "unknownFutureValue"),
            "Color of the widget tile.",
        ),
        (30, "serialNumbers", "String", True, None, (), "Serial numbers the widget covers."),
        (31, "policies", "widgetPolicy", True, None, (), "Policies that show this widget."),
        (
            32,
            "layout",
            "widgetLayout",
            True,
            None,
            (),
            "Where the tile sits, one entry per screen size.",
        ),
    ]


def test_enum_page_and_beta_notice() -> None:
    page = parse_page(PAGES / "markdown-widgetcolor-enum.md")
    assert (page.kind, page.version, page.members_line) == ("enum", "beta", 16)
    assert [(m.line, m.name, m.value) for m in page.members] == [
        (18, "red", 0),
        (19, "green", 1),
        (20, "blue", 2),
        (21, "unknownFutureValue", 3),
    ]
    assert page.members[3].description == "Evolvable enumeration sentinel value. Do not use."


def test_action_page_with_todos_and_two_request_paths() -> None:
    page = parse_page(PAGES / "markdown-widget-assign-todo.md")
    assert page.todos == (3, 4, 13, 20, 48)
    assert page.description == "TODO: Add Description"
    assert (page.verb, page.subject_type, page.method) == (
        "assign",
        "deviceEnrollmentWidget",
        "POST",
    )
    assert page.paths == (
        "/deviceManagement/deviceEnrollmentWidgets/{deviceEnrollmentWidgetId}/assign",
        "/deviceManagement/widgetPolicies/{widgetPolicyId}/widgets/{deviceEnrollmentWidgetId}/assign",
    )
    assert page.paths_line == 31
    assert page.permission_order == "most-to-least"
    assert page.permissions == (
        PermissionRow(
            "Delegated (work or school account)",
            (),
            "**TODO: Provide applicable permissions.**",
            20,
        ),
        PermissionRow("Delegated (personal Microsoft account)", (), "Not supported.", 21),
        PermissionRow(
            "Application",
            (
                "DeviceManagementServiceConfig.ReadWrite.All",
                "DeviceManagementConfiguration.Read.All",
            ),
            "DeviceManagementServiceConfig.ReadWrite.All, DeviceManagementConfiguration.Read.All",
            22,
        ),
    )
    assert page.request_headers == (
        Header("Authorization", "Bearer {token}. Required.", 38),
        Header("Content-Type", "application/json. Required.", 39),
    )
    assert page.body_type is None
    assert page.body_table is not None
    assert page.body_table.header == ("Parameter", "Type", "Description")
    assert _rows(page.body_table.rows) == [
        (48, "policies", "widgetPolicy", True, None, (), "TODO: Add Description"),
        (49, "replace", "Boolean", False, None, (), "Drop the policies assigned before."),
    ]
    assert (page.success_status, page.response_kind, page.response_type) == (
        200,
        "collection",
        "widgetPolicy",
    )


def test_example_with_blank_line_between_url_and_headers() -> None:
    page = parse_page(PAGES / "markdown-widget-assign-todo.md")
    request = page.request_example
    assert request is not None
    assert (request.line, request.method) == (64, "POST")
    assert request.headers == (
        Header("Content-Type", "application/json", 66),
        Header("Content-length", "120", 67),
    )
    assert request.body == {
        "policies": [{"@odata.type": "#microsoft.graph.widgetPolicy", "id": "policy-1"}],
        "replace": False,
    }
    assert page.version == "v1.0"
    assert page.response_example is not None
    assert (page.response_example.line, page.response_example.status) == (88, 200)


def test_unparseable_example_body_is_reported_not_raised() -> None:
    page = parse_page(PAGES / "markdown-widget-get-badjson.md")
    response = page.response_example
    assert response is not None
    assert response.status == 200
    assert response.body is None
    assert response.body_text is not None and response.body_text.startswith('{\n  "value": {')
    assert response.body_error == ("Expecting property name enclosed in double quotes at line 56 column 3")


def test_get_page_query_string_and_version_from_url() -> None:
    page = parse_page(PAGES / "markdown-widget-get-badjson.md")
    assert page.paths == ("/deviceManagement/deviceEnrollmentWidgets/{deviceEnrollmentWidgetId}",)
    assert page.version == "beta"
    assert (page.verb, page.subject_type) == ("get", "deviceEnrollmentWidget")
    assert (page.success_status, page.response_kind, page.response_type) == (
        200,
        "entity",
        "deviceEnrollmentWidget",
    )
    assert page.request_headers[0] == Header("Authorization", "Bearer <token> Required.", 30)


def test_delete_page_has_no_response_body() -> None:
    page = parse_page(PAGES / "markdown-widget-delete.md")
    assert (page.verb, page.subject_type, page.method) == (
        "delete",
        "deviceEnrollmentWidget",
        "DELETE",
    )
    assert (page.success_status, page.response_kind, page.response_type) == (204, "none", None)
    assert page.response_example is not None
    assert (page.response_example.status, page.response_example.body) == (204, None)
    assert page.body_table is None


def test_least_and_higher_privileged_permission_columns() -> None:
    text = "\n".join(
        [
            "# Update widgetPolicy",  # 1
            "",
            "## Permissions",  # 3
            "|Permission type|Least privileged permissions|Higher privileged permissions|",
            "|:---|:---|:---|",
            "|Delegated (work or school account)|Widget.ReadWrite.All|Directory.ReadWrite.All|",
            "|Delegated (personal Microsoft account)|Not supported.|Not supported.|",
            "|Application|Widget.ReadWrite.All|Not available.|",
            "",
            "## HTTP request",  # 10
            "```http",
            "PATCH /deviceManagement/widgetPolicies/{widgetPolicyId}",
            "```",
        ]
    )
    page = parse_page("update.md", text)
    assert (page.verb, page.method, page.paths_line) == ("update", "PATCH", 12)
    assert page.permission_order == "least-to-most"
    assert [(p.line, p.permission_type, p.permissions) for p in page.permissions] == [
        (
            6,
            "Delegated (work or school account)",
            ("Widget.ReadWrite.All", "Directory.ReadWrite.All"),
        ),
        (7, "Delegated (personal Microsoft account)", ()),
        (8, "Application", ("Widget.ReadWrite.All",)),
    ]


def test_included_permissions_table_and_beta_disclaimer_include() -> None:
    text = "\n".join(
        [
            "# Get widgetPolicy",
            "Namespace: microsoft.graph",
            "[!INCLUDE [beta-disclaimer](../../includes/beta-disclaimer.md)]",
            "Read a widgetPolicy.",
            "## Permissions",
            "[!INCLUDE [permissions-table](../includes/permissions/widget-get.md)]",
            "## HTTP request",
            "```http",
            "GET /deviceManagement/widgetPolicies/{widgetPolicyId}",
            "```",
        ]
    )
    page = parse_page("get.md", text)
    assert (page.version, page.description, page.permissions) == (
        "beta",
        "Read a widgetPolicy.",
        (),
    )
    assert page.paths == ("/deviceManagement/widgetPolicies/{widgetPolicyId}",)

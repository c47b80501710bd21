"""The rendered plain-text reader, on invented pages in the rendered format."""

from __future__ import annotations

from pathlib import Path

from graph_contracts.docs import DocPage, Header, PermissionRow, TableRow, parse_page

PAGES = Path(__file__).parent / "fixtures" / "docs" / "pages"


def _rows(rows: tuple[TableRow, ...]) -> list[tuple[object, ...]]:
    return [(r.line, r.name, r.type, r.collection, r.inherited_from, r.possible_values, r.description) for r in rows]


def _create() -> DocPage:
    return parse_page(PAGES / "rendered-create-deviceenrollmentwidget.txt")


def test_create_page_identity() -> None:
    page = _create()
    assert (page.format, page.kind, page.title) == (
        "rendered",
        "operation",
        "Create deviceEnrollmentWidget",
    )
    assert page.namespace == "microsoft.graph"
    assert page.version == "v1.0"
    assert page.description == "Create a new deviceEnrollmentWidget object for the tenant."
    assert page.todos == ()
    assert (page.verb, page.subject_type, page.body_type) == (
        "create",
        "deviceEnrollmentWidget",
        "deviceEnrollmentWidget",
    )


def test_create_page_request_line_permissions_and_headers() -> None:
    page = _create()
    assert page.method == "POST"
    assert page.paths == ("/deviceManagement/deviceEnrollmentWidgets",)
    assert page.paths_line == 24
    assert page.permission_order == "least-to-most"
    assert page.permissions == (
        PermissionRow(
            "Delegated (work or school account)",
            (
                "DeviceManagementServiceConfig.ReadWrite.All",
                "DeviceManagementConfiguration.ReadWrite.All",
            ),
            "DeviceManagementServiceConfig.ReadWrite.All, DeviceManagementConfiguration.ReadWrite.All",
            18,
        ),
        PermissionRow("Delegated (personal Microsoft account)", (), "Not supported.", 19),
        PermissionRow(
            "Application",
            ("DeviceManagementServiceConfig.ReadWrite.All",),
            "DeviceManagementServiceConfig.ReadWrite.All",
            20,
        ),
    )
    assert page.request_headers == (
        Header("Authorization", "Bearer {token}. Required. See authentication basics.", 29),
        Header("Content-Type", "application/json", 30),
    )


def test_create_page_body_table_row_by_row() -> None:
    table = _create().body_table
    assert table is not None
    assert (table.title, table.header, table.line) == (
        "Request body",
        ("Property", "Type", "Description"),
        38,
    )
    assert _rows(table.rows) == [
        (39, "id", "String", False, "entity", (), "Key of the widget."),
        (40, "displayName", "String", False, None, (), "Name shown to admins."),
        (
            41,
            "widgetColor",
            "widgetColor",
            False,
            "deviceEnrollmentItem",
            ("red", "green", "blue", "unknownFutureValue"),
            "Color of the widget tile.",
        ),
        (42, "serialNumbers", "String", True, None, (), "Serial numbers the widget covers."),
        (
            43,
            "createdDateTime",
            "DateTimeOffset",
            False,
            "deviceEnrollmentItem",
            (),
            "When the widget was made",
        ),
        (44, "isPinned", "Boolean", False, None, (), "Whether the widget stays on top."),
    ]


def test_create_page_response_and_examples() -> None:
    page = _create()
    assert (page.success_status, page.response_kind, page.response_type) == (
        201,
        "entity",
        "deviceEnrollmentWidget",
    )
    request, response = page.request_example, page.response_example
    assert request is not None and response is not None
    assert (request.line, request.method, request.url) == (
        56,
        "POST",
        "https://graph.microsoft.com/v1.0/deviceManagement/deviceEnrollmentWidgets",
    )
    assert request.headers == (
        Header("Content-type", "application/json", 57),
        Header("Content-length", "221", 58),
    )
    assert request.body == {
        "@odata.type": "#microsoft.graph.deviceEnrollmentWidget",
        "displayName": "Lobby kiosk widget",
        "widgetColor": "green",
        "serialNumbers": ["SN-0001", "SN-0002"],
        "isPinned": True,
    }
    assert (response.line, response.status, response.body_error) == (75, 201, None)
    assert response.body["id"] == "0b7e7a4c-1d2e-4f3a-9b8c-7d6e5f4a3b2c"
    assert response.body["createdDateTime"] == "2024-03-01T08:15:00Z"


def test_pipe_rows_beta_notice_and_list_verb() -> None:
    page = parse_page(PAGES / "rendered-list-widgetpolicies-pipes.txt")
    assert page.version == "beta"
    assert (page.verb, page.subject_type, page.method) == ("list", "widgetPolicy", "GET")
    assert page.paths == (
        "/deviceManagement/widgetPolicies",
        "/deviceManagement/deviceEnrollmentWidgets/{deviceEnrollmentWidgetId}/policies",
    )
    assert [(p.line, p.permission_type, p.permissions) for p in page.permissions] == [
        (
            15,
            "Delegated (work or school account)",
            (
                "DeviceManagementServiceConfig.Read.All",
                "DeviceManagementServiceConfig.ReadWrite.All",
            ),
        ),
        (16, "Delegated (personal Microsoft account)", ()),
        (17, "Application", ("DeviceManagementServiceConfig.Read.All",)),
    ]
    assert page.request_headers[0] == Header("Authorization", "Bearer <token> Required.", 28)
    assert page.body_table is None and page.body_type is None
    assert (page.success_status, page.response_kind, page.response_type) == (
        200,
        "collection",
        "widgetPolicy",
    )
    assert page.request_example is not None and page.request_example.body is None
    assert page.response_example is not None
    assert page.response_example.body == {
        "value": [{"@odata.type": "#microsoft.graph.widgetPolicy", "id": "policy-1", "priority": 3}]
    }


def test_resource_page_with_pipe_table() -> None:
    page = parse_page(PAGES / "rendered-widgetpolicy-resource.txt")
    assert (page.kind, page.version, page.base_type, page.odata_type) == (
        "resource",
        "beta",
        "policyBase",
        "microsoft.graph.widgetPolicy",
    )
    assert page.properties is not None
    assert (page.properties.title, page.properties.line) == ("Properties", 18)
    assert _rows(page.properties.rows) == [
        (20, "id", "String", False, "policyBase", (), "Key of the policy."),
        (21, "priority", "Int32", False, None, (), "Order in which policies apply; lower wins."),
        (22, "widgetIds", "String", True, None, (), "Widgets the policy shows."),
        (
            23,
            "scope",
            "policyScope",
            False,
            None,
            ("allDevices", "selectedGroups"),
            "Who the policy targets.",
        ),
    ]
    assert page.method is None and page.paths == ()


def test_enum_page() -> None:
    page = parse_page(PAGES / "rendered-widgetcolor-enum.txt")
    assert (page.kind, page.title, page.version, page.members_line) == (
        "enum",
        "widgetColor enum type",
        None,
        9,
    )
    assert [(m.line, m.name, m.value, m.description) for m in page.members] == [
        (10, "red", 0, "A red tile."),
        (11, "green", 1, "A green tile."),
        (12, "blue", 2, "A blue tile."),
        (13, "unknownFutureValue", 3, "Evolvable enumeration sentinel value. Do not use."),
    ]


def test_flattened_least_and_higher_privileged_permission_columns() -> None:
    text = (
        "Update widgetPolicy\n"  # 1
        "\n"
        "Permissions\n"  # 3
        "\n"
        "Permission type Least privileged permissions Higher privileged permissions\n"  # 5
        "Delegated (work or school account) Widget.ReadWrite.All Directory.ReadWrite.All\n"
        "Delegated (personal Microsoft account) Not supported. Not supported.\n"
        "Application Widget.ReadWrite.All Not available.\n"  # 8
        "\n"
        "HTTP Request\n"  # 10
        "\n"
        "PATCH /deviceManagement/widgetPolicies/{widgetPolicyId}\n"  # 12
    )
    page = parse_page("update.txt", text)
    assert (page.format, page.verb, page.method, page.paths_line) == (
        "rendered",
        "update",
        "PATCH",
        12,
    )
    assert page.permission_order == "least-to-most"
    assert [(p.line, p.permissions) for p in page.permissions] == [
        (6, ("Widget.ReadWrite.All", "Directory.ReadWrite.All")),
        (7, ()),
        (8, ("Widget.ReadWrite.All",)),
    ]

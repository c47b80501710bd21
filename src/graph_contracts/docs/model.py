"""What a Graph doc page says, as plain frozen data, before it becomes a contract."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

PageKind = Literal["operation", "resource", "enum"]
PageFormat = Literal["markdown", "rendered"]


@dataclass(frozen=True)
class TableRow:
    """One row of a property or parameter table, with the facts its prose carries.

    ``type`` is the Graph type as the table shows it, without link markup
    (``String``, ``Binary``, ``importedWindowsAutopilotDeviceIdentityState``);
    ``collection`` is True when the cell says "X collection" or ``Collection(X)``.
    ``description`` is the cell text without link markup and without the
    "Inherited from" and "Possible values are" sentences, which are parsed out.
    """

    name: str
    type: str
    description: str
    line: int
    collection: bool = False
    inherited_from: str | None = None
    possible_values: tuple[str, ...] = ()


@dataclass(frozen=True)
class Table:
    """A property, parameter or members table; ``title`` is the section heading it sits under."""

    title: str
    header: tuple[str, ...]
    line: int
    rows: tuple[TableRow, ...]


@dataclass(frozen=True)
class EnumMemberRow:
    name: str
    value: int | None
    description: str
    line: int


@dataclass(frozen=True)
class PermissionRow:
    """One permission type with its permissions, in the page's order.

    ``DocPage.permission_order`` says which order the table header claims
    ("least-to-most" or "most-to-least"); the cells are kept as written.

    ``permissions`` is empty when the page says "Not supported." or leaves a
    TODO; ``raw`` keeps the cell so a finding can quote it.
    """

    permission_type: str
    permissions: tuple[str, ...]
    raw: str
    line: int


@dataclass(frozen=True)
class Header:
    name: str
    value: str
    line: int


@dataclass(frozen=True)
class Example:
    """A documented example request or response.

    ``body`` is the parsed JSON (None when there is no body); ``body_error``
    says why a body that is present did not parse, so the caller can report
    it instead of crashing.
    """

    line: int
    method: str | None = None
    url: str | None = None
    status: int | None = None
    headers: tuple[Header, ...] = ()
    body: Any = None
    body_text: str | None = None
    body_error: str | None = None


@dataclass(frozen=True)
class DocPage:
    """Everything graph-contracts reads from one doc page.

    Operation pages fill the operation fields; resource pages fill
    ``properties`` and ``base_type``; enum pages fill ``members``.
    ``todos`` lists the lines where the page holds a TODO placeholder.
    """

    path: str
    format: PageFormat
    kind: PageKind
    title: str
    namespace: str | None = None
    version: str | None = None
    description: str = ""
    todos: tuple[int, ...] = ()
    # operation pages
    verb: str | None = None
    subject_type: str | None = None
    method: str | None = None
    paths: tuple[str, ...] = ()
    paths_line: int = 0
    #: why a stub's request line names no path ("Collection URI for microsoft.graph.X not found")
    unaddressable: str | None = None
    #: what an action's first path binds it to: ("windowsAutopilotDeviceIdentity", "entity")
    binding: tuple[str, str] | None = None
    permissions: tuple[PermissionRow, ...] = ()
    permission_order: str | None = None
    request_headers: tuple[Header, ...] = ()
    body_type: str | None = None
    body_table: Table | None = None
    body_table_says_required: bool = False
    success_status: int | None = None
    response_kind: Literal["entity", "collection", "none"] | None = None
    response_type: str | None = None
    request_example: Example | None = None
    response_example: Example | None = None
    # resource pages
    properties: Table | None = None
    base_type: str | None = None
    odata_type: str | None = None
    # enum pages
    members: tuple[EnumMemberRow, ...] = ()
    members_line: int = 0
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

"""Issues placed in the file their record came from: the record's pointer, row or line, and CSV column."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from ..autopilot.csv_lines import column_of
from ..issues import Issue, Location


def place_issues(
    issues: list[Issue], prefix: str, location: Location, columns: Mapping[str, str] | None
) -> list[Issue]:
    """The issues of a record read from a file, placed in it: ``prefix`` (the record's pointer) before
    their pointers, their location the record's, with the CSV column (``columns``) of their property."""
    if not prefix and columns is None:
        return issues
    return [_place(i, prefix, location, columns) for i in issues]


def _place(issue: Issue, prefix: str, location: Location, columns: Mapping[str, str] | None) -> Issue:
    """An issue of a record read from a file: its pointer within the file, its row and CSV column."""
    if columns is not None:
        column = column_of(issue.pointer, columns)
        base = issue.location or location
        location = replace(base, column=column) if column != base.column else base
    elif issue.location is not None:
        location = issue.location
    return replace(issue, pointer=prefix + issue.pointer, location=location)


def located(issue: Issue, location: Location) -> Issue:
    return replace(issue, location=location)

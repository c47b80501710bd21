"""What validating a file gives back, as plain data: the issues of each record, or of the file."""

from __future__ import annotations

from dataclasses import dataclass

from ..issues import Issue

__all__ = ["RecordResult"]


@dataclass(frozen=True)
class RecordResult:
    """The issues of one record, or (``is_record`` False) of the file as a whole.

    ``label`` says where the record is in terms a person can find in an editor
    (``row 7``, ``line 3``, ``item 2``); it is empty for a file holding one
    payload. ``line`` is the 1-based line when it is known (CSV, NDJSON).
    """

    file: str
    label: str
    issues: list[Issue]
    line: int | None = None
    is_record: bool = True

    @property
    def errors(self) -> int:
        return sum(i.severity == "error" for i in self.issues)

    @property
    def warnings(self) -> int:
        return sum(i.severity == "warning" for i in self.issues)

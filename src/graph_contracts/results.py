"""What validating a file gives back: a result per record, shared by one process and ``--jobs``.

``validate_files.Run`` yields these in one process; ``parallel`` yields the
same from worker processes, below ``validate_files`` (it is handed a run
factory, never imports the run), so both build results here.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from .autopilot.rules import BatchChecker, PlainRows
from .issues import Issue, Location
from .validation import place_issues

__all__ = ["RecordResult", "lane_results"]


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


def lane_results(batch: BatchChecker, plain: PlainRows, counted: bool) -> Iterator[RecordResult | int]:
    """The results of rows found clean but for the batch checks, once ``batch`` has checked them:
    a ``RecordResult`` for each row with a batch issue, the others as counts (``counted``) or
    results without issues."""
    found = batch.check_rows(plain)
    rows, file = plain.rows, plain.file
    done = 0
    for index, issues in [*found, (len(rows), [])]:
        if counted:
            if index > done:
                yield index - done
        else:
            yield from (RecordResult(file, f"row {row}", [], row) for row in rows[done:index])
        if index < len(rows):
            row = rows[index]
            yield RecordResult(file, f"row {row}", place_issues(issues, "", Location(file, row=row), plain.columns),
                               row)
        done = index + 1

"""Read Autopilot device CSV files as people really have them, one row at a time, and check them.

The Intune portal's rules (graph-facts.md §3.3, hardware-hash.md §4): the header
is exactly ``Device Serial Number,Windows Product ID,Hardware Hash`` with the
optional ``Group Tag`` and ``Assigned User`` (or the partner columns
``Manufacturer name`` and ``Device model`` that ``Get-WindowsAutopilotInfo
-Partner`` writes); headers are case-sensitive; extra columns and quotation
marks are not allowed; ANSI text only; at most 500 rows; don't edit in Excel.

Real files break these rules in known ways, and each is reported with what
Intune would do: an error where the portal rejects the file or the row, a
warning where the facts say it only might. Encoding is the notable warning:
the docs say "ANSI only", yet Windows PowerShell 5.1's ``Out-File``, which
``Get-WindowsAutopilotInfo`` uses, writes UTF-16LE with a BOM, and those are
the files people upload; so BOMs and UTF-16 are decoded and warned about.

This module only *reads*: it reports what is wrong with the file as a CSV
file (encoding, header, quotes, blank lines, rows of the wrong shape, values
an Excel round trip mangled, checked in ``csv_excel``) and maps each row to its Graph record. The
Autopilot rules and the duplicate checks are the validator's
(``Validator.validate_many``), so a record means the same as CSV and as JSON.

Rows are numbered as lines of the file (1-based, the header is row 1, or row 2
after a ``#TYPE`` line), which is what an editor and a spreadsheet show.
Autopilot values never contain line breaks, so each line is one row. Memory
stays constant in the number of rows.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field, replace
from typing import cast

from graph_contracts import textio
from graph_contracts.autopilot.catalog import make_issue
from graph_contracts.autopilot.csv_excel import excel_signs, formula_cells
from graph_contracts.autopilot.csv_lines import (
    COLUMN_TO_PROPERTY,
    KNOWN_BY_KEY,
    KNOWN_COLUMNS,
    OTHER_SEPARATORS,
    PARTNER_COLUMNS,
    REQUIRED_COLUMNS,
    column_key,
    column_of,
    decode_ansi_line,
    looks_autopilot,
    parse_line,
    plain_record,
    shape_fault,
    sniff_separator,
)
from graph_contracts.errors import InputFileError
from graph_contracts.issues import Issue, Location, quote
from graph_contracts.textio import ByteSource, Overlong

#: A line longer than this is one ``csv-row`` issue, read past in constant memory (a real row is ~4 KB).
MAX_LINE = 4 * 1024 * 1024
#: Unknown header columns reported one by one before the rest are counted in one issue.
MAX_COLUMN_ISSUES = 10
_TYPE_LINE = "#TYPE"


@dataclass(frozen=True)
class CsvRow:
    """One device row: its line in the file, the Graph record it maps to, and the reader's issues.

    ``values`` keeps every recognised column by its canonical name, including
    the partner columns that have no Graph property. ``issues`` are only what
    the CSV itself gets wrong (``csv-row``, ``csv-excel-mangled``); ``shaped``
    is False when the row could not be split into the header's columns, so
    its record is not worth validating. ``columns`` maps each Graph property
    to its column as the header spells it, to place the validator's issues.
    ``hash_optional`` marks a partner row that registers by manufacturer,
    model and serial, where an empty hash is allowed.
    """

    row: int
    record: dict[str, str]
    issues: list[Issue]
    values: dict[str, str] = field(default_factory=dict)
    shaped: bool = True
    columns: Mapping[str, str] = field(default_factory=dict)
    hash_optional: bool = False


class AutopilotCsv:
    """An Autopilot CSV file; iterate it for ``CsvRow`` objects, read lazily.

    ``file_issues`` collects file-level deviations (encoding, ``#TYPE`` line,
    header, quotes, blank lines) as iteration reaches them; it is complete once
    iteration has finished. Iterating again starts over (path sources only).
    ``source`` is a path or an open binary file; a missing or unreadable file
    raises ``InputFileError``, while anything wrong inside it becomes an ``Issue``.
    """

    def __init__(
        self, source: str | os.PathLike[str] | ByteSource, *, name: str | None = None, part: Part | None = None
    ) -> None:
        self._source = source
        self._part = part
        if isinstance(source, (str, os.PathLike)):
            self.file = name or os.fspath(source)
            if not os.path.exists(source):
                raise InputFileError(self.file, "no such file")
            if os.path.isdir(source):
                raise InputFileError(self.file, "is a directory, not a CSV file")
        else:
            self.file = name or str(getattr(source, "name", "<stream>"))
        self.file_issues: list[Issue] = []
        self.header: tuple[str, ...] = ()
        self.partner = False
        #: True when reading stopped before the end (binary data, an endless line, not an Autopilot CSV).
        self.stopped = False
        #: The header's row once read (after a ``#TYPE`` line or blank lines it is not 1).
        self.header_row: int | None = None
        #: The lines read, once the end is reached (a ``Part``'s head lines included).
        self.lines = 0

    # -- plumbing -----------------------------------------------------------

    def _open(self) -> AbstractContextManager[ByteSource]:
        if isinstance(self._source, (str, os.PathLike)):
            try:
                return open(self._source, "rb")  # closed by the with in __iter__
            except OSError as exc:
                raise InputFileError(self.file, exc.strerror or str(exc)) from exc
        return nullcontext(self._source)

    @staticmethod
    def _decode(raw: bytes, ansi: bool) -> tuple[str, bool]:
        """A line's text, with True when it was non-ASCII UTF-8 (the ANSI path only)."""
        if ansi:
            return decode_ansi_line(raw)
        return raw.decode("utf-8", "surrogatepass"), False

    def _file_issue(self, code: str, message: str, row: int | None = None, column: str | None = None) -> None:
        self.file_issues.append(make_issue(code, "", message, location=Location(self.file, row=row, column=column)))

    # -- the file -------------------------------------------------------------

    def __iter__(self) -> Iterator[CsvRow]:
        for row in self.rows(plain=False):
            assert isinstance(row, CsvRow)
            yield row

    def rows(self, *, plain: bool) -> Iterator[CsvRow | PlainRow]:
        """The rows; with ``plain``, a row the plain-line test passes comes as a ``PlainRow`` tuple.

        A ``PlainRow`` stands for exactly the ``CsvRow`` the general path builds for that line:
        no reader issue, shaped, ``hash_optional`` False. Only the validator's lane asks for them
        (``Validator.check_stream``), to skip the objects a row with no issue does not need.
        """
        self.file_issues = []
        self.header = ()
        self.partner = False
        self.stopped = True  # until the end is reached
        self.header_row = None
        self.lines = 0
        with self._open() as stream:
            yield from self._rows(stream, plain)

    def _rows(self, stream: ByteSource, plain: bool) -> Iterator[CsvRow | PlainRow]:
        head = textio.read_head(stream, self.file, 8)  # the sniffers need eight bytes
        if not head:
            self._file_issue(
                "csv-header", f"the file is empty; expected the header {','.join(REQUIRED_COLUMNS)}", row=1
            )
            return
        textio.check_encoding(head, self.file)
        encoding = textio.sniff_encoding(head)
        if encoding.warning:
            self._file_issue("csv-encoding", encoding.warning)
        state = _RowState()
        part = self._part
        pieces = textio.utf8_chunks(textio.chunks(stream, self.file, head), encoding, self.file)
        ansi = not encoding.utf16
        number = 0
        for number, raw in enumerate(textio.split_lines(pieces, MAX_LINE), 1):
            if part is not None and number == part.head_lines + 1 and not part.keep_head:
                self.file_issues = []  # the head was read for its header; another part reports it
            if type(raw) is bytes and plain and state.props is not None and state.blank_start is None:
                found = _plain_row(raw, state, number, self.file)
                if found is not None:
                    yield found
                    continue
            if isinstance(raw, Overlong):
                row = self._overlong(number, raw, state)
                if row is not None:
                    yield row
                return
            line, non_ascii = self._decode(raw, ansi)
            if "\0" in line:
                # One rule wherever the row is (validate refuses a file whose first line has one): the
                # row's error, and the end of reading, as binary data may follow.
                message = (
                    "this row contains NUL bytes: this is not a text file (or UTF-16 that "
                    "lost its byte order mark); the portal cannot read it; reading stopped here"
                )
                if not self.header:
                    self._file_issue("csv-binary", message, row=number)
                else:
                    yield CsvRow(
                        number,
                        {},
                        [make_issue("csv-binary", "", message, location=Location(self.file, row=number))],
                        shaped=False,
                    )
                return
            if non_ascii and not state.non_ascii_seen:
                state.non_ascii_seen = True
                self._file_issue(
                    "csv-encoding",
                    "this row is the first with non-ASCII characters in UTF-8; the portal reads ANSI "
                    "text, so they may arrive garbled (e.g. 'é' as 'Ã©')",
                    row=number,
                )
            row = self._line(number, line, state)
            if row is not None:
                state.rows = True
                yield row
            if state.stopped:
                return
        if not self.header:
            only_blank = state.blank_start is not None
            self._file_issue(
                "csv-header",
                "the file has no header line"
                + (" (only empty lines or commas)" if only_blank else "")
                + f"; expected {','.join(REQUIRED_COLUMNS)}",
                row=1,
            )
            self.stopped = False
            return
        if part is None or part.last:
            self._report_blank_run(state, trailing=True)
        if part is None and not state.rows and state.props is None:
            # No device row at all (a row the lane took sets props): "0 records checked" alone reads as a pass.
            self._file_issue(
                "empty-batch", "the file has a header but no device rows: an upload of it registers nothing"
            )
        self.lines = number
        self.stopped = False

    def _overlong(self, number: int, line: Overlong, state: _RowState) -> CsvRow | None:
        message = (
            f"this row is longer than the {MAX_LINE} bytes a row may have (a real row is about "
            "4 KB): not an Autopilot CSV file; reading stopped here"
        )
        if not self.header:
            self.header = ("",)
            state.columns = [None]
            self._file_issue("csv-header", message, row=number)
            return None
        return CsvRow(
            number, {}, [make_issue("csv-row", "", message, location=Location(self.file, row=number))], shaped=False
        )

    def _line(self, number: int, line: str, state: _RowState) -> CsvRow | None:
        if not self.header and number == 1 and line.startswith(_TYPE_LINE):
            self._file_issue(
                "csv-type-line",
                f"the first line is {quote(line)}, the type line Export-Csv writes without "
                "-NoTypeInformation; the portal expects the header on the first line, so delete "
                "the line (or export with -NoTypeInformation)",
                row=number,
            )
            return None
        if '"' in line and not state.quotes_seen:
            state.quotes_seen = True
            what = "the header wraps its names" if not self.header else "this row is the first to wrap values"
            self._file_issue(
                "csv-quotes",
                f"{what} in quotation marks, as PowerShell's Export-Csv and "
                "ConvertTo-Csv do; the portal does not allow quotation marks (which is why "
                "Get-WindowsAutopilotInfo strips them): remove them",
                row=number,
            )
        if not self.header and line.strip(" ,;\t\r\n") and not self._autopilot_start(number, line, state):
            return None
        fields = parse_line(line, state.separator)
        if fields is None:
            return CsvRow(
                number,
                {},
                [
                    make_issue(
                        "csv-row",
                        "",
                        "this row could not be read as CSV (a quoted value longer than "
                        f"{csv.field_size_limit()} characters?)",
                        location=Location(self.file, row=number),
                    )
                ],
                shaped=False,
            )
        if not any(f.strip() for f in fields):
            if state.blank_start is None:
                state.blank_start = number
            state.blank_count += 1
            return None
        self._report_blank_run(state, trailing=False)
        if not self.header:
            self._read_header(number, fields, state)
            return None
        return self._data_row(number, line, fields, state)

    def _autopilot_start(self, number: int, line: str, state: _RowState) -> bool:
        """Check the first line: another separator is reported and used; a file that is no Autopilot CSV stops."""
        separator = sniff_separator(line)
        if separator is not None:
            state.separator = separator
            self._file_issue(
                "csv-separator",
                f"the values are separated by {OTHER_SEPARATORS[separator][0]}; the portal needs commas: "
                f"{OTHER_SEPARATORS[separator][1]}. The rows were checked with the separator found",
                row=number,
            )
            return True
        if looks_autopilot(line):
            return True
        self.header = (line,)
        state.stopped = True
        columns = line.count(",") + 1
        many = f" ({columns} columns)" if columns > MAX_COLUMN_ISSUES else ""
        self._file_issue(
            "csv-not-autopilot",
            f"this is not an Autopilot CSV: the first line is {quote(line)}{many}, where the header "
            f"{','.join(REQUIRED_COLUMNS)} (optionally with Group Tag, Assigned User) is expected; "
            "the rest of the file was not read",
            row=number,
        )
        return False

    def _report_blank_run(self, state: _RowState, *, trailing: bool) -> None:
        if state.blank_start is None:
            return
        count, start = state.blank_count, state.blank_start
        state.blank_start, state.blank_count = None, 0
        lines = "blank line" if count == 1 else f"{count} blank lines"
        where = "at the end of the file" if trailing else "between rows"
        if count > 1:
            where += ", starting at this row"
        self._file_issue(
            "csv-blank-line",
            f"{lines} {where} (empty or only commas); the portal may read them "
            "as device rows without a serial number, so delete them",
            row=start,
        )

    def _read_header(self, number: int, fields: list[str], state: _RowState) -> None:
        self.header = tuple(fields)
        self.header_row = number
        if not any(column_key(name) in KNOWN_BY_KEY for name in fields):
            # Data, or a header of another tool: one issue, not one per column (a line may have a million).
            state.columns = [None] * len(fields)
            self._file_issue(
                "csv-header",
                f"the header names none of the Autopilot CSV columns ({len(fields)} columns, starting "
                f"{quote(','.join(fields[:5]))}); the header must be {','.join(REQUIRED_COLUMNS)}",
                row=number,
            )
            return
        canonical: list[str | None] = []
        unknown: list[str] = []
        for name in fields:
            known = KNOWN_BY_KEY.get(column_key(name))
            if known is None:
                unknown.append(name)
                if len(unknown) <= MAX_COLUMN_ISSUES:
                    shown = repr(name) if name else "an empty column name (a trailing comma?)"
                    self._file_issue(
                        "csv-extra-column",
                        f"column {shown} is not an Autopilot CSV column and extra columns are not "
                        f"allowed; the columns are {', '.join(KNOWN_COLUMNS)}",
                        row=number,
                        column=name,
                    )
            elif known in canonical:
                self._file_issue("csv-header", f"column {name!r} appears twice", row=number, column=name)
                known = None
            elif name != known:
                self._file_issue(
                    "csv-header",
                    f"column {name!r} must be spelled exactly {known!r}: the portal's headers are case-sensitive",
                    row=number,
                    column=name,
                )
            canonical.append(known)
        if len(unknown) > MAX_COLUMN_ISSUES:
            self._file_issue(
                "csv-extra-column",
                f"and {len(unknown) - MAX_COLUMN_ISSUES} more columns that are not Autopilot CSV columns "
                f"({len(fields)} columns in all); the columns are {', '.join(KNOWN_COLUMNS)}",
                row=number,
            )
        state.columns = canonical
        missing = [c for c in REQUIRED_COLUMNS if c not in canonical]
        self.partner = any(c in canonical for c in PARTNER_COLUMNS)
        if self.partner:
            missing += [c for c in PARTNER_COLUMNS if c not in canonical]
        for column in missing:
            self._file_issue(
                "csv-missing-column",
                f"the header has no {column!r} column; the header must be "
                f"{','.join(REQUIRED_COLUMNS)}"
                + (f" with the partner columns {','.join(PARTNER_COLUMNS)}" if column in PARTNER_COLUMNS else ""),
                row=number,
                column=column,
            )
        if not missing and tuple(canonical[:3]) != REQUIRED_COLUMNS:
            self._file_issue(
                "csv-header",
                f"the columns are in the order {', '.join(map(repr, fields))}; the header must "
                f"start with {','.join(REQUIRED_COLUMNS)}",
                row=number,
            )

    def _data_row(self, number: int, line: str, fields: list[str], state: _RowState) -> CsvRow:
        if state.names is None:
            state.names = {
                COLUMN_TO_PROPERTY[c]: n
                for c, n in zip(state.columns, self.header, strict=True)
                if c is not None and c in COLUMN_TO_PROPERTY
            }
            state.all_known = None not in state.columns
            if state.all_known and not self.partner and all(c in COLUMN_TO_PROPERTY for c in state.columns):
                state.props = tuple(COLUMN_TO_PROPERTY[cast("str", c)] for c in state.columns)
        values: dict[str, str]
        if state.all_known and len(fields) == len(state.columns):
            values = dict(zip(cast("list[str]", state.columns), fields, strict=True))  # all_known: no None
        else:
            values = {column: value for column, value in zip(state.columns, fields, strict=False) if column}
        record = {COLUMN_TO_PROPERTY[c]: v for c, v in values.items() if c in COLUMN_TO_PROPERTY}
        shape = shape_fault(line, fields, len(state.columns))
        issues = (
            [make_issue("csv-row", "", shape)] if shape is not None else excel_signs(record) + formula_cells(record)
        )
        tuple_row = self.partner and all(values.get(c, "").strip() for c in PARTNER_COLUMNS)
        return CsvRow(
            number,
            record,
            [self._locate(i, number, state.names) for i in issues] if issues else [],
            values,
            shaped=shape is None,
            columns=state.names,
            hash_optional=tuple_row,
        )

    def _locate(self, issue: Issue, row: int, names: Mapping[str, str]) -> Issue:
        """Place a row issue at its row and the column (as the header spells it) of its property."""
        return replace(issue, location=Location(self.file, row=row, column=column_of(issue.pointer, names)))

    # -- conveniences ------------------------------------------------------

    def issues(self) -> Iterator[Issue]:
        """Every issue, file-level and row-level, in the order the file reveals them."""
        reported = 0
        for row in self:
            yield from self.file_issues[reported:]
            reported = len(self.file_issues)
            yield from row.issues
        yield from self.file_issues[reported:]


@dataclass(frozen=True)
class Part:
    """A stretch of a large file read on its own (``--jobs``): the file's head, then other lines.

    The source given with it holds the file's first ``head_lines`` lines (up to
    the header), then the lines of the part, numbered on from the head as if
    they followed it: nothing has to read the file twice to count the lines
    before the part. Whoever puts the parts together shifts their row numbers
    (``parallel.py``), which is why no message of the reader names a row (the
    issue's location does). ``keep_head`` is True for the part that reports
    the head's file issues; ``last`` for the part that reports what only the
    end of the file shows.
    """

    head_lines: int
    keep_head: bool
    last: bool


@dataclass
class _RowState:
    """What one pass over the file remembers between rows (mutable, private to the pass)."""

    columns: list[str | None] = field(default_factory=list)
    names: dict[str, str] | None = None
    blank_start: int | None = None
    blank_count: int = 0
    quotes_seen: bool = False
    non_ascii_seen: bool = False
    separator: str = ","
    stopped: bool = False
    #: True once the general path has yielded a row (the lane's rows come after ``props`` is set).
    rows: bool = False
    #: True once the header is read when every column is a known one (a row maps with one ``zip``).
    all_known: bool | None = None
    #: Once a data row is read: each column's Graph property, when every column has one (no partner
    #: columns); then a line may be a ``PlainRow``. None: every row takes the general path.
    props: tuple[str, ...] | None = None


#: A row with no reader issue as ``(row, record, file, columns)``: ``CsvRow(row, record, [], shaped=True,
#: columns=columns)`` without the objects (``AutopilotCsv.rows(plain=True)``).
PlainRow = tuple[int, dict[str, str], str, Mapping[str, str]]


def _plain_row(raw: bytes, state: _RowState, number: int, file: str) -> PlainRow | None:
    """The row of ``raw`` when the general path would make it a ``CsvRow`` without issues, else None.

    Exactly that case and nothing more: an ASCII line (both paths decode it alike, and it sets no
    encoding warning) without quotation marks or NUL, no run of blank lines waiting to be reported
    before it, split into the header's number of fields (the shape test), not blank (these four in
    one call, ``plain_record``: in C where the extension built), and none of the Excel signs (the
    same ``excel_signs``). Anything else returns None and the line takes the general path, which
    reports what it finds.
    """
    props: tuple[str, ...] = state.props  # type: ignore[assignment]  # not None: the caller checks (cast() is a call)
    record = plain_record(raw, state.separator, props)
    if record is None or excel_signs(record) or formula_cells(record):
        return None
    names: dict[str, str] = state.names  # type: ignore[assignment]  # set with props
    return number, record, file, names

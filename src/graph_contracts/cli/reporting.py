"""Reporting validation results: text for people, JSON for programs, JUnit XML for CI, GitHub annotations.

Each reporter receives results one record at a time and writes them at once,
in every format, so a large file streams through with constant memory
(JUnit's cases wait in a temporary file, as its counts come first).
Messages are shortened here, once, because a
record may quote a 10 MB value and a report line must stay readable.
"""

from __future__ import annotations

import collections
import io
import json
import re
import shutil
from collections.abc import Iterable
from dataclasses import replace
from typing import IO, TYPE_CHECKING, Any, Literal, TextIO

from ..issues import Issue
from ..validation.results import RecordResult
from .flags import issue_message
from .terminal import Progress, Terminal, counted

if TYPE_CHECKING:
    import xml.etree.ElementTree as ET  # imported where a JUnit case is built: no other format needs it

ReportFormat = Literal["text", "json", "junit", "github"]
FORMATS: tuple[ReportFormat, ...] = ("text", "json", "junit", "github")

#: The longest message printed; longer ones (a huge quoted value) are cut with a note.
MAX_MESSAGE = 400
#: JUnit testcases kept in memory before they spill to a temporary file.
SPOOL_BYTES = 8 * 1024 * 1024

_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def shorten(text: str, limit: int = MAX_MESSAGE) -> str:
    """Cut a message to ``limit`` characters, saying how long it was."""
    if len(text) <= limit:
        return text
    return text[: limit - 30] + f"... ({len(text)} characters)"


def one_line(text: str) -> str:
    return printable(shorten(" ".join(text.split())))


def printable(text: str) -> str:
    """``text`` with lone surrogates (JSON allows ``"\\ud800"``) written as escapes, so it can be encoded."""
    if text.isascii():
        return text
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def issue_text(issue: Issue) -> str:
    """One issue without its file: where in the record, what, and what Intune would do."""
    loc = issue.location
    where = f"column {loc.column!r} ({issue.pointer or '/'})" if loc and loc.column else issue.pointer or "/"
    outcome = f" [Intune: {issue.intune_outcome}]" if issue.intune_outcome else ""
    return one_line(f"{issue.severity} {issue.code} at {where}: {issue_message(issue)}{outcome}")


def issue_json(issue: Issue) -> dict[str, Any]:
    loc = issue.location
    return {
        "pointer": issue.pointer,
        "code": issue.code,
        "severity": issue.severity,
        "message": shorten(issue_message(issue)),
        "intune_outcome": issue.intune_outcome,
        "location": None if loc is None else {"file": loc.file, "row": loc.row, "line": loc.line, "column": loc.column},
    }


def record_name(result: RecordResult) -> str:
    return printable(f"{result.file}, {result.label}" if result.label else result.file)


class Reporter:
    """Counts records, errors and warnings, and writes them in one format as they come.

    Every format streams: JSON is written as an ``issues`` array item by item
    with the totals after it, JUnit as a ``testsuite`` per file closed when the
    file ends, so memory does not grow with the number of records or issues.
    ``max_issues`` caps the issues *shown* per file (counts stay exact); what
    was left out is said at the end of the file. ``out`` gets the report;
    ``err`` gets unreadable-file messages and, when it is a terminal, progress.
    """

    def __init__(self, fmt: ReportFormat, out: TextIO, err: TextIO, *, max_issues: int | None = None) -> None:
        self.fmt = fmt
        self.out = out
        self.err = err
        self.max_issues = max_issues
        self.records = 0
        self.errors = 0
        self.warnings = 0
        self.files = 0
        self.unreadable: list[tuple[str, str, int, int]] = []
        #: Issues per code over the whole run, for the summary.
        self.by_code: collections.Counter[str] = collections.Counter()
        self._file: str | None = None
        self._shown = 0
        self._omitted = 0
        self._entries = 0
        self._out = Terminal(out)
        self._progress = Progress(Terminal(err), unit="records")
        #: file -> [records, errors, warnings], for a line per file when there are several.
        self.per_file: dict[str, list[int]] = {}
        self._opened = False
        #: A subclass with its own ``_record_json`` collects its JSON document here and writes it in
        #: its ``finish`` (the traffic checker's reporter does); this class streams instead.
        self._json: list[dict[str, Any]] = []
        self._collect = type(self)._record_json is not Reporter._record_json
        # JUnit puts counts on the opening tags, so each file's cases are spooled (to disk past
        # SPOOL_BYTES) and its testsuite written when it ends; memory stays bounded either way.
        # The other formats never write to them: empty in-memory files, and no tempfile import.
        self._junit_file: IO[str] = _junit_spool() if fmt == "junit" else io.StringIO()
        self._junit_done: IO[str] = _junit_spool() if fmt == "junit" else io.StringIO()
        self._junit_counts = [0, 0, 0]  # tests, failures, errors of the current file
        self._junit_totals = [0, 0, 0]

    # -- input

    def start_file(self, name: str) -> None:
        self._end_file()
        self._open()
        self.files += 1
        self._file, self._shown, self._omitted = name, 0, 0
        self.per_file.setdefault(name, [0, 0, 0])

    def record(self, result: RecordResult) -> None:
        if not result.issues and result.is_record and self.takes_counts:
            # Most records of a big file: nothing to write, only counts (the formats below write nothing).
            self.clean(1, result.file)
            return
        self.records += result.is_record
        self.errors += result.errors
        self.warnings += result.warnings
        self.by_code.update(i.code for i in result.issues)
        counts = self.per_file.setdefault(self._file or result.file, [0, 0, 0])
        counts[0] += result.is_record
        counts[1] += result.errors
        counts[2] += result.warnings
        if result.is_record:
            self._progress.advance(1, self._file or result.file)
        issues = result.issues
        if self.max_issues is not None and issues:
            room = max(0, self.max_issues - self._shown)
            if len(issues) > room:
                self._omitted += len(issues) - room
                issues = issues[:room]
                if not issues and not (self.fmt == "junit" and result.is_record):
                    return
            self._shown += len(issues)
            if len(issues) != len(result.issues):
                result = replace(result, issues=issues)
        getattr(self, f"_record_{self.fmt}")(result)

    @property
    def takes_counts(self) -> bool:
        """True when records without issues need only be counted (``clean``): every format but JUnit,
        which writes a passing test case per record, and not a subclass with its own ways."""
        return self.fmt != "junit" and type(self) is Reporter

    def clean(self, count: int, file: str = "") -> None:
        """``count`` more records without issues (``Run.check_file_counts``): what ``record`` does for
        each of them when the format writes nothing for it. ``file`` names them before ``start_file``."""
        self.records += count
        name = self._file or file
        self.per_file.setdefault(name, [0, 0, 0])[0] += count
        self._progress.advance(count, name)

    def take(self, items: Iterable[RecordResult | int]) -> None:
        """One file's results, in order: ``RecordResult``s, and where ``takes_counts`` is True numbers
        standing for that many records without issues (``Run.check_file_counts``)."""
        record, clean = self.record, self.clean
        for item in items:
            if isinstance(item, int):
                clean(item)
            else:
                record(item)

    def file_error(self, name: str, message: str, line: int = 0, column: int = 0) -> None:
        """A file that could not be read at all: one line on stderr, and in the report."""
        self._clear_progress()
        self._open()
        message = one_line(message)
        self.unreadable.append((name, message, line, column))
        self.by_code["unreadable"] += 1
        where = printable(name) + (f":{line}" if line else "") + (f":{column}" if column else "")
        print(f"graph-contracts: cannot read {where}: {message}", file=self.err)
        if self.fmt == "github":
            loc = f"file={_gh_property(name)}" + (f",line={line}" if line else "")
            loc += f",col={column}" if column else ""
            print(f"::error {loc},title=unreadable::{_gh_data(message)}", file=self.out)
        elif self.fmt == "json":
            self._json_entry(
                {
                    "file": name,
                    "code": "unreadable",
                    "severity": "error",
                    "message": message,
                    "line": line or None,
                    "column": column or None,
                }
            )
        elif self.fmt == "junit":
            import xml.etree.ElementTree as ET

            case = ET.Element("testcase", classname=_xml(name), name="file")
            error = ET.SubElement(case, "error", message=_xml(message), type="unreadable")
            error.text = _xml(where + ": " + message)
            self._write_case(case)

    # -- output

    def summary(self) -> str:
        return f"{counted(self.records, 'record')} checked, {self.issue_counts()}{self.unreadable_count()}"

    def issue_counts(self) -> str:
        """``N errors, M warnings``: the middle of every summary line."""
        return f"{counted(self.errors, 'error')}, {counted(self.warnings, 'warning')}"

    def unreadable_count(self) -> str:
        """``, N unreadable files`` when a file could not be read, else nothing: the end of every summary line."""
        return f", {counted(len(self.unreadable), 'unreadable file')}" if self.unreadable else ""

    def code_summary(self) -> str:
        """Issues by code, most frequent first: what to fix first in a large file."""
        return ", ".join(f"{code} {count}" for code, count in self.by_code.most_common())

    def finish(self) -> None:
        self._clear_progress()
        self._end_file()
        self._open()
        if self.fmt == "json":
            tail = {
                "records": self.records,
                "errors": self.errors,
                "warnings": self.warnings,
                "unreadable": len(self.unreadable),
                "by_code": dict(self.by_code.most_common()),
            }
            body = json.dumps(tail, indent=2)[1:]  # the totals continue the object the issues opened
            self.out.write(("\n" if self._entries else "") + "]," + body + "\n")
        elif self.fmt == "junit":
            tests, failures, errors = self._junit_totals
            self.out.write(
                f'<testsuites name="graph-contracts validate" tests="{tests}" failures="{failures}" '
                f'errors="{errors}">\n'
            )
            self._junit_done.seek(0)
            shutil.copyfileobj(self._junit_done, self.out)
            self.out.write("</testsuites>\n")
        elif self.fmt == "github":
            if self.by_code:
                text = f"{self.summary()}; by code: {self.code_summary()}"
                print(f"::notice title=graph-contracts::{_gh_data(text)}", file=self.out)
        else:
            for line in self.file_lines():
                print(line, file=self.out)
            print(self._out.paint(self.summary(), "error" if self.errors or self.unreadable else "ok"), file=self.out)
            if self.by_code:
                print(f"by code: {self.code_summary()}", file=self.out)
        self._junit_done.close()
        self._junit_file.close()

    def file_lines(self) -> list[str]:
        """With several files, a line per file before the totals (none for one file: the totals say it)."""
        if len(self.per_file) < 2:
            return []
        unreadable = {name for name, *_ in self.unreadable}
        lines = ["per file:"]
        for name, (records, errors, warnings) in self.per_file.items():
            if name in unreadable:
                lines.append(f"  {printable(name)}: unreadable")
            else:
                lines.append(
                    f"  {printable(name)}: {counted(records, 'record')}, "
                    f"{counted(errors, 'error')}, {counted(warnings, 'warning')}"
                )
        return lines

    def exit_code(self) -> int:
        if self.unreadable:
            return 2
        return 1 if self.errors else 0

    # -- plumbing

    def _open(self) -> None:
        """The start of the document, once: JSON's issues array, JUnit's root element."""
        if self._opened:
            return
        self._opened = True
        if self.fmt == "json" and not self._collect:
            self.out.write('{"issues": [')

    def _end_file(self) -> None:
        if self._file is None:
            return
        if self._omitted:
            note = (
                f"{counted(self._omitted, 'more issue')} in {self._file} not shown "
                f"(--max-issues {self.max_issues}); they are counted in the totals"
            )
            if self.fmt == "json":
                self._json_entry(
                    {
                        "file": self._file,
                        "code": "omitted",
                        "severity": "warning",
                        "message": note,
                        "count": self._omitted,
                    }
                )
            elif self.fmt == "github":
                print(f"::notice file={_gh_property(self._file)},title=omitted::{_gh_data(note)}", file=self.out)
            elif self.fmt == "junit":
                import xml.etree.ElementTree as ET

                case = ET.Element("testcase", classname=_xml(self._file), name="omitted")
                ET.SubElement(case, "system-out").text = _xml(note)
                self._write_case(case)
            else:
                self._clear_progress()
                print(printable(note), file=self.out)  # the note names the file once
        if self.fmt == "junit":
            tests, failures, errors = self._junit_counts
            self._junit_done.write(
                f'<testsuite name="{_attr(self._file)}" tests="{tests}" failures="{failures}" errors="{errors}">\n'
            )
            self._junit_file.seek(0)
            shutil.copyfileobj(self._junit_file, self._junit_done)
            self._junit_file.seek(0)
            self._junit_file.truncate()
            self._junit_done.write("</testsuite>\n")
            self._junit_totals = [a + b for a, b in zip(self._junit_totals, self._junit_counts, strict=True)]
            self._junit_counts = [0, 0, 0]
        self._file = None

    def _json_entry(self, entry: dict[str, Any]) -> None:
        if self._collect:
            self._json.append(entry)
            return
        self.out.write(("," if self._entries else "") + "\n  " + json.dumps(entry))
        self._entries += 1

    def _write_case(self, case: ET.Element) -> None:
        """A testcase into the current file's spool: JUnit wants the counts before the cases."""
        import xml.etree.ElementTree as ET

        self._junit_file.write(ET.tostring(case, encoding="unicode") + "\n")
        counts = self._junit_counts
        counts[0] += 1
        counts[1] += case.find("failure") is not None
        counts[2] += case.find("error") is not None

    # -- formats

    def _record_text(self, result: RecordResult) -> None:
        issues = result.issues
        if not issues:
            return
        self._clear_progress()
        print(self._out.paint(record_name(result), "strong"), file=self.out)
        for issue in issues:
            text = issue_text(issue)
            severity = self._out.paint(issue.severity, "error" if issue.severity == "error" else "warning")
            print(f"  {severity}{text[len(issue.severity) :]}", file=self.out)

    def _record_json(self, result: RecordResult) -> None:
        issues = result.issues
        for issue in issues:
            self._json_entry(issue_json(issue))

    def _record_github(self, result: RecordResult) -> None:
        issues = result.issues
        for issue in issues:
            loc = issue.location
            line = result.line or (loc.row or loc.line if loc else None)
            props = f"file={_gh_property(result.file)}" + (f",line={line}" if line else "")
            props += f",title={_gh_property(issue.code)}"
            prefix = f"{result.label}: " if result.label else ""
            level = "error" if issue.severity == "error" else "warning"
            print(f"::{level} {props}::{_gh_data(prefix + issue_text(issue))}", file=self.out)

    def _record_junit(self, result: RecordResult) -> None:
        import xml.etree.ElementTree as ET

        issues = result.issues
        case = ET.Element("testcase", classname=_xml(result.file), name=_xml(result.label or "payload"))
        errors = [i for i in issues if i.severity == "error"]
        warnings = [i for i in issues if i.severity == "warning"]
        if errors:
            failure = ET.SubElement(
                case, "failure", message=_xml(one_line(issue_message(errors[0]))), type=errors[0].code
            )
            failure.text = _xml("\n".join(issue_text(i) for i in issues))
        elif warnings:
            out = ET.SubElement(case, "system-out")
            out.text = _xml("\n".join(issue_text(i) for i in warnings))
        if errors or warnings or result.is_record:
            self._write_case(case)

    def _clear_progress(self) -> None:
        self._progress.clear()


def _junit_spool() -> IO[str]:
    """A spool for JUnit's cases, on disk past ``SPOOL_BYTES``; tempfile is imported for JUnit only."""
    import tempfile

    return tempfile.SpooledTemporaryFile(SPOOL_BYTES, mode="w+", encoding="utf-8")  # Reporter.finish closes it


def _attr(text: str) -> str:
    """Text for a double-quoted XML attribute written by hand."""
    return _xml(text).replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")


def _xml(text: str) -> str:
    """XML 1.0 cannot hold control characters or lone surrogates; a binary file's text may."""
    return _XML_ILLEGAL.sub("\ufffd", text)


def _gh_data(text: str) -> str:
    return printable(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_property(text: str) -> str:
    return _gh_data(text).replace(":", "%3A").replace(",", "%2C")

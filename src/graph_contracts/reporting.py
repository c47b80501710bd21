"""Reporting validation results: text for people, JSON for programs, JUnit XML for CI, GitHub annotations.

Each reporter receives results one record at a time so that a large file
streams through the text and GitHub formats; JSON and JUnit collect what they
must emit as one document. Messages are shortened here, once, because a
record may quote a 10 MB value and a report line must stay readable.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections import Counter
from typing import Any, Literal, TextIO

from .issues import Issue
from .terminal import Progress, Terminal
from .validate_files import RecordResult

ReportFormat = Literal["text", "json", "junit", "github"]
FORMATS: tuple[ReportFormat, ...] = ("text", "json", "junit", "github")

#: The longest message printed; longer ones (a huge quoted value) are cut with a note.
MAX_MESSAGE = 400

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
    return one_line(f"{issue.severity} {issue.code} at {where}: {issue.message}{outcome}")


def issue_json(issue: Issue) -> dict[str, Any]:
    loc = issue.location
    return {
        "pointer": issue.pointer,
        "code": issue.code,
        "severity": issue.severity,
        "message": shorten(issue.message),
        "intune_outcome": issue.intune_outcome,
        "location": None if loc is None else {"file": loc.file, "row": loc.row, "line": loc.line, "column": loc.column},
    }


def record_name(result: RecordResult) -> str:
    return printable(f"{result.file}, {result.label}" if result.label else result.file)


class Reporter:
    """Counts records, errors and warnings, and prints them in one format.

    ``out`` gets the report; ``err`` gets unreadable-file messages and, when
    it is a terminal, progress (so that a redirected report stays clean).
    """

    def __init__(self, fmt: ReportFormat, out: TextIO, err: TextIO) -> None:
        self.fmt = fmt
        self.out = out
        self.err = err
        self.records = 0
        self.errors = 0
        self.warnings = 0
        self.files = 0
        self.unreadable: list[tuple[str, str, int, int]] = []
        self._json: list[dict[str, Any]] = []
        self._cases: dict[str, list[ET.Element]] = {}
        self._out = Terminal(out)
        self._progress = Progress(Terminal(err), unit="records")
        self.codes: Counter[tuple[str, str]] = Counter()  # (severity, code) -> issues
        self.per_file: dict[str, list[int]] = {}  # file -> [records, errors, warnings]

    # -- input

    def start_file(self, name: str) -> None:
        self.files += 1
        self._cases.setdefault(name, [])
        self.per_file.setdefault(name, [0, 0, 0])
        self._file = name

    def record(self, result: RecordResult) -> None:
        self.records += result.is_record
        self.errors += result.errors
        self.warnings += result.warnings
        counts = self.per_file.setdefault(getattr(self, "_file", result.file), [0, 0, 0])
        counts[0] += result.is_record
        counts[1] += result.errors
        counts[2] += result.warnings
        self.codes.update((i.severity, i.code) for i in result.issues)
        if result.is_record:
            self._progress.advance(1, getattr(self, "_file", result.file))
        getattr(self, f"_record_{self.fmt}")(result)

    def file_error(self, name: str, message: str, line: int = 0, column: int = 0) -> None:
        """A file that could not be read at all: one line on stderr, and in the report."""
        self._clear_progress()
        message = one_line(message)
        self.unreadable.append((name, message, line, column))
        where = name + (f":{line}" if line else "") + (f":{column}" if column else "")
        print(f"graph-contracts: cannot read {where}: {message}", file=self.err)
        if self.fmt == "github":
            loc = f"file={_gh_property(name)}" + (f",line={line}" if line else "")
            loc += f",col={column}" if column else ""
            print(f"::error {loc},title=unreadable::{_gh_data(message)}", file=self.out)
        elif self.fmt == "json":
            self._json.append({"file": name, "code": "unreadable", "severity": "error", "message": message,
                               "line": line or None, "column": column or None})
        elif self.fmt == "junit":
            case = ET.Element("testcase", classname=_xml(name), name="file")
            error = ET.SubElement(case, "error", message=_xml(message), type="unreadable")
            error.text = _xml(where + ": " + message)
            self._cases.setdefault(name, []).append(case)

    # -- output

    def summary(self) -> str:
        text = (f"{self.records} record{'s' * (self.records != 1)} checked, "
                f"{self.errors} error{'s' * (self.errors != 1)}, {self.warnings} warning{'s' * (self.warnings != 1)}")
        if self.unreadable:
            text += f", {len(self.unreadable)} unreadable file{'s' * (len(self.unreadable) != 1)}"
        return text

    def finish(self) -> None:
        self._clear_progress()
        if self.fmt == "json":
            doc = {"records": self.records, "errors": self.errors, "warnings": self.warnings,
                   "unreadable": len(self.unreadable), "issues": self._json}
            json.dump(doc, self.out, indent=2)
            print(file=self.out)
        elif self.fmt == "junit":
            self.out.write(self._junit())
            print(file=self.out)
        else:
            for line in self.summary_lines():
                print(line, file=self.out)
            print(self._out.paint(self.summary(), "error" if self.errors or self.unreadable else "ok"),
                  file=self.out)

    def summary_lines(self) -> list[str]:
        """Before the totals: the issues counted by code, and with several files a line per file."""
        lines: list[str] = []
        if self.codes:
            lines.append("issues by code:")
            width = max(len(code) for _, code in self.codes)
            for (severity, code), count in sorted(self.codes.items(), key=lambda kv: (kv[0][0] != "error", -kv[1],
                                                                                       kv[0][1])):
                shown = self._out.paint(f"{severity:<7}", "error" if severity == "error" else "warning")
                lines.append(f"  {shown} {code:<{width}}  {count}")
        if len(self.per_file) > 1:
            unreadable = {name for name, *_ in self.unreadable}
            lines.append("per file:")
            for name, (records, errors, warnings) in self.per_file.items():
                if name in unreadable:
                    lines.append(f"  {name}: unreadable")
                else:
                    lines.append(f"  {name}: {records} record{'s' * (records != 1)}, "
                                 f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}")
        return lines

    def exit_code(self) -> int:
        if self.unreadable:
            return 2
        return 1 if self.errors else 0

    # -- formats

    def _record_text(self, result: RecordResult) -> None:
        if not result.issues:
            return
        self._clear_progress()
        print(self._out.paint(record_name(result), "strong"), file=self.out)
        for issue in result.issues:
            text = issue_text(issue)
            severity = self._out.paint(issue.severity, "error" if issue.severity == "error" else "warning")
            print(f"  {severity}{text[len(issue.severity):]}", file=self.out)

    def _record_json(self, result: RecordResult) -> None:
        self._json.extend(issue_json(i) for i in result.issues)

    def _record_github(self, result: RecordResult) -> None:
        for issue in result.issues:
            loc = issue.location
            line = result.line or (loc.row or loc.line if loc else None)
            props = f"file={_gh_property(result.file)}" + (f",line={line}" if line else "")
            props += f",title={_gh_property(issue.code)}"
            prefix = f"{result.label}: " if result.label else ""
            level = "error" if issue.severity == "error" else "warning"
            print(f"::{level} {props}::{_gh_data(prefix + issue_text(issue))}", file=self.out)

    def _record_junit(self, result: RecordResult) -> None:
        case = ET.Element("testcase", classname=_xml(result.file), name=_xml(result.label or "payload"))
        errors = [i for i in result.issues if i.severity == "error"]
        warnings = [i for i in result.issues if i.severity == "warning"]
        if errors:
            failure = ET.SubElement(
                case, "failure", message=_xml(one_line(errors[0].message)), type=errors[0].code
            )
            failure.text = _xml("\n".join(issue_text(i) for i in result.issues))
        elif warnings:
            out = ET.SubElement(case, "system-out")
            out.text = _xml("\n".join(issue_text(i) for i in warnings))
        if errors or warnings or result.is_record:
            self._cases.setdefault(result.file, []).append(case)

    def _junit(self) -> str:
        root = ET.Element("testsuites", name="graph-contracts validate")
        for name, cases in self._cases.items():
            failures = sum(c.find("failure") is not None for c in cases)
            errors = sum(c.find("error") is not None for c in cases)
            suite = ET.SubElement(root, "testsuite", name=_xml(name), tests=str(len(cases)),
                                  failures=str(failures), errors=str(errors))
            suite.extend(cases)
        root.set("tests", str(sum(len(c) for c in self._cases.values())))
        return ET.tostring(root, encoding="unicode")

    def _clear_progress(self) -> None:
        self._progress.clear()


def _xml(text: str) -> str:
    """XML 1.0 cannot hold control characters or lone surrogates; a binary file's text may."""
    return _XML_ILLEGAL.sub("\ufffd", text)


def _gh_data(text: str) -> str:
    return printable(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_property(text: str) -> str:
    return _gh_data(text).replace(":", "%3A").replace(",", "%2C")

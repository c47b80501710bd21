"""``traffic check``'s report: each exchange's findings (``traffic.check.check_exchange``) printed as ``validate``
prints records, plus the exchanges no contract covers, counted per path; the exit code."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator, Sequence
from typing import TextIO
from urllib.parse import urlsplit

from ..errors import InputFileError
from ..traffic.check import ExchangeResult, check_exchange
from ..traffic.match import default_routes
from ..traffic.reader import TRAFFIC_SUFFIXES, expand_paths, read_traffic
from ..validation import Profile
from ..validation.results import RecordResult
from .flags import said
from .reporting import Reporter, ReportFormat, issue_json
from .terminal import counted


def _record(result: ExchangeResult) -> RecordResult:
    exchange, match = result.exchange, result.match
    location = exchange.location
    where = f"line {location.line}" if location.line else f"entry {location.index}"
    kind = "mock " if location.format == "devproxy" else ""
    target = f" ({match.operation.id}, {match.version})" if match else ""
    label = (
        f"{where}: {kind}{exchange.request.method} {urlsplit(exchange.request.url).path}"
        f" -> {exchange.response.status}{target}"
    )
    return RecordResult(location.file, label, list(result.issues), location.line)


class TrafficReporter(Reporter):
    """``validate``'s reporter, counting exchanges and the ones no contract covers, per path."""

    def __init__(self, fmt: ReportFormat, out: TextIO, err: TextIO) -> None:
        super().__init__(fmt, out, err)
        self.not_covered: Counter[str] = Counter()

    def exchange(self, result: ExchangeResult) -> None:
        if result.match is None:
            self.not_covered[result.coverage] += 1
        else:
            self.record(_record(result))

    def _record_json(self, result: RecordResult) -> None:
        # An exchange's issue says which file and exchange it is about; validate's says it via Location.
        for issue in result.issues:
            self._json.append(
                {**issue_json(issue), "location": {"file": result.file, "line": result.line}, "exchange": result.label}
            )

    def summary(self) -> str:
        covered = self.records
        total = covered + sum(self.not_covered.values())
        return (
            f"{counted(total, 'exchange')} read, {covered} checked against a contract, {self.issue_counts()}, "
            f"{total - covered} not covered{self.unreadable_count()}"
        )

    def finish(self) -> None:
        if self.fmt == "json":
            self._clear_progress()
            doc = {
                "exchanges": self.records + sum(self.not_covered.values()),
                "checked": self.records,
                "errors": self.errors,
                "warnings": self.warnings,
                "unreadable": len(self.unreadable),
                "not_covered": dict(self.not_covered.most_common()),
                "issues": self._json,
            }
            json.dump(doc, self.out, indent=2)
            print(file=self.out)
            return
        if self.fmt == "text" and self.not_covered:
            print("not covered by a contract:", file=self.out)
            for key, count in self.not_covered.most_common():
                print(f"  {count:>6}  {key}", file=self.out)
        super().finish()


def _expanded(paths: Sequence[str], reporter: TrafficReporter) -> Iterator[str]:
    """Each path's files, in order; a path that does not exist is reported as unreadable and skipped."""
    for path in paths:
        try:
            files = expand_paths([path], TRAFFIC_SUFFIXES)
        except InputFileError as exc:
            reporter.start_file(path)
            reporter.file_error(exc.file, said(exc.words), exc.line)
            continue
        yield from (str(file) for file in files)


def check_files(
    files: Sequence[str],
    *,
    fmt: ReportFormat = "text",
    profile: Profile = "contract",
    out: TextIO,
    err: TextIO,
    expect_refusals: bool = False,
) -> int:
    """Check every exchange in ``files`` (files or folders, expanded as ``traffic scan`` expands them, a folder
    to its traffic files) and report; the exit code: 0 clean, 1 findings, 2 unreadable input."""
    reporter = TrafficReporter(fmt, out, err)
    routes = default_routes()
    for name in _expanded(files, reporter):
        reporter.start_file(name)
        try:
            for exchange in read_traffic(name):
                reporter.exchange(
                    check_exchange(exchange, profile=profile, routes=routes, expect_refusals=expect_refusals)
                )
        except InputFileError as exc:
            reporter.file_error(exc.file, said(exc.words), exc.line)
        except RecursionError:
            reporter.file_error(name, "the data is nested too deeply to check")
    reporter.finish()
    return reporter.exit_code()

"""The contract report: a pytest plugin that ends a suite run with a table of operation x check.

Each suite test item is mapped to the contract operation it exercises (from
its ``op`` parameter, or the OpenAPI ``operationId`` of a schemathesis case)
and to the checks it stands for: those it declares with
``@pytest.mark.graph_checks(...)``, else those it ran (``checks.py``). A
failed test counts under the check whose ``CheckFailed`` failed it. Its outcome and the
number of hypothesis examples it ran travel on the test report as
``user_properties`` (``graph_operation``, ``graph_checks``,
``graph_examples``, ``graph_failed_check``), so the table is also right under pytest-xdist and the
same properties land in ``--junitxml`` files. ``pytest_terminal_summary``
prints the table, then one line per failure naming operation and check.

Operations the service refuses although their pages document them (the
overlay's service facts) are shown as "documented, refused by the service",
not as passes or failures: whether a test of them passes says which of the
two the endpoint followed, not whether the contract holds.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import pytest

from ..errors import CheckFailed
from .checks import failed_check, noting

#: The report's columns, in order.
CHECKS = ("status", "shape", "negative", "auth", "lifecycle", "examples", "openapi")

OPERATION = "graph_operation"
CHECKS_KEY = "graph_checks"
EXAMPLES = "graph_examples"
#: The user property naming the check whose ``CheckFailed`` failed the test.
FAILED_CHECK = "graph_failed_check"
#: The marker a suite test declares the checks it stands for with, so it counts under them also when skipped.
MARKER = "graph_checks"

#: The hypothesis phases whose test cases count as examples run (shrinking replays a failure).
_COUNTED_PHASES = ("explicit", "reuse", "generate")


def declared_checks(item: pytest.Item) -> tuple[str, ...]:
    """The checks a suite test declares with ``@pytest.mark.graph_checks(...)``; empty when it declares none."""
    marker = item.get_closest_marker(MARKER)
    return tuple(str(name) for name in marker.args) if marker is not None else ()


def operation_for(params: dict[str, Any]) -> str | None:
    """``<version> <operation id>`` of a parametrized suite test, or None when it names none."""
    op = params.get("op")
    if op is not None and hasattr(op, "id") and hasattr(op, "version"):
        return f"{op.version} {op.id}"
    version, method, path = params.get("version"), params.get("method"), params.get("path")
    if isinstance(version, str) and isinstance(method, str) and isinstance(path, str):
        found = _openapi_operation_ids(version).get((method.lower(), path))
        return f"{version} {found or f'{method.upper()} {path}'}"
    return None


@cache
def _openapi_operation_ids(version: str) -> dict[tuple[str, str], str]:
    from ..resources import schemas_dir

    try:
        document = json.loads((schemas_dir() / version / "openapi.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    out: dict[tuple[str, str], str] = {}
    for path, methods in document.get("paths", {}).items():
        for method, spec in methods.items():
            if isinstance(spec, dict) and isinstance(spec.get("operationId"), str):
                out[(method.lower(), path)] = spec["operationId"]
    return out


def _property(report: pytest.TestReport, name: str) -> Any:
    for key, value in report.user_properties:
        if key == name:
            return value
    return None


@dataclass
class Cell:
    """One operation x check: how many tests passed, failed, were skipped, and the examples they ran."""

    passed: int = 0
    failed: int = 0
    skipped: int = 0
    examples: int = 0

    def render(self) -> str:
        if self.failed:
            return f"FAIL {self.failed}/{self.passed + self.failed}"
        if self.passed:
            return f"ok {self.examples}" if self.examples else "ok"
        if self.skipped:
            return "skip"
        return "-"


@dataclass
class Outcome:
    """What the reports of one test item add up to."""

    operation: str
    checks: tuple[str, ...]
    outcome: str = "passed"
    examples: int = 0
    message: str = ""


REFUSED = "refused"
REFUSED_HEADING = "documented, refused by the service:"


def refused_operations() -> dict[str, str]:
    """``<version> <operation or route>`` -> what the service answers, from the shipped overlays."""
    from ..contracts import default_contracts

    out = {}
    for fact in default_contracts().service_facts:
        if fact.when is not None:
            continue  # refused for some queries only ($select): the operation itself works
        r = fact.refusal
        what = fact.operation or f"{fact.method} {fact.path}"
        out[f"{fact.version} {what}"] = f"{r.status} {r.code} (source: {r.source})"
    return out


@dataclass
class ContractReport:
    """Collects test reports and renders the operation x check table.

    ``refused`` maps an operation (as rows name them) to the service's answer;
    such rows read "refused" and their failures are not listed as failures.
    """

    items: dict[str, Outcome] = field(default_factory=dict)
    refused: dict[str, str] = field(default_factory=dict)

    def add(self, report: pytest.TestReport) -> None:
        operation = _property(report, OPERATION)
        checks = _property(report, CHECKS_KEY) or _property(report, FAILED_CHECK)
        if not isinstance(operation, str) or not checks:
            return
        found = self.items.setdefault(report.nodeid, Outcome(operation, tuple(str(checks).split("+"))))
        examples = _property(report, EXAMPLES)
        if isinstance(examples, int):
            found.examples = max(found.examples, examples, 1)  # a test without hypothesis is one example
        if report.failed and found.outcome != "failed":
            found.outcome = "failed"
            failed = _property(report, FAILED_CHECK)
            found.checks = (failed,) if isinstance(failed, str) else found.checks
            found.message = _first_line(report)
        elif report.skipped and found.outcome == "passed":
            found.outcome = "skipped"

    def cells(self) -> dict[str, dict[str, Cell]]:
        table: dict[str, dict[str, Cell]] = {}
        for outcome in self.items.values():
            row = table.setdefault(outcome.operation, {})
            for check in outcome.checks:
                cell = row.setdefault(check, Cell())
                setattr(cell, outcome.outcome, getattr(cell, outcome.outcome) + 1)
                if outcome.outcome == "passed":
                    cell.examples += outcome.examples
        return table

    def failures(self) -> Iterator[tuple[str, str, str, str]]:
        """(operation, checks, node id, message) of each failed test of an operation the service serves."""
        for nodeid, outcome in self.items.items():
            if outcome.outcome == "failed" and outcome.operation not in self.refused:
                yield outcome.operation, "+".join(outcome.checks), nodeid, outcome.message

    def _render(self, row: str, cell: Cell | None) -> str:
        if cell is None:
            return "-"
        return REFUSED if row in self.refused else cell.render()

    def lines(self) -> list[str]:
        table = self.cells()
        if not table:
            return []
        rows = sorted(table, key=lambda o: (o.split(" ", 1)[-1], o))
        width = max(len("operation"), *(len(r) for r in rows))
        cols = {c: max(len(c), *(len(self._render(r, table[r].get(c))) for r in rows)) for c in CHECKS}
        header = "  ".join(["operation".ljust(width), *(c.ljust(cols[c]) for c in CHECKS)])
        out = [header, "-" * len(header)]
        for row in rows:
            cells = [self._render(row, table[row].get(c)).ljust(cols[c]) for c in CHECKS]
            out.append("  ".join([row.ljust(width), *cells]).rstrip())
        failed = list(self.failures())
        out.append("")
        out.append(
            "cells: ok <examples run: hypothesis examples, or 1 per plain test>"
            " | FAIL <failed>/<run> tests | skip | - not tested"
        )
        for operation, checks, nodeid, message in failed:
            out.append(f"FAILED {operation} [{checks}] {nodeid.split('::', 1)[-1]}: {message}")
        if self.refused:
            out.append(REFUSED_HEADING)
            out += [f"  {what}: {answer}" for what, answer in sorted(self.refused.items())]
        return out


def _first_line(report: pytest.TestReport) -> str:
    crash = getattr(report.longrepr, "reprcrash", None)
    message = getattr(crash, "message", None) or report.longreprtext
    lines = [line.strip() for line in str(message).splitlines() if line.strip()]
    if not lines:
        return ""
    lines[0] = lines[0].removeprefix(f"{CheckFailed.__module__}.{CheckFailed.__name__}: ")  # it names its check
    asserted = next((line for line in lines[1:] if line.startswith("assert ")), None)
    first = lines[0] if len(lines[0]) <= 160 else lines[0][:157] + "..."
    return f"{first} | {asserted}" if asserted else first


REPORT = pytest.StashKey[ContractReport]()


def pytest_configure(config: pytest.Config) -> None:
    config.stash[REPORT] = ContractReport(refused=refused_operations())
    config.pluginmanager.register(ContractReportPlugin(config), "graph-contracts-report")


def contract_report(config: pytest.Config) -> ContractReport | None:
    """The report of this run, when the plugin is active."""
    return config.stash.get(REPORT, None)


class ContractReportPlugin:
    """The hooks that need the run's config: collect reports, count examples, print the table."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config

    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        for item in items:
            callspec = getattr(item, "callspec", None)
            params: dict[str, Any] = dict(callspec.params) if callspec is not None else {}
            checks = declared_checks(item)
            operation = operation_for(params)
            # a test that declares no checks counts under those it runs (none: it is not in the report)
            if operation is not None:
                item.user_properties.append((OPERATION, operation))
                if checks:
                    item.user_properties.append((CHECKS_KEY, "+".join(checks)))

    @pytest.hookimpl(hookwrapper=True, trylast=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Iterator[None]:
        """Count the hypothesis examples the test runs (its own ``@given`` and schemathesis's); note its checks."""
        if not any(key == OPERATION for key, _ in item.user_properties):
            yield
            return
        counted = [0]
        with _Counting(counted), noting() as ran:
            yield
        item.user_properties.append((EXAMPLES, counted[0]))
        if ran and not any(key == CHECKS_KEY for key, _ in item.user_properties):
            item.user_properties.append((CHECKS_KEY, "+".join(ran)))

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, None]:
        """Name the check that failed on the report, from the ``CheckFailed`` the test raised."""
        outcome = yield
        report: pytest.TestReport = outcome.get_result()
        name = failed_check(call.excinfo.value) if call.excinfo is not None else None
        if name is not None:
            report.user_properties.append((FAILED_CHECK, name))

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self.config.stash[REPORT].add(report)

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        lines = self.config.stash[REPORT].lines()
        if not lines:
            return
        terminalreporter.write_sep("=", "contract report")
        for line in lines:
            terminalreporter.write_line(line)


class _Counting:
    """Chain a statistics callback onto hypothesis's collector for the ``with`` block."""

    def __init__(self, counted: list[int]) -> None:
        self.counted = counted
        self.context: Any = None

    def __enter__(self) -> None:
        try:
            from hypothesis.statistics import collector as typed_collector
        except ImportError:  # pragma: no cover - a hypothesis without statistics: no counts
            return
        collector: Any = typed_collector  # typed as holding None only
        previous: Callable[[Any], None] | None = collector.value

        def note(stats: Any) -> None:
            self.counted[0] += _examples_in(stats)
            if previous is not None:
                previous(stats)  # the hypothesis plugin's own statistics (--hypothesis-show-statistics)

        self.context = collector.with_value(note)
        self.context.__enter__()

    def __exit__(self, *exc: object) -> None:
        if self.context is not None:
            self.context.__exit__(*exc)


def _examples_in(stats: Any) -> int:
    if not isinstance(stats, dict):
        return 0
    total = 0
    for phase in _COUNTED_PHASES:
        data = stats.get(f"{phase}-phase")
        if isinstance(data, dict):
            cases = data.get("test-cases", [])
            total += sum(1 for c in cases if isinstance(c, dict) and c.get("status") in ("valid", "interesting"))
    return total

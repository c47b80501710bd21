"""Where a suite run's time went: the slowest operations, checks and tests (``graph-contracts run --durations N``).

A pytest plugin, loaded on demand (``-p graph_contracts.suite.durations --graph-durations N``;
``graph-contracts run --durations N`` passes both). Each test's time is what pytest measured for
its setup, call and teardown (``TestReport.duration``); the contract report's ``user_properties``
(``graph_operation``, ``graph_checks``) say which operation and checks it stands for, so the
sums group the way the report's table does. Under pytest-xdist the reports reach the controller
with their durations, so the sums are test time added over the workers: with two workers they
can exceed the run's wall time.

Why its own plugin: pytest's ``--durations`` lists test phases by node id, which for the suite's
parametrized tests does not say which operation or check costs the time; and the contract
report stays one job (its table).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pytest

#: The contract report's user_properties keys (``graph_contracts.suite.report``).
OPERATION = "graph_operation"
CHECKS = "graph_checks"
#: A test the report does not map to an operation is grouped under this name.
OTHER = "(no operation)"


@dataclass(frozen=True)
class ItemTime:
    """One test item's seconds (setup + call + teardown) and what it stands for."""

    nodeid: str
    seconds: float
    operation: str
    checks: tuple[str, ...]


def add_up(reports: Iterable[tuple[str, float, list[tuple[str, object]]]]) -> list[ItemTime]:
    """Sum each node id's phases; ``reports`` are (node id, seconds, user_properties) per phase."""
    seconds: dict[str, float] = defaultdict(float)
    props: dict[str, dict[str, object]] = {}
    for nodeid, duration, user_properties in reports:
        seconds[nodeid] += duration
        known = props.setdefault(nodeid, {})
        known.update((str(k), v) for k, v in user_properties)
    out = []
    for nodeid, total in seconds.items():
        operation = props[nodeid].get(OPERATION)
        checks = props[nodeid].get(CHECKS)
        out.append(
            ItemTime(
                nodeid,
                total,
                operation if isinstance(operation, str) else OTHER,
                tuple(str(checks).split("+")) if checks else (),
            )
        )
    return out


def _table(title: str, groups: dict[str, list[float]], count: int) -> list[str]:
    ranked = sorted(groups.items(), key=lambda kv: (-sum(kv[1]), kv[0]))[:count]
    if not ranked:
        return []
    width = max(len(title), *(len(name) for name, _ in ranked))
    lines = [f"{title:<{width}}  {'seconds':>8}  {'tests':>5}  {'slowest':>8}"]
    for name, values in ranked:
        lines.append(f"{name:<{width}}  {sum(values):>8.2f}  {len(values):>5}  {max(values):>8.2f}")
    return lines


def summary_lines(times: list[ItemTime], count: int) -> list[str]:
    """The ``count`` slowest operations, checks and tests, slowest first (ties by name)."""
    if not times or count <= 0:
        return []
    by_operation: dict[str, list[float]] = defaultdict(list)
    by_check: dict[str, list[float]] = defaultdict(list)
    for t in times:
        by_operation[t.operation].append(t.seconds)
        for check in t.checks or ("(none)",):
            by_check[check].append(t.seconds)  # a test standing for two checks counts in both
    total = sum(t.seconds for t in times)
    lines = [f"test time: {total:.2f} s over {len(times)} tests (setup + call + teardown, added over workers)"]
    lines += _table("operation", by_operation, count)
    lines.append("")
    lines += _table("check", by_check, count)
    lines.append("")
    lines.append(f"{'seconds':>8}  slowest tests")
    for t in sorted(times, key=lambda t: (-t.seconds, t.nodeid))[:count]:
        lines.append(f"{t.seconds:>8.2f}  {t.nodeid}")
    return lines


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.getgroup("graph-contracts").addoption(
        "--graph-durations",
        type=int,
        default=0,
        metavar="N",
        help="end with the N slowest operations, checks and tests of the suite (0: off)",
    )


def pytest_configure(config: pytest.Config) -> None:
    count = int(config.getoption("--graph-durations"))
    if count > 0:
        config.pluginmanager.register(DurationsPlugin(count), "graph-contracts-durations")


class DurationsPlugin:
    """Collects every test report's duration; prints the summary at the end of the run."""

    def __init__(self, count: int) -> None:
        self.count = count
        self.reports: list[tuple[str, float, list[tuple[str, object]]]] = []

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self.reports.append((report.nodeid, float(report.duration), list(report.user_properties)))

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        lines = summary_lines(add_up(self.reports), self.count)
        if not lines:
            return
        terminalreporter.write_sep("=", f"where the time went (--durations {self.count})")
        for line in lines:
            terminalreporter.write_line(line)

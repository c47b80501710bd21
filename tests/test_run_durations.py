"""``graph-contracts run --durations N``: the slowest operations, checks and tests, slowest first."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from graph_contracts.suite.durations import OTHER, ItemTime, add_up, summary_lines
from suite_runs import run_main_job


def _section(lines: list[str], title: str) -> list[tuple[str, float]]:
    """(name, seconds) rows of the table whose header starts with ``title``."""
    start = next(i for i, line in enumerate(lines) if line.startswith(title))
    rows = []
    for line in lines[start + 1 :]:
        if not line.strip():
            break
        name, seconds, _count, _slowest = line.rsplit(None, 3)
        rows.append((name.strip(), float(seconds)))
    return rows


def test_phases_add_up_per_test_and_group_by_operation_and_check() -> None:
    props = [("graph_operation", "v1.0 a.create"), ("graph_checks", "status+shape")]
    times = add_up(
        [
            ("t::one", 0.5, props),
            ("t::one", 1.0, props),
            ("t::one", 0.25, props),  # setup, call, teardown
            ("t::two", 0.25, [("graph_operation", "v1.0 b.list"), ("graph_checks", "shape")]),
            ("t::three", 3.0, []),  # outside the report: no operation
        ]
    )
    assert {t.nodeid: t.seconds for t in times} == {"t::one": 1.75, "t::two": 0.25, "t::three": 3.0}
    lines = summary_lines(times, 5)
    assert _section(lines, "operation") == [(OTHER, 3.0), ("v1.0 a.create", 1.75), ("v1.0 b.list", 0.25)]
    # a test standing for two checks counts in both
    assert _section(lines, "check") == [("(none)", 3.0), ("shape", 2.0), ("status", 1.75)]
    slowest = lines[lines.index(f"{'seconds':>8}  slowest tests") + 1 :]
    assert [line.split()[1] for line in slowest] == ["t::three", "t::one", "t::two"]


def test_only_the_n_slowest_are_listed() -> None:
    times = [ItemTime(f"t::{i}", float(i), f"v1.0 op{i}", ("status",)) for i in range(10)]
    lines = summary_lines(times, 3)
    assert [name for name, _ in _section(lines, "operation")] == ["v1.0 op9", "v1.0 op8", "v1.0 op7"]
    assert summary_lines(times, 0) == []
    assert summary_lines([], 3) == []


def test_a_pytest_run_with_the_plugin_prints_the_slowest_first(tmp_path: Path) -> None:
    """A real pytest run: three tests that sleep for different times, each standing for an operation."""
    (tmp_path / "test_sleepers.py").write_text(
        textwrap.dedent("""
        import time
        import pytest

        @pytest.mark.parametrize(("op", "seconds"), [("fast", 0.02), ("slow", 0.6), ("middle", 0.3)])
        def test_sleep(record_property, op, seconds):
            record_property("graph_operation", f"v1.0 {op}.get")
            record_property("graph_checks", "status")
            time.sleep(seconds)
    """)
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GRAPH_", "AZURE_"))}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "graph_contracts.suite.durations",
            "--graph-durations",
            "2",
            "--graph-no-report",
            "-p",
            "no:cacheprovider",
            "-q",
            "test_sleepers.py",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "where the time went (--durations 2)" in result.stdout, result.stdout[-3000:]
    lines = result.stdout.split("where the time went", 1)[1].splitlines()[1:]
    operations = _section(lines, "operation")
    assert [name for name, _ in operations] == ["v1.0 slow.get", "v1.0 middle.get"]
    assert operations[0][1] >= 0.6 > operations[1][1] >= 0.3


@pytest.mark.slow
def test_graph_contracts_run_durations_names_the_suites_operations(tmp_path: Path) -> None:
    """End to end: the main job on the emulator (the auth tests of v1.0) ends with the summary, ordered."""
    (tmp_path / "run").mkdir()
    result = run_main_job(
        "--jobs",
        "1",
        "--durations",
        "3",
        "--",
        "-k",
        "test_auth",
        cwd=tmp_path / "run",
        hypothesis=tmp_path / "hypothesis",
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "where the time went (--durations 3)" in result.stdout, result.stdout[-3000:]
    lines = result.stdout.split("where the time went", 1)[1].splitlines()[1:]
    operations = _section(lines, "operation")
    assert len(operations) == 3
    assert all(re.match(r"v1\.0 \S+\.\S+$", name) for name, _ in operations), operations
    assert [s for _, s in operations] == sorted((s for _, s in operations), reverse=True)
    assert [name for name, _ in _section(lines, "check")] == ["auth"]

"""``graph-contracts run`` in pytest-xdist workers: when it uses them, and that the contract report stays whole."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from graph_contracts import mainjob
from suite_runs import clean_env, run_main_job


@pytest.mark.parametrize(
    ("endpoint", "jobs", "cores", "load", "extra", "expected"),
    [
        ("emulator", None, 2, 0.2, [], ["-n", "2"]),
        ("replay", None, 2, 0.2, [], ["-n", "2"]),
        ("emulator", None, 16, 0.0, [], ["-n", str(mainjob.MAX_WORKERS)]),
        ("emulator", None, 1, 0.0, [], []),
        ("emulator", None, 2, 1.1, [], ["-n", "2"]),  # one core idle, and the one this run gets anyway
        ("emulator", None, 2, 1.7, [], ["-n", "2"]),
        ("emulator", None, 2, 2.0, [], []),  # both busy elsewhere: a second worker would only add its start-up
        ("emulator", None, 2, 4.0, [], []),
        ("emulator", None, 8, 5.2, [], ["-n", "4"]),
        ("emulator", None, 8, 6.1, [], ["-n", "3"]),
        ("emulator", 2, 2, 4.0, [], ["-n", "2"]),  # --jobs wins over the load
        ("emulator", 1, 2, 0.0, [], []),
        ("emulator", 3, 1, 0.0, [], ["-n", "3"]),
        ("live", None, 2, 0.0, [], []),
        ("live", 2, 2, 0.0, [], []),  # a worker's sweep of the run tag would delete another's objects
        ("emulator", None, 2, 0.0, ["-n", "3"], []),  # the user's own choice goes to pytest unchanged
        ("emulator", None, 2, 0.0, ["--numprocesses=3"], []),
        ("emulator", 2, 2, 0.0, ["-p", "no:xdist"], []),
    ],
)
def test_workers_by_endpoint_idle_cores_and_the_users_own_arguments(
    monkeypatch: pytest.MonkeyPatch,
    endpoint: str,
    jobs: int | None,
    cores: int,
    load: float,
    extra: list[str],
    expected: list[str],
) -> None:
    pytest.importorskip("xdist", reason="needs pytest-xdist (graph-contracts[test])")
    monkeypatch.setattr(mainjob, "usable_cores", lambda: cores)
    monkeypatch.setattr(mainjob, "busy_cores", lambda **_: load)
    assert mainjob._worker_args(endpoint, jobs, extra) == expected


def _run(tmp_path: Path, *args: str) -> tuple[str, list[str]]:
    result = run_main_job(
        *args,
        "--",
        "-k",
        "test_auth or test_examples",
        "-p",
        "no:randomly",
        cwd=tmp_path,
        hypothesis=tmp_path.parent / "hypothesis",
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "contract report" in result.stdout, result.stdout[-3000:]
    report = result.stdout.split("contract report", 1)[1]
    rows = [line for line in report.splitlines() if re.match(r"(v1\.0|beta) \S+\.\S+ ", line)]
    return result.stdout, rows


@pytest.mark.slow  # the main job twice, end to end (.ci/run runs -m slow)
def test_the_contract_report_under_two_workers_is_the_one_of_a_single_process(tmp_path: Path) -> None:
    pytest.importorskip("xdist", reason="needs pytest-xdist (graph-contracts[test])")
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    _, single = _run(tmp_path / "one", "--jobs", "1")
    output, workers = _run(tmp_path / "two", "--jobs", "2")
    assert "bringing up nodes" in output, output[:2000]  # xdist's line, also under -q
    assert single, "the single-process run reported no operation"
    assert workers == single
    assert not list((tmp_path / "two").iterdir()), "the run left files in the folder it started in"


def test_a_pytest_plugin_installed_for_other_work_does_not_load_into_the_main_job(tmp_path: Path) -> None:
    """An installed plugin (here one that would mark every test failed) stays out of the suite's run."""
    site = tmp_path / "site"
    info = site / "hostile_plugin-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: hostile-plugin\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[pytest11]\nhostile = hostile_plugin\n")
    mark = tmp_path / "loaded"
    (site / "hostile_plugin.py").write_text(
        "import pathlib\n"
        f"def pytest_configure(config):\n    pathlib.Path({str(mark)!r}).write_text('loaded')\n"
        "def pytest_runtest_call(item):\n    raise AssertionError('hostile plugin')\n"
    )
    env = clean_env({"PYTHONPATH": os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH")]))})
    (tmp_path / "run").mkdir()
    result = run_main_job(
        "--jobs", "1", "--", "-k", "test_auth", cwd=tmp_path / "run", hypothesis=tmp_path / "hypothesis", env=env
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert not mark.exists(), "the plugin was loaded"
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "from importlib.metadata import entry_points;print([e.name for e in entry_points(group='pytest11')])",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert "hostile" in probe.stdout, "the fixture plugin is not installed, so the test proves nothing"


@pytest.mark.skipif(
    not Path("/proc/stat").exists(),
    reason="busy_cores measures /proc/stat on Linux; elsewhere it reads the one-minute load average, which lags",
)
def test_busy_cores_sees_a_core_that_is_busy_now() -> None:
    """A process spinning on one core counts at once (the load average would take a minute to show it)."""
    spinner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        time.sleep(0.2)
        busy = mainjob.busy_cores(window=0.5)
    finally:
        spinner.kill()
        spinner.wait()
    assert 0.8 <= busy <= mainjob.usable_cores() + 0.01


@pytest.mark.parametrize(
    ("idle", "total", "own", "seconds", "expected"),
    [
        (50, 200, 1.0, 1.0, 0.5),  # 1.5 of 2 cores busy, 1.0 of them this process: 0.5 elsewhere
        (100, 200, 1.0, 1.0, 0.0),  # only this process was busy
        (200, 200, 0.0, 1.0, 0.0),  # nothing was
        (0, 200, 0.0, 1.0, 2.0),  # both cores, none of it this process
        (0, 200, 0.4, 0.5, 1.2),  # this process used 0.8 of a core over half a second
    ],
)
def test_busy_elsewhere_leaves_out_this_processs_own_work(
    idle: int, total: int, own: float, seconds: float, expected: float
) -> None:
    """``run`` measures the cores over its own lint and schema checks, so its own CPU is not other work."""
    first = mainjob.CpuSample((1000, 5000), 3.0, 10.0)
    second = mainjob.CpuSample((1000 + idle, 5000 + total), 3.0 + own, 10.0 + seconds)
    assert mainjob._busy_elsewhere(first, second, 2) == pytest.approx(expected)
    assert mainjob._busy_elsewhere(first, first, 2) is None  # no tick between the samples


@pytest.mark.skipif(
    not Path("/proc/stat").exists(),
    reason="busy_cores measures /proc/stat on Linux; elsewhere it reads the one-minute load average, which lags",
)
def test_busy_cores_since_a_sample_waits_only_for_what_is_left_of_the_window() -> None:
    started = mainjob.CpuSample.now()
    time.sleep(0.3)
    clock = time.monotonic()
    mainjob.busy_cores(window=0.3, since=started)
    assert time.monotonic() - clock < 0.1


def test_the_suite_command_is_built_from_plain_values() -> None:
    """``mainjob`` takes a ``MainJob`` of plain values (no argparse Namespace) and returns the command."""
    replay = mainjob.suite_command(
        mainjob.MainJob(endpoint="replay", version="v1.0", jobs=1, pytest_args=("--", "-k", "test_auth"))
    )
    assert replay.workers == 0
    assert "--graph-endpoint=replay" in replay.argv and "--graph-version=v1.0" in replay.argv
    assert not any(a.startswith("--graph-examples") for a in replay.argv)  # the cassettes fix the examples
    assert replay.argv[-2:] == ("-k", "test_auth")
    emulator = mainjob.suite_command(mainjob.MainJob(examples=7, junitxml="out.xml", jobs=1))
    assert {"--graph-examples=7", "--junitxml=out.xml", "--graph-version=all"} <= set(emulator.argv)

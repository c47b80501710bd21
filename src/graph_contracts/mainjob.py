"""``graph-contracts run``: the main job on the chosen endpoint (by default the embedded emulator).

It checks the shipped contracts first (lint, schema drift), then runs the
contract suite with pytest against the endpoint, so one command answers
"does this endpoint honour the documented contract?". The run ends with the
contract report (operation x check, from ``graph_contracts.suite.report``);
``--junitxml FILE`` is passed through to pytest's own JUnit XML writer.

Where the time goes (benchmarks/README.md has the figures): the run is
CPU-bound, mostly hypothesis and schemathesis generating cases, so on the
emulator and on cassettes it runs in pytest-xdist workers, one per idle core
plus one (at most ``MAX_WORKERS``), when xdist is installed. Hypothesis keeps
the tables it computes once (the characters a codec can encode) in the user's
cache folder rather than in a ``.hypothesis`` folder of whatever directory the
run starts in.

pytest runs with only the plugins the suite needs (``--disable-plugin-autoload``
plus ``-p`` for each): a plugin installed for other work cannot change the
suite's order or outcome, and pytest no longer rewrites the asserts of every
module of every distribution that ships a plugin (hypothesis, schemathesis,
anyio, this package: about 340 modules, ~1.8 s of CPU in each process where
bytecode is not written, and each xdist worker is such a process).
"""

from __future__ import annotations

import importlib.util
import math
import os
import time
from dataclasses import dataclass

from .contracts import Finding, default_contracts
from .lint import lint
from .resources import contracts_dir, schemas_dir, user_cache_dir
from .schemas import check

#: Each worker pays the start-up again (imports, collection, its own emulator: about 3 s of CPU)
#: for a suite of about 17 s of CPU, so more workers than this gain little.
MAX_WORKERS = 4
#: The pytest plugins the suite uses (pytest-xdist's is added when the run uses workers).
SUITE_PLUGINS = ("graph_contracts.pytest_plugin", "_hypothesis_pytestplugin")
#: Loaded only for ``--durations N``: the slowest operations, checks and tests of the run.
DURATIONS_PLUGIN = "graph_contracts.suite.durations"
#: pytest arguments with which the user chose the processes themselves.
_USER_CHOSE_PROCESSES = ("-n", "--numprocesses", "--dist", "-d", "--tx", "no:xdist")


@dataclass(frozen=True)
class MainJob:
    """What ``graph-contracts run`` was asked for, as plain values (the CLI fills it from its flags).

    ``endpoint``: emulator, replay or live; ``version``: v1.0, beta or all;
    ``jobs``: pytest-xdist workers (None: chosen by the idle cores);
    ``pytest_args``: passed to pytest after the suite's own; ``durations``: print the N slowest
    operations, checks and tests at the end.
    """

    endpoint: str = "emulator"
    version: str = "all"
    examples: int = 10
    junitxml: str | None = None
    jobs: int | None = None
    pytest_args: tuple[str, ...] = ()
    durations: int | None = None


@dataclass(frozen=True)
class ContractsCheck:
    """The shipped contracts before a run: lint's findings (those not acknowledged: ``new``)."""

    findings: tuple[Finding, ...]
    new: tuple[Finding, ...]


@dataclass(frozen=True)
class SuiteCommand:
    """The pytest arguments of the suite run, and the xdist workers they ask for (0: one process)."""

    argv: tuple[str, ...]
    workers: int


def lint_contracts() -> ContractsCheck:
    """Lint the shipped contracts: a run with findings not acknowledged does not start the suite."""
    report = lint(contracts_dir())
    return ContractsCheck(tuple(report.findings), tuple(f for f in report.findings if not f.acknowledged))


def check_schemas() -> None:
    """Check schemas/ against the shipped contracts: ``SchemaDriftError`` when it is stale."""
    check(default_contracts(), schemas_dir())


def suite_installed() -> bool:
    """Whether this build ships the contract suite (a build may leave it out)."""
    return importlib.util.find_spec("graph_contracts.suite") is not None


def suite_command(job: MainJob, *, since: CpuSample | None = None) -> SuiteCommand:
    """The pytest arguments that run the contract suite for ``job``, with workers chosen as ``_worker_args`` says."""
    argv = [
        "--pyargs",
        "graph_contracts.suite",
        f"--graph-endpoint={job.endpoint}",
        f"--graph-version={job.version}",
        "-p",
        "no:cacheprovider",
        "-q",
        "--disable-plugin-autoload",
        *(arg for plugin in SUITE_PLUGINS for arg in ("-p", plugin)),
    ]
    if job.endpoint != "replay":
        # A replay sends exactly the recorded requests: the cassettes fix the number of examples.
        argv.append(f"--graph-examples={job.examples}")
    if job.junitxml:
        argv.append(f"--junitxml={job.junitxml}")
    if job.durations:
        argv += ["-p", DURATIONS_PLUGIN, f"--graph-durations={job.durations}"]  # where the time went, at the end
    extra = list(job.pytest_args)
    if extra[:1] == ["--"]:
        extra = extra[1:]
    workers = _worker_args(job.endpoint, job.jobs, extra, since=since)
    argv += [*workers, "-p", "xdist.plugin"] if workers else []
    # The plugin module is imported already (this process loaded the CLI); pytest need not rewrite it.
    argv += ["-W", "ignore::pytest.PytestAssertRewriteWarning"]
    return SuiteCommand((*argv, *extra), int(workers[1]) if workers else 0)


def run_suite(command: SuiteCommand) -> int:
    """Run the suite in this process; pytest's exit status (``pytest.ExitCode``: 4 a usage error)."""
    import pytest

    os.environ.setdefault("HYPOTHESIS_STORAGE_DIRECTORY", str(user_cache_dir() / "hypothesis"))
    return int(pytest.main(list(command.argv)))


def usable_cores() -> int:
    """The cores this process may run on (its affinity where the platform says, else all)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


@dataclass(frozen=True)
class CpuSample:
    """One moment's CPU accounting: ``/proc/stat``'s (idle, total) jiffies of all cores (None where
    there is no such file), this process's CPU seconds and the monotonic clock."""

    times: tuple[int, int] | None
    own: float
    at: float

    @classmethod
    def now(cls) -> CpuSample:
        return cls(_cpu_times(), time.process_time(), time.monotonic())


def busy_cores(window: float = 0.3, *, since: CpuSample | None = None) -> float:
    """Cores *other* work keeps busy now: measured over at least ``window`` seconds where the platform says.

    On Linux, from ``/proc/stat`` sampled twice: a run that just ended has
    stopped using the cores, while the one-minute load average still counts it
    for a minute, so back-to-back runs would go to one process for nothing.
    ``since`` starts the window earlier (``run`` takes it before its lint and
    schema checks, ~0.4 s, so it waits for nothing); the CPU this process used
    in the window is not counted as other work. Elsewhere the one-minute load
    average (0 where the platform has none).
    """
    first = since if since is not None else CpuSample.now()
    if first.times is not None:
        left = window - (time.monotonic() - first.at)
        if left > 0:
            time.sleep(left)
        second = CpuSample.now()
        if second.times is not None:
            busy = _busy_elsewhere(first, second, usable_cores())
            if busy is not None:
                return busy
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):
        return 0.0


def _busy_elsewhere(first: CpuSample, second: CpuSample, cores: int) -> float | None:
    """The cores busy between two samples, less this process's own share of them; None without ticks."""
    if first.times is None or second.times is None or second.times[1] <= first.times[1]:
        return None
    ticks = second.times[1] - first.times[1]
    idle = (second.times[0] - first.times[0]) / ticks
    own = (second.own - first.own) / max(second.at - first.at, 1e-6)
    return max(0.0, cores * (1.0 - idle) - own)


def _cpu_times() -> tuple[int, int] | None:
    """(idle, total) jiffies of all cores from ``/proc/stat``; None where there is no such file."""
    try:
        with open("/proc/stat", encoding="ascii") as stat:
            fields = stat.readline().split()
    except OSError:
        return None
    if not fields or fields[0] != "cpu" or len(fields) < 5:
        return None
    values = [int(v) for v in fields[1:] if v.isdigit()]
    idle = values[3] + (values[4] if len(values) > 4 else 0)  # idle + iowait
    return idle, sum(values[:8])  # guest time is already inside user time


def _worker_args(endpoint: str, jobs: int | None, extra: list[str], *, since: CpuSample | None = None) -> list[str]:
    """``-n N`` for pytest-xdist, or nothing: one process.

    ``--jobs N`` wins. By default the cores other work leaves idle now
    (``busy_cores``, rounded up) plus the one this run gets anyway, at most
    ``MAX_WORKERS`` (so on 2 cores: two workers unless both are busy), on the
    emulator (each worker starts its own) and on cassettes: a worker costs ~3 s
    of CPU to start, which only idle cores pay back. On 2 cores at a load
    average of 2.9, two workers took 26.9 s against 18.3 s in one process; at
    1.1, ``--examples 40`` took 33.8 s against 61.9 s. The one-minute load
    average, used before, still counted a run that had just ended: the second
    of two ``--examples 40`` runs in a row went to one process and took 58 s
    against 31 s. A live tenant always stays in
    one process: a worker's end-of-run sweep of the run tag would delete what
    another worker is still testing, and the tenant's throttling, not the CPU,
    bounds a live run. Pytest arguments that choose processes themselves
    (``-n``, ``-p no:xdist``, ...) win over both.
    """
    if endpoint == "live" or any(a.split("=", 1)[0] in _USER_CHOSE_PROCESSES for a in extra):
        return []
    if jobs is None:
        cores = usable_cores()
        jobs = min(cores, MAX_WORKERS, max(1, math.ceil(cores - busy_cores(since=since)) + 1))
    if jobs <= 1 or importlib.util.find_spec("xdist") is None:
        return []
    return ["-n", str(jobs)]

"""Wall time of the contract suite: ``graph-contracts run``, ``--examples 40`` and replay.

Each run is a subprocess (``graph-contracts run`` as ``python -m graph_contracts.cli run``,
by default in pytest-xdist workers, one per core; ``run --jobs 1`` is the same in one
process, for comparison; ``examples40`` is ``run --examples 40``; the others
``python -m pytest --pyargs graph_contracts.suite -q -p no:cacheprovider`` with
``--graph-endpoint replay``, one process), timed with
``time.perf_counter`` around the whole process, so interpreter start, plugin
loading and collection count as a user would feel them. The named baseline,
measured in the same run, is ``python -m pytest --collect-only`` of the same
suite: it pays for start-up, imports and collection but runs no test, so
``run / baseline`` is the part of the ratio that carries over between
machines. Every repeat's exit status is kept: ``--repeats 5`` shows whether
five runs in a row all pass. The issue's targets (``graph-contracts run`` at
most 15 s and ``--graph-examples 40`` at most 40 s, on 2 cores) are printed as
information, never asserted: nothing here passes or fails.

Usage: ``python benchmarks/suite_walltime.py [--quick] [--repeats N] [--only run|examples40|replay]``
(``--quick``: ``graph-contracts run`` and the baseline only, once; ``--only run`` also
times ``run --jobs 1``; the subprocesses run in a temporary directory). With
``--repeats N`` the commands take turns (run, run --jobs 1, run, ...), so a change
in the machine's load hits both alike.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence

SUITE = [sys.executable, "-m", "pytest", "--pyargs", "graph_contracts.suite", "-q", "-p", "no:cacheprovider"]
RUN = [sys.executable, "-m", "graph_contracts.cli", "run"]
RUNS: dict[str, list[str]] = {
    "baseline (collect only)": [*SUITE, "--collect-only"],
    "run": RUN,
    "run --jobs 1": [*RUN, "--jobs", "1"],
    "examples40": [*RUN, "--examples", "40"],
    "replay": [*SUITE, "--graph-endpoint", "replay"],
}
#: The issue's targets, in seconds on 2 cores (information only).
TARGETS: dict[str, float] = {"run": 15.0, "examples40": 40.0}
TARGET_CORES = 2


def _cpu_of_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _time(command: Sequence[str], cwd: str) -> tuple[float, float, int, str]:
    """Wall seconds, CPU seconds (user + system, the process and its children), exit status, last line.

    CPU seconds do not grow when other work shares the machine, so they compare across busy runs.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GRAPH_", "AZURE_"))}
    cpu_before = _cpu_of_children()
    start = time.perf_counter()
    result = subprocess.run(list(command), capture_output=True, text=True, cwd=cwd, env=env, check=False)
    elapsed = time.perf_counter() - start
    cpu = _cpu_of_children() - cpu_before
    tail = [line for line in result.stdout.splitlines() if line.strip() and not line.startswith(" ")]
    summary = next((line for line in reversed(tail) if " in " in line and ("passed" in line or "test" in line)), "")
    return elapsed, cpu, result.returncode, summary or (tail[-1] if tail else result.stderr[-200:])


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--repeats", type=int, default=1, help="runs of each command; the median is reported")
    parser.add_argument("--only", choices=("run", "examples40", "replay"), default=None,
                        help="time one command (and the baseline)")
    parser.add_argument("--quick", action="store_true", help="graph-contracts run and the baseline, once")
    args = parser.parse_args(argv)
    only = "run" if args.quick else args.only
    names = [n for n in RUNS if only is None or n.startswith("baseline") or n.split(" ")[0] == only]
    if args.quick:
        names.remove("run --jobs 1")
    times: dict[str, float] = {}
    samples: dict[str, list[float]] = {n: [] for n in names}
    cpus: dict[str, list[float]] = {n: [] for n in names}
    statuses: dict[str, list[int]] = {n: [] for n in names}
    summaries: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="gc-suite-walltime-") as cwd:
        for _ in range(1 if args.quick else max(1, args.repeats)):
            for name in names:  # in turns, so the machine's load changes hit every command alike
                elapsed, cpu, status, summaries[name] = _time(RUNS[name], cwd)
                samples[name].append(elapsed)
                cpus[name].append(cpu)
                statuses[name].append(status)
        for name in names:
            times[name] = statistics.median(samples[name])
            passed = sum(1 for s in statuses[name] if s == 0)
            shown = ", ".join(f"{t:.1f}" for t in samples[name])
            print(f"{name}: median {times[name]:.1f} s wall of [{shown}], {statistics.median(cpus[name]):.1f} s CPU; "
                  f"{passed}/{len(statuses[name])} runs exit 0 ({summaries[name]})")
            print(f"  $ {' '.join(RUNS[name])}")
    baseline = times.get("baseline (collect only)")
    print()
    for name, seconds in times.items():
        if baseline and not name.startswith("baseline"):
            print(f"{name} / baseline: {seconds / baseline:.1f}x  (tests alone: ~{seconds - baseline:.1f} s)")
    if "run" in times and "run --jobs 1" in times:
        print(f"run (workers) / run --jobs 1: {times['run'] / times['run --jobs 1']:.2f}x")
    cores = os.cpu_count() or 0
    print(f"load average at the end: {', '.join(f'{x:.1f}' for x in os.getloadavg())} on {cores} cores")
    for name, target in TARGETS.items():
        if name in times:
            verdict = "met" if times[name] <= target else "NOT met"
            print(f"target (information): {name} at most {target:.0f} s on {TARGET_CORES} cores; "
                  f"here {times[name]:.1f} s on {cores} cores ({verdict})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

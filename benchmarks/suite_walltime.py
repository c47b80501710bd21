"""Wall time of the contract suite: ``graph-contracts run``, ``--graph-examples 40`` and replay.

Each run is a subprocess (``graph-contracts run`` as ``python -m graph_contracts.cli run``;
the others ``python -m pytest --pyargs graph_contracts.suite -q -p no:cacheprovider``
with ``--graph-examples 40`` or ``--graph-endpoint replay``), timed with
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
(``--quick``: ``graph-contracts run`` and the baseline only, once; the subprocesses
run in a temporary directory).
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
RUNS: dict[str, list[str]] = {
    "baseline (collect only)": [*SUITE, "--collect-only"],
    "run": [sys.executable, "-m", "graph_contracts.cli", "run"],
    "examples40": [*SUITE, "--graph-examples", "40"],
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
    names = [n for n in RUNS if only is None or n.startswith("baseline") or n == only]
    times: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="gc-suite-walltime-") as cwd:
        for name in names:
            samples, cpus, statuses = [], [], []
            for _ in range(1 if args.quick else max(1, args.repeats)):
                elapsed, cpu, status, summary = _time(RUNS[name], cwd)
                samples.append(elapsed)
                cpus.append(cpu)
                statuses.append(status)
            times[name] = statistics.median(samples)
            passed = sum(1 for s in statuses if s == 0)
            shown = ", ".join(f"{t:.1f}" for t in samples)
            print(f"{name}: median {times[name]:.1f} s wall of [{shown}], {statistics.median(cpus):.1f} s CPU; "
                  f"{passed}/{len(statuses)} runs exit 0 ({summary})")
            print(f"  $ {' '.join(RUNS[name])}")
    baseline = times.get("baseline (collect only)")
    print()
    for name, seconds in times.items():
        if baseline and not name.startswith("baseline"):
            print(f"{name} / baseline: {seconds / baseline:.1f}x  (tests alone: ~{seconds - baseline:.1f} s)")
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

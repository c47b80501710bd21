"""Wall time of the contract suite: ``graph-contracts run``, ``--examples 40`` and replay.

Each run is a subprocess (``graph-contracts run`` as ``python -m graph_contracts.cli run``,
by default in pytest-xdist workers, one per core; ``run --jobs 1`` is the same in one
process, for comparison; ``examples40`` is ``run --examples 40``; the others
``python -m pytest --pyargs graph_contracts.suite -q -p no:cacheprovider`` with
``--graph-endpoint replay``, one process), in paired rounds (``paired.py``: each
command once a round, order rotating, until every ratio's IQR is under 10% of its median, at
most ``--repeats`` rounds), timed with
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
times ``run --jobs 1``; the subprocesses run in a temporary directory). Wall and CPU
seconds are given as median and interquartile range over the rounds.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # paired.py beside this script
from paired import Summary, paired_rounds

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
    parser.add_argument(
        "--repeats",
        type=int,
        default=7,
        help="at most this many paired rounds (default 7; "
        "they stop earlier once every ratio's IQR is under 10%% of its median, after 3)",
    )
    parser.add_argument(
        "--only", choices=("run", "examples40", "replay"), default=None, help="time one command (and the baseline)"
    )
    parser.add_argument("--quick", action="store_true", help="graph-contracts run and the baseline, once")
    args = parser.parse_args(argv)
    only = "run" if args.quick else args.only
    names = [n for n in RUNS if only is None or n.startswith("baseline") or n.split(" ")[0] == only]
    if args.quick:
        names.remove("run --jobs 1")
    rounds = 1 if args.quick else max(1, args.repeats)
    cpus: dict[str, list[float]] = {n: [] for n in names}
    statuses: dict[str, list[int]] = {n: [] for n in names}
    summaries: dict[str, str] = {}
    samples: dict[str, list[float]] = {}
    cores = os.cpu_count() or 0
    print(f"{cores} cores; load average (1, 5, 15 min) at the start: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    with tempfile.TemporaryDirectory(prefix="gc-suite-walltime-") as cwd:

        def measure(name: str) -> Callable[[], float]:
            def run() -> float:
                elapsed, cpu, status, summaries[name] = _time(RUNS[name], cwd)
                cpus[name].append(cpu)
                statuses[name].append(status)
                return elapsed

            return run

        # paired rounds: every command once a round, in an order that rotates, so the machine's load changes
        # hit every command alike; the ratios are per round (paired.py)
        ratios = paired_rounds(
            (names[0], measure(names[0])),
            [(n, measure(n)) for n in names[1:]],
            min_rounds=min(3, rounds),
            max_rounds=rounds,
            warmup=False,
            samples=samples,
        )
    for name in names:
        wall, cpu = Summary(tuple(samples[name])), Summary(tuple(cpus[name]))
        passed = sum(1 for s in statuses[name] if s == 0)
        print(
            f"{name}: wall {wall.text('{:.1f}', ' s')}; CPU {cpu.text('{:.1f}', ' s')}; "
            f"{passed}/{len(statuses[name])} runs exit 0 ({summaries[name]})"
        )
        print(f"  $ {' '.join(RUNS[name])}")
    print()
    for name, ratio in ratios.items():
        print(f"baseline / {name} (above 1 the command is faster than collecting): {ratio.text()}")
    if "run" in samples and "run --jobs 1" in samples:
        workers = Summary(tuple(one / two for one, two in zip(samples["run --jobs 1"], samples["run"], strict=True)))
        print(f"run --jobs 1 / run (workers), per round: {workers.text(unit='x')}")
    print(f"load average at the end: {', '.join(f'{x:.2f}' for x in os.getloadavg())} on {cores} cores")
    for name, target in TARGETS.items():
        if name in samples:
            wall = Summary(tuple(samples[name]))
            verdict = "met" if wall.high <= target else "not met" if wall.low > target else "not shown"
            print(
                f"target (information): {name} at most {target:.0f} s on {TARGET_CORES} cores; "
                f"here {wall.text('{:.1f}', ' s')} on {cores} cores ({verdict}: met only when the high end "
                "of the IQR is within it)"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

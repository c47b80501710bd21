"""Wall time of the contract suite with default settings, on the embedded emulator and on replay.

Each run is ``python -m pytest --pyargs graph_contracts.suite -q -p no:cacheprovider``
in a subprocess (``--graph-endpoint replay`` for the cassettes), timed with
``time.perf_counter`` around the whole process, so interpreter start, plugin
loading and collection count as a user would feel them. The named baseline,
measured in the same run, is ``python -m pytest --collect-only`` of the same
suite: it pays for start-up, imports and collection but runs no test, so
``run / baseline`` is the part of the ratio that carries over between
machines. The issue's target (the default run under 60 s on 2 cores) is
printed as information, never asserted: nothing here passes or fails.

Usage: ``python benchmarks/suite_walltime.py [--repeats N] [--only emulator|replay]``
(run from outside the checkout's root if you want the installed package's view; the
subprocesses run in a temporary directory either way).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence

SUITE = [sys.executable, "-m", "pytest", "--pyargs", "graph_contracts.suite", "-q", "-p", "no:cacheprovider"]
RUNS: dict[str, list[str]] = {
    "baseline (collect only)": [*SUITE, "--collect-only"],
    "emulator (default)": SUITE,
    "replay": [*SUITE, "--graph-endpoint", "replay"],
}
TARGET_SECONDS = 60.0
TARGET_CORES = 2


def _time(command: Sequence[str], cwd: str) -> tuple[float, int, str]:
    """Seconds the command took, its exit status and its last output line."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GRAPH_", "AZURE_"))}
    start = time.perf_counter()
    result = subprocess.run(list(command), capture_output=True, text=True, cwd=cwd, env=env, check=False)
    elapsed = time.perf_counter() - start
    tail = [line for line in result.stdout.splitlines() if line.strip() and not line.startswith(" ")]
    summary = next((line for line in reversed(tail) if " in " in line and ("passed" in line or "test" in line)), "")
    return elapsed, result.returncode, summary or (tail[-1] if tail else result.stderr[-200:])


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--repeats", type=int, default=1, help="runs of each command; the median is reported")
    parser.add_argument(
        "--only", choices=("emulator", "replay"), default=None, help="time one endpoint (and the baseline)"
    )
    args = parser.parse_args(argv)
    names = [n for n in RUNS if args.only is None or n.startswith(("baseline", args.only))]
    times: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="gc-suite-walltime-") as cwd:
        for name in names:
            samples = []
            for _ in range(max(1, args.repeats)):
                elapsed, status, summary = _time(RUNS[name], cwd)
                samples.append(elapsed)
            times[name] = statistics.median(samples)
            print(f"{name}: {times[name]:.1f} s (exit {status}; {summary})")
            print(f"  $ {' '.join(RUNS[name])}")
    baseline = times.get("baseline (collect only)")
    print()
    for name, seconds in times.items():
        if baseline and not name.startswith("baseline"):
            print(f"{name} / baseline: {seconds / baseline:.1f}x  (tests alone: ~{seconds - baseline:.1f} s)")
    emulator, replay = times.get("emulator (default)"), times.get("replay")
    if emulator and replay:
        print(f"replay / emulator: {replay / emulator:.2f}")
    cores = os.cpu_count() or 0
    if emulator is not None:
        verdict = "under" if emulator < TARGET_SECONDS else "over"
        print(
            f"target (information): default run under {TARGET_SECONDS:.0f} s on {TARGET_CORES} cores; "
            f"here {emulator:.1f} s on {cores} cores ({verdict})"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

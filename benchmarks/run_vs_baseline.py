"""``graph-contracts run`` of this checkout against a baseline checkout, side by side, in paired rounds.

Issue 24's targets for the main job are relative to a commit ("today's main"): at most 0.5x its CPU
and at most 0.6x its wall on 2 idle cores. Figures from another day or another machine do not
answer that, so this script runs both in the same session: the baseline from its own checkout and
virtual environment (a ``git worktree`` of the commit, with ``python -m venv .venv && .venv/bin/pip
install -e ".[test]"``), this checkout from the interpreter running the script.

Each run starts in a new empty folder (as a user runs it: no ``.hypothesis`` or pytest cache
carried over), with ``GRAPH_*``/``AZURE_*`` variables removed; its CPU is user + system of the
process and every child it waited for (the xdist workers), from ``os.wait4``. A round runs both
once, in the order ``paired.py`` rotates; the per-round cost ratios (candidate / baseline, below 1
the candidate is cheaper) are summarized as median and interquartile range. A target is met only
when the high end of the IQR stays within it.

Usage: ``python benchmarks/run_vs_baseline.py --baseline DIR [--baseline DIR2] [--rounds 7] [-- RUN_ARGS]``
(``RUN_ARGS`` go to both ``graph-contracts run``, e.g. ``--jobs 1``).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # paired.py beside this script
from paired import Summary, paired_rounds

#: Issue 24's targets: candidate cost / baseline cost, at most.
TARGETS = {"CPU": 0.5, "wall": 0.6}


@dataclass(frozen=True)
class Run:
    """One whole ``graph-contracts run``: wall and CPU seconds, exit status, pytest's summary line."""

    wall: float
    cpu: float
    status: int
    summary: str


def run_once(python: str, extra: Sequence[str]) -> Run:
    """``python -m graph_contracts.cli run EXTRA`` from a new empty folder, timed around the whole process."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GRAPH_", "AZURE_"))}
    with (
        tempfile.TemporaryDirectory(prefix="gc-run-vs-") as cwd,
        open(Path(cwd) / "out.txt", "w+", encoding="utf-8") as out,
    ):
        start = time.perf_counter()
        proc = subprocess.Popen(
            [python, "-m", "graph_contracts.cli", "run", *extra], cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT
        )
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        lines = [line.strip() for line in out if " in " in line and ("passed" in line or "failed" in line)]
    return Run(wall, usage.ru_utime + usage.ru_stime, proc.returncode, lines[-1] if lines else "")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--baseline",
        required=True,
        type=Path,
        action="append",
        help="a baseline checkout with its .venv (repeat it to compare against several in the same rounds)",
    )
    parser.add_argument("--rounds", type=int, default=7, help="at most this many paired rounds (default 7)")
    parser.add_argument("run_args", nargs=argparse.REMAINDER, help="arguments for every run (after --)")
    args = parser.parse_args(argv)
    extra = [a for a in args.run_args if a != "--"]
    sides = {str(b): str(b / ".venv" / "bin" / "python") for b in args.baseline}
    sides["candidate"] = sys.executable
    runs: dict[str, list[Run]] = {name: [] for name in sides}

    def measure(name: str) -> Callable[[], float]:
        def once() -> float:
            run = run_once(sides[name], extra)
            runs[name].append(run)
            print(
                f"  {name}: {run.wall:.1f} s wall, {run.cpu:.1f} s CPU, exit {run.status} ({run.summary})", flush=True
            )
            return run.wall

        return once

    print(f"{os.cpu_count()} cores; load average at the start: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"candidate {Path(__file__).resolve().parents[1]}; run {' '.join(extra)}")
    names = list(sides)
    paired_rounds(
        (names[0], measure(names[0])),
        [(n, measure(n)) for n in names[1:]],
        min_rounds=min(3, args.rounds),
        max_rounds=args.rounds,
        warmup=False,
    )
    print(f"load average at the end: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for name in sides:
        wall = Summary(tuple(r.wall for r in runs[name]))
        cpu = Summary(tuple(r.cpu for r in runs[name]))
        passed = sum(1 for r in runs[name] if r.status == 0)
        print(f"{name}: wall {wall.text('{:.1f}', ' s')}; CPU {cpu.text('{:.1f}', ' s')}; {passed} exit 0")
    for baseline in names[:-1]:
        for what, target in TARGETS.items():
            pick: Callable[[Run], float] = (lambda r: r.cpu) if what == "CPU" else (lambda r: r.wall)
            pairs = zip(runs[baseline], runs["candidate"], strict=True)
            ratio = Summary(tuple(pick(c) / pick(b) for b, c in pairs))
            verdict = "met" if ratio.high <= target else "not met" if ratio.low > target else "not shown"
            print(f"{what} candidate / {baseline}, per round: {ratio.text(unit='x')}; target <= {target}x: {verdict}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""``graph-contracts run`` of this checkout against a baseline checkout, side by side, in paired rounds.

Issue 24's targets for the main job are relative to a commit ("today's main"): at most 0.5x its CPU
and at most 0.6x its wall on 2 idle cores. Figures from another day or another machine do not
answer that, so this script runs both in the same session: the baseline from its own checkout and
virtual environment (a ``git worktree`` of the commit, with ``python -m venv .venv && .venv/bin/pip
install -e ".[test]"``), this checkout from the interpreter running the script.

Each run starts in a new empty folder (as a user runs it: no ``.hypothesis`` or pytest cache
carried over), with ``GRAPH_*``/``AZURE_*`` variables removed and compiled bytecode as a pip
install has it (``paired.installed_env``; one unmeasured run of each side first compiles it); its
CPU is user + system of the process and every child it waited for (the xdist workers), from
``os.wait4``. A round runs both
once, in the order ``paired.py`` rotates; the per-round cost ratios (candidate / baseline, below 1
the candidate is cheaper) are summarized as median and interquartile range. A target is met only
when the high end of the IQR stays within it.

Usage: ``python benchmarks/run_vs_baseline.py --baseline DIR [--baseline DIR2] [--rounds 7] [-- RUN_ARGS]``
(``RUN_ARGS`` go to both ``graph-contracts run``, e.g. ``--jobs 1``). ``python benchmarks/run.py --readme
--baseline DIR`` puts the same comparison (``compare``) in the README's table.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # paired.py beside this script
from paired import Process, Summary, installed_env, paired_rounds, run_process

#: Issue 24's targets: candidate cost / baseline cost, at most.
TARGETS = {"CPU": 0.5, "wall": 0.6}


def run_once(python: str, extra: Sequence[str]) -> Process:
    """``python -m graph_contracts.cli run EXTRA`` from a new empty folder, timed around the whole process."""
    env = installed_env({k: v for k, v in os.environ.items() if not k.startswith(("GRAPH_", "AZURE_"))})
    with tempfile.TemporaryDirectory(prefix="gc-run-vs-") as cwd:
        return run_process([python, "-m", "graph_contracts.cli", "run", *extra], Path(cwd), env=env)


def baseline_python(checkout: Path) -> str:
    """The interpreter of a baseline checkout's own virtual environment."""
    return str(checkout / ".venv" / "bin" / "python")


def describe(checkout: Path) -> str:
    """``130c717 (/work/wt/old130)``: the baseline's commit, as git names it, and where it is."""
    out = subprocess.run(
        ["git", "-C", str(checkout), "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
    )
    return f"{out.stdout.strip() or '?'} ({checkout})"


@dataclass(frozen=True)
class Against:
    """The paired runs of the candidate and one baseline, and the per-round cost ratios they give."""

    baseline: str
    base_runs: tuple[Process, ...]
    runs: tuple[Process, ...]

    def ratio(self, what: str) -> Summary:
        """Candidate / baseline per round, of ``what`` ("CPU" or "wall"): below 1 the candidate is cheaper."""
        pick: Callable[[Process], float] = (lambda r: r.cpu) if what == "CPU" else (lambda r: r.wall)
        return Summary(tuple(pick(c) / pick(b) for b, c in zip(self.base_runs, self.runs, strict=True)))


def compare(
    baselines: Sequence[Path],
    extra: Sequence[str] = (),
    *,
    min_rounds: int = 3,
    max_rounds: int = 7,
    report: Callable[[str], None] = lambda line: None,
) -> list[Against]:
    """Run this checkout's ``graph-contracts run`` and each baseline's in paired rounds (``paired.py``)."""
    sides = {describe(b): baseline_python(b) for b in baselines}
    sides["candidate"] = sys.executable
    runs: dict[str, list[Process]] = {name: [] for name in sides}

    def measure(name: str) -> Callable[[], float]:
        def once() -> float:
            run = run_once(sides[name], extra)
            runs[name].append(run)
            report(f"  {name}: {run.wall:.1f} s wall, {run.cpu:.1f} s CPU, exit {run.status} ({run.tail})")
            return run.wall

        return once

    for python in sides.values():  # one unmeasured run each: its bytecode compiled (``installed_env``), as pip has it
        run_once(python, extra)
    names = list(sides)
    paired_rounds(
        (names[0], measure(names[0])),
        [(n, measure(n)) for n in names[1:]],
        min_rounds=min(min_rounds, max_rounds),
        max_rounds=max_rounds,
        warmup=False,
    )
    return [Against(name, tuple(runs[name]), tuple(runs["candidate"])) for name in names[:-1]]


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
    print(f"{os.cpu_count()} cores; load average at the start: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"candidate {Path(__file__).resolve().parents[1]}; run {' '.join(extra)}")
    results = compare(args.baseline, extra, max_rounds=args.rounds, report=lambda line: print(line, flush=True))
    print(f"load average at the end: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    sides = [(a.baseline, a.base_runs) for a in results] + [("candidate", results[0].runs)]
    for name, runs in sides:
        wall = Summary(tuple(r.wall for r in runs))
        cpu = Summary(tuple(r.cpu for r in runs))
        passed = sum(1 for r in runs if r.status == 0)
        print(f"{name}: wall {wall.text('{:.1f}', ' s')}; CPU {cpu.text('{:.1f}', ' s')}; {passed} exit 0")
    for against in results:
        for what, target in TARGETS.items():
            ratio = against.ratio(what)
            print(
                f"{what} candidate / {against.baseline}, per round: {ratio.text(unit='x')}; "
                f"target <= {target}x: {ratio.at_most(target)}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Paired rounds: how every benchmark in this folder turns timings into a ratio it can defend.

A ratio from one good run is not evidence: on a shared machine the noise between two runs
(20-50% seen here) is larger than the margins the targets ask about. So each ratio is built
from **rounds**. A round times the baseline and every candidate once each, back to back, in an
order that rotates from round to round, reversed every other cycle (so drift in the machine's load falls on all sides
alike), and gives one ratio per candidate: baseline seconds / candidate seconds (above 1 the
candidate is faster). Rounds repeat until the **spread** of each candidate's per-round ratios
is under ``TOLERANCE`` of their median, or ``max_rounds`` have run; then the result says
whether the spread was reached.

The **spread** is the interquartile range of the per-round ratios (the middle half of the
rounds: from the first to the third quartile, ``statistics.quantiles(..., method="inclusive")``),
given as low-high and as a share of the median. A target is **met** only when the low end (the
first quartile) clears it, **not met** when the high end (the third quartile) is below it, and
**not shown** in between: the rounds do not settle it.

Absolute figures (seconds of ``graph-contracts run``, peak RSS) are summarized the same way,
over repeated runs: median and interquartile range (``Summary``).
"""

from __future__ import annotations

import gc
import importlib.util
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

#: Stop when the interquartile range of each ratio is below this share of its median.
TOLERANCE = 0.10
MIN_ROUNDS = 5


@dataclass(frozen=True)
class Summary:
    """Median and interquartile range of repeated measurements (ratios, seconds, megabytes)."""

    values: tuple[float, ...]

    @property
    def median(self) -> float:
        return statistics.median(self.values)

    @property
    def low(self) -> float:
        return self._quartiles()[0]

    @property
    def high(self) -> float:
        return self._quartiles()[1]

    @property
    def spread(self) -> float:
        """The interquartile range as a share of the median (0.08 = 8%)."""
        return (self.high - self.low) / self.median if self.median else 0.0

    def _quartiles(self) -> tuple[float, float]:
        if len(self.values) < 2:
            return self.values[0], self.values[0]
        q1, _, q3 = statistics.quantiles(self.values, n=4, method="inclusive")
        return q1, q3

    def at_most(self, limit: float) -> str:
        """The verdict on an "at most" target (a cost ratio, seconds, megabytes): **met** when the high end
        of the IQR is within ``limit``, **not met** when its low end is over it, **not shown** in between."""
        if self.high <= limit:
            return "met"
        if self.low > limit:
            return "not met"
        return "not shown"

    def text(self, fmt: str = "{:.2f}", unit: str = "") -> str:
        """``1.23x (IQR 1.18-1.29, 9%; 7 runs)``"""
        median, low, high = (fmt.format(v) + unit for v in (self.median, self.low, self.high))
        if len(self.values) == 1:
            return f"{median} (1 run, no spread)"
        return f"{median} (IQR {low}-{high}, {self.spread:.0%}; {len(self.values)} runs)"


@dataclass(frozen=True)
class Ratio:
    """One candidate against its baseline over paired rounds; above 1.0 the candidate is faster."""

    candidate: str
    baseline: str
    rounds: Summary
    converged: bool  # the spread fell under TOLERANCE before the rounds ran out
    target: float | None = None
    #: The median of each sitting, when the rounds were taken in several (``sittings``); empty for one.
    sitting_medians: tuple[float, ...] = ()

    def verdict(self) -> str:
        """Met when the low end of the IQR clears the target and so does every sitting's median; not met
        when the high end and every sitting's median fall short; not shown otherwise."""
        if self.target is None:
            return ""
        medians = self.sitting_medians or (self.rounds.median,)
        if self.rounds.low >= self.target and min(medians) >= self.target:
            return "met"
        if self.rounds.high < self.target and max(medians) < self.target:
            return "not met"
        return "not shown"

    def sittings_text(self) -> str:
        """``3 sittings: 1.02, 1.08, 0.97x`` (empty for one sitting)."""
        if len(self.sitting_medians) < 2:
            return ""
        return f"{len(self.sitting_medians)} sittings: " + ", ".join(f"{m:.2f}" for m in self.sitting_medians) + "x"

    def text(self) -> str:
        out = self.rounds.text(unit="x").replace(" runs)", " rounds)").replace("(1 run,", "(1 round,")
        if not self.converged:
            out += f", spread not under {TOLERANCE:.0%}"
        if self.sitting_medians:
            out += f"; {self.sittings_text()}"
        if self.target is not None:
            out += f"; target >= {self.target:g}x: {self.verdict()}"
        return out


def sittings(parts: Sequence[Ratio]) -> Ratio:
    """One ratio from the rounds of several sittings of the same comparison.

    The rounds of one sitting share the machine's state at that moment (where the children land,
    what the page cache holds, the clock speed), so their IQR can be narrow while two sittings half
    an hour apart disagree beyond it: seen here, 1.11x (IQR 1.03-1.14) and then 0.96x (IQR
    0.95-0.99) for the same command on the same file. Pooling the rounds of sittings taken at
    different moments widens the IQR to what a re-run would see, and the verdict also asks every
    sitting's median to clear the target: a figure that one sitting contradicts is not settled.
    """
    if not parts:
        raise ValueError("no sittings")
    first = parts[0]
    values = tuple(v for part in parts for v in part.rounds.values)
    pooled = Summary(values)
    medians = tuple(part.rounds.median for part in parts) if len(parts) > 1 else ()
    return Ratio(first.candidate, first.baseline, pooled, pooled.spread < TOLERANCE, first.target, medians)


#: A measurement: runs the work once and returns its seconds (``timed`` wraps plain work).
Measure = Callable[[], float]


def timed(work: Callable[[], object]) -> Measure:
    """Wall seconds of ``work()`` in this process, after a garbage collection (so no case pays another's)."""

    def measure() -> float:
        gc.collect()
        start = time.perf_counter()
        work()
        return time.perf_counter() - start

    return measure


def paired_rounds(
    baseline: tuple[str, Measure],
    candidates: Sequence[tuple[str, Measure]],
    *,
    min_rounds: int = MIN_ROUNDS,
    max_rounds: int = 15,
    targets: dict[str, float] | None = None,
    warmup: bool = True,
    samples: dict[str, list[float]] | None = None,
) -> dict[str, Ratio]:
    """Each candidate's speed ratio to the baseline, over rounds that interleave them (see the module doc).

    ``samples``, when given, receives every measurement's seconds by name (for rates and absolute figures).
    """
    cases = [baseline, *candidates]
    if warmup:
        for _, measure in cases:
            measure()
    seconds: dict[str, list[float]] = {name: [] for name, _ in cases}
    ratios: dict[str, list[float]] = {name: [] for name, _ in candidates}
    done = 0
    while done < max(1, max_rounds):
        shift = done % len(cases)
        order = cases[shift:] + cases[:shift]  # rotate who goes first
        if (done // len(cases)) % 2:
            order.reverse()  # and every other cycle the other way round: with two cases, AB BA BA AB
        this_round = {name: measure() for name, measure in order}
        for name, _ in cases:
            seconds[name].append(this_round[name])
        for name, _ in candidates:
            ratios[name].append(this_round[baseline[0]] / this_round[name] if this_round[name] else float("inf"))
        done += 1
        if done >= min_rounds and all(Summary(tuple(r)).spread < TOLERANCE for r in ratios.values()):
            break
    if samples is not None:
        for name, values in seconds.items():
            samples.setdefault(name, []).extend(values)
    return {
        name: Ratio(
            name,
            baseline[0],
            Summary(tuple(values)),
            converged=Summary(tuple(values)).spread < TOLERANCE,
            target=(targets or {}).get(name),
        )
        for name, values in ratios.items()
    }


#: Where measured children keep compiled bytecode when the environment says not to write it.
PYCACHE = Path(tempfile.gettempdir()) / "graph-contracts-bench-pycache"


def installed_env(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of a measured child process, with compiled bytecode as a pip install has it.

    pip compiles a wheel's modules to ``.pyc`` when it installs them. A checkout whose environment
    sets ``PYTHONDONTWRITEBYTECODE`` (some sandboxes and CI images do) instead compiles every module
    of graph_contracts from source at each start: on the project's 2-core machine that doubled the
    start of ``validate`` (0.43 G -> 0.81 G instructions), a cost no installed user pays and a
    do-nothing ``csv.reader`` child never sees. So such children keep their bytecode in a folder of
    their own (``PYTHONPYCACHEPREFIX``, compiled here once, as pip would) instead of not writing it.
    An environment that writes bytecode anyway is left as it is.
    """
    env = dict(os.environ if base is None else base)
    if env.pop("PYTHONDONTWRITEBYTECODE", None) is not None:
        env.setdefault("PYTHONPYCACHEPREFIX", str(PYCACHE))
        spec = importlib.util.find_spec("graph_contracts")
        if spec is not None and spec.submodule_search_locations:
            folder = next(iter(spec.submodule_search_locations))
            subprocess.run([sys.executable, "-m", "compileall", "-q", folder], env=env, check=False)
    return env


@dataclass(frozen=True)
class Process:
    """One finished subprocess: wall seconds, CPU seconds (itself and the children it waited for), peak RSS."""

    wall: float
    cpu: float
    peak_mb: float
    status: int
    tail: str


def run_process(command: Sequence[str], cwd: Path, *, env: dict[str, str] | None = None) -> Process:
    """Run ``command`` to the end with its output in a temporary file; measured around the whole process."""
    with tempfile.TemporaryFile("w+") as out:
        started = time.perf_counter()
        proc = subprocess.Popen(list(command), cwd=cwd, stdout=out, stderr=subprocess.STDOUT, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here; Popen must not wait again
        out.seek(0)
        lines = [line.rstrip() for line in out.read().splitlines() if line.strip()]
    # ru_maxrss: kilobytes on Linux, bytes on macOS
    peak = usage.ru_maxrss / (1024 * 1024 if sys.platform == "darwin" else 1024)
    return Process(wall, usage.ru_utime + usage.ru_stime, peak, proc.returncode, lines[-1] if lines else "")

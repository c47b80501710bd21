"""On-demand benchmarks for ``graph-contracts permissions`` (issue 22), as ratios against baselines of the same run.

1. ``permissions --traffic`` over a HAR of N requests (default 10,000: every exchange of the repository's
   cassettes, recorded from the emulator, repeated) against reading the same HAR with the traffic reader
   alone (``read_traffic``, every exchange consumed). Both in this process. Target: at most 2x.
2. The same, end to end, as processes: ``graph-contracts permissions --traffic`` on a HAR of 100,000 entries
   (without bodies and headers), wall time and peak RSS (``VmHWM``), beside a process that only reads it
   with ``read_traffic`` (the baseline) and one that reads it parsed whole (the reader before HAR files
   streamed). Memory must stay bounded: the reader streams a HAR entry by entry, and what the report keeps
   grows with distinct routes, not requests.
3. Start-up of ``graph-contracts permissions --operation import`` (a fresh process, wall time), beside
   ``python -c pass`` (the baseline) and ``graph-contracts --version``. Target: under 0.5 s on 2 cores.

Every section runs in paired rounds (``paired.py``; see benchmarks/README.md, "How every ratio is
measured"): sections 1 and 2 print the cost ratio candidate / baseline per round (the targets are "at
most Nx") as its median and interquartile range; seconds and peak RSS are the median and IQR over the
rounds; the start-up target is judged on the IQR of the seconds (met when its high end is under 0.5 s).

Usage: ``python benchmarks/permissions.py [--quick] [--requests N] [--big N] [--max-rounds N]
[--only traffic|big|startup]``. ``--quick`` checks that every section works (1,000 and 5,000 requests,
3 rounds): its figures are not worth quoting.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from graph_contracts.permissions import load_permission_data
from graph_contracts.traffic import read_traffic
from graph_contracts.traffic.permissions import traffic_needs

sys.path.insert(0, str(Path(__file__).resolve().parent))  # har.py and paired.py beside this script
from har import write_har
from paired import MIN_ROUNDS, Summary, paired_rounds, timed

ROOT = Path(__file__).resolve().parents[1]
CASSETTES = ROOT / "cassettes"


#: Rounds of a section: at least ``min_rounds`` (fewer for whole processes), at most ``max_rounds``.
ROUNDS = {"quick": (3, 5), "default": (MIN_ROUNDS, 15)}
PROCESS_MIN_ROUNDS = 3


def _cost(ratio_rounds: Summary) -> Summary:
    """Per-round cost ratios candidate / baseline, from paired.py's speed ratios baseline / candidate."""
    return Summary(tuple(1 / r for r in ratio_rounds.values))


def write_cassette_har(path: Path, requests: int, *, slim: bool = False) -> Path:
    """A HAR of ``requests`` entries: every exchange of the repository's cassettes, repeated."""
    source = [e for p in sorted(CASSETTES.glob("*.yaml")) for e in read_traffic(p)]
    return write_har(path, source, requests, slim=slim)


def bench_traffic(requests: int, rounds: tuple[int, int], folder: Path) -> None:
    har = write_cassette_har(folder / "traffic.har", requests)
    data = load_permission_data()

    def read_only() -> None:
        for _ in read_traffic(har):
            pass

    def with_permissions() -> None:
        traffic_needs(data, [har])

    seconds: dict[str, list[float]] = {}
    ratios = paired_rounds(  # the warm-up round fills the reader's and the index's caches for both
        ("read_traffic alone", timed(read_only)),
        [("permissions --traffic", timed(with_permissions))],
        min_rounds=rounds[0],
        max_rounds=rounds[1],
        samples=seconds,
    )
    cost = _cost(ratios["permissions --traffic"].rounds)
    size = har.stat().st_size / 1e6
    print(f"1. {requests} requests ({size:.1f} MB HAR), paired rounds (load {os.getloadavg()[0]:.1f})")
    for name, values in seconds.items():
        print(f"   {name:<24} {Summary(tuple(values)).text('{:.3f}', ' s')}")
    print(f"   cost ratio permissions --traffic / read_traffic, per round: {cost.text(unit='x')}")
    print(f"   target: at most 2x at the high end of the IQR: {cost.at_most(2.0)}")


_CHILD = """
import sys, time
from pathlib import Path
start = time.perf_counter()
if sys.argv[1] == "read":
    from graph_contracts.traffic import read_traffic
    for _ in read_traffic(sys.argv[2]):
        pass
elif sys.argv[1] == "whole":  # the HAR parsed as one document, as every HAR was before it streamed
    from graph_contracts.traffic.reader import read_document
    for _ in read_document(Path(sys.argv[2]), sys.argv[2]):
        pass
else:
    from graph_contracts.cli import main
    import contextlib, io
    with contextlib.redirect_stdout(io.StringIO()):
        main(["permissions", "--traffic", sys.argv[2]])
elapsed = time.perf_counter() - start
# VmHWM, this process's own peak: ru_maxrss survives exec on Linux, so it reported the parent's peak (the
# benchmark process that had just built the HAR), the same ~720 MB whatever the child did
hwm = next(line.split()[1] for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(elapsed, hwm)
"""


def bench_big(requests: int, rounds: tuple[int, int], folder: Path) -> None:
    har = write_cassette_har(folder / "big.har", requests, slim=True)
    peaks: dict[str, list[float]] = {}

    def child(mode: str) -> Callable[[], float]:
        def measure() -> float:
            out = subprocess.run(
                [sys.executable, "-c", _CHILD, mode, str(har)], capture_output=True, text=True, check=True
            ).stdout.split()
            peaks.setdefault(mode, []).append(int(out[1]) / 1024)
            return float(out[0])

        return measure

    seconds: dict[str, list[float]] = {}
    ratios = paired_rounds(
        ("read", child("read")),
        [("whole", child("whole")), ("permissions", child("permissions"))],
        min_rounds=min(PROCESS_MIN_ROUNDS, rounds[0]),
        max_rounds=rounds[1],
        warmup=False,
        samples=seconds,
    )
    print(
        f"2. {requests} requests ({har.stat().st_size / 1e6:.0f} MB HAR), one process each, paired rounds "
        f"(load {os.getloadavg()[0]:.1f}); seconds timed in the child (its graph_contracts imports "
        "included), peak RSS its VmHWM"
    )
    for mode in ("whole", "read", "permissions"):
        print(
            f"   {mode:<12} {Summary(tuple(seconds[mode])).text('{:.2f}', ' s')}   "
            f"peak RSS {Summary(tuple(peaks[mode])).text('{:.0f}', ' MB')}"
        )
    for mode in ("whole", "permissions"):
        print(f"   cost ratio {mode} / read, per round: {_cost(ratios[mode].rounds).text(unit='x')}")


def bench_startup(rounds: tuple[int, int]) -> None:
    exe = Path(sys.executable).with_name("graph-contracts")
    cli = [str(exe)] if exe.exists() else [sys.executable, "-m", "graph_contracts.cli"]

    def wall(argv: list[str]) -> Callable[[], float]:
        return timed(lambda: subprocess.run(argv, capture_output=True, check=True))

    seconds: dict[str, list[float]] = {}
    paired_rounds(
        ("python -c pass", wall([sys.executable, "-c", "pass"])),
        [
            ("graph-contracts --version", wall([*cli, "--version"])),
            ("permissions --operation import", wall([*cli, "permissions", "--operation", "import"])),
        ],
        min_rounds=rounds[0],
        max_rounds=rounds[1],
        samples=seconds,
    )
    print(f"3. start-up, a fresh process, paired rounds (load {os.getloadavg()[0]:.1f})")
    for name, values in seconds.items():
        print(f"   {name:<32} {Summary(tuple(values)).text('{:.3f}', ' s')}")
    startup = Summary(tuple(seconds["permissions --operation import"]))
    print(f"   target: permissions --operation import under 0.5 s (IQR's high end): {startup.at_most(0.5)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small inputs, 3 to 5 rounds: checks that it works")
    parser.add_argument("--requests", type=int, default=None, help="section 1's HAR (default 10,000; quick 1,000)")
    parser.add_argument("--big", type=int, default=None, help="section 2's HAR (default 100,000; quick 5,000)")
    parser.add_argument(
        "--max-rounds", type=int, default=None, help="at most this many paired rounds (default 15; quick 5)"
    )
    parser.add_argument("--only", choices=("traffic", "big", "startup"))
    args = parser.parse_args()
    low, high = ROUNDS["quick" if args.quick else "default"]
    if args.max_rounds:
        low, high = min(low, args.max_rounds), args.max_rounds
    requests = args.requests or (1_000 if args.quick else 10_000)
    big = args.big or (5_000 if args.quick else 100_000)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        if args.only in (None, "traffic"):
            bench_traffic(requests, (low, high), folder)
        if args.only in (None, "big"):
            bench_big(big, (low, high), folder)
        if args.only in (None, "startup"):
            bench_startup((low, high))


if __name__ == "__main__":
    main()

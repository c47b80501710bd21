"""On-demand benchmarks for ``graph-contracts permissions`` (issue 22), as ratios against baselines of the same run.

1. ``permissions --traffic`` over a HAR of N requests (default 10,000: every exchange of the repository's
   cassettes, recorded from the emulator, repeated) against reading the same HAR with the traffic reader
   alone (``read_traffic``, every exchange consumed). Both in this process, best of R. Target: at most 2x.
2. The same, end to end, as processes: ``graph-contracts permissions --traffic`` on a HAR of 100,000 entries
   (without bodies and headers),
   wall time and peak RSS (``VmHWM``), beside a process that only reads it with ``read_traffic`` and one
   that reads it parsed whole (the reader before HAR files streamed). Memory must stay bounded: the reader
   streams a HAR entry by entry, and what the report keeps grows with distinct routes, not requests.
3. Start-up of ``graph-contracts permissions --operation import`` (a fresh process, wall time, best and
   median of R), beside ``python -c pass`` and ``graph-contracts --version``. Target: under 0.5 s on 2 cores.

Usage: ``python benchmarks/permissions.py [--requests N] [--big N] [--repeats R] [--only traffic|big|startup]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from graph_contracts.permissions import load_permission_data
from graph_contracts.traffic import read_traffic
from graph_contracts.traffic.permissions import traffic_needs

sys.path.insert(0, str(Path(__file__).resolve().parent))  # har.py beside this script
from har import write_har

ROOT = Path(__file__).resolve().parents[1]
CASSETTES = ROOT / "cassettes"


def _best(fn: Callable[[], Any], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def write_cassette_har(path: Path, requests: int, *, slim: bool = False) -> Path:
    """A HAR of ``requests`` entries: every exchange of the repository's cassettes, repeated."""
    source = [e for p in sorted(CASSETTES.glob("*.yaml")) for e in read_traffic(p)]
    return write_har(path, source, requests, slim=slim)


def bench_traffic(requests: int, repeats: int, folder: Path) -> None:
    har = write_cassette_har(folder / "traffic.har", requests)
    data = load_permission_data()

    def read_only() -> None:
        for _ in read_traffic(har):
            pass

    def with_permissions() -> None:
        traffic_needs(data, [har])

    read_only()  # warm the reader and the index once, for both
    with_permissions()
    base = _best(read_only, repeats)
    measured = _best(with_permissions, repeats)
    size = har.stat().st_size / 1e6
    print(f"1. {requests} requests ({size:.1f} MB HAR), best of {repeats}")
    print(f"   read_traffic alone       {base:7.3f} s")
    print(f"   permissions --traffic    {measured:7.3f} s   {measured / base:.2f}x the reader (target <= 2x)")


_CHILD = """
import sys, time
from pathlib import Path
start = time.perf_counter()
if sys.argv[1] == "read":
    from graph_contracts.traffic import read_traffic
    for _ in read_traffic(sys.argv[2]):
        pass
elif sys.argv[1] == "whole":  # the HAR parsed as one document, as every HAR was before it streamed
    from graph_contracts.traffic.reader import _read_document
    for _ in _read_document(Path(sys.argv[2]), sys.argv[2]):
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


def bench_big(requests: int, folder: Path) -> None:
    har = write_cassette_har(folder / "big.har", requests, slim=True)
    print(f"2. {requests} requests ({har.stat().st_size / 1e6:.0f} MB HAR), one process each")
    for mode in ("whole", "read", "permissions"):
        out = subprocess.run(
            [sys.executable, "-c", _CHILD, mode, str(har)], capture_output=True, text=True, check=True
        ).stdout.split()
        print(f"   {mode:<12} {float(out[0]):7.2f} s   peak RSS {int(out[1]) / 1024:7.0f} MB")


def _wall(argv: list[str], repeats: int) -> tuple[float, float]:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run(argv, capture_output=True, check=True)
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times)


def bench_startup(repeats: int) -> None:
    exe = Path(sys.executable).with_name("graph-contracts")
    cli = [str(exe)] if exe.exists() else [sys.executable, "-m", "graph_contracts.cli"]
    print(f"3. start-up, a fresh process, best / median of {repeats} (load {os.getloadavg()[0]:.1f})")
    for name, argv in (
        ("python -c pass", [sys.executable, "-c", "pass"]),
        ("graph-contracts --version", [*cli, "--version"]),
        ("permissions --operation import", [*cli, "permissions", "--operation", "import"]),
    ):
        best, median = _wall(argv, repeats)
        print(f"   {name:<32} {best:6.3f} s / {median:6.3f} s")
    print("   target: permissions --operation import under 0.5 s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--big", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--only", choices=("traffic", "big", "startup"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        if args.only in (None, "traffic"):
            bench_traffic(args.requests, args.repeats, folder)
        if args.only in (None, "big"):
            bench_big(args.big, folder)
        if args.only in (None, "startup"):
            bench_startup(max(args.repeats, 5))


if __name__ == "__main__":
    main()

"""On-demand benchmarks for recorded traffic, reported as ratios against baselines from the same run.

1. ``traffic check`` of a HAR file against loading the same file with ``json.load`` and
   validating the same bodies with ``Validator`` (request bodies, success response bodies,
   error envelopes), with every validator built before timing. Target: at most 3x.
2. ``traffic scan`` of a folder of cassettes against merely reading the same files. Target: 100 MB
   in under 30 s on 2 cores; a smaller folder is measured by default and the time projected.

The exchanges are real: every exchange of the repository's cassettes (recorded from the emulator)
that a contract covers, repeated to the size asked for. The cassettes to scan are copies of the
repository's cassettes (clean; one file with a planted secret checks that the scanner still finds).

Usage: ``python benchmarks/traffic.py [--exchanges N] [--scan-mb MB] [--repeats R]``.
Baseline and candidate run in paired rounds (``paired.py``); the ratio is the median and
interquartile range of the per-round ratios. The default is cheap (2,000 exchanges, 10 MB, at most 7
rounds); the issue's sizes are ``--exchanges 10000 --scan-mb 100``.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import io
import json
import shutil
import statistics
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from graph_contracts.cli.traffic_check import check_files
from graph_contracts.schemas import GRAPH_ERROR
from graph_contracts.traffic import Exchange, read_traffic
from graph_contracts.traffic.check import check_exchange
from graph_contracts.traffic.scan import scan_paths
from graph_contracts.validation import Validator

sys.path.insert(0, str(Path(__file__).resolve().parent))  # har.py and paired.py beside this script
from har import write_har
from paired import Summary, paired_rounds, timed

ROOT = Path(__file__).resolve().parents[1]
CASSETTES = ROOT / "cassettes"


def _paired(baseline: Callable[[], Any], candidate: Callable[[], Any], repeats: int) -> tuple[float, float, Summary]:
    """Median seconds of each, and the per-round cost ratio candidate / baseline (paired rounds, paired.py)."""
    samples: dict[str, list[float]] = {}
    ratios = paired_rounds(
        ("baseline", timed(baseline)),
        [("candidate", timed(candidate))],
        min_rounds=min(3, repeats),
        max_rounds=repeats,
        warmup=False,
        samples=samples,
    )
    cost = Summary(tuple(1 / r for r in ratios["candidate"].rounds.values))  # the targets here are "at most Nx"
    return statistics.median(samples["baseline"]), statistics.median(samples["candidate"]), cost


def _covered_exchanges() -> list[Exchange]:
    out = []
    for path in sorted(CASSETTES.glob("*.yaml")):
        for exchange in read_traffic(path):
            if check_exchange(exchange).match is not None:
                out.append(exchange)
    return out


def bench_check(exchanges: int, repeats: int, folder: Path) -> None:
    source = _covered_exchanges()
    chosen = [source[i % len(source)] for i in range(exchanges)]
    har = write_har(folder / "traffic.har", source, exchanges)
    # What the baseline validates, worked out (and every validator built) before the clock starts.
    validators = functools.cache(
        lambda op_id, version, direction: Validator.for_operation(op_id, version=version, direction=direction)
    )
    error_validator = Validator(GRAPH_ERROR)
    plan = []
    for exchange in chosen:
        result = check_exchange(exchange)
        assert result.match is not None
        op, version = result.match.operation, result.match.version
        request = validators(op.id, version, "request") if op.has_request_body else None
        status = exchange.response.status
        if status >= 400:
            response = error_validator
        elif status == op.success_status and op.response_kind != "none":
            response = validators(op.id, version, "response")
        else:
            response = None
        plan.append((request, response))

    def baseline() -> None:
        with har.open(encoding="utf-8") as handle:
            doc = json.load(handle)
        for entry, (request, response) in zip(doc["log"]["entries"], plan, strict=True):
            if request is not None and "postData" in entry["request"]:
                with contextlib.suppress(ValueError):
                    request.validate(json.loads(entry["request"]["postData"]["text"]))
            if response is not None:
                with contextlib.suppress(ValueError):
                    response.validate(json.loads(entry["response"]["content"]["text"]))

    def candidate() -> None:
        check_files([str(har)], fmt="json", out=io.StringIO(), err=io.StringIO())

    candidate()  # warm the caches both sides share (schemas, route table)
    base, cand, cost = _paired(baseline, candidate, repeats)
    size = har.stat().st_size / 1e6
    print(f"1. traffic check, HAR of {exchanges} exchanges ({size:.1f} MB, {len(source)} distinct from the cassettes)")
    print(f"   json.load + Validator on the same bodies: {base:7.3f} s  ({exchanges / base:8.0f} exchanges/s)")
    print(f"   traffic check:                            {cand:7.3f} s  ({exchanges / cand:8.0f} exchanges/s)")
    print(
        f"   cost ratio traffic check / baseline, per round: {cost.text(unit='x')}   (target: at most 3x at the "
        f"high end of the IQR: {cost.at_most(3)})"
    )


def bench_scan(megabytes: float, repeats: int, folder: Path) -> None:
    target = folder / "cassettes"
    target.mkdir()
    sources = sorted(CASSETTES.glob("*.yaml"))
    total, copy = 0, 0
    while total < megabytes * 1e6:
        src = sources[copy % len(sources)]
        shutil.copyfile(src, target / f"{copy:05d}-{src.name[:80]}.yaml")
        total += src.stat().st_size
        copy += 1
    (target / "zz-planted.yaml").write_text("request:\n  uri: https://x/v1.0/me?access_token=planted-opaque-1234\n")

    def baseline() -> None:
        for path in target.iterdir():
            path.read_text(encoding="utf-8", errors="replace")

    found: list[Any] = []

    def candidate() -> None:
        found[:] = scan_paths([target])

    base, cand, cost = _paired(baseline, candidate, repeats)
    assert [Path(f.file).name for f in found] == ["zz-planted.yaml"], found[:5]
    mb = total / 1e6
    print(f"2. traffic scan, {copy} cassettes, {mb:.1f} MB")
    print(
        f"   reading the files: {base:7.3f} s   traffic scan: {cand:7.3f} s  ({mb / cand:5.1f} MB/s, "
        f"{cost.median:.0f}x reading, IQR {cost.low:.0f}-{cost.high:.0f}x)"
    )
    print(f"   100 MB at this rate: {cand * 100 / mb:5.1f} s   (target: under 30 s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--exchanges", type=int, default=2000, help="HAR size for section 1 (issue: 10000)")
    parser.add_argument("--scan-mb", type=float, default=10, help="cassette megabytes for section 2 (issue: 100)")
    parser.add_argument(
        "--repeats",
        type=int,
        default=7,
        help="at most this many paired rounds (at least 3; they "
        "stop once the IQR of the per-round ratio is under 10%% of its median)",
    )
    parser.add_argument("--only", choices=("check", "scan"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if args.only in (None, "check"):
            bench_check(args.exchanges, args.repeats, Path(tmp))
        if args.only in (None, "scan"):
            bench_scan(args.scan_mb, args.repeats, Path(tmp))


if __name__ == "__main__":
    main()

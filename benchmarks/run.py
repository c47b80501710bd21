"""On-demand benchmarks for graph-contracts, reported as ratios against baselines from the same run.

What is measured:

1. Validator throughput on ``importedWindowsAutopilotDeviceIdentity.import``
   bodies carrying realistic 4000-character hardware hashes: the reused
   ``Validator`` (``contract`` and ``upload`` profiles, ``is_valid`` and
   ``validate``) and the cached ``graph_contracts.validate``, against plain
   ``jsonschema.validate`` (which re-checks the schema on every call) and a
   compiled ``Draft202012Validator.is_valid`` on the same schema.
2. CSV streaming: ``AutopilotCsv`` over generated Autopilot CSV files, in rows/s
   against a do-nothing ``csv.reader``, and its tracemalloc peak for a small and
   a 10x larger file against ``csv.reader`` streaming and ``list(csv.reader(f))``
   (which materializes every row, so its peak grows with the file).
3. Hash decoding: ``decode_hardware_hash`` against ``base64.b64decode(validate=True)``.

Why ratios: absolute timings depend on the machine, its load and the Python
build, so a number such as "800 docs/s" means nothing on its own and a fixed
threshold would fail on a slow CI runner and pass a regression on a fast one.
Every baseline runs in the same process, on the same inputs, interleaved with
the candidates (round-robin, median of several ``time.perf_counter`` repeats),
so the ratio between them is what carries over from one machine to another.
Nothing here passes or fails: the script prints numbers for a human to read.

Usage: ``python benchmarks/run.py [--quick] [--only validator|csv|hash]``
(``tox -e bench`` runs it). ``--quick`` uses fewer repeats and smaller inputs.
"""

from __future__ import annotations

import argparse
import base64
import collections
import csv
import gc
import json
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema

import graph_contracts
from graph_contracts.autopilot import (
    AutopilotCsv,
    build_hardware_hash,
    decode_hardware_hash,
    encode_hardware_hash,
)
from graph_contracts.resources import schemas_dir

OPERATION = "importedWindowsAutopilotDeviceIdentity.import"
SCHEMA_PATH = f"v1.0/operations/{OPERATION}.request.json"
COLLECTION = "importedWindowsAutopilotDeviceIdentities"
CSV_HEADER = "Device Serial Number,Windows Product ID,Hardware Hash,Group Tag"

#: (manufacturer, model) pairs as SMBIOS reports them, cycled through the generated devices.
DEVICE_MODELS: tuple[tuple[str, str], ...] = (
    ("LENOVO", "20XW004GUS"),
    ("Dell Inc.", "Latitude 5440"),
    ("HP", "HP EliteBook 840 G10 Notebook PC"),
    ("Microsoft Corporation", "Surface Laptop 5"),
    ("Microsoft Corporation", "Virtual Machine"),
)
GROUP_TAGS: tuple[str, ...] = ("Sales", "Engineering", "Kiosk", "")


@dataclass(frozen=True)
class Config:
    """How much work each section does; ``--quick`` picks the small one."""

    repeats: int
    bodies: int
    devices_per_body: int
    hashes: int
    csv_rows: tuple[int, int]
    csv_repeats: int


FULL = Config(repeats=7, bodies=20, devices_per_body=10, hashes=1000, csv_rows=(1_000, 10_000), csv_repeats=5)
QUICK = Config(repeats=5, bodies=8, devices_per_body=10, hashes=300, csv_rows=(100, 1_000), csv_repeats=3)


@dataclass(frozen=True)
class Case:
    """One thing to time: ``run`` processes the whole workload once."""

    name: str
    run: Callable[[], object]


@dataclass(frozen=True)
class Timing:
    name: str
    median: float
    spread: float  # (max - min) / median of the repeats, to judge how far a ratio can be trusted

    def rate(self, items: int) -> float:
        return items / self.median


# ---------------------------------------------------------------------------
# measuring


def time_cases(cases: Sequence[Case], repeats: int, *, warmup: bool = True) -> dict[str, Timing]:
    """Median wall time of each case; cases are interleaved so drift hits them all alike."""
    if warmup:
        for case in cases:
            case.run()
    samples: dict[str, list[float]] = {case.name: [] for case in cases}
    for _ in range(repeats):
        for case in cases:
            gc.collect()
            start = time.perf_counter()
            case.run()
            samples[case.name].append(time.perf_counter() - start)
    timings = {}
    for name, values in samples.items():
        median = statistics.median(values)
        timings[name] = Timing(name, median, (max(values) - min(values)) / median if median else 0.0)
    return timings


def peak_memory(run: Callable[[], object]) -> int:
    """Peak bytes allocated (tracemalloc) while ``run`` executes, above what was live before."""
    gc.collect()
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        run()
        return tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()


def consume(iterable: Iterable[object]) -> None:
    """Exhaust an iterator without keeping anything (the cheapest consumer in CPython)."""
    collections.deque(iterable, maxlen=0)


# ---------------------------------------------------------------------------
# inputs


def device_hash(index: int, prefix: str) -> tuple[str, str]:
    """A unique serial number and its real-layout 4000-character base64 hash."""
    serial = f"{prefix}{index:07d}"
    manufacturer, model = DEVICE_MODELS[index % len(DEVICE_MODELS)]
    text = encode_hardware_hash(build_hardware_hash(serial, manufacturer, model))
    return serial, text


def import_bodies(count: int, devices: int) -> list[dict[str, Any]]:
    bodies = []
    for b in range(count):
        records = []
        for d in range(devices):
            index = b * devices + d
            serial, text = device_hash(index, "PF")
            records.append({
                "@odata.type": "#microsoft.graph.importedWindowsAutopilotDeviceIdentity",
                "serialNumber": serial,
                "productKey": "",
                "groupTag": GROUP_TAGS[index % len(GROUP_TAGS)],
                "hardwareIdentifier": text,
            })
        bodies.append({COLLECTION: records})
    return bodies


def write_autopilot_csv(path: Path, rows: int) -> None:
    """A Get-WindowsAutopilotInfo style file: ASCII, CRLF, no quotes, empty product IDs."""
    with path.open("w", encoding="ascii", newline="") as f:
        f.write(CSV_HEADER + "\r\n")
        for i in range(rows):
            serial, text = device_hash(i, f"CSV{rows}-")
            f.write(f"{serial},,{text},{GROUP_TAGS[i % len(GROUP_TAGS)]}\r\n")


# ---------------------------------------------------------------------------
# printing


def heading(title: str) -> None:
    print(f"\n== {title} ==")


def ratio(candidate: float, baseline: float) -> str:
    return f"{candidate / baseline:.2f}x" if baseline else "n/a"


def kib(n: int) -> str:
    return f"{n / 1024:,.0f} KiB"


def print_rates(timings: dict[str, Timing], items: int, unit: str, baselines: Sequence[str]) -> None:
    labels = {name: ("[baseline] " if name in baselines else "") + name for name in timings}
    width = max(len(label) for label in labels.values()) + 2
    print(f"  {'':{width}}{unit:>12}  spread")
    for name, t in timings.items():
        print(f"  {labels[name]:{width}}{t.rate(items):>12,.1f}  {t.spread:>6.0%}")


def print_ratio_table(timings: dict[str, Timing], items: int, baselines: Sequence[str]) -> None:
    candidates = [n for n in timings if n not in baselines]
    width = max(len(n) for n in candidates) + 2
    cols = [f"vs {b}" for b in baselines]
    print("  ratio = candidate rate / baseline rate (>1 faster, <1 slower)")
    print(f"  {'':{width}}" + "".join(f"{c:>{len(c) + 2}}" for c in cols))
    for name in candidates:
        cells = "".join(
            f"{ratio(timings[name].rate(items), timings[b].rate(items)):>{len(c) + 2}}"
            for b, c in zip(baselines, cols, strict=True))
        print(f"  {name:{width}}{cells}")


# ---------------------------------------------------------------------------
# 1. validator throughput


def bench_validator(cfg: Config) -> None:
    heading(f"1. Validator throughput: {OPERATION} request bodies")
    bodies = import_bodies(cfg.bodies, cfg.devices_per_body)
    schema: dict[str, Any] = json.loads((schemas_dir() / SCHEMA_PATH).read_text(encoding="utf-8"))
    print(f"  {len(bodies)} distinct bodies x {cfg.devices_per_body} devices, "
          f"{len(bodies[0][COLLECTION][0]['hardwareIdentifier'])}-char hashes; "
          f"median of {cfg.repeats} repeats; 1 doc = 1 import body")

    contract = graph_contracts.Validator.for_operation(OPERATION, profile="contract")
    upload = graph_contracts.Validator.for_operation(OPERATION, profile="upload")
    compiled = jsonschema.Draft202012Validator(schema)

    # The inputs must be valid everywhere, or we would be timing the error path.
    for body in bodies:
        problems = {
            "contract.validate": contract.validate(body),
            "upload.validate": [i for i in upload.validate(body) if i.severity == "error"],
            "graph_contracts.validate": graph_contracts.validate(body, operation=OPERATION, profile="contract"),
        }
        for name, issues in problems.items():
            if issues:
                sys.exit(f"benchmark input is not valid for {name}: {issues[:3]}")
        if not (contract.is_valid(body) and upload.is_valid(body) and compiled.is_valid(body)):
            sys.exit("benchmark input is not valid for an is_valid candidate")

    def loop(fn: Callable[[Any], object]) -> Callable[[], None]:
        def run() -> None:
            for body in bodies:
                fn(body)
        return run

    def convenience(body: Any) -> object:
        return graph_contracts.validate(body, operation=OPERATION, profile="contract")

    def plain(body: Any) -> object:
        jsonschema.validate(body, schema)
        return None

    base_plain = "jsonschema.validate (per call)"
    base_compiled = "Draft202012Validator.is_valid"
    cases = [
        Case(base_plain, loop(plain)),
        Case(base_compiled, loop(compiled.is_valid)),
        Case("Validator(contract).is_valid", loop(contract.is_valid)),
        Case("Validator(contract).validate", loop(contract.validate)),
        Case("Validator(upload).is_valid", loop(upload.is_valid)),
        Case("Validator(upload).validate", loop(upload.validate)),
        Case("graph_contracts.validate(contract)", loop(convenience)),
    ]
    timings = time_cases(cases, cfg.repeats)
    baselines = [base_plain, base_compiled]
    print_rates(timings, len(bodies), "docs/s", baselines)
    print_ratio_table(timings, len(bodies), baselines)


# ---------------------------------------------------------------------------
# 2. CSV streaming


def bench_csv(cfg: Config, workdir: Path) -> None:
    small, large = cfg.csv_rows
    heading(f"2. CSV streaming: AutopilotCsv over {small:,} and {large:,} row files")
    paths = {}
    for rows in (small, large):
        path = workdir / f"autopilot-{rows}.csv"
        write_autopilot_csv(path, rows)
        paths[rows] = path
    print(f"  header {CSV_HEADER!r}, unique serials and real-layout hashes; "
          f"median of {cfg.csv_repeats} repeats")

    # Sanity: every data row comes back, and none is reported broken (only the 500-device batch note).
    for rows, path in paths.items():
        parsed = list(AutopilotCsv(path))
        errors = [i for r in parsed for i in r.issues if i.code != "batch-size" and i.severity == "error"]
        if len(parsed) != rows or errors:
            sys.exit(f"generated CSV {path.name}: {len(parsed)} rows, errors {errors[:3]}")

    def stream_csv(path: Path) -> Callable[[], None]:
        def run() -> None:
            with path.open(newline="", encoding="ascii") as f:
                consume(csv.reader(f))
        return run

    def list_csv(path: Path) -> Callable[[], None]:
        def run() -> None:
            with path.open(newline="", encoding="ascii") as f:
                rows = list(csv.reader(f))
            del rows
        return run

    def autopilot(path: Path) -> Callable[[], None]:
        return lambda: consume(AutopilotCsv(path))

    base_stream = "csv.reader (stream, no-op)"
    base_list = "list(csv.reader(f))"
    candidate = "AutopilotCsv"
    makers: dict[str, Callable[[Path], Callable[[], None]]] = {
        base_stream: stream_csv, base_list: list_csv, candidate: autopilot}

    rates: dict[str, dict[int, Timing]] = {name: {} for name in makers}
    for rows, path in paths.items():
        # The sanity pass above already warmed imports and caches; skip a second full pass.
        timings = time_cases([Case(n, make(path)) for n, make in makers.items()], cfg.csv_repeats,
                             warmup=False)
        for name, t in timings.items():
            rates[name][rows] = t

    width = max(len(n) for n in makers) + 2
    print(f"  rows/s{'':{width - 6}}{small:>12,} rows{large:>12,} rows  (spread)")
    for name in makers:
        cells = "".join(f"{rates[name][r].rate(r):>17,.0f}" for r in (small, large))
        spreads = "/".join(f"{rates[name][r].spread:.0%}" for r in (small, large))
        print(f"  {name:{width}}{cells}  ({spreads})")
    print(f"  ratio {candidate} / {base_stream}: " + ", ".join(
        f"{r:,} rows {ratio(rates[candidate][r].rate(r), rates[base_stream][r].rate(r))}" for r in (small, large)))

    print(f"  peak memory (tracemalloc){'':{width - 25}}{small:>12,} rows{large:>12,} rows   large/small")
    peaks: dict[str, dict[int, int]] = {name: {} for name in makers}
    for name, make in makers.items():
        for rows, path in paths.items():
            peaks[name][rows] = peak_memory(make(path))
        growth = ratio(peaks[name][large], peaks[name][small])
        print(f"  {name:{width}}{kib(peaks[name][small]):>17}{kib(peaks[name][large]):>17}   {growth:>11}")
    per_row = (peaks[candidate][large] - peaks[candidate][small]) / (large - small)
    per_row_list = (peaks[base_list][large] - peaks[base_list][small]) / (large - small)
    print(f"  rows grew {large / small:.0f}x; extra peak per extra row: {candidate} {per_row:,.0f} bytes "
          f"(the duplicate check's serials and digests), {base_list} {per_row_list:,.0f} bytes")


# ---------------------------------------------------------------------------
# 3. hash decoding


def bench_hash(cfg: Config) -> None:
    heading("3. Hash decoding: decode_hardware_hash vs base64.b64decode")
    pool = [device_hash(i, "HX")[1] for i in range(cfg.hashes)]
    print(f"  {len(pool)} distinct {len(pool[0])}-char hashes; median of {cfg.repeats} repeats")

    def baseline() -> None:
        for text in pool:
            base64.b64decode(text, validate=True)

    def candidate() -> None:
        for text in pool:
            decode_hardware_hash(text)

    base = "base64.b64decode(validate=True)"
    timings = time_cases([Case(base, baseline), Case("decode_hardware_hash", candidate)], cfg.repeats)
    print_rates(timings, len(pool), "hashes/s", [base])
    print_ratio_table(timings, len(pool), [base])


# ---------------------------------------------------------------------------


SECTIONS = ("validator", "csv", "hash")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="fewer repeats and smaller inputs (~20 s)")
    parser.add_argument("--only", choices=SECTIONS, action="append", help="run only this section (repeatable)")
    args = parser.parse_args(argv)
    cfg = QUICK if args.quick else FULL
    only = set(args.only or SECTIONS)

    print(f"graph-contracts {graph_contracts.__version__} benchmarks ({'quick' if args.quick else 'full'}); "
          f"Python {sys.version.split()[0]}, jsonschema {_version('jsonschema')}")
    print("Ratios compare against baselines measured in this run; absolute rates are for context only.")
    started = time.perf_counter()
    if "validator" in only:
        bench_validator(cfg)
    if "csv" in only:
        with tempfile.TemporaryDirectory(prefix="gc-bench-") as tmp:
            bench_csv(cfg, Path(tmp))
    if "hash" in only:
        bench_hash(cfg)
    print(f"\ndone in {time.perf_counter() - started:.1f} s")
    return 0


def _version(dist: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:
        return "?"


if __name__ == "__main__":
    sys.exit(main())

"""On-demand benchmarks for graph-contracts, reported as ratios against baselines from the same run.

What is measured (hash figures are headed by real-size hashes, 30 records like the 25-33 of real
ones; the 4-record hash, which no device produces, is the second line):

1. Validator throughput on ``importedWindowsAutopilotDeviceIdentity.import``
   bodies carrying realistic 4000-character hardware hashes: the reused
   ``Validator`` (``contract`` and ``upload`` profiles, ``is_valid`` and
   ``validate``) and the cached ``graph_contracts.validate``, against
   ``jsonschema_rs.validator_for(schema).is_valid``, a compiled
   ``Draft202012Validator.is_valid`` and plain ``jsonschema.validate`` (which
   re-checks the schema on every call) on the same schema.
2. CSV streaming: ``AutopilotCsv`` and ``Run().check_file`` over generated Autopilot CSV files, in rows/s
   against a do-nothing ``csv.reader``, and its tracemalloc peak for a small and
   a 10x larger file against ``csv.reader`` streaming and ``list(csv.reader(f))``
   (which materializes every row, so its peak grows with the file).
3. Hash decoding: ``decode_hardware_hash`` against ``base64.b64decode(validate=True)``.
4. A stream of single ``importedWindowsAutopilotDeviceIdentity`` records (100,000; 10% invalid):
   ``Validator.for_type(..., profile="upload")`` ``is_valid`` and ``validate`` against
   ``jsonschema_rs.validator_for(schema).is_valid``, a compiled ``Draft202012Validator.is_valid``
   and per-call ``jsonschema.validate`` on the same generated schema; then ``is_valid`` again on
   4-record hashes.
5. A large CSV (1,000,000 rows, unique real-size hashes): ``graph-contracts validate`` one job and
   ``--jobs 2`` in subprocesses, rows/s and peak RSS, against a subprocess iterating ``csv.reader``.
6. Linearity: cost per record over 1k/10k/100k records, and cost per MB of one long line.

Why ratios: absolute timings depend on the machine, its load and the Python
build, so a number such as "800 docs/s" means nothing on its own. Every baseline
runs on the same inputs in paired rounds with the candidates (``paired.py``:
interleaved, the order rotating, until the interquartile range of each per-round
ratio is under 10% of its median or the rounds run out), and each ratio is
printed as its median with that spread; a target is "met" only when the low end
of the spread clears it. Nothing here fails.

Usage: ``python benchmarks/run.py [--quick|--full] [--only SECTION] [--max-rounds N] [--size N]``;
``python benchmarks/run.py --readme [--quick] [--write-readme]`` measures the README's table
(``readme_table.py``). ``tox -e bench`` runs it. ``--quick`` (the default) uses smaller inputs.
"""

from __future__ import annotations

import argparse
import base64
import collections
import csv
import dataclasses
import gc
import json
import os
import platform
import statistics
import subprocess
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
from graph_contracts.validation import Run

sys.path.insert(0, str(Path(__file__).resolve().parent))  # paired.py beside this script, also under tox
from paired import Ratio, Summary, installed_env, paired_rounds, timed

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

#: The other records of a real hash, as (type, value bytes): version, processor, memory, disks, two network
#: adapters, display, chassis, offline id, TPM, firmware and board strings, product key ids, the TPM EK
#: (~260 bytes), GPU. With the serial, manufacturer, model and UUID: 28 records, end offset ~1,000 (the
#: seven real hashes in the reference notes: 645-1,326). The default inputs carry only those four records.
REAL_SIZE_RECORDS: tuple[tuple[int, int], ...] = (
    (1, 28),
    (2, 16),
    (3, 13),
    (4, 48),
    (5, 12),
    (6, 20),
    (7, 24),
    (8, 20),
    (8, 20),
    (9, 16),
    (10, 8),
    (11, 40),
    (13, 16),
    (15, 12),
    (18, 20),
    (19, 20),
    (20, 12),
    (21, 16),
    (22, 8),
    (23, 12),
    (24, 16),
    (25, 260),
    (26, 20),
    (28, 30),
    (29, 8),
    (30, 60),
)


@dataclass(frozen=True)
class Config:
    """How much work each section does; ``--quick`` picks the small one.

    Every ratio comes from paired rounds (``paired.py``): at least ``min_rounds``, then on until the
    interquartile range of each ratio is under 10% of its median, at most ``max_rounds``.
    """

    min_rounds: int
    max_rounds: int
    bodies: int
    devices_per_body: int
    hashes: int
    csv_rows: tuple[int, int]
    records: int  # section 4: import records in the stream
    record_subsample: int  # section 4: records given to the slow per-call jsonschema.validate
    big_csv_rows: int  # section 5: rows of the large CSV file


FULL = Config(
    min_rounds=5,
    max_rounds=21,
    bodies=20,
    devices_per_body=10,
    hashes=1000,
    csv_rows=(1_000, 10_000),
    records=100_000,
    record_subsample=200,
    big_csv_rows=1_000_000,
)
QUICK = Config(
    min_rounds=3,
    max_rounds=5,
    bodies=4,
    devices_per_body=10,
    hashes=300,
    csv_rows=(100, 1_000),
    records=1_000,
    record_subsample=10,
    big_csv_rows=2_000,
)
#: ``--quick`` only checks that every section works (well under a minute of CPU): its inputs are too
#: small and its rounds too few for its ratios to settle anything.

#: Section 4 validates single records against the generated type schema.
RECORD_TYPE = "importedWindowsAutopilotDeviceIdentity"
RECORD_SCHEMA_PATH = f"v1.0/types/{RECORD_TYPE}.request.json"
#: Distinct devices (hashes) the record stream cycles through.
HASH_POOL = 200

#: The issue's targets, printed as information only.
TARGET_RS_RATIO = 1.0
TARGET_CSV_ROWS_PER_S = 50_000
TARGET_CSV_RATIO = 1.0
TARGET_PEAK_RSS_MB = 150
TARGET_JOBS_RATIO = 1.8


@dataclass(frozen=True)
class Case:
    """One thing to time: ``run`` processes the whole workload once."""

    name: str
    run: Callable[[], object]


@dataclass(frozen=True)
class Comparison:
    """Candidates timed against a baseline in paired rounds (``paired.paired_rounds``).

    ``seconds`` holds every round's measurement per case, aligned by round, so a ratio to any
    other case of the same rounds is one division per round (``vs``).
    """

    baseline: str
    ratios: dict[str, Ratio]
    seconds: dict[str, list[float]]

    def rate(self, name: str, items: int) -> float:
        return items / statistics.median(self.seconds[name])

    def vs(self, candidate: str, baseline: str) -> Summary:
        """Per-round speed ratio of ``candidate`` to another case of the same rounds."""
        pairs = zip(self.seconds[baseline], self.seconds[candidate], strict=True)
        return Summary(tuple(b / c for b, c in pairs))

    def spread_of(self, name: str) -> float:
        """Interquartile range of this case's own seconds, as a share of their median."""
        return Summary(tuple(self.seconds[name])).spread


def compare(
    cfg: Config,
    baseline: Case,
    candidates: Sequence[Case],
    *,
    targets: dict[str, float] | None = None,
    warmup: bool = True,
    rounds: int | None = None,
) -> Comparison:
    """Paired rounds of ``baseline`` and ``candidates`` (interleaved, rotating order) until each ratio's
    interquartile range is under 10% of its median or ``cfg.max_rounds`` ran (``rounds`` fixes the count)."""
    seconds: dict[str, list[float]] = {}
    ratios = paired_rounds(
        (baseline.name, timed(baseline.run)),
        [(c.name, timed(c.run)) for c in candidates],
        min_rounds=rounds or cfg.min_rounds,
        max_rounds=rounds or cfg.max_rounds,
        targets=targets,
        warmup=warmup,
        samples=seconds,
    )
    return Comparison(baseline.name, ratios, seconds)


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


def device_hash(index: int, prefix: str, *, real_size: bool = False) -> tuple[str, str]:
    """A unique serial number and its real-layout 4000-character base64 hash (with ``real_size``, also
    the ~24 other records of a real hash, ``REAL_SIZE_RECORDS``)."""
    serial = f"{prefix}{index:07d}"
    manufacturer, model = DEVICE_MODELS[index % len(DEVICE_MODELS)]
    extra = (
        [(kind, bytes((index + kind * 7 + k) % 256 for k in range(size))) for kind, size in REAL_SIZE_RECORDS]
        if real_size
        else []
    )
    text = encode_hardware_hash(build_hardware_hash(serial, manufacturer, model, extra_records=extra))
    return serial, text


def import_bodies(count: int, devices: int, *, real_size: bool = False) -> list[dict[str, Any]]:
    bodies = []
    for b in range(count):
        records = []
        for d in range(devices):
            index = b * devices + d
            serial, text = device_hash(index, "PF", real_size=real_size)
            records.append(
                {
                    "@odata.type": "#microsoft.graph.importedWindowsAutopilotDeviceIdentity",
                    "serialNumber": serial,
                    "productKey": "",
                    "groupTag": GROUP_TAGS[index % len(GROUP_TAGS)],
                    "hardwareIdentifier": text,
                }
            )
        bodies.append({COLLECTION: records})
    return bodies


def write_autopilot_csv(path: Path, rows: int, *, real_size: bool = True) -> None:
    """A Get-WindowsAutopilotInfo style file: ASCII, CRLF, no quotes, empty product IDs; real-size hashes
    (``REAL_SIZE_RECORDS``) unless ``real_size`` is false."""
    with path.open("w", encoding="ascii", newline="") as f:
        f.write(CSV_HEADER + "\r\n")
        for i in range(rows):
            serial, text = device_hash(i, f"CSV{rows}-", real_size=real_size)
            f.write(f"{serial},,{text},{GROUP_TAGS[i % len(GROUP_TAGS)]}\r\n")


# ---------------------------------------------------------------------------
# printing


def heading(title: str) -> None:
    print(f"\n== {title} ==")


def ratio(candidate: float, baseline: float) -> str:
    return f"{candidate / baseline:.2f}x" if baseline else "n/a"


def kib(n: int) -> str:
    return f"{n / 1024:,.0f} KiB"


def print_comparison(comp: Comparison, items: int | dict[str, int], unit: str, others: Sequence[str] = ()) -> None:
    """Rates (median round), then each candidate's ratio to the baseline: median, interquartile range of
    the per-round ratios, rounds, whether the spread got under 10% and, with a target, the verdict;
    ``others`` are further baselines of the same rounds, shown as median ratios."""
    count = (lambda name: items[name]) if isinstance(items, dict) else (lambda name: items)
    names = list(comp.seconds)
    width = max(len(n) for n in names) + 13
    print(f"  {'':{width}}{unit:>14}  own spread")
    for name in names:
        label = ("[baseline] " if name == comp.baseline or name in others else "") + name
        print(f"  {label:{width}}{comp.rate(name, count(name)):>14,.1f}  {comp.spread_of(name):>6.0%}")
    print(
        "  ratio = baseline seconds / candidate seconds, per round (>1: the candidate is faster); "
        "median (IQR low-high, IQR/median; rounds)"
    )
    for name, r in comp.ratios.items():
        if name in others:
            continue
        extra = "".join(f"; vs {o}: {comp.vs(name, o).median:.2f}x" for o in others)
        print(f"  {name:{width - 11}} vs {comp.baseline}: {r.text()}{extra}")


# ---------------------------------------------------------------------------
# 1. validator throughput


def bench_validator(cfg: Config, *, real_size: bool = True) -> None:
    kind = "real-size hashes (30 records each)" if real_size else "4-record hashes (no real hash is this small)"
    heading(f"1. Validator throughput: {OPERATION} request bodies, {kind}")
    bodies = import_bodies(cfg.bodies, cfg.devices_per_body, real_size=real_size)
    schema: dict[str, Any] = json.loads((schemas_dir() / SCHEMA_PATH).read_text(encoding="utf-8"))
    print(
        f"  {len(bodies)} distinct bodies x {cfg.devices_per_body} devices, "
        f"{len(bodies[0][COLLECTION][0]['hardwareIdentifier'])}-char hashes; "
        "paired rounds; 1 doc = 1 import body"
    )

    contract = graph_contracts.Validator.for_operation(OPERATION, profile="contract")
    upload = graph_contracts.Validator.for_operation(OPERATION, profile="upload")
    compiled = jsonschema.Draft202012Validator(schema)
    import jsonschema_rs

    rust = jsonschema_rs.validator_for(schema, validate_formats=False)

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
        if not (contract.is_valid(body) and upload.is_valid(body) and compiled.is_valid(body) and rust.is_valid(body)):
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
    base_rust = "jsonschema_rs.is_valid"
    cases = [
        Case(base_plain, loop(plain)),
        Case(base_compiled, loop(compiled.is_valid)),
        Case(base_rust, loop(rust.is_valid)),
        Case("Validator(contract).is_valid", loop(contract.is_valid)),
        Case("Validator(contract).validate", loop(contract.validate)),
        Case("Validator(upload).is_valid", loop(upload.is_valid)),
        Case("Validator(upload).validate", loop(upload.validate)),
        Case("graph_contracts.validate(contract)", loop(convenience)),
    ]
    comp = compare(cfg, cases[2], [c for i, c in enumerate(cases) if i != 2])
    print_comparison(comp, len(bodies), "docs/s", others=(base_compiled, base_plain))


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
    print(
        f"  header {CSV_HEADER!r}, unique serials and real-size hashes; paired rounds; in process "
        "(section 5 and --readme compare whole processes)"
    )

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

    def validated(path: Path) -> Callable[[], None]:
        return lambda: consume(Run().check_file(path))

    base_stream = "csv.reader (stream, no-op)"
    base_list = "list(csv.reader(f))"
    candidate = "validate (upload, every rule)"
    makers: dict[str, Callable[[Path], Callable[[], None]]] = {
        base_stream: stream_csv,
        base_list: list_csv,
        "AutopilotCsv (reading only)": autopilot,
        candidate: validated,
    }

    for rows, path in paths.items():
        # The sanity pass above already warmed imports and caches; skip a second full pass.
        print(f"  {rows:,} rows:")
        cases = [Case(n, make(path)) for n, make in makers.items()]
        comp = compare(cfg, cases[0], cases[1:], targets={candidate: TARGET_CSV_RATIO}, warmup=False)
        print_comparison(comp, rows, "rows/s")
    width = max(len(n) for n in makers) + 2

    print(f"  peak memory (tracemalloc){'':{width - 25}}{small:>12,} rows{large:>12,} rows   large/small")
    peaks: dict[str, dict[int, int]] = {name: {} for name in makers}
    for name, make in makers.items():
        for rows, path in paths.items():
            peaks[name][rows] = peak_memory(make(path))
        growth = ratio(peaks[name][large], peaks[name][small])
        print(f"  {name:{width}}{kib(peaks[name][small]):>17}{kib(peaks[name][large]):>17}   {growth:>11}")
    per_row = (peaks[candidate][large] - peaks[candidate][small]) / (large - small)
    per_row_list = (peaks[base_list][large] - peaks[base_list][small]) / (large - small)
    print(
        f"  rows grew {large / small:.0f}x; extra peak per extra row: {candidate} {per_row:,.0f} bytes "
        f"(the duplicate check's serials and digests), {base_list} {per_row_list:,.0f} bytes"
    )


# ---------------------------------------------------------------------------
# 3. hash decoding


def bench_hash(cfg: Config) -> None:
    heading("3. Hash decoding: decode_hardware_hash vs base64.b64decode")
    base = "base64.b64decode(validate=True)"
    for real_size in (True, False):
        pool = [device_hash(i, "HX", real_size=real_size)[1] for i in range(cfg.hashes)]
        records = len(decode_hardware_hash(pool[0]).records)
        print(
            f"  {len(pool)} distinct {len(pool[0])}-char hashes of {records} records"
            f"{' (real size)' if real_size else ' (4 records: no real hash is this small)'}; paired rounds"
        )

        def baseline(pool: list[str] = pool) -> None:
            for text in pool:
                base64.b64decode(text, validate=True)

        def candidate(pool: list[str] = pool) -> None:
            for text in pool:
                decode_hardware_hash(text)

        comp = compare(cfg, Case(base, baseline), [Case("decode_hardware_hash", candidate)])
        print_comparison(comp, len(pool), "hashes/s")


# ---------------------------------------------------------------------------
# 4. record stream: upload profile vs jsonschema-rs


def _hash_walk() -> str:
    """Which record walk the fast path uses: the C extension, or the Python fallback (and why)."""
    try:
        from graph_contracts.autopilot import hash_walk
    except ImportError:  # a checkout from before the C walk
        return "Python (this checkout has no C walk)"
    if hash_walk.IMPLEMENTATION == "c":
        return "C (graph_contracts.autopilot._hashwalk)"
    return f"Python (the C extension is not built, or {hash_walk.PURE_PYTHON_ENV} is set)"


def _load_jsonschema_rs() -> Any:
    try:
        import importlib

        return importlib.import_module("jsonschema_rs")
    except ImportError:
        return None


#: How each invalid record is broken, cycled through: (name, mutation of a copy of a valid record).
MUTATIONS: tuple[tuple[str, Callable[[dict[str, Any]], None]], ...] = (
    ("bad base64", lambda r: r.__setitem__("hardwareIdentifier", "!" + r["hardwareIdentifier"][1:])),
    ("wrong type", lambda r: r.__setitem__("serialNumber", 12345)),
    ("unknown property", lambda r: r.__setitem__("serialNumbr", r["serialNumber"])),
    ("bad enum", lambda r: r.__setitem__("@odata.type", "#microsoft.graph.windowsAutopilotDeviceIdentity")),
)


def import_records(count: int, *, real_size: bool = False) -> tuple[list[dict[str, Any]], list[bool]]:
    """``count`` records, every tenth one broken (cycling through ``MUTATIONS``), and which are valid.

    The hashes come from a pool of ``HASH_POOL`` devices; each record carries its
    device's own serial (a different serial would be a ``serial-mismatch``).
    Records are validated one call at a time, and every call starts a fresh
    duplicate check, so repeating a device across calls is not a duplicate.
    """
    pool = [device_hash(i, "RS", real_size=real_size) for i in range(HASH_POOL)]
    broken_hash = {text: "!" + text[1:] for _, text in pool}  # one shared broken string per device
    records: list[dict[str, Any]] = []
    expected: list[bool] = []
    for i in range(count):
        serial, text = pool[i % HASH_POOL]
        record: dict[str, Any] = {
            "@odata.type": "#microsoft.graph.importedWindowsAutopilotDeviceIdentity",
            "serialNumber": serial,
            "productKey": "",
            "groupTag": GROUP_TAGS[i % len(GROUP_TAGS)],
            "hardwareIdentifier": text,
        }
        valid = i % 10 != 9
        if not valid:
            name, mutate = MUTATIONS[(i // 10) % len(MUTATIONS)]
            if name == "bad base64":
                record["hardwareIdentifier"] = broken_hash[text]
            else:
                mutate(record)
        records.append(record)
        expected.append(valid)
    return records, expected


def bench_records(cfg: Config) -> None:
    heading(f"4. Record stream: {cfg.records:,} {RECORD_TYPE} records, upload profile vs jsonschema-rs")
    started = time.perf_counter()
    records, expected = import_records(cfg.records, real_size=True)
    print(
        f"  {len(records):,} records ({expected.count(False):,} invalid: "
        f"{', '.join(name for name, _ in MUTATIONS)}), hashes from a pool of {HASH_POOL} devices "
        f"({len(records[0]['hardwareIdentifier'])} chars, real size: "
        f"{len(decode_hardware_hash(records[0]['hardwareIdentifier']).records)} records), "
        f"built in {time.perf_counter() - started:.1f} s"
    )
    print("  each record is validated on its own (no cross-record duplicate check); paired rounds")
    print(f"  the hash's framing and record walk: {_hash_walk()}")
    schema: dict[str, Any] = json.loads((schemas_dir() / RECORD_SCHEMA_PATH).read_text(encoding="utf-8"))
    compiled = jsonschema.Draft202012Validator(schema)
    upload = graph_contracts.Validator.for_type(RECORD_TYPE, profile="upload")
    # The same validator without its optional jsonschema-rs verdict: the jsonschema-only path.
    upload_py = graph_contracts.Validator.for_type(RECORD_TYPE, profile="upload")
    upload_py._fast = None
    rs_module = _load_jsonschema_rs()
    rs = rs_module.validator_for(schema) if rs_module is not None else None
    if rs is None:
        print("  jsonschema-rs not installed: skipped (pip install jsonschema-rs to compare against it)")
    else:
        print(
            f"  jsonschema-rs {_version('jsonschema-rs')}: validator_for(schema).is_valid; "
            f"Validator uses it for its verdict: {'yes' if upload._fast is not None else 'no'}"
        )
    subsample = records[: cfg.record_subsample]

    def plain(record: Any) -> bool:
        try:
            jsonschema.validate(record, schema)
        except jsonschema.ValidationError:
            return False
        return True

    def no_error(validator: graph_contracts.Validator) -> Callable[[Any], bool]:
        return lambda record: not any(i.severity == "error" for i in validator.validate(record))

    verdicts: dict[str, Callable[[Any], bool]] = {}
    base_plain = "jsonschema.validate (per call)"
    base_compiled = "Draft202012Validator.is_valid"
    base_rs = "jsonschema_rs.is_valid"
    if rs is not None:
        verdicts[base_rs] = rs.is_valid
    verdicts[base_compiled] = compiled.is_valid
    contract = graph_contracts.Validator.for_type(RECORD_TYPE, profile="contract")
    verdicts["Validator(contract).is_valid"] = contract.is_valid
    verdicts["Validator(upload).is_valid"] = upload.is_valid
    verdicts["Validator(upload).validate"] = no_error(upload)
    if upload._fast is not None:
        verdicts["Validator(upload).validate, jsonschema only"] = no_error(upload_py)
    inputs = {name: records for name in verdicts}
    verdicts[base_plain] = plain
    inputs[base_plain] = subsample

    # Sanity: on a slice covering every mutation, each candidate gives the expected verdict.
    for name, fn in verdicts.items():
        got = [fn(r) for r in records[:200]]
        if got != expected[:200]:
            bad = [i for i, (g, e) in enumerate(zip(got, expected, strict=False)) if g != e]
            sys.exit(f"{name}: unexpected verdict for records {bad[:5]}")

    valid_counts: dict[str, list[int]] = {name: [] for name in verdicts}
    scale = {name: len(records) / len(inputs[name]) for name in verdicts}

    def loop(name: str) -> Callable[[], None]:
        fn, items = verdicts[name], inputs[name]

        def run() -> None:
            valid_counts[name].append(sum(1 for r in items if fn(r)))

        return run

    cases = [Case(name, loop(name)) for name in verdicts]
    if rs is None:
        comp = compare(cfg, cases[0], cases[1:], warmup=False)
    else:
        targets = {"Validator(upload).is_valid": TARGET_RS_RATIO, "Validator(contract).is_valid": TARGET_RS_RATIO}
        comp = compare(cfg, cases[0], cases[1:], targets=targets, warmup=False)
    # per-call jsonschema.validate ran on a subsample: scale its seconds to the whole stream, so every
    # ratio compares the same work (records per second)
    for name, factor in scale.items():
        comp.seconds[name][:] = [t * factor for t in comp.seconds[name]]
    if base_plain in comp.ratios:
        comp.ratios[base_plain] = Ratio(base_plain, comp.baseline, comp.vs(base_plain, comp.baseline), converged=True)
    for name, counts in valid_counts.items():
        want = sum(expected[: len(inputs[name])])
        if set(counts) != {want}:
            sys.exit(f"{name}: counted {counts} valid records, expected {want}")

    others = [b for b in (base_compiled, base_plain) if b in comp.seconds and b != comp.baseline]
    print_comparison(comp, len(records), "records/s", others=others)
    print(
        f"  ({base_plain} ran on the first {len(subsample):,} records only: it re-checks the schema "
        "on every call; its seconds are scaled to the whole stream, so the ratios stand)"
    )
    if rs is not None:
        bench_small_hash_records(cfg, rs, contract, upload)


def bench_small_hash_records(
    cfg: Config, rs: Any, contract: graph_contracts.Validator, upload: graph_contracts.Validator
) -> None:
    """Section 4 again with hashes of 4 records (serial, manufacturer, model, UUID): the second line. No real
    hash is this small, so the hash walk costs less than it will on real input; jsonschema-rs's pattern
    costs the same."""
    records, expected = import_records(cfg.records, real_size=False)
    first = decode_hardware_hash(records[0]["hardwareIdentifier"])
    print(
        f"  the same stream with 4-record hashes ({len(first.records)} records, end offset "
        f"{first.end_offset:,}; real hashes: 645-1,326):"
    )
    verdicts: dict[str, Callable[[Any], bool]] = {
        "jsonschema_rs.is_valid": rs.is_valid,
        "Validator(contract).is_valid": contract.is_valid,
        "Validator(upload).is_valid": upload.is_valid,
    }
    for name, fn in verdicts.items():
        if [fn(r) for r in records[:200]] != expected[:200]:
            sys.exit(f"{name}: unexpected verdict on a 4-record hash")

    def loop(fn: Callable[[Any], bool]) -> Callable[[], None]:
        def run() -> None:
            for record in records:
                fn(record)

        return run

    cases = [Case(name, loop(fn)) for name, fn in verdicts.items()]
    comp = compare(cfg, cases[0], cases[1:], targets={n: TARGET_RS_RATIO for n in verdicts if n != cases[0].name})
    print_comparison(comp, len(records), "records/s")


# ---------------------------------------------------------------------------
# 5. large CSV in a subprocess: rows/s and peak RSS


#: Run in a fresh interpreter: iterate the file and report time, rows and the peak RSS (VmHWM).
CHILD = r"""
import contextlib, csv, io, json, os, resource, sys, time
from collections import deque

def vm(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

mode, path = sys.argv[1], sys.argv[2]
if mode.startswith("validate"):
    # imported before the clock starts: the process start and imports are not what is measured
    from graph_contracts import cli, records, validation  # noqa: F401
    from graph_contracts.cli import reporting  # noqa: F401
    from graph_contracts.validation import Validator
    Validator.for_type("importedWindowsAutopilotDeviceIdentity", profile="upload")
def cpu(who):
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime

before = vm("VmRSS")
cpu_self, cpu_children = cpu(resource.RUSAGE_SELF), cpu(resource.RUSAGE_CHILDREN)
start = time.perf_counter()
rows = errors = 0
if mode.startswith("validate"):
    _, fmt, jobs = (mode + ":1").split(":")[:3]
    with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink):
        code = cli.main(["validate", path, "--format", fmt, "--jobs", jobs])
else:
    with open(path, newline="", encoding="ascii") as f:
        reader = csv.reader(f)
        next(reader)
        for _ in reader:
            rows += 1
seconds = time.perf_counter() - start
cpu_self = cpu(resource.RUSAGE_SELF) - cpu_self
cpu_children = cpu(resource.RUSAGE_CHILDREN) - cpu_children  # the --jobs workers, reaped at the end
if mode.startswith("validate"):
    # counted after the clock stops (a pass over the file is not validate's work); exit 1 is expected:
    # past row 501 the file breaks the 500-devices-per-upload rule (one batch-size error)
    rows = -1 if code not in (0, 1) else sum(1 for _ in open(path, "rb")) - 1
print(json.dumps({"rows": rows, "errors": errors, "seconds": seconds, "cpu_self": cpu_self,
                  "cpu_children": cpu_children,
                  "rss_before_kb": before, "peak_kb": vm("VmHWM")}))
"""


def _burn(count: int) -> int:
    total = 0
    for i in range(count):
        total += i
    return total


def core_scaling() -> float:
    """How much faster two processes finish eight equal CPU-bound tasks than one: what the machine
    gives ``--jobs 2`` right now (2.0 on two idle cores, ~1.0 when other work holds a core)."""
    from concurrent.futures import ProcessPoolExecutor

    seconds = []
    for workers in (1, 2):
        with ProcessPoolExecutor(workers) as pool:
            list(pool.map(_burn, [10] * workers))
            started = time.perf_counter()
            list(pool.map(_burn, [2_000_000] * 8))
            seconds.append(time.perf_counter() - started)
    return seconds[0] / seconds[1]


def reader_scaling(path: Path) -> float:
    """How much more two do-nothing ``csv.reader`` processes read at once than one alone: the
    ceiling of ``--jobs 2`` on this file at this moment (each child's own clock, process start excluded)."""
    one = run_child("csv", path)["seconds"]
    children = [
        subprocess.Popen(
            [sys.executable, "-c", CHILD, "csv", str(path)], stdout=subprocess.PIPE, text=True, env=_CHILD_ENV
        )
        for _ in range(2)
    ]
    both = max(json.loads(child.communicate()[0])["seconds"] for child in children)
    return 2 * one / both


#: The children's environment (``paired.installed_env``), made on first use.
_CHILD_ENV: dict[str, str] | None = None


def run_child(mode: str, path: Path) -> dict[str, Any]:
    """Run ``CHILD`` in a fresh interpreter; its own figures plus ``wall``, the whole process's seconds
    (interpreter start and imports included) as seen from here."""
    started = time.perf_counter()
    global _CHILD_ENV
    _CHILD_ENV = _CHILD_ENV or installed_env()  # compiled bytecode, as a pip install has it
    out = subprocess.run(
        [sys.executable, "-c", CHILD, mode, str(path)], check=True, capture_output=True, text=True, env=_CHILD_ENV
    )
    wall = time.perf_counter() - started
    result: dict[str, Any] = json.loads(out.stdout)
    result["wall"] = wall
    return result


def bench_big_csv(cfg: Config, workdir: Path, rows: int, rss: bool) -> None:
    heading(f"5. Large CSV: {rows:,} rows, graph-contracts validate in a subprocess (rows/s, peak RSS)")
    path = workdir / f"autopilot-big-{rows}.csv"
    started = time.perf_counter()
    write_autopilot_csv(path, rows)
    took = time.perf_counter() - started
    print(
        f"  generated {path.stat().st_size / 1e9:.2f} GB in {took:.1f} s ({took / rows * 1e6:.0f} us/row): "
        "a unique serial and a unique real-size 4000-char hash per row (build_hardware_hash recomputes the "
        "SHA-256 trailer for each serial), so the duplicate check never fires"
    )
    print(
        "  csv.reader, one job and --jobs 2 in paired rounds (a child each, order rotating); peak = VmHWM of "
        "the child; the child imports graph_contracts and compiles the schema before its clock starts "
        "(the whole-process ratio, interpreter start included, is given too); report written to /dev/null"
    )
    base_name, one_name, two_name = (
        "csv.reader (stream, no-op)",
        "graph-contracts validate --format text",
        "graph-contracts validate --jobs 2",
    )
    modes = {base_name: "csv", one_name: "validate:text", two_name: "validate:text:2"}
    last: dict[str, dict[str, Any]] = {}
    walls: dict[str, list[float]] = {name: [] for name in modes}
    cpus: dict[str, list[float]] = {name: [] for name in modes}

    def child(name: str) -> Callable[[], float]:
        def measure() -> float:
            result = last[name] = run_child(modes[name], path)
            if result["rows"] != rows or result["errors"]:
                sys.exit(f"{name}: read {result['rows']} rows with {result['errors']} errors, expected {rows}")
            walls[name].append(result["wall"])
            cpus[name].append(result["cpu_self"] + result["cpu_children"])
            seconds: float = result["seconds"]
            return seconds

        return measure

    cores_before, readers_before = core_scaling(), reader_scaling(path)
    seconds: dict[str, list[float]] = {}
    ratios = paired_rounds(
        (base_name, child(base_name)),
        [(one_name, child(one_name)), (two_name, child(two_name))],
        min_rounds=cfg.min_rounds,
        max_rounds=cfg.max_rounds,
        warmup=False,
        samples=seconds,
        targets={one_name: TARGET_CSV_RATIO},
    )
    comp = Comparison(base_name, ratios, seconds)
    cores = (cores_before + core_scaling()) / 2
    readers = (readers_before + reader_scaling(path)) / 2
    print_comparison(comp, rows, "rows/s")
    whole = Summary(tuple(b / c for b, c in zip(walls[base_name], walls[one_name], strict=True)))
    whole_ratio = Ratio(one_name, base_name, whole, whole.spread < 0.10, TARGET_CSV_RATIO)
    print(f"  whole process (interpreter start and imports included), one job vs csv.reader: {whole_ratio.text()}")
    jobs = comp.vs(two_name, one_name)
    jobs_ratio = Ratio(two_name, one_name, jobs, jobs.spread < 0.10, TARGET_JOBS_RATIO)
    print(f"  --jobs 2 vs one job, same rounds: {jobs_ratio.text()}")
    print(
        f"  the machine gave 2 processes {cores:.2f}x the speed of one (a CPU-bound loop), and two do-nothing "
        f"csv.reader processes {readers:.2f}x the rows/s of one (both measured before and after the rounds): "
        "--jobs 2 cannot beat that; a --jobs ratio far below it would be our overhead"
    )
    one_cpu, two_cpu = statistics.median(cpus[one_name]), statistics.median(cpus[two_name])
    two_self = last[two_name]["cpu_self"]
    projected = one_cpu / max(two_self, two_cpu / 2)
    print(
        f"  CPU seconds (median): one job {one_cpu:.1f}; --jobs 2 {two_cpu:.1f} in all ({two_self:.1f} in the main "
        f"process in the last round, which works in order); on 2 idle cores --jobs 2 would run at about "
        f"{projected:.2f}x one job (one job's CPU time over the larger of the main process's and half the total)"
    )
    peaks = {one_name: last[one_name]["peak_kb"] / 1024}
    if rss:
        for fmt in ("json", "junit"):
            result = run_child(f"validate:{fmt}", path)
            peaks[f"graph-contracts validate --format {fmt}"] = result["peak_kb"] / 1024
    print(
        f"  peak RSS (VmHWM): csv.reader {last[base_name]['peak_kb'] / 1024:,.0f} MB; "
        + "; ".join(f"{name.removeprefix('graph-contracts ')} {mb:,.0f} MB" for name, mb in peaks.items())
        + f"; --jobs 2 {last[two_name]['peak_kb'] / 1024:,.0f} MB (the parent's; the workers' is not counted)"
    )
    for name, peak_mb in peaks.items():
        if rows >= 1_000_000:
            verdict = "met" if peak_mb < TARGET_PEAK_RSS_MB else "not met"
        else:
            verdict = f"not judged: this file has {rows:,} rows (pass --size 1000000)"
        print(f"  target: peak RSS < {TARGET_PEAK_RSS_MB} MB for 1,000,000 rows, {name}: {peak_mb:,.0f} MB, {verdict}")
    if not rss:
        print("  peak RSS of --format json and junit: pass --rss (with --size 1000000 for the target's file)")


# ---------------------------------------------------------------------------
# 6. cost linear in the number of records


def bench_linear(cfg: Config, workdir: Path, base_rows: int) -> None:
    sizes = (base_rows, base_rows * 10, base_rows * 100)
    heading(
        f"6. Linearity: validate NDJSON of {', '.join(f'{n:,}' for n in sizes)} records (in process, "
        "one batch-size error each past record 500)"
    )
    per_record: dict[int, float] = {}
    for n in sizes:
        path = workdir / f"records-{n}.ndjson"
        with path.open("w", encoding="utf-8") as f:
            for i in range(n):
                # a unique device per record (its own serial and hash), so no rule fires: the happy path
                serial, text = device_hash(i, "LN")
                f.write(json.dumps({"serialNumber": serial, "productKey": "", "hardwareIdentifier": text}) + "\n")
        took = timed(lambda p=path: consume(Run().check_file(p)))()
        per_record[n] = took / n
        print(f"  {n:>9,} records: {took:8.2f} s, {per_record[n] * 1e6:8.1f} us/record")
    first = per_record[sizes[0]]
    print(
        "  cost per record relative to the smallest file (1.00x = linear; one run of each file, so no spread: "
        "the largest is the measurement): " + ", ".join(f"{n:,}: {per_record[n] / first:.2f}x" for n in sizes)
    )
    bench_line_length(cfg, workdir)


#: Line lengths (bytes) for the line-length part of section 6: NDJSON stops at 16 MB a record
#: (``record-too-large``), CSV at 4 MB a row, so the longest of each stays below its cap.
NDJSON_LINE_SIZES = (512 * 1024, 2 * 1024 * 1024, 8 * 1024 * 1024)
CSV_LINE_SIZES = (256 * 1024, 1024 * 1024, 3 * 1024 * 1024)


def bench_line_length(cfg: Config, workdir: Path) -> None:
    """Cost per MB of one long line, against the shortest line of its kind (1.00x = linear in length).

    The long value is a group tag (NDJSON) or a hash (CSV) of that many characters, so the
    reader, the split and the rules all see the whole line; the files of a kind are validated in
    paired rounds, and the per-round cost per MB relative to the shortest line is summarized.
    """
    print(
        "  line length: one record per file whose line is that long; cost per MB relative to the shortest "
        "(paired rounds; median, IQR):"
    )
    for kind, sizes in (("ndjson", NDJSON_LINE_SIZES), ("csv", CSV_LINE_SIZES)):
        cases = []
        for size in sizes:
            path = workdir / f"line-{size}.{kind}"
            serial, _ = device_hash(0, "LL")
            if kind == "ndjson":
                path.write_text(json.dumps({"serialNumber": serial, "groupTag": "g" * size}) + "\n", encoding="ascii")
            else:
                path.write_text(
                    f"Device Serial Number,Windows Product ID,Hardware Hash\r\n{serial},,{'Q' * size}\r\n",
                    encoding="ascii",
                )
            cases.append(Case(str(size), lambda p=path: consume(Run().check_file(p))))
        comp = compare(cfg, cases[0], cases[1:])
        cells = []
        for size in sizes[1:]:
            # speed ratio b/c per round -> cost per MB relative to the shortest line: (c/size) / (b/base)
            relative = Summary(tuple(sizes[0] / size / r for r in comp.vs(str(size), str(sizes[0])).values))
            ms = statistics.median(comp.seconds[str(size)]) * 1e3
            cells.append(f"{size / 2**20:g} MB: {ms:.1f} ms, {relative.text()}")
        base_ms = statistics.median(comp.seconds[str(sizes[0])]) * 1e3
        print(f"    {kind:6} {sizes[0] / 2**20:g} MB: {base_ms:.1f} ms (1.00x); " + "; ".join(cells))


# ---------------------------------------------------------------------------


SECTIONS = ("validator", "csv", "hash", "records", "bigcsv", "linear")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="fewer repeats and smaller inputs (the default)")
    parser.add_argument("--full", action="store_true", help="the full sizes (100,000 records, 1,000,000 CSV rows)")
    parser.add_argument(
        "--size",
        type=int,
        help="rows of the large CSV (section bigcsv) and the smallest "
        "linearity file x1000 records (default: quick 2,000 rows / 200 records)",
    )
    parser.add_argument(
        "--rss",
        action="store_true",
        help="section bigcsv: peak RSS for --format text, json and junit (each a subprocess over the whole file)",
    )
    parser.add_argument("--only", choices=SECTIONS, action="append", help="run only this section (repeatable)")
    parser.add_argument(
        "--csv-rows",
        type=int,
        help="rows of the large CSV (section bigcsv; with --readme, its "
        f"CSV row, default 200,000); default {FULL.big_csv_rows:,}, quick {QUICK.big_csv_rows:,}",
    )
    parser.add_argument(
        "--max-rounds",
        type=int,
        help="at most this many paired rounds per comparison "
        f"(default: quick {QUICK.max_rounds}, full {FULL.max_rounds}; at least {QUICK.min_rounds})",
    )
    parser.add_argument(
        "--readme",
        action="store_true",
        help="measure the README's speed table (markdown, "
        "with the date, machine, load and spreads) and print it; with --quick, small inputs",
    )
    parser.add_argument(
        "--write-readme",
        action="store_true",
        help="with --readme: also write the table and "
        "the Quickstart times between their <!-- bench:... --> markers in README.md",
    )
    parser.add_argument(
        "--skip-test-command",
        action="store_true",
        help="with --readme: do not run the README's test command (minutes; the row says it was not measured)",
    )
    parser.add_argument(
        "--sittings",
        type=int,
        help="with --readme: measure the CSV rows in this many sittings between the other rows (default 3, quick 1)",
    )
    parser.add_argument(
        "--baseline",
        type=Path,
        help="with --readme: a checkout of an earlier commit with its own .venv; adds graph-contracts run "
        "against it in paired rounds (issue 24's CPU and wall targets)",
    )
    args = parser.parse_args(argv)
    if args.readme or args.write_readme:
        import readme_table

        if args.write_readme and args.quick:
            parser.error("--write-readme takes the full measurement: drop --quick")
        shown = ["python", "benchmarks/run.py", "--readme"] + (["--quick"] if args.quick else [])
        shown += [f"--csv-rows={args.csv_rows}"] if args.csv_rows else []
        shown += [f"--max-rounds={args.max_rounds}"] if args.max_rounds else []
        shown += ["--skip-test-command"] if args.skip_test_command else []
        shown += [f"--sittings={args.sittings}"] if args.sittings else []
        shown += [f"--baseline={args.baseline}"] if args.baseline else []
        table, quickstart = readme_table.build(
            args.quick,
            import_records,
            write_autopilot_csv,
            csv_rows_count=args.csv_rows,
            max_rounds=args.max_rounds,
            skip_test_command=args.skip_test_command,
            command=" ".join(shown),
            sittings_count=args.sittings,
            baseline=args.baseline,
        )
        print(table)
        print()
        print(quickstart)
        if args.write_readme:
            readme_table.write_readme(table, quickstart)
            print(f"written to {readme_table.README}")
        return 0
    cfg = FULL if args.full else QUICK
    if args.max_rounds:
        cfg = dataclasses.replace(
            cfg, max_rounds=max(args.max_rounds, 1), min_rounds=min(cfg.min_rounds, max(args.max_rounds, 1))
        )
    only = set(args.only or SECTIONS)

    print(
        f"graph-contracts {graph_contracts.__version__} benchmarks ({'full' if args.full else 'quick'}); "
        f"Python {sys.version.split()[0]}, jsonschema {_version('jsonschema')}, {platform.platform()}"
    )
    print(
        f"{os.cpu_count()} cores; load average (1, 5, 15 min) at the start: "
        + ", ".join(f"{x:.2f}" for x in os.getloadavg())
    )
    print(
        "Ratios compare against baselines measured in this run, in paired rounds (benchmarks/paired.py): "
        f"{cfg.min_rounds} to {cfg.max_rounds} rounds, until the IQR of each ratio is under 10% of its median; "
        "absolute rates are for context only."
    )
    started = time.perf_counter()
    if "validator" in only:
        bench_validator(cfg)
    if "csv" in only:
        with tempfile.TemporaryDirectory(prefix="gc-bench-") as tmp:
            bench_csv(cfg, Path(tmp))
    if "hash" in only:
        bench_hash(cfg)
    if "records" in only:
        bench_records(cfg)
    if "bigcsv" in only:
        with tempfile.TemporaryDirectory(prefix="gc-bench-") as tmp:
            bench_big_csv(cfg, Path(tmp), args.size or args.csv_rows or cfg.big_csv_rows, args.rss)
    if "linear" in only:
        with tempfile.TemporaryDirectory(prefix="gc-bench-") as tmp:
            bench_linear(cfg, Path(tmp), 10_000 if args.full else 200)
    print(
        f"\ndone in {time.perf_counter() - started:.1f} s; load average at the end: "
        + ", ".join(f"{x:.2f}" for x in os.getloadavg())
    )
    return 0


def _version(dist: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:
        return "?"


if __name__ == "__main__":
    sys.exit(main())

"""Where the time of ``Validator(upload).is_valid`` goes, on the real-size records of ``run.py --only records``.

    python benchmarks/upload_profile.py                 # the parts, timed: best and median of rounds, ns/record
    python benchmarks/upload_profile.py --cprofile      # cProfile of is_valid over the stream, 20 passes
    python benchmarks/upload_profile.py --callgrind     # instructions per record (valgrind), load-independent

``--callgrind`` runs this script under ``valgrind --tool=callgrind`` twice per target, once
validating ``--records`` records and once none (same start-up, same inputs), and prints the
difference divided by the number of records: the instructions one ``is_valid`` costs. Run it
with ``GRAPH_CONTRACTS_PURE_PYTHON=1`` for the Python walk, or with ``PYTHONPATH`` pointing at
another checkout's ``src`` to count that one. Valgrind hides SHA-NI from OpenSSL, so SHA-256
counts as its portable code there (about 25,000 instructions for 1 KB): more than it costs on a
CPU with SHA-NI, the same on both sides of a comparison.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import run as bench  # the records of section 4

import graph_contracts


def _inputs(count: int) -> tuple[list[dict[str, Any]], list[bool]]:
    return bench.import_records(count, real_size=True)


def _target(name: str) -> Callable[[Any], object]:
    if name == "rs":
        import jsonschema_rs

        schema = json.loads((bench.schemas_dir() / bench.RECORD_SCHEMA_PATH).read_text(encoding="utf-8"))
        return jsonschema_rs.validator_for(schema).is_valid  # type: ignore[no-any-return]
    return graph_contracts.Validator.for_type(bench.RECORD_TYPE, profile=name).is_valid


def parts(rounds: int) -> None:
    """Each step of the upload verdict on its own, over the valid records (900 of 1,000)."""
    import pybase64

    from graph_contracts.autopilot import hash_fast, hash_walk
    from graph_contracts.autopilot.rules import record_free_of_errors

    records, expected = _inputs(1000)
    valid = [r for r, ok in zip(records, expected, strict=True) if ok]
    texts = [r["hardwareIdentifier"] for r in valid]
    blobs = [pybase64.b64decode(t, None, True) for t in texts]
    ends = [(b, b[2] | b[3] << 8) for b in blobs]
    targets = {name: _target(name) for name in ("rs", "upload", "contract")}
    upload = graph_contracts.Validator.for_type(bench.RECORD_TYPE, profile="upload")
    sha256 = hashlib.sha256
    steps: list[tuple[str, Callable[[Any], object], list[Any]]] = [
        ("jsonschema_rs is_valid (all 1,000 records)", targets["rs"], records),
        ("upload is_valid (all 1,000 records)", targets["upload"], records),
        ("contract is_valid (all 1,000 records)", targets["contract"], records),
        ("upload is_valid (valid records)", targets["upload"], valid),
        ("  _fast_verdict: the schema by jsonschema-rs, plain-JSON checks", upload._fast_verdict, valid),
        ("    of it, jsonschema-rs is_valid without the base64 pattern", upload._fast.is_valid, valid),
        ("  hash_is_sound: the hash rules", hash_fast.hash_is_sound, texts),
        ("    of it, pybase64 strict decode", lambda t: pybase64.b64decode(t, None, True), texts),
        ("    of it, sha256(blob[:end]).digest()", lambda b: sha256(b[: b[2] | b[3] << 8]).digest(), blobs),
        (f"    of it, framing and record walk ({hash_walk.IMPLEMENTATION})", hash_walk.sound_records, blobs),
        ("    the same in Python (sound_records_py), for comparison", hash_walk.sound_records_py, blobs),
        ("    of which the Python record walk (walk_records)", lambda be: hash_walk.walk_records(*be), ends),
        ("  record_free_of_errors: the other upload rules", record_free_of_errors, valid),
        ("a Python call that does nothing", lambda x: None, texts),
    ]
    print(f"walk: {hash_walk.IMPLEMENTATION}; {rounds} rounds, each step over its items in turn; load {_load()}")
    for name, fn, items in steps:
        times = []
        for _ in range(rounds):
            started = time.perf_counter()
            for item in items:
                fn(item)
            times.append((time.perf_counter() - started) / len(items) * 1e9)
        print(f"  {name:68s} best {min(times):7.0f} ns   median {statistics.median(times):7.0f} ns")
    print(f"load at the end {_load()}")


def cprofile() -> None:
    import cProfile
    import pstats

    records, _ = _inputs(1000)
    is_valid = _target("upload")
    for record in records:
        is_valid(record)
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(20):
        for record in records:
            is_valid(record)
    profile.disable()
    pstats.Stats(profile).sort_stats("tottime").print_stats(14)


def loop(target: str, count: int) -> None:
    """What callgrind runs: the inputs, 50 records to warm up, then ``count`` records.

    The objects made before are frozen (``gc.freeze``): a full collection that happens to fall in
    the loop of one run and not the other would walk them all and swamp the difference.
    """
    records, _ = _inputs(1000)
    is_valid = _target(target)
    for record in records[:50]:
        is_valid(record)
    gc.collect()
    gc.freeze()
    for record in records[:count]:
        is_valid(record)


def callgrind(targets: Sequence[str], count: int) -> None:
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    print(
        f"instructions per is_valid (callgrind; {count:,} records minus none; walk: "
        f"{'python (GRAPH_CONTRACTS_PURE_PYTHON)' if os.environ.get('GRAPH_CONTRACTS_PURE_PYTHON') else 'default'}; "
        f"graph_contracts from {Path(graph_contracts.__file__).parent})"
    )
    with tempfile.TemporaryDirectory() as tmp:
        for target in targets:
            totals = []
            for n in (0, count):
                out = Path(tmp, f"{target}-{n}.out")
                subprocess.run(
                    [
                        "valgrind",
                        "--tool=callgrind",
                        f"--callgrind-out-file={out}",
                        sys.executable,
                        __file__,
                        "--loop",
                        target,
                        str(n),
                    ],
                    env=env,
                    check=True,
                    capture_output=True,
                )
                totals.append(_total(out))
            print(f"  {target:10s} {(totals[1] - totals[0]) / count:10,.0f} instructions/record")


def _total(path: Path) -> int:
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        if line.startswith("totals:") or line.startswith("summary:"):
            return int(line.split()[1])
    raise SystemExit(f"no totals in {path}")


def _load() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--cprofile", action="store_true")
    parser.add_argument("--callgrind", action="store_true")
    parser.add_argument("--targets", default="upload,rs,contract", help="for --callgrind: upload, rs, contract")
    parser.add_argument("--records", type=int, default=1000, help="for --callgrind (at most 1,000)")
    parser.add_argument("--loop", nargs=2, metavar=("TARGET", "COUNT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.loop:
        loop(args.loop[0], int(args.loop[1]))
    elif args.cprofile:
        cprofile()
    elif args.callgrind:
        callgrind(args.targets.split(","), min(args.records, 1000))
    else:
        parts(args.rounds)
    return 0


if __name__ == "__main__":
    sys.exit(main())

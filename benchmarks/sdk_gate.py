"""Where the SDK gate's time goes: SDK import, model import, round trip, wire check; and both SDKs in parallel.

Run on demand (needs the SDKs: ``pip install -e ".[sdk]"``)::

    python benchmarks/sdk_gate.py            # --examples 25, as `sdk-check` runs by default (~2-3 min)
    python benchmarks/sdk_gate.py --quick    # --examples 3, one round (~1 min)

Each SDK is measured in a fresh interpreter, so its imports are cold as in CI:
``import`` is ``import <package>`` (the GraphServiceClient and its request
builders), ``models`` the first ``get_field_deserializers`` of an entity model
(which imports every model module of the SDK), then the round trip and the
wire check. The baseline is the same run serially (one SDK after the other, as
the gate ran before it used a process per SDK); the candidate is
``graph-contracts sdk-check --sdk both`` as a user runs it. They run in paired rounds
(``paired.py``, order alternating; ``--rounds``, default 3) and the ratio is the median of the
per-round ratios with its interquartile range.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))  # paired.py beside this script
from paired import Summary, paired_rounds

PHASES = ("import", "models", "roundtrip", "wire")


def child(sdk_name: str, examples: int) -> dict[str, Any]:
    """The phases of one SDK's gate in this (fresh) interpreter: wall and CPU seconds each."""
    import importlib

    from graph_contracts.sdk import SDKS
    from graph_contracts.sdk.models import model_class
    from graph_contracts.sdk.roundtrip import run_roundtrip
    from graph_contracts.sdk.wire import run_wire

    sdk = SDKS[sdk_name]
    version = sdk.installed_version()
    out: dict[str, Any] = {"sdk": sdk_name, "version": version}

    def phase(name: str, run: Any) -> Any:
        wall, cpu = time.perf_counter(), time.process_time()
        value = run()
        out[name] = {"wall": time.perf_counter() - wall, "cpu": time.process_time() - cpu}
        return value

    phase("import", lambda: importlib.import_module(sdk.package))
    phase("models", lambda: model_class(sdk, "importedWindowsAutopilotDeviceIdentity")().get_field_deserializers())
    rt = phase("roundtrip", lambda: run_roundtrip(sdk, version, examples))
    wire = phase("wire", lambda: run_wire(sdk, version, examples))
    out["checks"] = len(rt) + len(wire)
    return out


def _fresh(args: Sequence[str]) -> tuple[float, subprocess.CompletedProcess[str]]:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, *args], capture_output=True, text=True, check=False)
    return time.perf_counter() - start, done


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="--examples 3 instead of 25, one round")
    parser.add_argument("--examples", type=int, default=None)
    parser.add_argument(
        "--rounds",
        type=int,
        default=None,
        help="paired rounds of serial and parallel, order alternating (default 3; --quick 1)",
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    examples = args.examples or (3 if args.quick else 25)
    if args.child:
        print(json.dumps(child(args.child, examples)))
        return 0
    rounds = max(1, args.rounds or (1 if args.quick else 3))

    print(
        f"SDK gate, --examples {examples}, {rounds} round(s), {os.cpu_count()} CPUs, load average "
        f"{', '.join(f'{x:.2f}' for x in os.getloadavg())} at the start"
    )

    def serial() -> float:
        total = 0.0
        for name in ("msgraph", "msgraph-beta"):
            wall, done = _fresh([__file__, "--child", name, "--examples", str(examples)])
            if done.returncode != 0:
                print(done.stderr[-2000:], file=sys.stderr)
                raise SystemExit(1)
            data = json.loads(done.stdout.strip().splitlines()[-1])
            total += wall
            label = f"{name} {data['version']}"
            for p in PHASES:
                print(f"  {label:<22} {p:<10} {data[p]['wall']:>8.1f} {data[p]['cpu']:>8.1f}")
            print(f"  {label:<22} {'process':<10} {wall:>8.1f} {'':>8}  ({data['checks']} checks)")
        return total

    summaries: list[str] = []

    def parallel() -> float:
        wall, done = _fresh(["-m", "graph_contracts.cli", "sdk-check", "--sdk", "both", "--examples", str(examples)])
        if done.returncode not in (0, 1):
            print(done.stderr[-2000:], file=sys.stderr)
            raise SystemExit(1)
        summaries.append(next((line for line in done.stdout.splitlines() if line.endswith(" skip")), ""))
        print(f"  sdk-check --sdk both: {wall:.1f} s")
        return wall

    print(f"  {'SDK':<22} {'phase':<10} {'wall s':>8} {'cpu s':>8}")
    samples: dict[str, list[float]] = {}
    ratios = paired_rounds(
        ("serial", serial),
        [("parallel", parallel)],
        min_rounds=min(3, rounds),
        max_rounds=rounds,
        warmup=False,
        samples=samples,
    )
    serial_s, parallel_s = (Summary(tuple(samples[n])).text("{:.1f}", " s") for n in ("serial", "parallel"))
    print(f"\nbaseline   serial, one SDK after the other: {serial_s}")
    print(f"candidate  sdk-check --sdk both (a process per SDK): {parallel_s}  ({summaries[-1] if summaries else ''})")
    print(f"ratio      serial / parallel, per round: {ratios['parallel'].text()}")
    print(f"load average at the end: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

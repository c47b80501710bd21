"""``graph-contracts preflight`` of a 500-row CSV against an emulator holding 100,000 registered devices.

The emulator runs in this process (a thread), seeded from a state file with
100,000 registered devices (20 group tags, 1,000 users assigned), 300
imported identities (100 failed, 100 pending, 100 complete) and 50 users, and
pages at 1,000 items as Intune does (graph-facts 6.1). The preflight runs as
``graph-contracts preflight --format json`` in a subprocess, as a user runs
it, against the emulator's URL with a token holding
DeviceManagementServiceConfig.Read.All and User.Read.All.

The 500 rows: 50 registered serials, 50 with an earlier failed or pending
import, 25 with a misspelt group tag, 20 assigned users of which 5 do not
exist, 10 broken hashes, the rest new devices.

The preflight runs several times against the same emulator (it only reads, so
every run meets the same tenant). Printed, as the median and interquartile
range over the runs (``paired.Summary``, the rule of benchmarks/README.md, "How
every ratio is measured"): wall time of the subprocess (start-up included) and
its peak RSS (``VmHWM`` of its own memory, read by the child as it ends:
``ru_maxrss`` would count this process's memory, which the child shares until
its ``exec``). The requests the emulator received (and the count preflight
reports) and the verdict counts are the same in every run, which the script
checks. The issue's targets (< 10 s on 2 cores, < 150 requests, < 200 MB) are
judged on the IQR (``Summary.at_most``): met when its high end is within the
target, not met when its low end is over it, not shown in between. Linux (``/proc/self/status``).

Usage: ``python benchmarks/preflight.py [--quick] [--devices N] [--rows N] [--runs N]``
(``--quick``: 10,000 devices and 3 runs, to check that it works; its figures are not worth quoting).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from graph_contracts.autopilot import build_hardware_hash, encode_hardware_hash
from graph_contracts.graph.emulator import EmulatorConfig, Limits, running_emulator
from graph_contracts.graph.emulator.seed import read_state_file

sys.path.insert(0, str(Path(__file__).resolve().parent))  # paired.py beside this script
from paired import Summary

TAGS = [f"Dept-{n:02}" for n in range(20)]
HEADER = "Device Serial Number,Windows Product ID,Hardware Hash,Group Tag,Assigned User"


#: The preflight command as a user runs it, then its own peak RSS on stderr.
_CHILD = (
    "import sys\n"
    "from graph_contracts.cli import main\n"
    "status = main(sys.argv[1:])\n"
    "hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM:')]\n"
    "sys.stderr.write(hwm[0] if hwm else '')\n"
    "sys.exit(status)\n"
)


def _hash(serial: str) -> str:
    return encode_hardware_hash(build_hardware_hash(serial, "Contoso"))


def write_state(path: Path, devices: int) -> None:
    registered = [
        {
            "serialNumber": f"REG-{i:06}",
            "groupTag": TAGS[i % len(TAGS)],
            **({"userPrincipalName": f"user{i % 1000}@contoso.example"} if i % 100 == 0 else {}),
        }
        for i in range(devices)
    ]
    imported = (
        [
            {"serialNumber": f"FAILED-{i:03}", "state": "error", "deviceErrorName": "ZtdDeviceAssignedToOtherTenant"}
            for i in range(100)
        ]
        + [{"serialNumber": f"PENDING-{i:03}", "state": "pending"} for i in range(100)]
        + [
            {"serialNumber": f"DONE-{i:03}", "hardwareIdentifier": _hash(f"DONE-{i:03}"), "state": "complete"}
            for i in range(100)
        ]
    )
    users = [{"userPrincipalName": f"user{i}@contoso.example"} for i in range(50)]
    path.write_text(
        json.dumps({"registered_devices": registered, "imported_identities": imported, "users": users}),
        encoding="utf-8",
    )


def write_csv(path: Path, rows: int, devices: int) -> None:
    lines = [HEADER]
    for i in range(rows):
        serial, tag, user = f"NEW-{i:04}", TAGS[i % len(TAGS)], ""
        if i < 50:
            serial = f"REG-{i * 997 % devices:06}"
        elif i < 75:
            serial = f"FAILED-{i:03}"
        elif i < 100:
            serial = f"PENDING-{i:03}"
        elif i < 125:
            tag = tag.replace("Dept", "Dpet")
        if 200 <= i < 220:
            user = f"user{i - 200 if i < 215 else i + 900}@contoso.example"
        value = "notbase64!!" if i >= 490 else _hash(serial)
        lines.append(f"{serial},,{value},{tag},{user}")
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="10,000 devices, 3 runs: checks that it works")
    parser.add_argument("--devices", type=int, default=None, help="registered devices (default 100,000)")
    parser.add_argument("--rows", type=int, default=500)
    parser.add_argument("--runs", type=int, default=None, help="preflight runs (default 5; quick 3)")
    args = parser.parse_args()
    devices = args.devices or (10_000 if args.quick else 100_000)
    runs = max(1, args.runs or (3 if args.quick else 5))
    walls: list[float] = []
    peaks: list[float] = []
    seen: set[tuple[int, int, str]] = set()
    with tempfile.TemporaryDirectory() as folder:
        state, rows = Path(folder) / "tenant.json", Path(folder) / "devices.csv"
        started = time.perf_counter()
        write_state(state, devices)
        write_csv(rows, args.rows, devices)
        seed = read_state_file(state)
        print(
            f"state: {devices:,} registered devices, 300 imported identities, 50 users "
            f"({state.stat().st_size / 1e6:.1f} MB, written and read in {time.perf_counter() - started:.1f} s)"
        )
        # A request log long enough for every run (the default ring of 10,000 would forget the first runs').
        config = EmulatorConfig(seed=seed, page_size=1000, limits=Limits(request_log_size=1_000_000))
        with running_emulator(config) as handle:
            token = handle.token(["DeviceManagementServiceConfig.Read.All", "User.Read.All"])
            env = {**os.environ, "GRAPH_TOKEN": token}
            command = [
                sys.executable,
                "-c",
                _CHILD,
                "preflight",
                str(rows),
                "--graph-endpoint",
                handle.base_url,
                "--format",
                "json",
            ]
            doc: dict[str, Any] = {}
            for _ in range(runs):
                before = len(handle.received)
                started = time.perf_counter()
                proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
                out, err = proc.communicate()
                walls.append(time.perf_counter() - started)
                if proc.returncode not in (0, 1):
                    print(f"preflight failed (exit {proc.returncode}): {err.decode(errors='replace')[-2000:]}")
                    return 1
                peaks.append(int(err.decode().rsplit("VmHWM:", 1)[-1].split()[0]) / 1024 if b"VmHWM:" in err else 0)
                doc = json.loads(out)
                counts = json.dumps(doc["counts"], sort_keys=True)
                seen.add((len(handle.received) - before, doc["requests"], counts))
            methods = sorted({r.method for r in handle.received})
    if len(seen) != 1:
        print(f"the runs differ in requests or verdicts: {sorted(seen)}")
        return 1
    ((received, counted, _),) = seen
    wall, peak = Summary(tuple(walls)), Summary(tuple(peaks))
    print(f"preflight of {args.rows} rows, {runs} runs (load average at the end {os.getloadavg()[0]:.1f}):")
    print(f"  wall: {wall.text('{:.2f}', ' s')}   target < 10 s on 2 cores: {wall.at_most(10.0)}")
    print(
        f"  requests: {received} received by the emulator ({', '.join(methods)}), {counted} counted by "
        f"preflight, in every run; target < 150: {'met' if received < 150 else 'not met'}"
    )
    print(f"  peak RSS of the preflight process: {peak.text('{:.0f}', ' MB')}   target < 200 MB: {peak.at_most(200.0)}")
    print("  verdicts: " + ", ".join(f"{k} {v}" for k, v in doc["counts"].items() if v))
    return 0


if __name__ == "__main__":
    sys.exit(main())

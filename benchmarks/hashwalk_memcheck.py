"""Fuzz the C record walk where memcheck can see every byte it reads (on demand, not a test: it needs valgrind).

    PYTHONMALLOC=malloc valgrind --tool=memcheck python benchmarks/hashwalk_memcheck.py [--cases 3000]

Each case is a real-size hash (``hash_build``) with bytes overwritten, often an end offset moved
next to the last byte with a trailer tag there, sometimes cut short, and an arbitrary ``end`` for
``walk``; each is a ``bytes`` of its own, so with ``PYTHONMALLOC=malloc`` a read past it is a read
past a malloc'd block, which memcheck reports as "Invalid read" in ``sound_records`` or
``walk_area``. The answers are compared with the Python reference (``hash_walk``) on the way.
CPython's own start-up reports a few "uninitialised value" lines without a suppression file; those
name no ``_hashwalk`` frame.
"""

from __future__ import annotations

import argparse
import random
import struct
import sys

from graph_contracts.autopilot import hash_walk
from graph_contracts.autopilot.hash_build import build_hardware_hash
from graph_contracts.autopilot.hash_layout import HASH_SIZE


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=3000)
    args = parser.parse_args()
    from graph_contracts.autopilot import _hashwalk

    rng = random.Random(1)
    base = build_hardware_hash("SN1", "Contoso", extra_records=[(k, bytes(20)) for k in range(1, 27)])
    for _ in range(args.cases):
        data = bytearray(base)
        for _ in range(rng.randint(0, 4)):
            data[rng.randrange(0, 1100 if rng.random() < 0.8 else HASH_SIZE)] = rng.randrange(256)
        if rng.random() < 0.2:  # an end offset near the last byte, with the trailer's tag and size there
            end = rng.randrange(HASH_SIZE - 50, HASH_SIZE)
            data[2:4] = struct.pack("<H", end)
            data[end : end + 4] = b"CS$\0"[: HASH_SIZE - end]
        blob = bytes(data[: rng.randrange(0, HASH_SIZE + 1)] if rng.random() < 0.2 else data)
        end = rng.randrange(-5, len(blob) + 10)
        assert _hashwalk.walk(blob, end) == hash_walk.walk_records(blob, end), (blob.hex(), end)
        assert _hashwalk.sound_records(blob) == hash_walk.sound_records_py(blob), blob.hex()
    print(f"{args.cases} cases: the C and the Python walks agree")
    return 0


if __name__ == "__main__":
    sys.exit(main())

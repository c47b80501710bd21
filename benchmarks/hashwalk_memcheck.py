"""Fuzz the C record walk where memcheck can see every byte it reads (on demand, not a test: it needs valgrind).

    PYTHONMALLOC=malloc valgrind --tool=memcheck python benchmarks/hashwalk_memcheck.py [--cases 3000]

Each case is a real-size hash (``hash_build``) with bytes overwritten, often an end offset moved
next to the last byte with a trailer tag there, sometimes cut short, and an arbitrary ``end`` for
``walk``; each is a ``bytes`` of its own, so with ``PYTHONMALLOC=malloc`` a read past it is a read
past a malloc'd block, which memcheck reports as "Invalid read" in ``sound_records`` or
``walk_area`` (or ``identity_parts``, which reads the serial, manufacturer and UUID values). The
answers are compared with the Python reference (``hash_walk``) on the way.
The CSV lane's ``plain_record`` gets the same treatment: real rows (a 4000-character hash among
their fields) with separators, quotes, NUL, whitespace and bytes past ASCII written in, cut at any
length (the tail after its 8-byte words), against ``csv_lines.plain_record_py``.
And ``probe_rows``, the duplicate table's probes, on blocks of random rows (keys that collide in a
small table, repeats) against ``DigestTable.first_seen_many``: a probe past the table's array
would be an "Invalid read" or "Invalid write" in ``probe_rows``.
CPython's own start-up reports a few "uninitialised value" lines without a suppression file; those
name no ``_hashwalk`` frame.
"""

from __future__ import annotations

import argparse
import random
import struct
import sys
from array import array

from graph_contracts.autopilot import csv_lines, hash_walk
from graph_contracts.autopilot.duplicates import DigestTable
from graph_contracts.autopilot.hash_build import build_hardware_hash, encode_hardware_hash
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
        assert _hashwalk.identity_parts(blob) == hash_walk.identity_parts_py(blob), blob.hex()
    names = ("serialNumber", "productKey", "hardwareIdentifier", "groupTag")
    special = b',;\t"\0 \r\x0b\x1c\x1f\x7f\x80\xc3\xa9\xffA'
    for _ in range(args.cases):
        separator = rng.choice(",;\t")
        data = bytearray(separator.join(("LN0001", "", encode_hardware_hash(base), "Sales")).encode())
        for _ in range(rng.randint(0, 3)):
            data[rng.randrange(len(data))] = rng.choice(special)
        line = bytes(data[: rng.randrange(0, len(data) + 1)] if rng.random() < 0.5 else data)
        count = rng.choice((4, 4, 4, 1, 3, 5))
        expected = csv_lines.plain_record_py(line, separator, names[:count] + ("x",) * (count - 4))
        assert _hashwalk.plain_record(line, separator, names[:count] + ("x",) * (count - 4)) == expected, line
    keys = [c + (n << 20) for c in (3, 5, 512) for n in range(1, 40)] + [2**64 - 1, 1]
    widths = b"\1\2\3"
    c_table, py_table = DigestTable(), DigestTable()
    for case in range(args.cases // 10):
        kinds = array("B", (rng.randrange(3) for _ in range(rng.randrange(0, 60))))
        digests = array("Q", (rng.choice(keys) for kind in kinds for _ in range(kind + 1)))
        rows = array("L", range(case * 100, case * 100 + len(kinds)))
        expected = py_table.first_seen_many(digests, [widths[k] for k in kinds], [7 + r for r in rows])
        assert c_table.first_seen_rows(digests, kinds, widths, rows, 7) == expected
    assert len(c_table) == len(py_table)
    print(f"{args.cases} cases each: the C and the Python walks, identity_parts and plain_record agree; probe_rows too")
    return 0


if __name__ == "__main__":
    sys.exit(main())

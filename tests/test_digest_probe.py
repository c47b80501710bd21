"""The duplicate table's probes for a block of rows: the C ``probe_rows`` against ``first_seen_many``.

``DigestTable.first_seen_rows`` is how ``BatchChecker.check_rows`` looks up the lane's rows: it
makes room for the block, then probes in one C call (``_hashwalk.probe_rows``) where the extension
built, else in ``first_seen_many``, the Python reference. Both must find the same first known key
for each record and leave the same keys and values in the table, whatever the collisions (keys
drawn to share their low bits), the repeats within a block and across blocks, and the growth.
"""

from __future__ import annotations

import os
from array import array

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from graph_contracts.autopilot import duplicates, hash_walk
from graph_contracts.autopilot.duplicates import DigestTable

PURE = os.environ.get(hash_walk.PURE_PYTHON_ENV, "") not in ("", "0")
#: Keys that share their low bits (one slot in a small table), others spread, the largest 64-bit one.
KEYS = [c + (n << 20) for c in (3, 5, 1 << 9) for n in range(1, 6)] + [7, 2**63 + 3, 2**64 - 1, 1, 1 << 40]
PATTERNS = (("duplicate-hash",), ("duplicate-hash", "duplicate-serial"), ("a", "b", "c"))


def _content(table: DigestTable) -> set[tuple[int, int]]:
    slots = table._slots
    return {(slots[i], slots[i + 1]) for i in range(0, len(slots), 2) if slots[i]}


@st.composite
def blocks(draw: st.DrawFn) -> list[tuple[array[int], array[int], array[int], int]]:
    """Blocks of rows as ``PlainRows`` holds them: kinds, digests, row numbers, the file's start."""
    out = []
    row = 0
    for _ in range(draw(st.integers(1, 4))):
        kinds = draw(st.lists(st.integers(0, len(PATTERNS) - 1), max_size=40))
        digests = [draw(st.sampled_from(KEYS)) for kind in kinds for _ in PATTERNS[kind]]
        rows = []
        for _ in kinds:
            row += draw(st.integers(1, 3))
            rows.append(row)
        out.append((array("B", kinds), array("Q", digests), array("L", rows), draw(st.integers(0, 2**40))))
    return out


def _compiled_probe() -> object:
    if PURE:
        pytest.skip(f"{hash_walk.PURE_PYTHON_ENV} is set: this run is pure Python on purpose")
    from graph_contracts.autopilot import _hashwalk

    return _hashwalk.probe_rows


def test_the_c_probes_are_the_ones_in_use() -> None:
    assert duplicates._probe_rows is _compiled_probe()


@settings(max_examples=300, deadline=None)
@given(case=blocks(), prefill=st.lists(st.sampled_from(KEYS), max_size=800))
def test_first_seen_rows_is_first_seen_many(
    case: list[tuple[array[int], array[int], array[int], int]], prefill: list[int]
) -> None:
    widths = bytes(len(codes) for codes in PATTERNS)
    tables = [DigestTable() for _ in range(3)]  # C where built, the Python branch, the reference
    for table in tables:  # up to 800 keys: some blocks make the 1024-slot table grow
        table.first_seen_many(prefill, [1] * len(prefill), range(len(prefill)))
    for kinds, digests, rows, start in case:
        expected = tables[2].first_seen_many(digests, [widths[k] for k in kinds], [start + r for r in rows])
        assert tables[0].first_seen_rows(digests, kinds, widths, rows, start) == expected
        in_use, duplicates._probe_rows = duplicates._probe_rows, None  # the Python branch
        try:
            assert tables[1].first_seen_rows(digests, kinds, widths, rows, start) == expected
        finally:
            duplicates._probe_rows = in_use
        assert _content(tables[0]) == _content(tables[1]) == _content(tables[2])
        assert len(tables[0]) == len(tables[1]) == len(tables[2]) == len(_content(tables[2]))


def test_the_c_probes_refuse_what_would_read_or_loop_past_the_table() -> None:
    probe = _compiled_probe()
    slots = array("Q", bytes(16 * 4))
    with pytest.raises(ValueError, match="width"):
        probe(slots, array("Q", [1]), array("B", [1]), b"\1", array("L", [1]), 0)  # type: ignore[operator]
    with pytest.raises(ValueError, match="add up"):
        probe(slots, array("Q", [1, 2]), array("B", [0]), b"\1", array("L", [1]), 0)  # type: ignore[operator]
    with pytest.raises(ValueError, match="power of two"):
        probe(array("Q", bytes(8 * 6)), array("Q", [1]), array("B", [0]), b"\1", array("L", [1]), 0)  # type: ignore[operator]
    with pytest.raises(BufferError):
        probe(bytes(64), array("Q", [1]), array("B", [0]), b"\1", array("L", [1]), 0)  # type: ignore[operator]  # read-only
    with pytest.raises(TypeError):
        probe(slots, array("d", [1.0]), array("B", [0]), b"\1", array("L", [1]), 0)  # type: ignore[operator]
    full = array("Q", [5, 1, 7, 1])  # two slots, both used: a new key finds no free one
    with pytest.raises(ValueError, match="full"):
        probe(full, array("Q", [9]), array("B", [0]), b"\1", array("L", [1]), 0)  # type: ignore[operator]
    assert probe(full, array("Q", [7]), array("B", [0]), b"\1", array("L", [3]), 0) == ([(0, 0, 1)], 0)  # type: ignore[operator]

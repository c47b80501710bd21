"""The layout checks of the hash fast path: the C extension (``_hashwalk``) against the Python reference.

``hash_walk.walk_records`` and ``hash_walk.sound_records_py`` are the reference; ``_hashwalk.walk``
and ``_hashwalk.sound_records`` must give the same answers on any bytes (and any end offset),
including headers near or past the end of the buffer and broken framing. The extension is
built by ``pip install`` wherever a compiler is available; only a build that was pure Python on
purpose (``GRAPH_CONTRACTS_PURE_PYTHON``) may skip the comparison.
"""

from __future__ import annotations

import os
import platform
import struct
import subprocess
import sys
from types import ModuleType

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from graph_contracts.autopilot import hash_fast, hash_walk
from graph_contracts.autopilot.hash_build import build_hardware_hash, encode_hardware_hash
from graph_contracts.autopilot.hash_layout import HASH_SIZE, HEADER_SIZE, TRAILER_SIZE

PURE = os.environ.get(hash_walk.PURE_PYTHON_ENV, "") not in ("", "0")


def _compiled() -> ModuleType:
    """The extension module; a failure (not a skip) where it should have been built."""
    if PURE:
        pytest.skip(f"{hash_walk.PURE_PYTHON_ENV} is set: the build and this run are pure Python on purpose")
    if platform.python_implementation() != "CPython":
        pytest.skip("the C record walk is built for CPython only")
    from graph_contracts.autopilot import _hashwalk

    return _hashwalk


def test_the_extension_was_built_and_is_the_walk_in_use() -> None:
    """Fails when ``pip install`` fell back to pure Python on a platform with a compiler."""
    compiled = _compiled()
    assert hash_walk.IMPLEMENTATION == "c"
    assert hash_walk.walk is compiled.walk
    assert hash_walk.sound_records is compiled.sound_records
    assert hash_walk.identity_parts is compiled.identity_parts
    assert hash_fast._identity_parts is compiled.identity_parts


def _real_layout(index: int) -> bytes:
    """A hash of real size: the four records of the builder and 26 others (as benchmarks/run.py builds)."""
    sizes = (28, 16, 13, 48, 12, 20, 24, 20, 20, 16, 8, 40, 16, 12, 20, 20, 12, 16, 8, 12, 16, 260, 20, 30, 8, 60)
    kinds = (1, 2, 3, 4, 5, 6, 7, 8, 8, 9, 10, 11, 13, 15, 18, 19, 20, 21, 22, 23, 24, 25, 26, 28, 29, 30)
    extra = [
        (kind, bytes((index + kind + k) % 256 for k in range(size))) for kind, size in zip(kinds, sizes, strict=True)
    ]
    return build_hardware_hash(f"SN{index:05d}", "Contoso", "Laptop 7", extra_records=extra)


def _end(blob: bytes) -> int:
    return blob[2] | blob[3] << 8


def test_the_walk_finds_the_records_of_a_real_size_hash() -> None:
    """The reference on a built hash: the UUID record first at 4, then the serial and the manufacturer."""
    blob = _real_layout(7)
    found = hash_walk.walk_records(blob, _end(blob))
    assert found is not None
    serial, manufacturer, uuid = found
    assert uuid == HEADER_SIZE and blob[uuid] == 12
    assert blob[serial] == 14 and blob[manufacturer] == 16
    assert blob[serial + HEADER_SIZE : serial + HEADER_SIZE + 7] == b"SN00007"
    assert hash_walk.walk(blob, _end(blob)) == found


@pytest.mark.parametrize(
    ("blob", "end", "why"),
    [
        # a manufacturer, then a serial of length 3 that would end the records exactly at 11
        (b"OA\x0b\x00" + bytes((16, 0, 4, 0, 14, 0, 3, 0)), 11, "a record shorter than its header"),
        (b"OA\x0c\x00" + bytes((14, 0, 4, 0, 16, 0, 4, 0)), 13, "records that do not end at end"),
        (b"OA\x0c\x00" + bytes((14, 0, 4, 0, 17, 0, 4, 0)), 12, "no manufacturer record"),
        (b"OA\x0c\x00" + bytes((14, 0, 4, 0, 16, 0, 4)), 12, "a header cut by the end of the bytes"),
        (b"OA\x0c\x00" + bytes((14, 1, 4, 0, 16, 0, 4, 0)), 12, "a type with a high byte is no serial"),
    ],
)
def test_each_layout_fault_is_none_in_both_walks(blob: bytes, end: int, why: str) -> None:
    assert hash_walk.walk_records(blob, end) is None, why
    assert hash_walk.walk(blob, end) is None, why


def _area(*kinds: int) -> tuple[bytes, int]:
    """Empty records of these types from offset 4, and their end offset."""
    body = b"".join(struct.pack("<HH", kind, HEADER_SIZE) for kind in kinds)
    return b"OA\0\0" + body, HEADER_SIZE + len(body)


@pytest.mark.parametrize(
    ("kinds", "expected"),
    [
        ((12, 12, 14, 16), (12, 16, 4)),  # the first UUID record, not the second
        ((14, 14, 12, 16), (4, 16, 12)),  # the first serial record
        ((16, 16, 12, 14), (16, 4, 12)),  # the first manufacturer record
        ((14, 16, 17, 12, 12), (4, 8, 16)),  # the UUID found after the others; the search stops there
        ((14, 1, 16), (4, 12, 0)),  # no UUID record: 0
    ],
)
def test_both_walks_keep_the_first_record_of_each_type(kinds: tuple[int, ...], expected: tuple[int, int, int]) -> None:
    blob, end = _area(*kinds)
    assert hash_walk.walk_records(blob, end) == expected
    assert hash_walk.walk(blob, end) == expected


def test_the_smallest_sound_layout_in_both_walks() -> None:
    blob = b"OA\x0c\x00" + bytes((14, 0, 4, 0, 16, 0, 4, 0))
    assert hash_walk.walk_records(blob, 12) == (4, 8, 0)
    assert hash_walk.walk(blob, 12) == (4, 8, 0)


@settings(max_examples=300, deadline=None)
@given(blob=st.binary(max_size=96), end=st.integers(min_value=-5, max_value=120))
def test_c_and_python_agree_on_arbitrary_bytes(blob: bytes, end: int) -> None:
    compiled = _compiled()
    assert compiled.walk(blob, end) == hash_walk.walk_records(blob, end)


@st.composite
def _record_area(draw: st.DrawFn) -> tuple[bytes, int]:
    """Records drawn as (type, length) headers with short values: the wanted types often (and
    repeated, in any order), a wrong length now and then, and an end at or near the last record,
    so walks end exactly, early, late and off the bytes."""
    parts = [b"OA\0\0"]
    for _ in range(draw(st.integers(0, 8))):
        kind = draw(st.sampled_from([12, 14, 16, 12, 14, 16, 17, 1, 0x10E, 0x0C00]))
        value = draw(st.binary(max_size=6))
        length = HEADER_SIZE + len(value)
        if draw(st.integers(0, 9)) == 0:
            length = draw(st.integers(0, 12))
        parts.append(struct.pack("<HH", kind, length) + value)
    blob = b"".join(parts)
    end = len(blob) if draw(st.booleans()) else draw(st.integers(len(blob) - 6, len(blob) + 6))
    blob += draw(st.binary(max_size=5))  # bytes after the records, as the trailer would be
    return blob, end


@settings(max_examples=300, deadline=None)
@given(case=_record_area())
def test_c_and_python_agree_on_drawn_record_areas(case: tuple[bytes, int]) -> None:
    compiled = _compiled()
    blob, end = case
    assert compiled.walk(blob, end) == hash_walk.walk_records(blob, end)


@settings(max_examples=300, deadline=None)
@given(
    index=st.integers(0, 50),
    edits=st.lists(st.tuples(st.integers(0, HASH_SIZE - 1), st.integers(0, 255)), max_size=4),
    cut=st.one_of(st.none(), st.integers(0, HASH_SIZE)),
    end_shift=st.integers(-40, 40),
)
def test_c_and_python_agree_on_mutated_real_hashes(
    index: int, edits: list[tuple[int, int]], cut: int | None, end_shift: int
) -> None:
    """Mutations of a real-size hash: bytes overwritten (record headers among them), the bytes cut
    short (a header near or past the end), the end offset moved."""
    compiled = _compiled()
    data = bytearray(_real_layout(index))
    end = _end(data)
    for where, value in edits:
        # Aim half of the edits at the record area, where the headers are.
        data[where % (end + TRAILER_SIZE) if where % 2 else where] = value
    blob = bytes(data[:cut] if cut is not None else data)
    for at in (end, end + end_shift, _end(blob) if len(blob) >= 4 else 0):
        assert compiled.walk(blob, at) == hash_walk.walk_records(blob, at)
    assert compiled.sound_records(blob) == hash_walk.sound_records_py(blob)
    assert compiled.identity_parts(blob) == hash_walk.identity_parts_py(blob)


@settings(max_examples=300, deadline=None)
@given(
    index=st.integers(0, 50),
    where=st.sampled_from(["magic", "end", "trailer", "padding", "records", "none"]),
    offset=st.integers(0, 40),
    value=st.integers(0, 255),
)
def test_c_and_python_agree_on_the_framing_of_real_hashes(index: int, where: str, offset: int, value: int) -> None:
    """One byte set in each part of the framing (the magic, the end offset, the trailer's tag and
    size, the padding, the records) of a real-size hash, and the hash as built."""
    compiled = _compiled()
    data = bytearray(_real_layout(index))
    end = _end(data)
    at = {
        "magic": offset % 2,
        "end": 2 + offset % 2,
        "trailer": end + offset % 4,
        "padding": end + TRAILER_SIZE + offset * 37,
        "records": HEADER_SIZE + offset,
        "none": None,
    }[where]
    if at is not None:
        data[at] = value
    blob = bytes(data)
    found = compiled.sound_records(blob)
    assert found == hash_walk.sound_records_py(blob)
    assert compiled.identity_parts(blob) == hash_walk.identity_parts_py(blob)
    if where == "none":
        assert found is not None and found[0] == end


def _trailer_at(end: int) -> bytes:
    """3000 bytes: a serial and a manufacturer record, a filler record up to ``end``, the trailer there."""
    records = struct.pack("<HH", 14, 4) + struct.pack("<HH", 16, 4) + struct.pack("<HH", 1, end - 12)
    head = b"OA" + struct.pack("<H", end) + records
    head = head.ljust(end, b"\1")
    return (head + b"CS" + struct.pack("<H", TRAILER_SIZE) + bytes(32)).ljust(HASH_SIZE, b"\0")[:HASH_SIZE]


def _strings_layout(serial: bytes, manufacturer: bytes, uuid: bytes | None) -> bytes:
    """3000 bytes: records of these values (a UUID record only when given), the trailer after them."""
    records = b"".join(
        struct.pack("<HH", kind, HEADER_SIZE + len(value)) + value
        for kind, value in ((12, uuid), (14, serial), (16, manufacturer))
        if value is not None
    )
    end = HEADER_SIZE + len(records)
    blob = b"OA" + struct.pack("<H", end) + records + b"CS" + struct.pack("<H", TRAILER_SIZE) + bytes(32)
    return blob.ljust(HASH_SIZE, b"\0")


@settings(max_examples=300, deadline=None)
@given(
    serial=st.binary(max_size=12),
    manufacturer=st.binary(max_size=12),
    uuid=st.one_of(st.none(), st.binary(max_size=20)),
)
def test_c_and_python_read_the_same_identity_parts(serial: bytes, manufacturer: bytes, uuid: bytes | None) -> None:
    """The values up to their first NUL (empty, all NUL, NUL inside, none), a UUID record of any
    length (16 bytes read from one of 16 or more, None below), and the records and checksum."""
    compiled = _compiled()
    blob = _strings_layout(serial, manufacturer, uuid)
    parts = hash_walk.identity_parts_py(blob)
    assert parts is not None
    assert parts[2:] == (
        serial.partition(b"\0")[0],
        manufacturer.partition(b"\0")[0],
        uuid[:16] if uuid is not None and len(uuid) >= 16 else None,
    )
    assert parts[:2] == (blob[: _end(blob)], bytes(32))
    assert compiled.identity_parts(blob) == parts


def test_the_trailer_may_end_exactly_at_the_last_byte_and_not_past_it() -> None:
    """End offset 2964: the trailer fills the bytes to 3000, no padding. 2965: it would run one byte
    past them (no layout; the C code must not read the padding from offset 3001)."""
    fits = _trailer_at(HASH_SIZE - TRAILER_SIZE)
    assert hash_walk.sound_records_py(fits) == (HASH_SIZE - TRAILER_SIZE, 4, 8, 0)
    assert hash_walk.sound_records(fits) == (HASH_SIZE - TRAILER_SIZE, 4, 8, 0)
    past = _trailer_at(HASH_SIZE - TRAILER_SIZE + 1)
    assert past[HASH_SIZE - TRAILER_SIZE + 1 : HASH_SIZE - TRAILER_SIZE + 3] == b"CS"
    assert hash_walk.sound_records_py(past) is None
    assert hash_walk.sound_records(past) is None


def test_sound_records_reads_only_hash_sized_buffers() -> None:
    compiled = _compiled()
    blob = _real_layout(1)
    assert compiled.sound_records(blob) is not None
    for cut in (blob[:-1], blob + b"\0", b"", b"OA"):
        assert compiled.sound_records(cut) is None
        assert hash_walk.sound_records_py(cut) is None
    with pytest.raises(TypeError):
        compiled.sound_records(bytearray(blob))


def test_the_c_walk_refuses_what_is_not_bytes_and_int() -> None:
    compiled = _compiled()
    with pytest.raises(TypeError):
        compiled.walk(bytearray(16), 12)
    with pytest.raises(TypeError):
        compiled.walk(b"", 1.5)
    with pytest.raises(TypeError):
        compiled.walk(b"")
    # Ends no buffer reaches, either sign: no layout, as the Python walk says.
    for end in (2**70, -(2**70)):
        assert compiled.walk(bytes(64), end) is None
        assert hash_walk.walk_records(bytes(64), end) is None


def test_the_environment_variable_forces_the_python_walk() -> None:
    """``GRAPH_CONTRACTS_PURE_PYTHON=1`` at import: the reference walk, and the fast path still judges hashes."""
    text = encode_hardware_hash(_real_layout(3))
    code = (
        "from graph_contracts.autopilot import hash_walk, hash_fast\n"
        "import sys\n"
        "assert hash_walk.IMPLEMENTATION == 'python', hash_walk.IMPLEMENTATION\n"
        "assert hash_walk.walk is hash_walk.walk_records\n"
        "assert hash_fast._identity_parts is hash_walk.identity_parts_py\n"
        "identity = hash_fast.fast_identity(sys.argv[1])\n"
        "assert identity is not None and identity.serial_number == 'SN00003', identity\n"
        "assert not hash_fast.hash_is_sound('A' + sys.argv[1][1:])\n"
    )
    env = {**os.environ, hash_walk.PURE_PYTHON_ENV: "1"}
    done = subprocess.run([sys.executable, "-c", code, text], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr

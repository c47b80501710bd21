"""The line check of the CSV lane: the C ``plain_record`` (``_hashwalk.c``) against its Python reference.

``csv_lines.plain_record_py`` is the reference (the line part of what ``csv_reader._plain_row`` asked
before there was a C twin); ``_hashwalk.plain_record`` must give the same answer on any bytes, with
each separator and any number of columns: the same dict (keys, values, order) or None. The lane's
own tests (``test_csv_lane.py``) compare the whole lane with the general path; these look at the
line check alone, where a difference shows on the input that causes it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from graph_contracts.autopilot import csv_lines, hash_walk
from graph_contracts.autopilot.hash_build import build_hardware_hash, encode_hardware_hash

PURE = os.environ.get(hash_walk.PURE_PYTHON_ENV, "") not in ("", "0")
PROPS = ("serialNumber", "productKey", "hardwareIdentifier", "groupTag")
HASH = encode_hardware_hash(build_hardware_hash(serial="LN0001", manufacturer="Contoso"))
#: The bytes the check treats specially: separators, quotes, NUL, whitespace (str.isspace in ASCII,
#: 0x1C-0x1F among them), the next characters out, and bytes past ASCII.
SPECIAL = b',;\t"\0 \r\n\x0b\x0c\x1c\x1d\x1e\x1f\x1b\x20\x21\x7f\x80\xc3\xa9\xff'


def _compiled() -> Callable[[bytes, str, tuple[str, ...]], dict[str, str] | None]:
    if PURE:
        pytest.skip(f"{hash_walk.PURE_PYTHON_ENV} is set: this run is pure Python on purpose")
    from graph_contracts.autopilot import _hashwalk

    return _hashwalk.plain_record


def test_the_c_check_is_the_one_in_use() -> None:
    assert csv_lines.plain_record is _compiled()


def test_the_environment_variable_forces_the_python_check() -> None:
    code = "from graph_contracts.autopilot import csv_lines as c; print(c.plain_record is c.plain_record_py)"
    env = {**os.environ, hash_walk.PURE_PYTHON_ENV: "1"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            b"LN1,,AAAA,Sales",
            {"serialNumber": "LN1", "productKey": "", "hardwareIdentifier": "AAAA", "groupTag": "Sales"},
        ),
        (b",,,x", {"serialNumber": "", "productKey": "", "hardwareIdentifier": "", "groupTag": "x"}),
        (b"LN1,,AAAA", None),  # three fields where the header has four
        (b"LN1,,AAAA,Sales,", None),  # five
        (b",,,", None),  # blank: only separators
        (b" ,\t, ,\x1c", None),  # blank: only whitespace, the information separators among it
        (b"\x1b,,,", {"serialNumber": "\x1b", "productKey": "", "hardwareIdentifier": "", "groupTag": ""}),
        (b'"LN1",,AAAA,Sales', None),  # quotation marks
        (b"LN\x001,,AAAA,Sales", None),  # NUL
        (b"LN\xc3\xa91,,AAAA,Sales", None),  # UTF-8 past ASCII
        (b"LN1,,AAAA,Sale\x80", None),  # the last byte past ASCII (the tail after the 8-byte words)
        (b"", None),
    ],
)
def test_the_check_on_each_kind_of_line(line: bytes, expected: dict[str, str] | None) -> None:
    assert csv_lines.plain_record_py(line, ",", PROPS) == expected
    assert csv_lines.plain_record(line, ",", PROPS) == expected


def _agree(line: bytes, separator: str, names: tuple[str, ...]) -> None:
    compiled = _compiled()
    expected = csv_lines.plain_record_py(line, separator, names)
    found = compiled(line, separator, names)
    assert found == expected, (line, separator, names)
    if found is not None and expected is not None:
        assert list(found) == list(expected)  # the same order of keys
        assert all(type(v) is str and v.isascii() for v in found.values())


names = st.integers(0, 7).map(lambda n: PROPS[:n] if n <= 4 else (*PROPS, *(f"extra{i}" for i in range(n - 4))))
separators = st.sampled_from([",", ";", "\t"])


@settings(max_examples=400, deadline=None)
@given(line=st.binary(max_size=80), separator=separators, names=names)
@example(line=b"\x1c\x1d\x1e\x1f", separator=",", names=("a",))
@example(line=b"a\tb\tc", separator="\t", names=("a", "b", "c"))
@example(line=b"\t\t", separator="\t", names=("a", "b", "c"))
def test_c_and_python_agree_on_arbitrary_bytes(line: bytes, separator: str, names: tuple[str, ...]) -> None:
    _agree(line, separator, names)


@settings(max_examples=400, deadline=None)
@given(
    line=st.lists(st.sampled_from([bytes([b]) for b in SPECIAL] + [b"a", b"LN01", b"x" * 9]), max_size=30).map(
        b"".join
    ),
    separator=separators,
    names=names,
)
def test_c_and_python_agree_on_lines_of_the_special_bytes(line: bytes, separator: str, names: tuple[str, ...]) -> None:
    _agree(line, separator, names)


@settings(max_examples=300, deadline=None)
@given(
    edits=st.lists(st.tuples(st.integers(0, 4100), st.sampled_from(list(SPECIAL))), max_size=4),
    cut=st.one_of(st.none(), st.integers(0, 4100)),
    separator=separators,
)
def test_c_and_python_agree_on_mutated_real_rows(edits: list[tuple[int, int]], cut: int | None, separator: str) -> None:
    """A real row (a 4000-character hash among its fields) with bytes overwritten and cut short."""
    data = bytearray(separator.join(("LN0001", "", HASH, "Sales")).encode())
    for where, value in edits:
        data[where % len(data)] = value
    line = bytes(data[:cut] if cut is not None else data)
    _agree(line, separator, PROPS)


@pytest.mark.parametrize("check", ["c", "python"])
def test_bad_arguments_are_refused_alike(check: str) -> None:
    plain_record = _compiled() if check == "c" else csv_lines.plain_record_py
    for separator in ("", ",,", "é", '"', "\0"):
        with pytest.raises(ValueError, match="separator"):
            plain_record(b"a,b", separator, ("a", "b"))
    if check == "c":  # the reference leaves the types to mypy
        with pytest.raises(TypeError):
            plain_record("a,b", ",", ("a", "b"))  # type: ignore[arg-type]
        with pytest.raises(TypeError):
            plain_record(b"a,b", ",", ["a", "b"])  # type: ignore[arg-type]
        with pytest.raises(TypeError):
            plain_record(b"a,b", 44, ("a", "b"))  # type: ignore[arg-type]

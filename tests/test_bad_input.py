"""Hostile and odd input: each class ends in a structured issue or an exit-2 line, never a traceback or a hang.

Memory bounds are checked with ``tracemalloc`` on inputs small enough to stay
fast; the full-size figures (60 MB arrays, 1M-row CSV) live in benchmarks/.
"""

from __future__ import annotations

import io
import json
import tracemalloc
from pathlib import Path
from typing import Any

import pytest

from graph_contracts.autopilot import build_hardware_hash, check_hardware_hash, encode_hardware_hash
from graph_contracts.cli import main
from graph_contracts.records import MAX_RECORD_BYTES, open_records, read_records
from graph_contracts.validation import AUTOPILOT_TYPE, Validator, check_file, validate

HEADER = "Device Serial Number,Windows Product ID,Hardware Hash"
ODATA = f"#microsoft.graph.{AUTOPILOT_TYPE}"


def hw(serial: str) -> str:
    return encode_hardware_hash(build_hardware_hash(serial, "Contoso", "Model 1"))


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def issues_of(path: Path) -> list[tuple[str, str]]:
    return [(i.code, i.pointer) for r in check_file(path) for i in r.issues]


# --- duplicate JSON keys ---------------------------------------------------------------


def test_duplicate_key_in_json_names_the_pointer(tmp_path: Path) -> None:
    path = tmp_path / "dup.json"
    # The first value is invalid; with "last wins" alone it would pass unseen.
    path.write_text('{"serialNumber": 5, "serialNumber": "A1", "hardwareIdentifier": "' + hw("A1") + '"}')
    assert issues_of(path) == [("duplicate-key", "/serialNumber")]


def test_duplicate_key_in_an_array_item_and_an_ndjson_line(tmp_path: Path) -> None:
    array = tmp_path / "dup.json"
    array.write_text(
        f'[{{"serialNumber": "A1", "hardwareIdentifier": "{hw("A1")}"}},'
        f' {{"groupTag": "x", "serialNumber": "B2", "groupTag": "y",'
        f' "hardwareIdentifier": "{hw("B2")}"}}]'
    )
    assert issues_of(array) == [("body-array", ""), ("duplicate-key", "/1/groupTag")]  # the note: issue 14
    lines = tmp_path / "dup.ndjson"
    lines.write_text(f'{{"serialNumber": "A1", "hardwareIdentifier": "{hw("A1")}"}}\n{{"a": {{"b": 1, "b": 2}}}}\n')
    found = [(r.label, i.code, i.pointer) for r in check_file(lines) for i in r.issues]
    assert ("line 2", "duplicate-key", "/a/b") in found


# --- lone surrogates -------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["text", "json", "junit", "github"])
def test_lone_surrogates_in_values_names_and_odata_type(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], fmt: str
) -> None:
    path = tmp_path / "surrogates.ndjson"
    path.write_text(
        '{"serialNumber": "A\\ud800", "\\udc00x": 1, "@odata.type": "' + ODATA + '"}\n{"@odata.type": "#x\\ud800"}\n',
        encoding="utf-8",
    )
    code, out, _ = cli(capsys, "validate", str(path), "--format", fmt)
    assert code == 1
    out.encode("utf-8")  # printable: the surrogates were escaped
    assert "unknown-property" in out and "odata-type" in out


def test_odata_type_with_nul_or_5000_characters_is_an_issue(tmp_path: Path) -> None:
    for value in ("#microsoft.graph.x\u0000y", "#" + "a" * 5000):
        path = tmp_path / "odd.json"
        path.write_text(json.dumps({"@odata.type": value}), encoding="utf-8")
        [result] = check_file(path)
        assert [(i.code, i.pointer) for i in result.issues] == [("odata-type", "/@odata.type")]
        assert "names no type" in result.issues[0].message
    assert [i.code for i in validate({"@odata.type": "#a\u0000b"})] == ["odata-type"]
    assert [i.code for i in validate({"@odata.type": "#" + "a" * 5000})] == ["odata-type"]


def test_unknown_names_are_usage_errors_not_os_errors() -> None:
    from graph_contracts.validation import UnknownContractError

    for name in ("a" * 5000, "x\u0000y", "x\ud800", "../../etc/passwd"):
        with pytest.raises(UnknownContractError):
            Validator.for_type(name)


# --- trailing newline -------------------------------------------------------------------


def test_trailing_newline_fails_base64_and_date_time() -> None:
    record = {"serialNumber": "A1", "hardwareIdentifier": "QUFB\n"}
    assert [i.code for i in validate(record, type=AUTOPILOT_TYPE)] == ["base64"]
    assert validate({"serialNumber": "A1", "hardwareIdentifier": "QUFB"}, type=AUTOPILOT_TYPE) == []
    v = Validator.for_type("windowsAutopilotDeviceIdentity", direction="response")
    good = [i.code for i in v.validate({"lastContactedDateTime": "2024-01-01T00:00:00Z"})]
    bad = [i.code for i in v.validate({"lastContactedDateTime": "2024-01-01T00:00:00Z\n"})]
    assert "date-time" not in good and "date-time" in bad
    assert [i.code for i in check_hardware_hash(hw("A1") + "\n")] == ["base64"]


# --- CSV sizes --------------------------------------------------------------------------


def test_csv_field_over_131072_characters(tmp_path: Path) -> None:
    path = tmp_path / "long.csv"
    big = "A" * 200_000
    path.write_text(f'{HEADER}\r\n{big},,{hw("A1")}\r\nB2,,"{big}"\r\n', encoding="ascii")
    results = list(check_file(path))
    codes = [(r.label, i.code) for r in results for i in r.issues]
    assert ("row 2", "serial-mismatch") in codes
    assert ("row 3", "csv-row") in codes or ("row 3", "base64") in codes


def test_header_of_a_million_commas_is_one_issue(tmp_path: Path) -> None:
    path = tmp_path / "commas.csv"
    path.write_bytes(b"," * 1_048_576 + b"\r\n")
    found = [i for r in check_file(path) for i in r.issues]
    assert [i.code for i in found] == ["csv-header"]
    assert "only empty lines or commas" in found[0].message
    path.write_bytes(b"a" + b"," * 1_048_576 + b"\r\n")
    found = [i for r in check_file(path) for i in r.issues]
    assert [i.code for i in found] == ["csv-not-autopilot"]  # no Autopilot column at all (issue 14)
    assert "1048577 columns" in found[0].message


# --- long lines and endless input -------------------------------------------------------


def test_long_ndjson_line_is_record_too_large(tmp_path: Path) -> None:
    path = tmp_path / "long.ndjson"
    with path.open("wb") as handle:
        handle.write(b'{"serialNumber": "A1"}\n{"serialNumber": "')
        handle.write(b"A" * (MAX_RECORD_BYTES + 10))
        handle.write(b'"}\n{"serialNumber": "C3"}\n')
    results = list(check_file(path))
    found = [(r.label, i.code) for r in results for i in r.issues if i.code in ("record-too-large", "json")]
    assert found == [("line 2", "record-too-large")]
    assert "reading the file stopped" in results[-1].issues[0].message


def test_long_lines_cost_linear_time() -> None:
    """Splitting a 32 MB line read in 64 kB pieces joins it once (it used to be re-copied per piece)."""
    from graph_contracts.textio import split_lines

    piece = b"x" * 65536
    calls = 0

    def pieces() -> Any:
        nonlocal calls
        for _ in range(512):
            calls += 1
            yield piece
        yield b"\n"

    [line] = split_lines(pieces(), 64 * 1024 * 1024)
    assert len(line) == 512 * 65536 and calls == 512


class Endless(io.RawIOBase):
    """Standard input that never ends: a JSON string that never closes, or one line that never does."""

    def __init__(self, prefix: bytes) -> None:
        self.prefix = prefix
        self.given = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1, /) -> bytes:
        size = 65536 if size < 0 else size
        if self.prefix:
            data, self.prefix = self.prefix[:size], self.prefix[size:]
        else:
            data = b"A" * size
        self.given += len(data)
        return data


@pytest.mark.parametrize("prefix", [b'{"a": 1}\n{"serialNumber": "', b'[{"serialNumber": "'])
def test_endless_stdin_stops_at_the_cap(prefix: bytes) -> None:
    source = Endless(prefix)
    records = list(read_records(source, "<stdin>"))
    assert records[-1].issues[0].code == "record-too-large"
    assert source.given < 3 * MAX_RECORD_BYTES


def test_reading_an_array_keeps_memory_bounded(tmp_path: Path) -> None:
    path = tmp_path / "many.json"
    count = 60_000
    path.write_bytes(b"[" + b"{}," * (count - 1) + b"{}]")
    tracemalloc.start()
    try:
        seen = sum(1 for _ in open_records(path))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert seen == count
    assert peak < 1_000_000  # reading it whole would hold the 180 kB text and 60k dicts (over 4 MB)


def test_array_errors_keep_the_items_before_them(tmp_path: Path) -> None:
    path = tmp_path / "cut.json"
    path.write_text('[{"serialNumber": "A1"},\n {"serialNumber": 5},\n {"serialNumber": ', encoding="utf-8")
    from graph_contracts.errors import InputFileError

    seen = []
    with pytest.raises(InputFileError) as caught:
        for record in open_records(path):
            seen.append(record.value)
    assert seen == [{"serialNumber": "A1"}, {"serialNumber": 5}]
    assert caught.value.line == 3


# --- the Python API ---------------------------------------------------------------------


def _deep(levels: int) -> list[Any]:
    root: list[Any] = []
    node = root
    for _ in range(levels):
        child: list[Any] = []
        node.append(child)
        node = child
    return root


class Opaque:
    pass


@pytest.mark.parametrize(
    "payload",
    [
        {1: "x"},
        {"serialNumber": 10**5000},
        {"serialNumber": _deep(5000)},
        _deep(5000),
        {"serialNumber": Opaque()},
        {"serialNumber": {1, 2}},
        {"serialNumber": float("nan")},
        10**5000,
    ],
    ids=["int-key", "huge-int", "deep-value", "deep", "object", "set", "nan", "huge-int-top"],
)
@pytest.mark.parametrize("profile", ["contract", "upload"])
def test_python_api_odd_inputs_are_issues(payload: Any, profile: str) -> None:
    for validator in (
        Validator.for_type(AUTOPILOT_TYPE, profile=profile),  # type: ignore[arg-type]
        Validator.for_operation(f"{AUTOPILOT_TYPE}.import", profile=profile),  # type: ignore[arg-type]
        Validator.for_type("windowsAutopilotDeviceIdentity"),
    ):
        issues = validator.validate(payload)
        assert "not-json" in [i.code for i in issues]
        assert validator.is_valid(payload) is False
        assert [i for _, i in validator.validate_many([payload])] == [issues]

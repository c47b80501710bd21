"""``validate`` says one true thing: the same fault gets the same verdict wherever it is and however
the file arrives (issue 19, "the validator's exit codes say one thing")."""

from __future__ import annotations

import codecs
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from graph_contracts.autopilot import build_hardware_hash, encode_hardware_hash
from graph_contracts.cli import main

HEADER = "Device Serial Number,Windows Product ID,Hardware Hash"
DEVICES = "importedWindowsAutopilotDeviceIdentities"
LONG = "1" * 5000


def hw(serial: str) -> str:
    return encode_hardware_hash(build_hardware_hash(serial, "Contoso", "Model 1"))


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def csv_text(*serials: str) -> str:
    return "\r\n".join([HEADER, *(f"{s},,{hw(s)}" for s in serials)]) + "\r\n"


# --- binary data: the start of the file decides; a NUL later is its row's error ----------------


def test_a_file_that_does_not_start_as_text_is_refused_whole(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    png = tmp_path / "photo.csv"
    png.write_bytes(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR" + bytes(range(256)))
    code, _out, err = run(capsys, "validate", str(png))
    assert code == 2 and "binary data" in err and "does not start as text" in err


def test_a_nul_in_the_header_line_refuses_the_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "h.csv"
    path.write_text("Device Serial\0 Number" + csv_text("S1")[len("Device Serial Number") :], encoding="ascii")
    assert run(capsys, "validate", str(path))[0] == 2


def test_a_nul_in_an_ndjson_line_is_that_lines_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "r.ndjson"
    path.write_bytes(b'{"serialNumber": "S1"}\n{"serialNumber": "S\0"}\n')
    code, out, _err = run(capsys, "validate", str(path), "--format", "json")
    assert code == 1
    assert [(i["code"], i["location"]["line"]) for i in json.loads(out)["issues"] if i["code"] == "json"] == [
        ("json", 2)
    ]


# --- numbers past Python's digit limit: a record error in our words, in every JSON form -----------


@pytest.mark.parametrize(
    ("name", "text", "pointer"),
    [
        ("body.json", f'{{"{DEVICES}": [{{"serialNumber": "S1", "x": {LONG}}}]}}', f"/{DEVICES}/0/x"),
        ("array.json", f'[{{"serialNumber": "S1", "x": -{LONG}}}]', "/0/x"),
        ("lines.ndjson", f'{{"serialNumber": "S1", "x": {LONG}}}\n{{"serialNumber": "S2"}}\n', "/x"),
    ],
)
def test_a_5000_digit_integer_is_a_record_error_in_our_words(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, text: str, pointer: str
) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    code, out, err = run(capsys, "validate", str(path), "--format", "json")
    assert code == 1 and err == ""
    issues = [i for i in json.loads(out)["issues"] if i["code"] == "not-json"]
    assert [i["pointer"] for i in issues] == [pointer]
    message = issues[0]["message"]
    assert message.startswith("a number of 5000 digits") and "set_int_max_str_digits" not in message
    assert "Exceeds the limit" not in out


# --- pipes are streams, as standard input is --------------------------------------------------------


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes (os.mkfifo) exist on POSIX only; Windows has none")
def test_a_named_pipe_is_read_as_a_stream(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fifo = tmp_path / "devices.csv"
    os.mkfifo(fifo)
    data = csv_text("S1", "S1").encode("ascii")

    def feed() -> None:
        with open(fifo, "wb") as handle:  # blocks until validate opens the pipe to read
            handle.write(data)

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    code, out, err = run(capsys, "validate", str(fifo))
    writer.join(5)
    assert code == 1 and "not a regular file" not in err
    assert "duplicate-hash" in out and "2 records checked" in out


@pytest.mark.skipif(
    sys.platform == "win32" or not Path("/bin/bash").exists(),
    reason="process substitution needs bash and /dev/fd (POSIX)",
)
def test_process_substitution_is_read_as_a_stream(tmp_path: Path) -> None:
    good = tmp_path / "ok.csv"
    good.write_text(csv_text("S1", "S2"), encoding="ascii")
    command = f'"{sys.executable}" -m graph_contracts.cli validate <(cat "{good}")'
    done = subprocess.run(["/bin/bash", "-c", command], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert "2 records checked, 0 errors" in done.stdout


# --- a header and nothing else uploads nothing: say so -------------------------------------------


def test_a_header_only_csv_is_a_warning_that_nothing_would_be_uploaded(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "empty.csv"
    path.write_text(HEADER + "\r\n", encoding="ascii")
    code, out, _err = run(capsys, "validate", str(path), "--format", "json")
    assert code == 0
    doc = json.loads(out)
    assert [(i["code"], i["severity"]) for i in doc["issues"]] == [("empty-batch", "warning")]
    assert "no device rows" in doc["issues"][0]["message"] and doc["records"] == 0


def test_a_csv_with_rows_gets_no_empty_batch_warning(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "one.csv"
    path.write_text(csv_text("S1"), encoding="ascii")
    code, out, _err = run(capsys, "validate", str(path))
    assert code == 0 and "empty-batch" not in out and "1 record checked, 0 errors, 0 warnings" in out


# --- UTF-32 is named, not taken for UTF-16 ---------------------------------------------------


@pytest.mark.parametrize(
    ("encoding", "bom", "named"),
    [
        ("utf-32-le", codecs.BOM_UTF32_LE, "UTF-32LE with a BOM"),
        ("utf-32-be", codecs.BOM_UTF32_BE, "UTF-32BE with a BOM"),
        ("utf-32-le", b"", "UTF-32LE without a BOM"),
        ("utf-32-be", b"", "UTF-32BE without a BOM"),
    ],
)
def test_a_utf32_csv_is_named_as_such(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], encoding: str, bom: bytes, named: str
) -> None:
    path = tmp_path / "wide.csv"
    path.write_bytes(bom + csv_text("S1").encode(encoding))
    code, out, err = run(capsys, "validate", str(path))
    assert code == 2 and named in err and "UTF-16" not in out + err


# --- one cause, one issue ---------------------------------------------------------------------------


def _codes(capsys: pytest.CaptureFixture[str], path: Path) -> list[tuple[str, str]]:
    _code, out, _err = run(capsys, "validate", str(path), "--format", "json")
    return [(i["code"], i["message"]) for i in json.loads(out)["issues"]]


def test_a_hash_cut_at_255_characters_is_only_the_excel_damage(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "cut.csv"
    path.write_text(f"{HEADER}\r\nS1,,{hw('S1')[:255]}\r\n", encoding="ascii")
    assert [code for code, _ in _codes(capsys, path)] == ["csv-excel-mangled"]  # not also base64, hash-length


@pytest.mark.parametrize(("serial", "in_hash"), [("1.23457E+11", "123456789012"), ("4417", "0004417")])
def test_a_serial_excel_mangled_is_not_also_a_mismatch(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], serial: str, in_hash: str
) -> None:
    path = tmp_path / "sci.csv"
    path.write_text(f"{HEADER}\r\n{serial},,{hw(in_hash)}\r\n", encoding="ascii")
    assert [code for code, _ in _codes(capsys, path)] == ["csv-excel-mangled"]


def test_a_mismatch_without_excel_damage_is_still_reported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "other.csv"
    path.write_text(f"{HEADER}\r\nPF3X9K2B,,{hw('PF3X9K2A')}\r\n", encoding="ascii")
    assert [code for code, _ in _codes(capsys, path)] == ["serial-mismatch"]


@pytest.mark.parametrize("form", ["csv", "json"])
def test_a_foreign_character_is_named_not_the_length_it_throws_off(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], form: str
) -> None:
    path = tmp_path / f"bad.{form}"
    if form == "csv":
        path.write_text(f"{HEADER}\r\nS1,,notbase64!!\r\n", encoding="ascii")
    else:
        path.write_text(json.dumps({"serialNumber": "S1", "hardwareIdentifier": "notbase64!!"}), encoding="ascii")
    [(code, message)] = _codes(capsys, path)
    assert code == "base64" and "'!' at position 9" in message


def test_every_root_cause_and_what_it_explains_is_a_known_code() -> None:
    from graph_contracts.autopilot.catalog import EXPLAINS, RULES_BY_CODE

    schema_codes = {"type", "enum", "required", "unknown-property", "odata-type", "base64", "date-time", "guid"}
    codes = [code for root, (_scope, explained) in EXPLAINS.items() for code in (root, *explained)]
    assert codes and all(code in RULES_BY_CODE or code in schema_codes for code in codes)


def test_root_causes_explains_by_value_and_by_object() -> None:
    from graph_contracts.autopilot.catalog import root_causes
    from graph_contracts.issues import Issue

    issues = [
        Issue("/hardwareIdentifier", "csv-excel-mangled", ""),
        Issue("/hardwareIdentifier", "hash-length", ""),
        Issue("/serialNumber", "serial-mismatch", "", "warning"),
        Issue("/a/@odata.type", "odata-type", ""),
        Issue("/a/extra", "unknown-property", ""),
        Issue("/extra", "unknown-property", ""),
    ]
    assert [(i.pointer, i.code) for i in root_causes(issues)] == [
        ("/hardwareIdentifier", "csv-excel-mangled"),
        ("/serialNumber", "serial-mismatch"),
        ("/a/@odata.type", "odata-type"),
        ("/extra", "unknown-property"),
    ]


# --- "this row is the first ..." is reported with that row -------------------------------------------


@pytest.mark.parametrize(
    ("code", "row_text"),
    [
        ("csv-quotes", '"S2","","{hash}"'),
        ("csv-encoding", "S2,,{hash},Équipe"),
    ],
)
def test_a_first_row_issue_names_its_row_in_text_and_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], code: str, row_text: str
) -> None:
    path = tmp_path / "first.csv"
    lines = [HEADER + ",Group Tag", f"S1,,{hw('S1')},", row_text.format(hash=hw("S2")), f"S3,,{hw('S3')},"]
    if code == "csv-quotes":
        lines[2] += ","
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-8"))
    _code, text, _err = run(capsys, "validate", str(path))
    severity = "error" if code == "csv-quotes" else "warning"
    assert f"{path}, row 3\n  {severity} {code} at /: this row is the first" in text
    assert f"{path}, file" not in text
    _code, out, _err = run(capsys, "validate", str(path), "--format", "json")
    [issue] = [i for i in json.loads(out)["issues"] if i["code"] == code]
    assert issue["location"]["row"] == 3


def test_quotes_in_the_header_say_the_header(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "qh.csv"
    path.write_text(
        '"Device Serial Number","Windows Product ID","Hardware Hash"\r\n' + f"S1,,{hw('S1')}\r\n", encoding="ascii"
    )
    _code, out, _err = run(capsys, "validate", str(path))
    assert "csv-quotes at /: the header wraps its names in quotation marks" in out


# --- formula injection ------------------------------------------------------------------------------

FORMULAS = [
    "=cmd|' /C calc'!A0",
    "=1+1",
    '=HYPERLINK("http://x")',
    "@SUM(1+1)",
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "-A1!B2",
]
NOT_FORMULAS = ["-123", "+44", "@Home", "-ABC-1", "PF3X9K2A", "0000-0002-5364-9271-3245-9981-42", "+1+1", "="]


@pytest.mark.parametrize("value", FORMULAS)
def test_is_formula_flags_a_formula(value: str) -> None:
    from graph_contracts.issues import formula_safe, is_formula

    assert is_formula(value) and formula_safe(value) == "'" + value


@pytest.mark.parametrize("value", NOT_FORMULAS)
def test_is_formula_leaves_signed_numbers_words_and_real_serials_alone(value: str) -> None:
    from graph_contracts.issues import formula_safe, is_formula

    assert not is_formula(value) and formula_safe(value) == value


def _formula_csv(path: Path, serial: str, tag: str) -> Path:
    path.write_text(f"{HEADER},Group Tag\r\n{serial},,{hw(serial)},{tag}\r\n", encoding="ascii")
    return path


@pytest.mark.parametrize("fmt", ["text", "json", "junit", "github"])
def test_a_formula_serial_or_tag_is_a_warning_and_never_written_unescaped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], fmt: str
) -> None:
    serial, tag = "=cmd|' /C calc'!A0", "@SUM(1+1)"
    path = _formula_csv(tmp_path / "f.csv", serial, tag)
    code, out, _err = run(capsys, "validate", str(path), "--format", fmt)
    assert code == 0 and out.count("csv-formula") >= 2
    for value in (serial, tag):
        # Every occurrence escaped, as OWASP recommends: a single quote first (JSON escapes a '"' too).
        assert out.count(value) == out.count("'" + value) >= 1


@pytest.mark.parametrize("serial", ["-123", "+44", "PF3X9K2A"])
def test_a_signed_number_or_an_ordinary_serial_is_no_formula(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], serial: str
) -> None:
    path = _formula_csv(tmp_path / "n.csv", serial, "@Home")
    code, out, _err = run(capsys, "validate", str(path))
    assert code == 0 and "csv-formula" not in out and "1 record checked, 0 errors, 0 warnings" in out


def test_to_payload_reports_a_formula_escaped_and_keeps_the_devices_value(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    serial = "=cmd|' /C calc'!A0"
    path = _formula_csv(tmp_path / "f.csv", serial, "Sales")
    code, out, _err = run(capsys, "csv", "to-payload", str(path), "-o", str(tmp_path / "out"))
    assert code == 0 and "warning csv-formula" in out
    assert out.count(serial) == out.count("'" + serial) >= 1
    body = json.loads((tmp_path / "out" / "batch-0001.json").read_text(encoding="utf-8"))
    assert body[DEVICES][0]["serialNumber"] == serial  # the device's serial as it is: the warning says why

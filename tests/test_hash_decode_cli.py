"""``graph-contracts hash decode`` as people call it: a hash, a file, standard input, a record."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

from graph_contracts.autopilot import build_hardware_hash, encode_hardware_hash
from graph_contracts.cli import main

GOOD = encode_hardware_hash(build_hardware_hash("ABC123", "Contoso", "Model 1"))
QEMU = encode_hardware_hash(build_hardware_hash("SMBIOS_STRING_INDEX_0", "QEMU", "Standard PC (Q35 + ICH9, 2009)"))
HEADER = "Device Serial Number,Windows Product ID,Hardware Hash"


def decode(capsys: pytest.CaptureFixture[str], value: str) -> tuple[int, str, str]:
    code = main(["hash", "decode", value])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def test_a_placeholder_serial_is_flagged_as_validate_flags_it(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = decode(capsys, QEMU)
    assert code == 0  # a warning, as in validate
    assert out.count("serial-placeholder") == 1 and "SMBIOS_STRING_INDEX_0" in out


def test_an_empty_argument_says_one_thing(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = decode(capsys, "")
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and "nothing to decode" in err


def test_a_missing_file_says_no_such_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = decode(capsys, str(tmp_path / "hash.txt"))
    assert code == 2 and out == ""
    assert "no such file" in err and "base64" not in err.split("(")[0]


def test_each_error_is_printed_once_on_one_stream(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = decode(capsys, "QUJD")
    assert code == 1 and err == ""
    assert out.count("hash-magic") == 1 and out.count("hash-length") == 1


def test_standard_input_is_read_with_a_dash(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(GOOD.encode() + b"\n")))
    code, out, _ = decode(capsys, "-")
    assert code == 0 and "serial number: ABC123" in out


def test_a_json_record_is_decoded_and_its_serial_compared(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = decode(capsys, json.dumps({"serialNumber": "XYZ", "hardwareIdentifier": GOOD}))
    assert code == 0
    assert out.count("serial-mismatch") == 1 and "serial number: ABC123" in out


def test_an_import_body_file_decodes_each_device(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    body = {
        "importedWindowsAutopilotDeviceIdentities": [
            {"serialNumber": "ABC123", "hardwareIdentifier": GOOD},
            {"serialNumber": "SMBIOS_STRING_INDEX_0", "hardwareIdentifier": QEMU},
        ]
    }
    path = tmp_path / "body.json"
    path.write_text(json.dumps(body), encoding="utf-8")
    code, out, _ = decode(capsys, str(path))
    assert code == 0
    assert "importedWindowsAutopilotDeviceIdentities[0]" in out and "importedWindowsAutopilotDeviceIdentities[1]" in out
    assert out.count("serial-placeholder") == 1


def test_a_utf16_csv_from_get_windowsautopilotinfo_is_decoded(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "AutopilotHWID.csv"
    path.write_bytes("\ufeff".encode("utf-16-le") + f"{HEADER}\r\nABC123,,{GOOD}\r\n".encode("utf-16-le"))
    code, out, _ = decode(capsys, str(path))
    assert code == 0 and "serial number: ABC123" in out and "issue" not in out


def test_a_file_of_invalid_json_is_one_clear_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "record.json"
    path.write_text('{"hardwareIdentifier": ', encoding="utf-8")
    code, out, err = decode(capsys, str(path))
    assert code == 2 and out == "" and "not valid JSON" in err and len(err.strip().splitlines()) == 1

"""``graph-contracts csv to-payload`` on the files people have: PowerShell exports, UTF-16, a JSON by mistake."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from graph_contracts.autopilot import build_hardware_hash, encode_hardware_hash
from graph_contracts.cli import main

HEADER = "Device Serial Number,Windows Product ID,Hardware Hash"
DEVICES = [(f"S{i}", encode_hardware_hash(build_hardware_hash(f"S{i}", "Contoso", "Model 1"))) for i in range(3)]


def to_payload(capsys: pytest.CaptureFixture[str], source: Path, out: Path) -> tuple[int, str, str]:
    code = main(["csv", "to-payload", str(source), "-o", str(out)])
    stdout, stderr = capsys.readouterr()
    assert "Traceback" not in stdout + stderr
    return code, stdout, stderr


def _serials(out: Path) -> list[str]:
    body = json.loads((out / "batch-0001.json").read_text(encoding="utf-8"))
    return [d["serialNumber"] for d in body["importedWindowsAutopilotDeviceIdentities"]]


def test_a_quoted_export_with_a_type_line_is_converted_with_warnings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "export.csv"
    lines = ["#TYPE Selected.System.Management.Automation.PSCustomObject",
             ",".join(f'"{c}"' for c in HEADER.split(",")), *(f'"{s}","","{h}"' for s, h in DEVICES)]
    source.write_text("\r\n".join(lines) + "\r\n", encoding="ascii")
    code, out, _ = to_payload(capsys, source, tmp_path / "out")
    assert code == 0
    assert "warning csv-quotes" in out and "warning csv-type-line" in out and "error" not in out
    assert _serials(tmp_path / "out") == ["S0", "S1", "S2"]


def test_a_utf16_file_gets_advice_that_fits_a_json_body(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "AutopilotHWID.csv"
    text = "\ufeff" + "\r\n".join([HEADER, *(f"{s},,{h}" for s, h in DEVICES)]) + "\r\n"
    source.write_bytes(text.encode("utf-16-le"))
    code, out, _ = to_payload(capsys, source, tmp_path / "out")
    assert code == 0 and _serials(tmp_path / "out") == ["S0", "S1", "S2"]
    assert "UTF-16" in out and "save as ANSI" not in out and "nothing to change" in out


def test_a_json_input_is_refused_with_one_clear_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "body.json"
    source.write_text(json.dumps({"importedWindowsAutopilotDeviceIdentities": [
        {"serialNumber": s, "hardwareIdentifier": h} for s, h in DEVICES]}), encoding="utf-8")
    code, out, err = to_payload(capsys, source, tmp_path / "out")
    assert code == 2 and out == ""
    assert "holds JSON, not an Autopilot CSV" in err and "graph-contracts validate" in err
    assert not (tmp_path / "out").exists()

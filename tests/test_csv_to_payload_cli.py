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
    lines = [
        "#TYPE Selected.System.Management.Automation.PSCustomObject",
        ",".join(f'"{c}"' for c in HEADER.split(",")),
        *(f'"{s}","","{h}"' for s, h in DEVICES),
    ]
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
    source.write_text(
        json.dumps(
            {
                "importedWindowsAutopilotDeviceIdentities": [
                    {"serialNumber": s, "hardwareIdentifier": h} for s, h in DEVICES
                ]
            }
        ),
        encoding="utf-8",
    )
    code, out, err = to_payload(capsys, source, tmp_path / "out")
    assert code == 2 and out == ""
    assert "holds JSON, not an Autopilot CSV" in err and "graph-contracts validate" in err
    assert not (tmp_path / "out").exists()


# --- never the wrong devices (issue 19) ----------------------------------------------------------


def _csv(path: Path, serials: list[str], separator: str = ",") -> Path:
    lines = [
        HEADER.replace(",", separator),
        *(separator.join([s, "", encode_hardware_hash(build_hardware_hash(s, "Contoso", "Model 1"))]) for s in serials),
    ]
    path.write_text("\r\n".join(lines) + "\r\n", encoding="ascii")
    return path


def test_a_smaller_run_removes_the_batches_an_earlier_run_left_and_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    big = _csv(tmp_path / "big.csv", [f"B{n}" for n in range(7)])
    assert main(["csv", "to-payload", str(big), "-o", str(out), "--batch-size", "3"]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["batch-0001.json", "batch-0002.json", "batch-0003.json"]
    capsys.readouterr()
    code, stdout, _ = to_payload(capsys, _csv(tmp_path / "good.csv", ["G1", "G2"]), out)
    assert code == 0
    assert f"removed 2 batch files of an earlier run from {out}: batch-0002.json, batch-0003.json" in stdout
    assert sorted(p.name for p in out.iterdir()) == ["batch-0001.json"] and _serials(out) == ["G1", "G2"]


@pytest.mark.parametrize("kind", ["file", "folder"])
def test_a_file_it_did_not_write_is_never_replaced_and_no_half_batch_is_left(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str
) -> None:
    """A name in the way is found before anything is written: a folder named batch-0002.json made the
    move of the second batch fail after the first was in place (half a batch), a file was overwritten."""
    out = tmp_path / "out"
    out.mkdir()
    mine = out / "batch-0002.json"
    if kind == "file":
        mine.write_text('{"note": "my own file"}', encoding="utf-8")
    else:
        mine.mkdir()
    source = _csv(tmp_path / "good.csv", ["G1", "G2"])
    code = main(["csv", "to-payload", str(source), "-o", str(out), "--batch-size", "1"])
    _stdout, err = capsys.readouterr()
    assert code == 2 and "batch-0002.json is in the way" in err
    assert sorted(p.name for p in out.iterdir()) == ["batch-0002.json"]  # nothing written, nothing removed
    assert kind == "folder" or mine.read_text(encoding="utf-8") == '{"note": "my own file"}'


def test_a_run_that_fails_while_writing_leaves_the_folder_as_it_was(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    from graph_contracts.validation import csv_payloads

    out = tmp_path / "out"
    assert main(["csv", "to-payload", str(_csv(tmp_path / "old.csv", ["O1", "O2"])), "-o", str(out)]) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    capsys.readouterr()
    real, passes = csv_payloads._batches, []

    def disk_fills_in_the_second_batch_of_the_writing_pass(path: Path, size: int):  # type: ignore[no-untyped-def]
        passes.append(path)
        for number, item in enumerate(real(path, size)):
            if len(passes) == 2 and number == 1:
                raise OSError(errno.ENOSPC, "No space left on device")
            yield item

    monkeypatch.setattr(csv_payloads, "_batches", disk_fills_in_the_second_batch_of_the_writing_pass)
    new = _csv(tmp_path / "new.csv", [f"N{n}" for n in range(5)])
    code = main(["csv", "to-payload", str(new), "-o", str(out), "--batch-size", "2"])
    _stdout, err = capsys.readouterr()
    assert code == 2 and "No space left on device" in err
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before  # no half batch, no temporary folder


def test_one_error_is_reported_and_counted_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = _csv(tmp_path / "bad.csv", ["G1"])
    source.write_text(source.read_text(encoding="ascii") + "S2,,notbase64!!\r\n", encoding="ascii")
    code, stdout, err = to_payload(capsys, source, tmp_path / "out")
    assert code == 1 and stdout.count("error base64") == 1 and "batch 1" not in stdout
    assert "1 error; nothing written" in err


def test_a_failed_run_says_the_folder_still_holds_an_earlier_runs_batches(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert main(["csv", "to-payload", str(_csv(tmp_path / "old.csv", ["O1"])), "-o", str(out)]) == 0
    capsys.readouterr()
    source = tmp_path / "bad.csv"
    source.write_text(f"{HEADER}\r\nS2,,notbase64!!\r\n", encoding="ascii")
    code, _stdout, err = to_payload(capsys, source, out)
    assert code == 1 and f"{out} still holds 1 batch file of an earlier run, not of {source}" in err


@pytest.mark.parametrize(("separator", "says"), [(";", "';'"), ("\t", "tabs")])
def test_another_separator_is_converted_with_the_warning_validate_gives(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], separator: str, says: str
) -> None:
    source = _csv(tmp_path / "excel.csv", ["E1", "E2"], separator)
    code, stdout, _ = to_payload(capsys, source, tmp_path / "out")
    assert code == 0 and _serials(tmp_path / "out") == ["E1", "E2"]
    assert f"warning csv-separator at /: the values are separated by {says}" in stdout and "error" not in stdout
    assert "import bodies are unaffected" in stdout


@pytest.mark.skipif(not hasattr(__import__("os"), "mkfifo"), reason="named pipes (os.mkfifo) exist on POSIX only")
def test_a_pipe_is_refused_with_one_line_as_the_csv_is_read_twice(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import os

    fifo = tmp_path / "devices.csv"
    os.mkfifo(fifo)
    code, out, err = to_payload(capsys, fifo, tmp_path / "out")  # returns without opening the pipe
    assert code == 2 and out == "" and "is a pipe" in err and "reads the CSV twice" in err

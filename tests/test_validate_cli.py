"""``graph-contracts validate`` and ``csv to-payload`` on the inputs admins really have, good and broken.

Every malformed class must end in a clear message and exit 2 (unreadable) or
1 (readable, with errors), never a traceback; files are written into tmp_path.
"""

from __future__ import annotations

import codecs
import io
import json
import random
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from graph_contracts.autopilot import build_hardware_hash, encode_hardware_hash
from graph_contracts.cli import main
from graph_contracts.validation import Validator

HEADER = "Device Serial Number,Windows Product ID,Hardware Hash"
ODATA = "#microsoft.graph.importedWindowsAutopilotDeviceIdentity"


def hw(serial: str) -> str:
    return encode_hardware_hash(build_hardware_hash(serial, "Contoso", "Model 1"))


def device(serial: str) -> dict[str, str]:
    return {"@odata.type": ODATA, "serialNumber": serial, "hardwareIdentifier": hw(serial)}


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def csv_file(tmp_path: Path, serials: list[str], name: str = "devices.csv") -> Path:
    path = tmp_path / name
    path.write_text("\r\n".join([HEADER, *(f"{s},,{hw(s)}" for s in serials)]) + "\r\n", encoding="ascii")
    return path


# --- unreadable input: exit 2, one clear line naming the file ---------------------


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b'{"serialNumber": "ABC", "hardwareIdentifier": ', "not valid JSON"),
        (b"[" * 100_000, "not valid JSON"),
        (b"", "empty"),
        (b"  \r\n\n", "blank"),
        (b'{"serialNumber": "\xff\xfe\xfa"}', "not UTF-8"),
        (bytes(random.Random(1).randrange(256) for _ in range(4096)) + b"\0", "binary"),
        (b'{"serialNumber": "' + b"A" * 10_000_000 + b'"', "not valid JSON"),
    ],
    ids=["truncated", "deeply-nested", "empty", "blank", "non-utf8", "binary", "invalid-10mb-line"],
)
def test_unreadable_input_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes, expected: str
) -> None:
    path = tmp_path / "input.json"
    path.write_bytes(content)
    code, _out, err = run(capsys, "validate", str(path))
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and str(path) in lines[0] and expected in lines[0]
    assert len(lines[0]) < 600


def test_truncated_json_names_line_and_column(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "body.json"
    path.write_text('{\n  "serialNumber": "A",\n  "hardwareIdentifier": \n', encoding="utf-8")
    code, _out, err = run(capsys, "validate", str(path))
    assert code == 2
    assert f"{path}:4:1: not valid JSON" in err


def test_missing_file_and_directory_do_not_hide_other_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = tmp_path / "good.json"
    good.write_text(json.dumps(device("SN-1")), encoding="utf-8")
    code, out, err = run(capsys, "validate", str(tmp_path / "missing.json"), str(tmp_path), str(good))
    assert code == 2
    assert "missing.json: no such file" in err
    assert "is a directory" in err
    assert "1 record checked, 0 errors, 0 warnings, 2 unreadable files" in out


def test_huge_valid_value_is_an_error_with_a_short_message(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "huge.json"
    path.write_text('{"serialNumber": "' + "A" * 10_000_000 + '"}', encoding="utf-8")
    code, out, _err = run(capsys, "validate", str(path))
    assert code == 1
    assert len(out) < 5_000
    assert all(len(line) < 600 for line in out.splitlines())


# --- formats detected from content ----------------------------------------------


def test_ndjson_bad_line_is_an_issue_and_the_others_are_validated(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "devices.txt"
    lines = [json.dumps(device("SN-1")), '{"serialNumber": oops}', json.dumps({**device("SN-3"), "serialNumber": ""})]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, out, _err = run(capsys, "validate", str(path))
    assert code == 1
    assert f"{path}, line 2\n  error json" in out
    assert f"{path}, line 3\n" in out
    assert f"{path}, line 1\n" not in out
    assert out.strip().endswith("3 records checked, 2 errors, 0 warnings\nby code: json 1, serial-missing 1")


def test_graph_collection_value(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "page.json"
    body = {"@odata.context": "x", "value": [device("SN-1"), {**device("SN-2"), "serialNumber": ""}]}
    path.write_text(json.dumps(body), encoding="utf-8")
    code, out, _err = run(capsys, "validate", str(path), "--format", "json")
    assert code == 1
    doc = json.loads(out)
    assert doc["records"] == 2 and doc["errors"] >= 1
    assert {i["pointer"].split("/")[2] for i in doc["issues"]} == {"1"}


def test_json_array_and_valid_exit_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "devices.csv"  # the name says CSV, the content says JSON
    path.write_text(json.dumps([device("SN-1"), device("SN-2")]), encoding="utf-8")
    code, out, _err = run(capsys, "validate", str(path))
    assert code == 0
    assert out.strip().endswith("2 records checked, 0 errors, 1 warning\nby code: body-array 1")  # how to import
    assert "body-array" in out


def test_stdin_is_content_detected(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    data = "\n".join(json.dumps(device(f"SN-{i}")) for i in range(3)).encode("utf-8")
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(data)))
    code, out, _err = run(capsys, "validate", "-")
    assert code == 0
    assert "3 records checked" in out


def test_stdin_csv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    data = csv_file(tmp_path, ["SN-1", "SN-1"]).read_bytes()
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(data)))
    code, out, _err = run(capsys, "validate", "-")
    assert code == 1
    assert "<stdin>, row 3" in out and "duplicate-hash" in out


# --- the done-when case ---------------------------------------------------------


def test_get_windowsautopilotinfo_csv_with_bad_hash_duplicate_and_bom(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = hw("SN-2")
    bad = good[:100] + ("B" if good[100] != "B" else "C") + good[101:]  # an edited byte: checksum fails
    other = encode_hardware_hash(build_hardware_hash("SN-1", "Fabrikam", "Model 2"))  # same serial, new hash
    rows = [HEADER, f"SN-1,,{hw('SN-1')}", f"SN-2,,{bad}", f"SN-1,,{other}"]
    path = tmp_path / "AutopilotHWID.csv"
    path.write_bytes(codecs.BOM_UTF16_LE + ("\r\n".join(rows) + "\r\n").encode("utf-16-le"))
    code, out, _err = run(capsys, "validate", str(path))
    assert code == 1
    assert "csv-encoding" in out  # the BOM / UTF-16 warning
    assert f"{path}, row 3\n" in out and "[Intune: InvalidZtdHardwareHash]" in out.split(f"{path}, row 3\n")[1]
    assert f"{path}, row 4\n" in out and "duplicate-serial" in out
    assert "3 records checked" in out


# --- machine formats ------------------------------------------------------------


def test_junit_is_parseable_with_one_testcase_per_record(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = csv_file(tmp_path, ["SN-1", "SN-2", "SN-1"])
    code, out, _err = run(capsys, "validate", str(path), "--format", "junit")
    assert code == 1
    root = ET.fromstring(out)
    cases = root.findall(".//testcase")
    assert [c.get("name") for c in cases] == ["row 2", "row 3", "row 4"]
    failed = [c.get("name") for c in cases if c.find("failure") is not None]
    assert failed == ["row 4"]
    failure = cases[2].find("failure")
    assert failure is not None and "duplicate-hash" in (failure.text or "")


def test_junit_reports_unreadable_files_as_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bin.dat"
    path.write_bytes(b"\x00\x01\x02garbage\xff")
    code, out, _err = run(capsys, "validate", str(path), "--format", "junit")
    assert code == 2
    assert ET.fromstring(out).find(".//testcase/error") is not None


def test_github_annotations(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = csv_file(tmp_path, ["SN-1", "SN-1"])
    code, out, _err = run(capsys, "validate", str(path), "--format", "github")
    assert code == 1
    annotations = [line for line in out.splitlines() if line.startswith("::")]
    assert annotations and annotations[0].startswith(f"::error file={path},line=3,title=duplicate-hash::row 3: ")


def test_unknown_type_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "a.json"
    path.write_text("{}", encoding="utf-8")
    code, _out, err = run(capsys, "validate", str(path), "--type", "notAType")
    assert code == 2 and "notAType" in err


# --- csv to-payload -------------------------------------------------------------


def test_to_payload_writes_batches_that_validate(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = csv_file(tmp_path, [f"SN-{i:05d}" for i in range(1200)])
    out_dir = tmp_path / "out"
    code, out, _err = run(capsys, "csv", "to-payload", str(path), "-o", str(out_dir))
    assert code == 0, out
    files = sorted(out_dir.iterdir())
    assert [f.name for f in files] == ["batch-0001.json", "batch-0002.json", "batch-0003.json"]
    validator = Validator.for_operation("importedWindowsAutopilotDeviceIdentity.import", profile="upload")
    sizes = []
    for f in files:
        body = json.loads(f.read_text(encoding="utf-8"))
        assert validator.validate(body) == []
        items = body["importedWindowsAutopilotDeviceIdentities"]
        sizes.append(len(items))
        assert set(items[0]) == {"@odata.type", "serialNumber", "hardwareIdentifier"}
    assert sizes == [500, 500, 200]
    assert "wrote 1200 devices in 3 files" in out


def test_to_payload_refuses_an_invalid_csv(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = csv_file(tmp_path, ["SN-1", "SN-2", "SN-1"])
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    code, out, err = run(capsys, "csv", "to-payload", str(path), "-o", str(out_dir), "--batch-size", "2")
    assert code == 1
    assert "row 4" in out and "duplicate-hash" in out
    assert "nothing written" in err
    assert list(out_dir.iterdir()) == []


def test_to_payload_batch_size_ceiling(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = csv_file(tmp_path, ["SN-1"])
    with pytest.raises(SystemExit) as exc:
        main(["csv", "to-payload", str(path), "--batch-size", "501"])
    assert exc.value.code == 2
    assert "Traceback" not in capsys.readouterr().err


# --- streaming output, --max-issues and the summary by code --------------------------


def _many_bad(tmp_path: Path, name: str, count: int) -> Path:
    path = tmp_path / name
    rows = (json.dumps({"serialNumber": f"{name}-{n}", "productKey": "bad"}) for n in range(count))
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("fmt", ["text", "json", "junit", "github"])
def test_max_issues_per_file_says_what_was_left_out(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], fmt: str
) -> None:
    first, second = _many_bad(tmp_path, "a.ndjson", 5), _many_bad(tmp_path, "b.ndjson", 2)
    code, out, _ = run(capsys, "validate", str(first), str(second), "--format", fmt, "--max-issues", "3")
    assert code == 1
    # each record has product-key and hash-missing: 10 issues in a.ndjson, 3 shown
    assert "7 more issues in" in out and "1 more issue in" in out
    if fmt == "json":
        doc = json.loads(out)
        shown = [i for i in doc["issues"] if i["code"] not in ("omitted",)]
        assert len(shown) == 6 and doc["errors"] == 14
        assert doc["by_code"] == {"hash-missing": 7, "product-key": 7}
    elif fmt == "junit":
        root = ET.fromstring(out)
        assert [s.get("name") for s in root.findall("testsuite")] == [str(first), str(second)]
        assert len(root.findall(".//testcase")) == 7 + 2  # every record, and one "omitted" case per file
    elif fmt == "text":
        assert out.strip().endswith("7 records checked, 14 errors, 0 warnings\nby code: hash-missing 7, product-key 7")


def test_json_and_junit_output_stream(tmp_path: Path) -> None:
    """JSON is written as records come; JUnit spools each file's cases (its counts come first)."""
    from graph_contracts.cli.reporting import Reporter
    from graph_contracts.validation import RecordResult

    issue = Validator.for_type("importedWindowsAutopilotDeviceIdentity").validate({"serialNumber": 1})
    for fmt in ("json", "junit"):
        out = io.StringIO()
        reporter = Reporter(fmt, out, io.StringIO())  # type: ignore[arg-type]
        reporter.start_file("f.ndjson")
        for n in range(3):
            reporter.record(RecordResult("f.ndjson", f"line {n}", issue, n))
        if fmt == "json":
            assert out.getvalue().count('"code": "type"') == 3  # already written
        reporter.finish()
        if fmt == "json":
            assert json.loads(out.getvalue())["errors"] == 3
        else:
            root = ET.fromstring(out.getvalue())
            assert (root.get("tests"), root.get("failures")) == ("3", "3")
            assert root.find("testsuite").get("tests") == "3"  # type: ignore[union-attr]


def test_the_max_issues_note_names_the_file_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _many_bad(tmp_path, "a.ndjson", 5)
    _code, out, _ = run(capsys, "validate", str(path), "--max-issues", "3")
    [note] = [line for line in out.splitlines() if "not shown" in line]
    assert note.count(str(path)) == 1 and note.startswith("7 more issues in ")

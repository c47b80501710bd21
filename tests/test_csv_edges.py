"""Files that are not quite Autopilot CSV: another separator, or not an Autopilot CSV at all."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph_contracts.autopilot import build_hardware_hash, encode_hardware_hash
from graph_contracts.validation import Run

COLUMNS = ["Device Serial Number", "Windows Product ID", "Hardware Hash"]


def hw(serial: str) -> str:
    return encode_hardware_hash(build_hardware_hash(serial, "Contoso", "Model 1"))


def results(path: Path) -> list[tuple[str, list[str]]]:
    return [(r.label, [i.code for i in r.issues]) for r in Run().check_file(path)]


def test_a_text_file_is_one_csv_not_autopilot_issue_and_no_records(tmp_path: Path) -> None:
    path = tmp_path / "README.md"
    path.write_text("# My project\n\nSome prose, with commas, here.\n" + "more, text\n" * 5000, encoding="utf-8")
    found = results(path)
    assert found == [("file", ["csv-not-autopilot"])]
    [result] = list(Run().check_file(path))
    assert "'# My project'" in result.issues[0].message and "Device Serial Number" in result.issues[0].message


def test_a_csv_without_its_header_still_reads_as_autopilot(tmp_path: Path) -> None:
    path = tmp_path / "noheader.csv"
    path.write_text(f"S1,,{hw('S1')}\r\nS2,,{hw('S2')}\r\n", encoding="ascii")
    codes = [c for _, issues in results(path) for c in issues]
    assert "csv-not-autopilot" not in codes and {"csv-header", "csv-missing-column"} & set(codes)


@pytest.mark.parametrize(("separator", "says"), [(";", "';'"), ("\t", "tabs")])
def test_another_separator_is_one_issue_and_the_rows_are_still_judged(
    tmp_path: Path, separator: str, says: str
) -> None:
    path = tmp_path / "excel.csv"
    rows = [
        separator.join(COLUMNS),
        *(separator.join([s, "", hw(s)]) for s in ("S1", "S2")),
        separator.join(["S3", "", "not-a-hash"]),
    ]
    path.write_text("\r\n".join(rows) + "\r\n", encoding="ascii")
    found = list(Run().check_file(path))
    file_issues = [i for r in found if not r.is_record for i in r.issues]
    assert [i.code for i in file_issues] == ["csv-separator"]
    assert says in file_issues[0].message and "comma" in file_issues[0].message.lower()
    by_row = {r.label: [i.code for i in r.issues] for r in found if r.is_record}
    assert by_row["row 2"] == [] and by_row["row 3"] == []
    assert "base64" in by_row["row 4"] or "hash-length" in by_row["row 4"]

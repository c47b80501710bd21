"""Autopilot CSV files in the shapes people really upload, written by the tests into tmp_path."""

from __future__ import annotations

import codecs
import itertools
from pathlib import Path
from typing import BinaryIO

import pytest

from graph_contracts import check_autopilot_csv
from graph_contracts.autopilot import (
    AutopilotCsv,
    CsvRow,
    build_hardware_hash,
    encode_hardware_hash,
)
from graph_contracts.errors import InputFileError
from graph_contracts.issues import Issue
from graph_contracts.validation import check_file

HEADER3 = "Device Serial Number,Windows Product ID,Hardware Hash"
HEADER5 = HEADER3 + ",Group Tag,Assigned User"
PARTNER = HEADER3 + ",Manufacturer name,Device model"


def hw(serial: str, manufacturer: str = "Contoso") -> str:
    return encode_hardware_hash(build_hardware_hash(serial, manufacturer, "Model 1"))


def write(
    tmp_path: Path,
    lines: list[str],
    *,
    encoding: str = "ascii",
    newline: str = "\r\n",
    bom: bytes = b"",
    name: str = "devices.csv",
) -> Path:
    path = tmp_path / name
    path.write_bytes(bom + newline.join(lines).encode(encoding) + newline.encode(encoding))
    return path


def read(path: Path) -> tuple[AutopilotCsv, list[CsvRow]]:
    csv_file = AutopilotCsv(path)
    return csv_file, list(csv_file)


def where(issues: list[Issue]) -> list[tuple[str, str, int | None, str | None]]:
    """(code, severity, row, column) of each issue."""
    return [
        (i.code, i.severity, i.location.row if i.location else None, i.location.column if i.location else None)
        for i in issues
    ]


def row_issues(rows: list[CsvRow]) -> list[tuple[str, str, int | None, str | None]]:
    """The reader's own issues of the rows (csv-row, csv-excel-mangled)."""
    return where([issue for row in rows for issue in row.issues])


def validated(path: Path, profile: str = "upload") -> list[tuple[str, str, int | None, str | None]]:
    """The row issues once the validator judged the rows (the reader only reads)."""
    return where(
        [
            i
            for r in check_file(path, profile=profile)
            if r.is_record  # type: ignore[arg-type]
            for i in r.issues
        ]
    )


def devices(*serials: str) -> list[str]:
    return [f"{s},,{hw(s)}" for s in serials]


# --- the clean shapes -------------------------------------------------------


def test_plain_three_column_file(tmp_path: Path) -> None:
    csv_file, rows = read(write(tmp_path, [HEADER3, *devices("A1", "B2")]))
    assert csv_file.file_issues == []
    assert [r.row for r in rows] == [2, 3]
    assert [r.issues for r in rows] == [[], []]
    assert rows[0].record == {"serialNumber": "A1", "productKey": "", "hardwareIdentifier": hw("A1")}
    assert csv_file.header == tuple(HEADER3.split(","))
    assert csv_file.partner is False


def test_five_columns_map_to_graph_properties(tmp_path: Path) -> None:
    line = f"A1,00329-00000-0003-AA606,{hw('A1')},Sales,ada@contoso.com"
    csv_file, rows = read(write(tmp_path, [HEADER5, line], newline="\n"))
    assert csv_file.file_issues == []
    assert rows[0].record == {
        "serialNumber": "A1",
        "productKey": "00329-00000-0003-AA606",
        "hardwareIdentifier": hw("A1"),
        "groupTag": "Sales",
        "assignedUserPrincipalName": "ada@contoso.com",
    }
    assert rows[0].issues == []


def test_row_rules_are_located_at_row_and_column(tmp_path: Path) -> None:
    line = f"A1,,{hw('A1')},Sales,not-a-upn"
    path = write(tmp_path, [HEADER5, line])
    _, rows = read(path)
    assert rows[0].issues == []  # the reader only reads; the rules are the validator's
    assert validated(path) == [("upn", "error", 2, "Assigned User")]
    [result] = check_file(path)
    assert result.issues[0].pointer == "/assignedUserPrincipalName"
    assert result.issues[0].location is not None
    assert result.issues[0].location.file == str(tmp_path / "devices.csv")


# --- encodings -------------------------------------------------------------------


def test_utf16le_with_bom_from_powershell5(tmp_path: Path) -> None:
    path = write(tmp_path, [HEADER3, *devices("A1")], encoding="utf-16-le", bom=codecs.BOM_UTF16_LE)
    csv_file, rows = read(path)
    assert where(csv_file.file_issues) == [("csv-encoding", "warning", None, None)]
    assert "UTF-16LE with a BOM" in csv_file.file_issues[0].message
    assert [r.record["serialNumber"] for r in rows] == ["A1"]
    assert rows[0].issues == []


def test_utf16_without_bom_and_big_endian(tmp_path: Path) -> None:
    for encoding, bom, label in (
        ("utf-16-le", b"", "UTF-16LE without"),
        ("utf-16-be", codecs.BOM_UTF16_BE, "UTF-16BE with"),
    ):
        csv_file, rows = read(write(tmp_path, [HEADER3, *devices("A1")], encoding=encoding, bom=bom))
        assert [i.code for i in csv_file.file_issues] == ["csv-encoding"]
        assert label in csv_file.file_issues[0].message
        assert rows[0].issues == [] and rows[0].record["serialNumber"] == "A1"


def test_utf8_bom(tmp_path: Path) -> None:
    csv_file, rows = read(write(tmp_path, [HEADER3, *devices("A1")], bom=codecs.BOM_UTF8))
    assert where(csv_file.file_issues) == [("csv-encoding", "warning", None, None)]
    assert "byte order mark" in csv_file.file_issues[0].message
    assert rows[0].issues == []


def test_ansi_is_silent_and_utf8_non_ascii_warns(tmp_path: Path) -> None:
    lines = [HEADER5, f"A1,,{hw('A1')},Équipe,"]
    csv_file, rows = read(write(tmp_path, lines, encoding="cp1252"))
    assert csv_file.file_issues == []
    assert rows[0].record["groupTag"] == "Équipe"
    csv_file, rows = read(write(tmp_path, lines, encoding="utf-8"))
    assert where(csv_file.file_issues) == [("csv-encoding", "warning", 2, None)]
    assert rows[0].record["groupTag"] == "Équipe"


def test_binary_garbage_is_an_issue_not_an_exception(tmp_path: Path) -> None:
    path = tmp_path / "garbage.csv"
    path.write_bytes(HEADER3.encode() + b"\r\n\x00\x01\x02\xff\x00junk\r\nA1,,x\r\n")
    csv_file, rows = read(path)
    # A NUL byte after the header is the error of its row (and reading stops there), wherever the row is.
    assert [(r.row, r.shaped, where(r.issues)) for r in rows] == [(2, False, [("csv-binary", "error", 2, None)])]
    assert csv_file.file_issues == []


def test_invalid_utf16_is_an_input_file_error(tmp_path: Path) -> None:
    path = tmp_path / "odd.csv"
    path.write_bytes(codecs.BOM_UTF16_LE + HEADER3.encode("utf-16-le") + b"\x41")
    with pytest.raises(InputFileError) as caught:
        list(AutopilotCsv(path))
    assert caught.value.file == str(path)


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(InputFileError) as caught:
        AutopilotCsv(tmp_path / "nope.csv")
    assert "nope.csv" in str(caught.value)
    with pytest.raises(InputFileError):
        AutopilotCsv(tmp_path)


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    csv_file, rows = read(path)
    assert rows == []
    assert where(csv_file.file_issues) == [("csv-header", "error", 1, None)]


# --- PowerShell's Export-Csv ---------------------------------------------------------


def test_type_line_and_quoted_values(tmp_path: Path) -> None:
    quoted = ['"' + '","'.join(HEADER3.split(",")) + '"', f'"A1","","{hw("A1")}"', f'"B2","","{hw("B2")}"']
    lines = ["#TYPE System.Management.Automation.PSCustomObject", *quoted]
    csv_file, rows = read(write(tmp_path, lines, encoding="utf-16-le", bom=codecs.BOM_UTF16_LE))
    assert where(csv_file.file_issues) == [
        ("csv-encoding", "warning", None, None),
        ("csv-type-line", "error", 1, None),
        ("csv-quotes", "error", 2, None),
    ]
    assert "-NoTypeInformation" in csv_file.file_issues[1].message
    assert "quotation marks" in csv_file.file_issues[2].message
    assert [(r.row, r.record["serialNumber"], r.issues) for r in rows] == [(3, "A1", []), (4, "B2", [])]


def test_crlf_lf_and_cr_read_alike(tmp_path: Path) -> None:
    results = []
    for newline in ("\r\n", "\n", "\r"):
        csv_file, rows = read(write(tmp_path, [HEADER3, *devices("A1", "B2")], newline=newline))
        results.append((csv_file.file_issues, [(r.row, r.record) for r in rows]))
    assert results[0] == results[1] == results[2]
    assert len(results[0][1]) == 2


def test_trailing_blank_lines(tmp_path: Path) -> None:
    csv_file, rows = read(write(tmp_path, [HEADER3, *devices("A1"), "", "", ""]))
    assert len(rows) == 1
    assert where(csv_file.file_issues) == [("csv-blank-line", "warning", 3, None)]
    assert "3 blank lines at the end" in csv_file.file_issues[0].message


def test_interior_blank_and_comma_only_rows(tmp_path: Path) -> None:
    lines = [HEADER3, *devices("A1"), ",,", *devices("B2")]
    csv_file, rows = read(write(tmp_path, lines))
    assert [r.row for r in rows] == [2, 4]
    assert where(csv_file.file_issues) == [("csv-blank-line", "warning", 3, None)]
    assert "between rows" in csv_file.file_issues[0].message


# --- the header ---------------------------------------------------------------


def test_wrong_header_case(tmp_path: Path) -> None:
    header = "Device serial number,Windows Product ID,Hardware Hash"
    path = write(tmp_path, [header, " A1,," + hw("A1")])
    csv_file, _ = read(path)
    assert where(csv_file.file_issues) == [("csv-header", "error", 1, "Device serial number")]
    assert "'Device Serial Number'" in csv_file.file_issues[0].message
    assert "case-sensitive" in csv_file.file_issues[0].message
    # rows are still checked, and located at the column as the file spells it
    assert validated(path) == [("serial-whitespace", "error", 2, "Device serial number")]


def test_extra_column(tmp_path: Path) -> None:
    csv_file, rows = read(write(tmp_path, [HEADER3 + ",Notes", f"A1,,{hw('A1')},spare"]))
    assert where(csv_file.file_issues) == [("csv-extra-column", "error", 1, "Notes")]
    assert rows[0].record == {"serialNumber": "A1", "productKey": "", "hardwareIdentifier": hw("A1")}
    assert rows[0].issues == []


def test_missing_required_column_and_order(tmp_path: Path) -> None:
    csv_file, _ = read(write(tmp_path, ["Device Serial Number,Hardware Hash", f"A1,{hw('A1')}"]))
    assert where(csv_file.file_issues) == [("csv-missing-column", "error", 1, "Windows Product ID")]
    csv_file, rows = read(write(tmp_path, ["Hardware Hash,Device Serial Number,Windows Product ID", f"{hw('A1')},A1,"]))
    assert where(csv_file.file_issues) == [("csv-header", "error", 1, None)]
    assert rows[0].record["serialNumber"] == "A1" and rows[0].issues == []


def test_partner_variant(tmp_path: Path) -> None:
    lines = [PARTNER, f"A1,,{hw('A1')},Contoso,Model 1", "B2,,,Contoso,Model 1", "C3,,,,"]
    path = write(tmp_path, lines)
    csv_file, rows = read(path)
    assert csv_file.partner is True
    assert csv_file.file_issues == []
    assert rows[0].values["Manufacturer name"] == "Contoso"
    assert "Manufacturer name" not in rows[0].record
    assert [r.hash_optional for r in rows] == [True, True, False]  # tuple rows need no hash
    assert validated(path) == [("hash-missing", "error", 4, "Hardware Hash")]


def test_partner_variant_missing_model_column(tmp_path: Path) -> None:
    csv_file, _ = read(write(tmp_path, [HEADER3 + ",Manufacturer name", f"A1,,{hw('A1')},C"]))
    assert where(csv_file.file_issues) == [("csv-missing-column", "error", 1, "Device model")]


# --- rows -------------------------------------------------------------------------


def test_wrong_number_of_fields(tmp_path: Path) -> None:
    lines = [HEADER5, f"A1,,{hw('A1')},Sales,Team,ada@contoso.com", f"B2,,{hw('B2')}", f'C3,,"{hw("C3")},Sales,']
    csv_file, rows = read(write(tmp_path, lines))
    assert row_issues(rows) == [
        ("csv-row", "error", 2, None),
        ("csv-row", "error", 3, None),
        ("csv-row", "error", 4, None),
    ]
    assert "6 fields where the header has 5" in rows[0].issues[0].message
    assert "unbalanced" in rows[2].issues[0].message
    assert [i.code for i in csv_file.file_issues] == ["csv-quotes"]


def test_scientific_notation_serial(tmp_path: Path) -> None:
    line = f"1.23457E+11,,{hw('123456789012')}"
    path = write(tmp_path, [HEADER3, line])
    _, rows = read(path)
    assert row_issues(rows) == [("csv-excel-mangled", "error", 2, "Device Serial Number")]
    assert "scientific notation" in rows[0].issues[0].message
    # One cause, one issue: the serial differs from the hash's because Excel mangled it.
    assert validated(path) == [("csv-excel-mangled", "error", 2, "Device Serial Number")]


def test_leading_zeros_stripped_and_cut_hash(tmp_path: Path) -> None:
    lines = [HEADER3, f"4417,,{hw('0004417')}", f"B2,,{hw('B2')[:255]}"]
    path = write(tmp_path, lines)
    _, rows = read(path)
    assert row_issues(rows) == [
        ("csv-excel-mangled", "error", 2, "Device Serial Number"),
        ("csv-excel-mangled", "error", 3, "Hardware Hash"),
    ]
    assert "'0004417'" in rows[0].issues[0].message
    # One cause, one issue: the mismatch, the bad base64 and the length follow from the Excel damage.
    assert validated(path) == [
        ("csv-excel-mangled", "error", 2, "Device Serial Number"),
        ("csv-excel-mangled", "error", 3, "Hardware Hash"),
    ]


def test_duplicate_serial_across_rows(tmp_path: Path) -> None:
    lines = [HEADER3, *devices("A1", "B2"), f"A1,,{hw('A1', 'Contoso Ltd')}"]
    path = write(tmp_path, lines)
    assert validated(path) == [("duplicate-serial", "error", 4, "Device Serial Number")]
    assert "row 2" in list(check_file(path))[2].issues[0].message
    assert validated(path, "contract") == []  # duplicates are an upload rule


def test_duplicate_hash_across_rows(tmp_path: Path) -> None:
    lines = [HEADER3, *devices("A1", "A1")]
    path = write(tmp_path, lines)
    assert validated(path) == [("duplicate-hash", "error", 3, "Hardware Hash")]
    assert list(check_file(path))[1].issues[0].intune_outcome == "ZtdDeviceDuplicated"


def test_more_than_500_rows(tmp_path: Path) -> None:
    one_hash = hw("SAME")  # the hash is not what this test is about
    lines = [HEADER3, *(f"S{n:04},,{one_hash}" for n in range(501))]
    results = list(check_file(write(tmp_path, lines)))
    size = [(r.line, i.code, i.severity) for r in results for i in r.issues if i.code == "batch-size"]
    assert size == [(502, "batch-size", "error")]
    assert len(results) == 501


def test_issues_lists_file_and_row_issues_in_order(tmp_path: Path) -> None:
    path = write(tmp_path, ["#TYPE x", HEADER3 + ",Notes", f"A1,,{hw('A1')},", f"A1,,{hw('A1')},"])
    assert [(i.code, i.location.row if i.location else None) for i in check_autopilot_csv(path)] == [
        ("csv-type-line", 1),
        ("csv-extra-column", 2),
        ("duplicate-hash", 4),
    ]


# --- streaming ----------------------------------------------------------------------


class CountingReader:
    """A binary file wrapper that counts the bytes handed out."""

    def __init__(self, inner: BinaryIO) -> None:
        self.inner = inner
        self.bytes_read = 0

    def read(self, size: int = -1, /) -> bytes:
        data = self.inner.read(size)
        self.bytes_read += len(data)
        return data


def test_rows_are_read_lazily(tmp_path: Path) -> None:
    path = tmp_path / "huge.csv"
    body = "".join(f"SN{n:06},,T0FBAA==\r\n" for n in range(20_000))
    path.write_bytes((HEADER3 + "\r\n" + body).encode("ascii"))
    size = path.stat().st_size
    with path.open("rb") as handle:
        counting = CountingReader(handle)
        first = list(itertools.islice(AutopilotCsv(counting, name="huge.csv"), 3))
    assert [r.record["serialNumber"] for r in first] == ["SN000000", "SN000001", "SN000002"]
    assert [r.row for r in first] == [2, 3, 4]
    assert size > 300_000
    assert 0 < counting.bytes_read <= 128 * 1024 < size


@pytest.mark.parametrize(("encoding", "bom"), [("ascii", b""), ("utf-16-le", codecs.BOM_UTF16_LE)])
def test_line_ends_split_across_reads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, encoding: str, bom: bytes
) -> None:
    path = write(tmp_path, [HEADER5, f"A1,,{hw('A1')},Sales,", f"B2,,{hw('B2')},,", ""], encoding=encoding, bom=bom)
    whole = [(r.row, r.record, r.issues) for r in AutopilotCsv(path)]
    monkeypatch.setattr("graph_contracts.textio.CHUNK", 1)
    csv_file = AutopilotCsv(path)
    assert [(r.row, r.record, r.issues) for r in csv_file] == whole
    assert [r[0] for r in whole] == [2, 3]
    assert [
        (i.code, i.location.row if i.location else None) for i in csv_file.file_issues if i.code != "csv-encoding"
    ] == [("csv-blank-line", 4)]

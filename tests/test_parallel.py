"""``validate --jobs N``: a CSV file cut into parts for worker processes gives exactly one process's output.

The files are built so that every cross-part and cross-file effect shows up:
duplicates (hash, serial, the device inside the hash) whose first sighting is
in another part or another file, the 500-device count passing in a later part,
blank-line runs, quoted and non-ASCII rows reported once per file, rows of the
wrong shape, and binary data that stops reading. Parts are made tiny (a few
rows each) so that a small file is cut many times.
"""

from __future__ import annotations

import io
import json
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

from graph_contracts.autopilot import build_hardware_hash, encode_hardware_hash
from graph_contracts.cli import main
from graph_contracts.cli.reporting import Reporter
from graph_contracts.validation import Run
from graph_contracts.validation.parallel import check_file_parallel

HEADER = "Device Serial Number,Windows Product ID,Hardware Hash,Group Tag"
#: Parts of about this many bytes: two or three rows of short hashes each.
PART = 1500


def hw(serial: str) -> str:
    return encode_hardware_hash(build_hardware_hash(serial=serial, manufacturer="Contoso"))


def rows(count: int, prefix: str) -> list[str]:
    return [f"{prefix}{n:05d},,{hw(f'{prefix}{n:05d}')},Sales" for n in range(count)]


@pytest.fixture(scope="module")
def pool() -> ProcessPoolExecutor:
    with ProcessPoolExecutor(2) as executor:
        yield executor  # type: ignore[misc]


def write(path: Path, lines: list[str], newline: str = "\r\n", encoding: str = "utf-8") -> Path:
    path.write_bytes(newline.join(lines).encode(encoding) + newline.encode())
    return path


def report(files: list[Path], run: Run, fmt: str = "json") -> str:
    out = io.StringIO()
    reporter = Reporter(fmt, out, io.StringIO())  # type: ignore[arg-type]
    for name in files:
        reporter.start_file(str(name))
        for result in run.check_file(str(name)):
            reporter.record(result)
    reporter.finish()
    return out.getvalue()


def both(files: list[Path], pool: ProcessPoolExecutor, fmt: str = "json") -> tuple[str, str]:
    single = report(files, Run(), fmt)
    run = Run()
    run.use_processes(pool, 2, part_bytes=PART)
    return single, report(files, run, fmt)


def test_a_file_is_cut_into_parts(tmp_path: Path, pool: ProcessPoolExecutor) -> None:
    path = write(tmp_path / "a.csv", [HEADER, *rows(40, "PF")])
    run = Run()
    parts = check_file_parallel(run, str(path), pool, 2, part_bytes=PART)
    assert parts is not None  # not the one-process fallback
    assert len(list(parts)) == 40


def test_duplicates_within_and_across_parts_and_files(tmp_path: Path, pool: ProcessPoolExecutor) -> None:
    first = rows(30, "PF")
    second = rows(30, "PG")
    second[3] = first[2]  # the same row in another file: hash and serial
    second[20] = second[1]  # within the file, parts apart
    clone = "0f6a1e0c-2b1d-4d8e-9c3b-5a7f2e4d6c81"  # one SMBIOS UUID in two hashes: a cloned VM
    first[5] = f"PF00005,,{encode_hardware_hash(build_hardware_hash('PF00005', 'Contoso', uuid=clone))},Sales"
    second[25] = f"PG00025,,{encode_hardware_hash(build_hardware_hash('PG00025', 'Contoso', uuid=clone))},Sales"
    second[26] = "pg00002 ,,,Sales"  # a serial repeated (case and space aside), no hash
    a = write(tmp_path / "a.csv", [HEADER, *first])
    b = write(tmp_path / "b.csv", [HEADER, *second])
    single, parallel = both([a, b], pool)
    assert single == parallel
    codes = [i["code"] for i in json.loads(single)["issues"]]
    assert {"duplicate-hash", "duplicate-serial", "duplicate-device"} <= set(codes)


def test_batch_count_and_file_issues_once(tmp_path: Path, pool: ProcessPoolExecutor) -> None:
    lines = [HEADER, *rows(520, "PH")]  # device 501 is past the batch limit
    lines[40] = '"PH00039",,' + lines[40].split(",", 2)[2]  # quotes: reported once per file
    lines[300] = '"PH00299",,' + lines[300].split(",", 2)[2]
    lines[60] = lines[60].replace("Sales", "Ventes é")  # non-ASCII UTF-8: once per file
    lines[400] = lines[400].replace("Sales", "Ventes é")
    lines[100:100] = ["", ",,,", ""]  # a blank run between rows
    lines[200] = "PH-SHORT,only two"  # a row of the wrong shape
    lines += ["", ""]  # blank lines at the end
    path = write(tmp_path / "big.csv", lines)
    single, parallel = both([path], pool)
    assert single == parallel
    codes = [i["code"] for i in json.loads(single)["issues"]]
    assert codes.count("csv-quotes") == 1 and codes.count("batch-size") == 1
    assert codes.count("csv-blank-line") == 2


@pytest.mark.parametrize("fmt", ["text", "junit", "github"])
def test_every_format_is_the_same(tmp_path: Path, pool: ProcessPoolExecutor, fmt: str) -> None:
    lines = [HEADER, *rows(25, "PJ")]
    lines[12] = lines[5]
    path = write(tmp_path / "c.csv", lines, newline="\n")
    single = report([path], Run(), fmt)
    run = Run()
    run.use_processes(pool, 2, part_bytes=PART)
    assert report([path], run, fmt) == single


def test_binary_data_stops_reading_in_any_part(tmp_path: Path, pool: ProcessPoolExecutor) -> None:
    lines = [HEADER, *rows(30, "PK")]
    lines[18] = "PK\0\0BROKEN,,,"
    lines[25] = lines[3]  # after the stop: never reported
    path = write(tmp_path / "d.csv", lines)
    single, parallel = both([path], pool)
    assert single == parallel
    assert "csv-binary" in single and "duplicate-hash" not in single


def test_type_line_bom_and_preamble(tmp_path: Path, pool: ProcessPoolExecutor) -> None:
    lines = ["#TYPE System.Management.Automation.PSCustomObject", HEADER, *rows(20, "PL")]
    path = tmp_path / "e.csv"
    path.write_bytes(b"\xef\xbb\xbf" + "\r\n".join(lines).encode() + b"\r\n")
    single, parallel = both([path], pool)
    assert single == parallel
    assert '"row": 2' in single or "row 2" in single or "csv-type-line" in single


def test_cli_jobs_two_prints_what_one_job_prints(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lines = [HEADER, *rows(12, "PM")]
    lines[9] = lines[2]
    path = write(tmp_path / "f.csv", lines)
    outputs = []
    for jobs in ("1", "2"):
        code = main(["validate", str(path), "--format", "json", "--jobs", jobs])
        outputs.append((code, capsys.readouterr().out))
    assert outputs[0] == outputs[1] and outputs[0][0] == 1


def test_a_workers_input_error_reaches_the_parent_intact() -> None:
    """A worker's ``InputFileError`` is pickled back to the main process with its fields."""
    import pickle

    from graph_contracts.errors import InputFileError

    error = pickle.loads(pickle.dumps(InputFileError("big.csv", "read error", 7, 2)))
    assert isinstance(error, InputFileError)
    assert (error.file, error.detail, error.line, error.column) == ("big.csv", "read error", 7, 2)
    assert str(error) == "big.csv:7:2: read error"


@pytest.mark.parametrize(
    ("separator", "newline", "quoted_header"),
    [(";", "\r\n", False), ("\t", "\n", False), (",", "\n", True), (",", "\r", False)],
)
def test_separators_newlines_and_a_quoted_header(
    tmp_path: Path, pool: ProcessPoolExecutor, separator: str, newline: str, quoted_header: bool
) -> None:
    header = HEADER.replace(",", separator)
    if quoted_header:
        header = ",".join(f'"{name}"' for name in HEADER.split(","))
    lines = [header, *(row.replace(",", separator) for row in rows(20, "PN"))]
    lines[14] = lines[3]
    path = write(tmp_path / "g.csv", lines, newline=newline)
    single, parallel = both([path], pool)
    assert single == parallel and "duplicate-hash" in single


@pytest.mark.parametrize("newline", ["\r\n", "\r", "\n"])
def test_rows_of_later_parts_are_numbered_as_one_process_numbers_them(
    tmp_path: Path, pool: ProcessPoolExecutor, newline: str
) -> None:
    """Each part numbers its lines on from the header and the main process shifts them by the lines of
    the parts before it. Rows of varied length put line ends (a CRLF among them) across the reader's
    64 KB reads, and every tenth row has an issue, so a row number off by one anywhere shows."""
    lines = [HEADER]
    for n, row in enumerate(rows(400, "PQ")):
        serial, rest = row.split(",", 1)
        lines.append(f"{serial},,{rest}{'x' * (n % 7)}" if n % 10 == 3 else row + " " * (n % 5))
    lines[250:250] = ["", ""]  # a blank run in a later part: its first row is the issue's place
    path = write(tmp_path / "h.csv", lines, newline=newline)
    single, parallel = both([path], pool)
    assert single == parallel
    places = [i["location"]["row"] for i in json.loads(single)["issues"]]
    assert len(places) > 40 and max(places) > 380


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="F_SETPIPE_SZ is Linux's; elsewhere the pipe is left")
def test_the_result_pipe_holds_a_parts_outcome(pool: ProcessPoolExecutor) -> None:
    """``Run.use_processes`` widens the executor's result pipe, so a worker hands over a part's
    outcome (~110 KB) without waiting for this process to read it; if CPython renames what this
    reaches into, this fails rather than ``--jobs`` silently getting slower."""
    import fcntl

    from graph_contracts.validation.parallel import widen_result_pipe

    reader = pool._result_queue._reader  # type: ignore[attr-defined]  # an AttributeError here: renamed
    try:
        fcntl.fcntl(reader.fileno(), fcntl.F_SETPIPE_SZ, 1024 * 1024)
    except OSError as exc:  # the machine's limit (fs.pipe-max-size, or the user's pipe pages are used up)
        pytest.skip(f"this machine refuses a 1 MB pipe ({exc}); graph-contracts then leaves the pipe as it is")
    fcntl.fcntl(reader.fileno(), fcntl.F_SETPIPE_SZ, 64 * 1024)  # back to the default size
    Run().use_processes(pool, 2)
    assert fcntl.fcntl(reader.fileno(), fcntl.F_GETPIPE_SZ) >= 1024 * 1024
    assert widen_result_pipe(object()) is False  # type: ignore[arg-type]  # not a process pool: left alone


def test_a_read_error_part_way_keeps_the_rows_read_before_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A read that fails inside a part (EIO on a network share) ends the file there, as in one process:
    every row before the failure is reported, the part's own earlier rows too, then the error.
    The failure is injected into the part reader, so the workers are threads here (the merge is
    what is tested; a process would not see the patch)."""
    import errno
    from concurrent.futures import ThreadPoolExecutor

    from graph_contracts.errors import InputFileError
    from graph_contracts.validation import RecordResult, parallel

    path = write(tmp_path / "eio.csv", [HEADER, *rows(300, "PR")])  # rows of ~4 KB: 1.2 MB
    part = 120_000  # parts of several 64 KB reads, so a part can fail after some of its rows
    fail_at = 3 * part + 70_000
    read = parallel._PartSource.read

    def failing(self: parallel._PartSource, size: int = -1, /) -> bytes:
        if self._ranges and self._ranges[-1][0] > 0 and self._ranges[0][0] >= fail_at:
            raise OSError(errno.EIO, "Input/output error")
        return read(self, size)

    monkeypatch.setattr(parallel._PartSource, "read", failing)
    seen: list[int] = []
    with ThreadPoolExecutor(2) as pool, pytest.raises(InputFileError, match="Input/output error"):
        parts = check_file_parallel(Run(), str(path), pool, 2, part_bytes=part)
        assert parts is not None
        for result in parts:
            assert isinstance(result, RecordResult) and not result.errors and result.line is not None
            seen.append(result.line)
    data = path.read_bytes()
    first_of_failing = data[: 3 * part].count(b"\n") + 1  # about where the failing part starts
    assert seen == list(range(2, seen[-1] + 1))  # nothing lost or reordered before the failure
    assert first_of_failing + 5 < seen[-1] < data[: fail_at + 2 * 65536].count(b"\n") + 1


@pytest.mark.parametrize("index", [3, 25])
def test_a_nul_byte_is_its_rows_error_wherever_the_row_is(
    tmp_path: Path, pool: ProcessPoolExecutor, index: int, capsys: pytest.CaptureFixture[str]
) -> None:
    """Row 4 is inside the 64 KB read to sniff the format, row 26 past it: both are the row's error
    (it was "binary data", exit 2, for the first and a row labelled "file" in the text for the second)."""
    lines = [HEADER, *rows(30, "PN")]
    lines[index] = lines[index][:12] + "\0" + lines[index][12:]
    path = write(tmp_path / "n.csv", lines)
    assert (path.read_bytes().index(b"\0") > 64 * 1024) == (index == 25)
    for fmt in ("text", "json"):
        single, parallel = both([path], pool, fmt)
        assert single == parallel
    text = report([path], Run(), "text")
    assert f"{path}, row {index + 1}\n  error csv-binary at /: this row contains NUL bytes" in text
    assert f"{index} records checked, 1 error" in text  # the rows before it, and it
    [issue] = json.loads(report([path], Run()))["issues"]
    assert (issue["code"], issue["location"]["row"]) == ("csv-binary", index + 1)
    for jobs in ("1", "2"):
        assert main(["validate", str(path), "--jobs", jobs]) == 1
        assert "binary data" not in capsys.readouterr().err


def test_the_first_quoted_row_is_named_once_whichever_part_it_is_in(tmp_path: Path, pool: ProcessPoolExecutor) -> None:
    lines = [HEADER, *rows(30, "PQ")]
    for index in (9, 20, 27):  # quoted rows in several parts; only the first is "the first"
        serial, key, hash_, tag = lines[index].split(",")
        lines[index] = f'"{serial}",{key},{hash_},{tag}'
    path = write(tmp_path / "q.csv", lines)
    single, parallel = both([path], pool, "text")
    assert single == parallel
    assert single.count("csv-quotes") == 2 and f"{path}, row 10\n  error csv-quotes" in single  # + the by-code line

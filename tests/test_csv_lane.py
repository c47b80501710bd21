"""The CSV lane for clean rows gives exactly what the general path gives, row for row.

``AutopilotCsv.rows(plain=True)`` hands a line it can prove clean of reader
issues over as a ``PlainRow`` tuple; ``Run.check_stream`` checks it with the
validator's own happy path (``Validator.clean_device``) and runs the batch
checks of many such rows in one call (``BatchChecker.check_rows``); with
``counted`` a clean row is a count, not a ``RecordResult``. Every test here
compares the lane with the general path (``plain=False``, one ``Record`` and
``check_record`` per row) on the same bytes: the verdict of each row, the
results in order, the counts, the reports, and ``--jobs``.
"""

from __future__ import annotations

import io
import itertools
import random
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from graph_contracts.autopilot import build_hardware_hash, encode_hardware_hash
from graph_contracts.autopilot.batch import BatchChecker, PlainRows
from graph_contracts.autopilot.csv_reader import AutopilotCsv, CsvRow
from graph_contracts.autopilot.duplicates import DigestTable
from graph_contracts.cli.reporting import Reporter
from graph_contracts.issues import Location
from graph_contracts.records import csv_records
from graph_contracts.validation import RecordResult, Run

HEADER = "Device Serial Number,Windows Product ID,Hardware Hash,Group Tag"
SERIALS = [f"LN{n:04d}" for n in range(6)] + ["123456", "E12E5", "0001234"]
HASHES = {
    serial: encode_hardware_hash(build_hardware_hash(serial=serial, manufacturer="Contoso")) for serial in SERIALS
}

#: A row's parts, each a mix of clean values and the faults the rules and the reader know.
serials = st.sampled_from(
    [*SERIALS, "ln0001", " LN0002", "Default string", "", "LN\x07X", "1234", "=1+2", "@SUM(A1)", "+LN0003", "SN-é"]
)
keys = st.sampled_from(["", "", "00329-00000-0003-AA606", "bad key"])
hashes = st.one_of(
    st.sampled_from(SERIALS).map(HASHES.__getitem__),
    st.sampled_from(SERIALS).map(lambda s: HASHES[s][:255]),
    st.sampled_from(SERIALS).map(lambda s: HASHES[s][:-4] + "AAA="),
    st.sampled_from(["", "not base64!", "QUFB"]),
)
tags = st.sampled_from(["", "Sales", " Sales", "Ventes é", "-Sales", "=HYPERLINK(1)", "a;b", "a,b", "a\tb"])
shapes = st.sampled_from(["plain"] * 6 + ["quoted", "quoted separator", "extra", "short", "blank", "commas", "nul"])


@st.composite
def csv_files(draw: st.DrawFn) -> bytes:
    """Autopilot CSV files as people have them: comma or ';' or tab separated, with or without a UTF-8
    BOM, CRLF, LF or CR line ends, quoted values (a separator inside some), formula signs, non-ASCII
    text, and rows of the wrong shape, blank or with NUL bytes."""
    sep = draw(st.sampled_from([",", ",", ",", ";", "\t"]))
    lines = [HEADER.replace(",", sep)]
    for _ in range(draw(st.integers(1, 14))):
        serial, key, text, tag, shape = draw(serials), draw(keys), draw(hashes), draw(tags), draw(shapes)
        line = sep.join((serial, key, text, tag))
        line = {
            "quoted": sep.join((f'"{serial}"', key, text, tag)),
            "quoted separator": sep.join((serial, key, text, f'"{tag}{sep}x"')),
            "extra": line + sep + "x",
            "short": serial + sep + key,
            "blank": "",
            "commas": sep * 3,
            "nul": line.replace(sep, "\0", 1),
        }.get(shape, line)
        lines.append(line)
    newline = draw(st.sampled_from(["\r\n", "\n", "\r"]))
    bom = draw(st.sampled_from([b"", b"", b"\xef\xbb\xbf"]))
    return bom + (newline.join(lines) + newline).encode("utf-8")


def general(data: bytes, run: Run | None = None, name: str = "x.csv") -> list[RecordResult]:
    """The general path: a ``Record`` per row, ``Validator.check_record`` for each."""
    reader = AutopilotCsv(io.BytesIO(data), name=name)
    return list((run or Run()).check_records(csv_records(reader)))


def lane(data: bytes, *, counted: bool, run: Run | None = None, name: str = "x.csv") -> list[RecordResult | int]:
    reader = AutopilotCsv(io.BytesIO(data), name=name)
    return list((run or Run()).check_stream(csv_records(reader, plain=True), counted=counted))


def expand(items: Iterable[RecordResult | int], expected: list[RecordResult]) -> list[RecordResult]:
    """Each count replaced by as many of ``expected``'s results, which must be records without issues."""
    out: list[RecordResult] = []
    for item in items:
        if isinstance(item, int):
            taken = expected[len(out) : len(out) + item]
            assert all(not r.issues and r.is_record for r in taken)
            out += taken
        else:
            out.append(item)
    return out


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(csv_files())
def test_the_lane_gives_the_general_paths_results(data: bytes) -> None:
    expected = general(data)
    assert lane(data, counted=False) == expected
    counted = lane(data, counted=True)
    assert expand(counted, expected) == expected
    assert all(item > 0 for item in counted if isinstance(item, int))
    assert all(r.issues or not r.is_record for r in counted if isinstance(r, RecordResult))  # the clean: counts


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(csv_files())
def test_a_plain_row_is_the_row_the_general_path_builds_without_issues(data: bytes) -> None:
    general_reader = AutopilotCsv(io.BytesIO(data), name="x.csv")
    rows = {row.row: row for row in general_reader}
    plain_reader = AutopilotCsv(io.BytesIO(data), name="x.csv")
    plain = [row for row in plain_reader.rows(plain=True) if type(row) is tuple]
    for number, record, file, columns in plain:
        row = rows[number]
        assert (row.record, row.issues, row.shaped, row.hash_optional, dict(row.columns)) == (
            record,
            [],
            True,
            False,
            dict(columns),
        )
        assert file == "x.csv"
    assert plain_reader.file_issues == general_reader.file_issues


def test_the_lane_takes_the_usual_rows_and_leaves_the_others(tmp_path: Path) -> None:
    lines = [HEADER, *(f"{s},,{HASHES[s]},Sales" for s in SERIALS[:6])]
    lines.append(f'"{SERIALS[0]}x",,{HASHES[SERIALS[1]]},Sales')  # quotes: the general path
    reader = AutopilotCsv(io.BytesIO("\r\n".join(lines).encode()), name="y.csv")
    kinds = [type(row).__name__ for row in reader.rows(plain=True)]
    # the first data row sets the columns up through the general path; the quoted row goes there too
    assert kinds == ["CsvRow", "tuple", "tuple", "tuple", "tuple", "tuple", "CsvRow"]
    assert all(isinstance(row, CsvRow) for row in AutopilotCsv(io.BytesIO("\n".join(lines).encode())))


def test_counts_and_results_around_duplicates_and_the_batch_limit() -> None:
    pool = [
        (f"BL{n:04d}", encode_hardware_hash(build_hardware_hash(serial=f"BL{n:04d}", manufacturer="Contoso")))
        for n in range(520)
    ]
    lines = [HEADER, *(f"{serial},,{text},Sales" for serial, text in pool)]
    lines[300] = lines[7]  # a duplicate hash and serial, inside a run of clean rows
    data = ("\r\n".join(lines) + "\r\n").encode()
    expected = general(data)
    counted = lane(data, counted=True)
    flagged = [r for r in counted if isinstance(r, RecordResult)]
    assert [(r.label, [i.code for i in r.issues]) for r in flagged] == [
        ("row 301", ["duplicate-hash"]),
        ("row 502", ["batch-size"]),
    ]
    assert sum(r for r in counted if isinstance(r, int)) == 518
    assert expand(counted, expected) == expected


def test_a_run_finds_duplicates_across_files_on_either_path() -> None:
    first = ("\n".join([HEADER, *(f"{s},,{HASHES[s]}," for s in SERIALS[:4])]) + "\n").encode()
    second = (
        "\n".join([HEADER, f"{SERIALS[5]},,{HASHES[SERIALS[5]]},", f"{SERIALS[2]},,{HASHES[SERIALS[2]]},"]) + "\n"
    ).encode()
    run_general, run_lane = Run(), Run()
    expected = general(first, run_general) + general(second, run_general, "w.csv")
    got = lane(first, counted=False, run=run_lane) + lane(second, counted=False, run=run_lane, name="w.csv")
    assert got == expected
    assert [i.message for r in expected for i in r.issues] == [
        "this hardware hash already appeared at x.csv, row 4; Intune processes only one of them and fails the others"
    ]


@pytest.mark.parametrize("fmt", ["text", "json", "github"])
def test_a_reporter_given_counts_writes_what_it_writes_for_results(fmt: str) -> None:
    lines = [HEADER, *(f"{s},,{HASHES[s]},Sales" for s in SERIALS), f"{SERIALS[1]},bad key,{HASHES[SERIALS[1]]},"]
    data = ("\r\n".join(lines) + "\r\n").encode()
    outputs = []
    for counted in (False, True):
        out = io.StringIO()
        reporter = Reporter(fmt, out, io.StringIO())  # type: ignore[arg-type]
        assert reporter.takes_counts
        reporter.start_file("x.csv")
        reporter.take(lane(data, counted=counted))
        reporter.finish()
        outputs.append((out.getvalue(), reporter.records, reporter.per_file))
    assert outputs[0] == outputs[1]
    assert outputs[1][1] == len(SERIALS) + 1
    assert not Reporter("junit", io.StringIO(), io.StringIO()).takes_counts  # it writes a case per record


def test_check_rows_is_check_keys_row_by_row() -> None:
    rng = random.Random(7)
    digests = [rng.getrandbits(64) | 1 for _ in range(40)]
    patterns = [("duplicate-hash", "duplicate-serial"), ("duplicate-hash", "duplicate-serial", "duplicate-device")]
    one_by_one, bulk = BatchChecker(limit=30), BatchChecker(limit=30)
    plain = PlainRows("z.csv", {"serialNumber": "Device Serial Number"})
    expected = []
    for row in range(2, 60):
        codes = patterns[row % 2]
        keys = tuple((code, rng.choice(digests)) for code in codes)
        plain.add(row, keys, f"SN{row}")
        found = one_by_one.check_keys(keys, f"SN{row}", "", Location("z.csv", row=row))
        if found:
            expected.append((row - 2, found))
    assert bulk.check_rows(plain) == expected
    assert bulk.count == one_by_one.count == 58
    assert any(code == "batch-size" for _, found in expected for code in (i.code for i in found))


def test_first_seen_many_is_first_seen_record_by_record_and_reserve_keeps_every_key() -> None:
    rng = random.Random(3)
    pool = [rng.getrandbits(64) | 1 for _ in range(3000)]
    records = [[rng.choice(pool) for _ in range(rng.randint(0, 3))] for _ in range(2500)]
    one, many = DigestTable(), DigestTable()
    expected = []
    for index, keys in enumerate(records):
        found = one.first_seen(tuple((str(k), key) for k, key in enumerate(keys)), index)
        if found is not None:
            expected.append((index, int(found[0]), found[1]))
    flat = list(itertools.chain.from_iterable(records))
    half = sum(len(keys) for keys in records[:1200])
    got = many.first_seen_many(flat[:half], [len(k) for k in records[:1200]], range(1200))
    many.reserve(10_000)  # room made half-way: nothing is lost
    got += [
        (index + 1200, key, value)
        for index, key, value in many.first_seen_many(flat[half:], [len(k) for k in records[1200:]], range(1200, 2500))
    ]
    assert got == expected
    assert len(many) == len(one) == len(set(flat))


@pytest.fixture(scope="module")
def pool() -> Iterator[ProcessPoolExecutor]:
    with ProcessPoolExecutor(2) as executor:
        yield executor


def test_jobs_counts_are_one_jobs_counts(tmp_path: Path, pool: ProcessPoolExecutor) -> None:
    from graph_contracts.validation.parallel import check_file_parallel

    rng = random.Random(11)
    lines = [HEADER]
    for n in range(60):
        serial = f"JB{n:04d}"
        lines.append(f"{serial},,{encode_hardware_hash(build_hardware_hash(serial=serial, manufacturer='Contoso'))},")
    lines[rng.randrange(30, 60)] = lines[rng.randrange(1, 30)]  # a duplicate in a later part
    lines[20] = lines[20] + ",extra"
    path = tmp_path / "jobs.csv"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode())

    def merged(items: Iterable[RecordResult | int]) -> list[RecordResult | int]:
        out: list[RecordResult | int] = []
        for item in items:
            if isinstance(item, int) and out and isinstance(out[-1], int):
                out[-1] += item
            else:
                out.append(item)
        return out

    single = merged(Run().check_file_counts(path))
    parts = check_file_parallel(Run(), str(path), pool, 2, part_bytes=1500, counted=True)
    assert parts is not None  # cut into parts, not the one-process fallback
    assert merged(parts) == single
    assert sum(isinstance(item, RecordResult) for item in single) >= 2


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from([b"a", b"bc", b"\r", b"\n", b"\r\n", b"x" * 50])).map(b"".join))
def test_splitlines_is_bytes_splitlines(piece: bytes) -> None:
    from graph_contracts.textio import splitlines

    assert splitlines(piece) == piece.splitlines()


def test_rows_read_before_a_read_failure_still_count() -> None:
    """A file that fails part-way (here UTF-16 with a lone surrogate) reports the rows before the
    failure on the lane as on the general path: rows waiting for their batch checks are not lost."""
    from graph_contracts.errors import InputFileError

    lines = [HEADER, *(f"{s},,{HASHES[s]},Sales" for s in SERIALS[:6] * 4)]  # past the 64 KB first read
    data = b"\xff\xfe" + "\r\n".join(lines).encode("utf-16-le") + b"\r\x00\n\x00" + b"\x00\xd8A\x00"

    def until_failure(items: Iterator[RecordResult | int]) -> list[RecordResult | int]:
        seen: list[RecordResult | int] = []
        with pytest.raises(InputFileError, match="UTF-16"):
            for item in items:
                seen.append(item)
        return seen

    expected = until_failure(Run().check_stream(csv_records(AutopilotCsv(io.BytesIO(data), name="x.csv"))))
    counted = until_failure(
        Run().check_stream(csv_records(AutopilotCsv(io.BytesIO(data), name="x.csv"), plain=True), counted=True)
    )
    results = [r for r in expected if isinstance(r, RecordResult)]
    assert sum(r.is_record for r in results) >= 6
    assert expand(counted, results) == results
    assert any(isinstance(item, int) for item in counted)  # the lane had clean rows waiting


_SERIALS_FOR_SIGNS = st.one_of(
    st.sampled_from(["1.23E+11", "1,5e-3", "5E7", "00123", "123", " 0456 ", "E", "e", "PF0ABC", "", "١٢٣"]),
    st.text(st.sampled_from("0123456789Ee+-., "), max_size=12),
    st.text(max_size=8),
)


@settings(max_examples=400, deadline=None)
@given(
    serial=_SERIALS_FOR_SIGNS,
    hash_serial=st.sampled_from(["", "00123", "0456", "PF0ABC"]),
    cut=st.sampled_from([None, 255, 32767, 254, 4000]),
)
def test_the_excel_signs_shortcut_skips_only_records_no_sign_flags(
    serial: str, hash_serial: str, cut: int | None
) -> None:
    """``excel_signs`` returns early for a record none of ``_EXCEL_SIGNS`` can flag (no exponent, not
    all digits, no cut length), so its quick test repeats the signs' own triggers; here both must agree
    with running every sign, so a new sign or a changed trigger cannot be skipped unseen."""
    from graph_contracts.autopilot.csv_excel import _EXCEL_SIGNS, excel_signs

    text = encode_hardware_hash(build_hardware_hash(hash_serial or "X", "Contoso")) if hash_serial else ""
    record = {"serialNumber": serial, "hardwareIdentifier": text if cut is None else ("A" * cut)}
    assert excel_signs(record) == [issue for sign in _EXCEL_SIGNS if (issue := sign(record)) is not None]


@settings(max_examples=150, deadline=None)
@example(serial="ABC1", inner="same", uuid=bytes(16), tag="")  # an all-zero UUID: no device key
@example(serial="ABC1", inner="same", uuid=None, tag="Sales")  # the builder's UUID: a device key
@given(
    serial=st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=20),
    inner=st.sampled_from(["same", "empty", "other case"]),
    uuid=st.one_of(st.none(), st.just(bytes(16)), st.binary(min_size=16, max_size=16)),
    tag=st.sampled_from(["", "Sales"]),
)
def test_add_clean_holds_the_keys_batchchecker_gives_a_clean_record(
    serial: str, inner: str, uuid: bytes | None, tag: str
) -> None:
    """The lane's keys (``PlainRows.add_clean``) are ``BatchChecker.keys`` of every record ``record_clean``
    passes: a UUID or none, an all-zero UUID, the serial inside the hash equal to the field or empty."""
    import uuid as uuidlib

    from graph_contracts.autopilot.hash_fast import fast_identity
    from graph_contracts.autopilot.rules import record_clean

    inside = {"same": serial, "empty": "", "other case": serial.swapcase()}[inner]
    guid = uuidlib.UUID(bytes_le=uuid) if uuid is not None else None
    text = encode_hardware_hash(build_hardware_hash(inside, "Contoso", "Laptop", uuid=guid))
    record = {"serialNumber": serial, "productKey": "", "hardwareIdentifier": text, "groupTag": tag}
    identity = fast_identity(text)
    if identity is None or not record_clean(record, identity):
        assert serial != "ABC1"  # the examples are clean rows
        return  # not a row the lane holds (add_clean is only for those)
    general, lane = PlainRows("a.csv", {}), PlainRows("a.csv", {})
    for row in (2, 3):
        general.add(row, BatchChecker.keys(record, identity), serial)
        lane.add_clean(row, record, identity)
    assert _held(lane) == _held(general)


def _held(rows: PlainRows) -> tuple[object, ...]:
    """What a block of rows holds for the batch checks: ``add_clean`` must leave what ``add`` leaves."""
    return rows.rows, rows.kinds, rows.digests, rows.patterns, rows.serials


#: Clean rows whose hashes carry a UUID (a device key), an all-zero one (none), or the builder's.
_MIXED_UUIDS = {"uuid": bytes(range(1, 17)), "zero": bytes(16), "builder": None}


@settings(max_examples=60, deadline=None)
@given(order=st.lists(st.sampled_from(sorted(_MIXED_UUIDS)), min_size=1, max_size=8))
def test_add_clean_keeps_each_rows_kind_in_a_block_of_mixed_rows(order: list[str]) -> None:
    """``add_clean`` remembers where its two code tuples sit in ``patterns``: rows with and without a
    device key, in any order in one block, get the kinds (and keys) ``add`` gives them."""
    import uuid as uuidlib

    from graph_contracts.autopilot.hash_fast import fast_identity

    general, lane = PlainRows("a.csv", {}), PlainRows("a.csv", {})
    for row, kind in enumerate(order, 2):
        raw = _MIXED_UUIDS[kind]
        guid = uuidlib.UUID(bytes_le=raw) if raw is not None else None
        serial = f"MX{row:04d}"
        text = encode_hardware_hash(build_hardware_hash(serial, "Contoso", "Laptop", uuid=guid))
        record = {"serialNumber": serial, "productKey": "", "hardwareIdentifier": text, "groupTag": ""}
        identity = fast_identity(text)
        assert identity is not None
        general.add(row, BatchChecker.keys(record, identity), serial)
        lane.add_clean(row, record, identity)
    assert _held(lane) == _held(general)

"""Validating files an admin has on disk: JSON, NDJSON and Autopilot CSV files, each issue located.

The readers (``records.py``) turn each file into records; ``Validator.validate_many``
judges them; this module joins the two for a whole run of files. Results come
per *record* (a CSV row, an NDJSON line, an array item, one device of an
import body), so a report can say which device is wrong and count devices.
A file that cannot be read at all raises ``InputFileError``; once a file is
readable, everything wrong inside it is an ``Issue`` so that one bad line
never hides the others. Duplicates are found across every file of a ``Run``.

CSV rows take a lane when they can: the reader hands a row it can prove free of
reader issues over as a plain tuple, the validator's own happy path
(``Validator.clean_device``) judges it, and the batch checks of many such rows
run in one call; only a row with an issue becomes a ``RecordResult``, and a
caller that only counts clean records (``check_file_counts``) gets numbers for
the rest. Anything the lane cannot prove clean goes the general way, so the
results are exactly those of one ``Record`` and ``check_record`` per row.
"""

from __future__ import annotations

import errno
import functools
import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor
from dataclasses import replace
from pathlib import Path
from typing import BinaryIO, NamedTuple

from .autopilot import AutopilotCsv
from .autopilot.csv_reader import PlainRow
from .autopilot.duplicates import DuplicateIndex
from .autopilot.hardware_hash import HASH_TEXT_LENGTH
from .autopilot.rules import BATCH_LIMIT, BatchChecker, PlainRows
from .errors import ConfigurationError
from .issues import Issue
from .parallel import PART_BYTES, check_file_parallel, widen_result_pipe
from .records import MAX_JSON_BYTES, STDIN_NAME, Record, csv_record, open_records, sniff
from .results import RecordResult, lane_results
from .textio import ByteSource
from .validation import (
    AUTOPILOT_COLLECTION,
    AUTOPILOT_TYPE,
    Profile,
    Validator,
    _cached_validator,
    odata_type_validator,
)

__all__ = [
    "MAX_JSON_BYTES",
    "STDIN_NAME",
    "RecordResult",
    "Run",
    "check_file",
    "csv_problems",
    "csv_to_payloads",
    "device_record",
    "earlier_batches",
    "sniff",
    "validate_file",
]


class Run:
    """One validation run over any number of files: the target, the profile and the duplicate state.

    ``type`` or ``operation`` names the schema; with neither, each file's
    first record picks it (its ``@odata.type``, or the import body). Devices
    of import bodies and CSV rows are always Autopilot device records.
    """

    def __init__(
        self,
        *,
        type: str | None = None,
        operation: str | None = None,
        version: str = "v1.0",
        profile: Profile = "upload",
    ) -> None:
        self.type = type
        self.operation = operation
        self.version = version
        self.profile = profile
        self.duplicates = DuplicateIndex()
        #: Worker processes for large CSV files (``use_processes``), or None.
        self.pool: Executor | None = None
        self.jobs = 1
        self.part_bytes = 0

    def use_processes(self, pool: Executor, jobs: int, *, part_bytes: int | None = None) -> None:
        """Validate large CSV files with ``pool`` (``jobs`` processes); the results are those of one process.

        A file is cut into parts of about ``part_bytes`` (default ``parallel.PART_BYTES``, ~2,000 rows);
        files under two parts are read by this process.
        """
        self.pool = pool
        self.jobs = jobs
        self.part_bytes = part_bytes or PART_BYTES
        widen_result_pipe(pool)

    def factory(self) -> Callable[[], Run]:
        """A picklable maker of a run with this one's target and profile (and duplicate state of its
        own): what ``parallel``'s worker processes validate their parts with."""
        return functools.partial(Run, type=self.type, operation=self.operation, version=self.version,
                                 profile=self.profile)

    @property
    def expand_bodies(self) -> bool:
        """Read import bodies as their devices, unless a schema other than the import action's is named."""
        return self.type is None and self.operation in (None, f"{AUTOPILOT_TYPE}.import")

    def check_file(self, name: str | Path, *, stdin: BinaryIO | None = None) -> Iterator[RecordResult]:
        """A ``RecordResult`` per record of one file (``-`` is standard input), streaming."""
        for item in self._file_results(name, stdin, counted=False):
            if isinstance(item, RecordResult):  # always, when not counted
                yield item

    def check_file_counts(self, name: str | Path, *, stdin: BinaryIO | None = None) -> Iterator[RecordResult | int]:
        """``check_file`` for a caller that only counts the records without issues (``validate``'s reports
        except JUnit): a number ``n`` stands for the next ``n`` records, none with an issue.

        Every record without an issue comes as a count (the CSV rows the lane finds clean cost no
        result object); every other result is the ``RecordResult`` ``check_file`` yields, in the same
        order.
        """
        return self._file_results(name, stdin, counted=True)

    def _file_results(self, name: str | Path, stdin: BinaryIO | None, counted: bool) -> Iterator[RecordResult | int]:
        if self.pool is not None and str(name) != "-":
            results = check_file_parallel(self, str(name), self.pool, self.jobs, part_bytes=self.part_bytes,
                                          counted=counted)
            if results is not None:
                yield from results  # it calls reserve once the workers have started
                return
        if str(name) != "-":
            self.reserve(name)
        import_body = self.operation == f"{AUTOPILOT_TYPE}.import"
        yield from self.check_stream(
            open_records(name, expand_bodies=self.expand_bodies, stdin=stdin, import_body=import_body, plain=True),
            counted=counted)

    def reserve(self, name: str | Path) -> None:
        """Size the run's digest table for the file before its rows are looked up: a device with a hash
        takes more than ``HASH_TEXT_LENGTH`` bytes and usually three keys, so the table need not grow
        while the file is read."""
        try:
            size = os.path.getsize(name)
        except OSError:
            return  # the reader says what is wrong with it
        self.duplicates.table.reserve(3 * size // HASH_TEXT_LENGTH)

    def check_records(self, records: Iterable[Record | PlainRow], *, batch: BatchChecker | None = None
                      ) -> Iterator[RecordResult]:
        """Validate one file's records, in order, with one batch (500-device count) for the file."""
        for item in self.check_stream(records, batch=batch):
            if isinstance(item, RecordResult):  # always, when not counted
                yield item

    def check_stream(self, records: Iterable[Record | PlainRow], *, batch: BatchChecker | None = None,
                     counted: bool = False) -> Iterator[RecordResult | int]:
        """``check_records``, taking the CSV reader's ``PlainRow``s too; with ``counted``, records without
        issues among them come as counts (see ``check_file_counts``).

        The lane for a ``PlainRow`` (a row without reader issues) is the validator's own happy path,
        as ``Validator.check_record`` takes it: ``clean_device`` (schema verdict, hash, record rules),
        then the batch checks, for up to ``LANE_ROWS`` rows at a time but always before the next
        record's (``BatchChecker.check_rows``), so they see the rows in input order. A row
        ``clean_device`` does not pass becomes the ``Record`` the reader would have made and goes
        through ``check_record``, which explains what is wrong.
        """
        if batch is None:
            batch = BatchChecker(duplicates=self.duplicates)
        pick = _Picker(self)
        device: Validator | None = None
        pending: PlainRows | None = None  # rows found clean, before their batch checks
        try:
            for record in records:
                if type(record) is tuple:
                    number, value, file, columns = record
                    if device is None:
                        device = pick.device()
                    identity = device.clean_device(value) if device.record_rules else None
                    if identity is not None:
                        if pending is None:
                            pending = PlainRows(file, columns)
                        pending.add(number, batch.keys(value, identity), value["serialNumber"])
                        if len(pending) >= LANE_ROWS:
                            held, pending = pending, None
                            yield from lane_results(batch, held, counted)
                        continue
                    record = csv_record(file, number, value, columns)
                assert isinstance(record, Record)
                if pending is not None:  # the batch checks stay in input order
                    held, pending = pending, None
                    yield from lane_results(batch, held, counted)
                validator = pick(record)
                if validator is None:
                    issues = list(record.issues) + pick.problems(record)
                else:
                    issues = validator.check_record(record, batch)
                yield 1 if counted and not issues and record.is_record else _result(record, issues)
        except Exception:
            # The file failed part-way (a read error, bad UTF-16): the rows read before it still count.
            if pending is not None:
                yield from lane_results(batch, pending, counted)
            raise
        if pending is not None:
            yield from lane_results(batch, pending, counted)


#: Clean rows the lane holds before their batch checks run, in one call (``BatchChecker.check_rows``).
LANE_ROWS = 256


def _result(record: Record, issues: list[Issue]) -> RecordResult:
    return RecordResult(record.location.file, record.label, issues, record.line, record.is_record)


class _Picker:
    """The validator for each record: the run's target, else what the file's first record names."""

    def __init__(self, run: Run) -> None:
        self.run = run
        self._chosen: tuple[Validator | None, Issue | None] | None = None
        self._device: Validator | None = None
        self._body: Validator | None = None

    def __call__(self, record: Record) -> Validator | None:
        run = self.run
        if not record.readable:
            return self._first_or_none()
        if record.target == "device":
            return self.device()
        if record.target == "body":
            if self._body is None:
                self._body = _cached_validator("operation", f"{AUTOPILOT_TYPE}.import", run.version, "request",
                                               run.profile)
            return self._body
        if self._chosen is None:
            self._chosen = self._pick(record.value)
        return self._chosen[0]

    def device(self) -> Validator:
        """The validator of Autopilot device records (CSV rows, the devices of import bodies)."""
        if self._device is None:
            run = self.run
            self._device = _cached_validator("type", AUTOPILOT_TYPE, run.version, "request", run.profile)
        return self._device

    def _first_or_none(self) -> Validator | None:
        return self._chosen[0] if self._chosen is not None else None

    def problems(self, record: Record) -> list[Issue]:
        problem = self._chosen[1] if self._chosen is not None and record.readable else None
        return [replace(problem, pointer=record.pointer + problem.pointer, location=record.location)] if problem else []

    def _pick(self, sample: object) -> tuple[Validator | None, Issue | None]:
        run = self.run
        if run.operation:
            return Validator.for_operation(run.operation, version=run.version, profile=run.profile), None
        if run.type is None:
            found = odata_type_validator(sample, run.version, profile=run.profile)
            if isinstance(found, Issue):
                return None, replace(found, message=f"{found.message}; name one with --type")
            if found is not None:
                return found, None
        return Validator.for_type(run.type or AUTOPILOT_TYPE, version=run.version, profile=run.profile), None


def check_file(
    name: str | Path,
    *,
    type: str | None = None,
    operation: str | None = None,
    version: str = "v1.0",
    profile: Profile = "upload",
    stdin: BinaryIO | None = None,
) -> Iterator[RecordResult]:
    """Yield a ``RecordResult`` per record of one file (``-`` is standard input), streaming where it can.

    Raises ``InputFileError`` when the file cannot be read at all: missing, a
    directory, binary, empty, or JSON that does not parse. Results already
    yielded stay valid when a stream fails later on. To find duplicates across
    several files, use one ``Run`` for all of them.
    """
    run = Run(type=type, operation=operation, version=version, profile=profile)
    yield from run.check_file(name, stdin=stdin)


def validate_file(
    name: str | Path,
    *,
    type: str | None = None,
    operation: str | None = None,
    version: str = "v1.0",
    profile: Profile = "upload",
) -> Iterator[Issue]:
    """Yield every issue in one file, record after record (``check_file`` without the grouping)."""
    for result in check_file(name, type=type, operation=operation, version=version, profile=profile):
        yield from result.issues


def csv_issues(reader: AutopilotCsv, profile: Profile = "upload") -> Iterator[Issue]:
    """Every issue of one CSV file, file-level and per row, in the order the file reveals them."""
    from .records import _csv_records

    for result in Run(profile=profile).check_records(_csv_records(reader)):
        yield from result.issues


def check_autopilot_csv(source: str | os.PathLike[str] | ByteSource, *, name: str | None = None
                        ) -> list[Issue]:
    """Every issue of a CSV file, file-level and per row, with the upload profile's rules, as one list.

    It lives here, not in ``autopilot``, because it needs the validator's door:
    the CSV reader only reads.
    """
    return list(csv_issues(AutopilotCsv(source, name=name)))


# -- CSV to import bodies -----------------------------------------------------


ODATA_DEVICE = f"#microsoft.graph.{AUTOPILOT_TYPE}"
_OPTIONAL = ("productKey", "groupTag", "assignedUserPrincipalName")


def device_record(record: dict[str, str]) -> dict[str, str]:
    """One CSV record as an import item: optional properties only when the CSV gave them a value."""
    item = {
        "@odata.type": ODATA_DEVICE,
        "serialNumber": record.get("serialNumber", ""),
        "hardwareIdentifier": record.get("hardwareIdentifier", ""),
    }
    for prop in _OPTIONAL:
        value = record.get(prop, "")
        if value.strip():
            item[prop] = value
    return item


def _batches(path: Path, size: int) -> Iterator[tuple[list[int], list[dict[str, str]]]]:
    """The import items of the CSV's rows in batches of ``size``, each with the rows they come from.

    A row that could not be split into the header's columns (or holds binary data) is left out: its
    error, which the first pass reports, means no batch is written anyway.
    """
    rows: list[int] = []
    batch: list[dict[str, str]] = []
    for row in AutopilotCsv(path):
        if not row.shaped:
            continue
        rows.append(row.row)
        batch.append(device_record(row.record))
        if len(batch) == size:
            yield rows, batch
            rows, batch = [], []
    if batch:
        yield rows, batch


#: CSV issues that only the portal's upload minds: the JSON bodies ``csv to-payload`` writes are unaffected.
PORTAL_ONLY: dict[str, str] = {
    "csv-quotes": "the portal would refuse the quotation marks; the values were read without them, so the "
                  "import bodies are unaffected",
    "csv-type-line": "the portal would refuse the #TYPE line; it was skipped, so the import bodies are unaffected",
    "csv-encoding": "the file was decoded as such; the import bodies are written as UTF-8, so there is nothing "
                    "to change for them",
    "csv-separator": "the portal would refuse the file; the values were read with the separator found, so the "
                     "import bodies are unaffected",
}


def _for_payload(issue: Issue) -> Issue:
    """A portal-only CSV issue as a warning saying why it does not matter for an import body."""
    note = PORTAL_ONLY.get(issue.code)
    if note is None:
        return issue
    first = issue.message.split("; ")[0]  # "; ", as a message may quote the ';' separator itself
    return replace(issue, severity="warning", message=f"{first}; {note}")


#: Where a device of an import body is: its index and the pointer within it.
_ITEM = re.compile(rf"/{AUTOPILOT_COLLECTION}/([0-9]+)(/.*)?\Z")


def csv_problems(path: Path, *, version: str = "v1.0", batch_size: int = BATCH_LIMIT) -> Iterator[RecordResult]:
    """First pass of ``csv_to_payloads``: every record with issues, as the batches would be sent.

    The CSV rules run over the whole file (so a duplicate across batches is
    found) except the 500-row limit, which the batching itself satisfies; each
    batch body is then validated as the import action's upload body, one batch
    in memory at a time. An issue of a batch's device that its row already
    reported is not reported again: one error is counted once.
    """
    reported: set[tuple[int | None, str, str]] = set()
    for result in check_file(path, version=version, profile="upload"):
        issues = [_for_payload(i) for i in result.issues if i.code != "batch-size"]
        if issues:
            reported.update((result.line, i.pointer, i.code) for i in issues)
            yield replace(result, issues=issues)
    body_validator = Validator.for_operation(f"{AUTOPILOT_TYPE}.import", version=version, profile="upload")
    for number, (rows, batch) in enumerate(_batches(path, batch_size), 1):
        issues = []
        for issue in body_validator.validate({AUTOPILOT_COLLECTION: batch}):
            item = _ITEM.match(issue.pointer)
            if item is None or (rows[int(item[1])], item[2] or "", issue.code) not in reported:
                issues.append(issue)
        if any(i.severity == "error" for i in issues):
            yield RecordResult(str(path), f"batch {number}", issues, is_record=False)


#: The files ``csv to-payload`` writes, and how each of them starts (``json.dump`` with ``indent=2``).
BATCH_NAME = re.compile(r"batch-[0-9]{4,}\.json\Z")
_BATCH_START = f'{{\n  "{AUTOPILOT_COLLECTION}": ['.encode()


def earlier_batches(out_dir: Path) -> list[Path]:
    """The batch files an earlier ``csv to-payload`` wrote into ``out_dir``, by name and first bytes.

    A file named like one that this command did not write (or a folder of that name) raises
    ``FileExistsError``: it is not ours to replace or remove.
    """
    if not out_dir.is_dir():
        return []
    found: list[Path] = []
    for path in sorted(out_dir.iterdir()):
        if not BATCH_NAME.match(path.name):
            continue
        try:
            with path.open("rb") as handle:
                ours = handle.read(len(_BATCH_START)) == _BATCH_START
        except OSError:
            ours = False
        if not ours:
            raise FileExistsError(errno.EEXIST, f"{path} is in the way: csv to-payload did not write it, so it "
                                  "will not replace it; move it, or write to another folder (-o)", str(path))
        found.append(path)
    return found


class Payloads(NamedTuple):
    """What ``csv_to_payloads`` did: the files written, the problems found, and the batch files of an
    earlier run it removed (they would have sat beside the new ones as if they were part of them)."""

    written: list[Path]
    problems: list[RecordResult]
    removed: list[Path]


def csv_to_payloads(
    path: Path, out_dir: Path, *, batch_size: int = BATCH_LIMIT, version: str = "v1.0"
) -> Payloads:
    """Write ``batch-0001.json``... for a CSV without errors; with any error, write nothing.

    The file is read twice rather than held: the first pass proves it valid,
    the second writes the batches into a temporary folder beside the output.
    Only when all are written does anything in ``out_dir`` change: each file
    moves into place with ``os.replace`` (atomic, so no half-written file is
    ever seen under a batch's name), and then the batch files an earlier run
    left (``earlier_batches``, say ``batch-0002.json`` of a larger file) are
    removed, so the folder holds this file's devices and no others. A failure
    before that (an unreadable row, a full disk) leaves the folder as it was.
    """
    if not 1 <= batch_size <= BATCH_LIMIT:
        raise ConfigurationError("batch_size", f"a batch holds 1..{BATCH_LIMIT} devices, not {batch_size}")
    problems = list(csv_problems(path, version=version, batch_size=batch_size))
    if any(r.errors for r in problems):
        return Payloads([], problems, [])
    earlier = earlier_batches(out_dir)  # before anything is written: a file in the way stops the run here
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    staging = Path(tempfile.mkdtemp(prefix=".graph-contracts-", dir=out_dir))
    try:
        staged: list[Path] = []
        for number, (_rows, batch) in enumerate(_batches(path, batch_size), 1):
            target = staging / f"batch-{number:04d}.json"
            with target.open("w", encoding="utf-8", newline="\n") as handle:
                json.dump({AUTOPILOT_COLLECTION: batch}, handle, indent=2)
                handle.write("\n")
            staged.append(target)
        for target in staged:
            final = out_dir / target.name
            os.replace(target, final)
            written.append(final)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    names = {p.name for p in written}
    removed = [p for p in earlier if p.name not in names]
    for old in removed:
        old.unlink(missing_ok=True)
    return Payloads(written, problems, removed)

"""Validating files an admin has on disk: JSON, NDJSON and Autopilot CSV files, each issue located.

This module opens the files and picks the target; ``Validator.check_stream``
judges the records the readers (``records.py``) make of them. Results come
per *record* (a CSV row, an NDJSON line, an array item, one device of an
import body), so a report can say which device is wrong and count devices.
A file that cannot be read at all raises ``InputFileError``; once a file is
readable, everything wrong inside it is an ``Issue`` so that one bad line
never hides the others. Duplicates are found across every file of a ``Run``.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from ..autopilot import AutopilotCsv
from ..autopilot.csv_reader import PlainRow
from ..autopilot.duplicates import DuplicateIndex
from ..autopilot.hash_layout import HASH_TEXT_LENGTH
from ..errors import Setting, say
from ..issues import Issue
from ..records import MAX_JSON_BYTES, STDIN_NAME, Record, csv_records, open_records, sniff
from ..textio import ByteSource
from .parallel import PART_BYTES, check_file_parallel, widen_result_pipe
from .profiles import AUTOPILOT_TYPE, Profile
from .results import RecordResult
from .validator import Validator, odata_type_validator, validator_for

if TYPE_CHECKING:  # a pool is made by the caller (validate --jobs)
    from concurrent.futures import Executor

__all__ = [
    "MAX_JSON_BYTES",
    "STDIN_NAME",
    "RecordResult",
    "Run",
    "check_autopilot_csv",
    "check_file",
    "csv_issues",
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

    def device_maker(self) -> Callable[[], Validator]:
        """A picklable maker of this run's validator of device records (CSV rows): what ``parallel``'s
        worker processes validate their parts with."""
        return functools.partial(validator_for, "type", AUTOPILOT_TYPE, self.version, "request", self.profile)

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
            results = check_file_parallel(
                self, str(name), self.pool, self.jobs, part_bytes=self.part_bytes, counted=counted
            )
            if results is not None:
                yield from results  # it calls reserve once the workers have started
                return
        if str(name) != "-":
            self.reserve(name)
        import_body = self.operation == f"{AUTOPILOT_TYPE}.import"
        yield from self.check_stream(
            open_records(name, expand_bodies=self.expand_bodies, stdin=stdin, import_body=import_body, plain=True),
            counted=counted,
        )

    def reserve(self, name: str | Path) -> None:
        """Size the run's digest table for the file before its rows are looked up: a device with a hash
        takes more than ``HASH_TEXT_LENGTH`` bytes and usually three keys, so the table need not grow
        while the file is read."""
        try:
            size = os.path.getsize(name)
        except OSError:
            return  # the reader says what is wrong with it
        self.duplicates.table.reserve(3 * size // HASH_TEXT_LENGTH)

    def check_records(self, records: Iterable[Record | PlainRow]) -> Iterator[RecordResult]:
        """Validate one file's records, in order, with one batch (500-device count) for the file."""
        for item in self.check_stream(records):
            if isinstance(item, RecordResult):  # always, when not counted
                yield item

    def check_stream(
        self, records: Iterable[Record | PlainRow], *, counted: bool = False
    ) -> Iterator[RecordResult | int]:
        """``check_records``, taking the CSV reader's ``PlainRow``s too; with ``counted``, records without
        issues among them come as counts (``Validator.check_stream``, which judges them)."""
        pick = _Picker(self)
        yield from pick.device().check_stream(records, duplicates=self.duplicates, counted=counted, pick=pick)


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
                self._body = validator_for("operation", f"{AUTOPILOT_TYPE}.import", run.version, "request", run.profile)
            return self._body
        if self._chosen is None:
            self._chosen = self._pick(record.value)
        return self._chosen[0]

    def device(self) -> Validator:
        """The validator of Autopilot device records (CSV rows, the devices of import bodies)."""
        if self._device is None:
            run = self.run
            self._device = validator_for("type", AUTOPILOT_TYPE, run.version, "request", run.profile)
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
                words = (found.message, "; name one with ", Setting("type"))
                return None, replace(found, message=say(words), words=words)
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
    for result in Run(profile=profile).check_records(csv_records(reader)):
        yield from result.issues


def check_autopilot_csv(source: str | os.PathLike[str] | ByteSource, *, name: str | None = None) -> list[Issue]:
    """Every issue of a CSV file, file-level and per row, with the upload profile's rules, as one list.

    It lives here, not in ``autopilot``, because it needs the validator's door:
    the CSV reader only reads.
    """
    return list(csv_issues(AutopilotCsv(source, name=name)))

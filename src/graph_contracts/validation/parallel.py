"""One large CSV file validated in several processes, with exactly the output of one (``validate --jobs N``).

The file is cut into parts at line ends. Each worker process reads the file's
head (up to the header, which sets the columns and the separator), then its
own part, and validates the rows as one process would, except for what
depends on the rows before them: where the part starts, the 500-device count
and the duplicate lookups. It numbers the part's lines on from the head, as
if the part followed the header, and says how many it read; this process
shifts each part's rows by the lines of the parts before it (``_Shift``), so
nothing reads the file a second time to count lines before the parts start. For those it leaves a placeholder
issue and the record's duplicate keys (the digests, the costly part, are
computed in the worker). This process replaces the placeholders in input
order with the run's one ``DuplicateIndex``, so the duplicates across parts
and across files, and the batch count, are the ones a single process finds.
Workers and this process share the validator's code for all of it: each
worker runs ``Validator.check_stream`` with a ``DeferredBatch``, and this
process checks what they deferred with a ``Merge`` (the clean-row lane is
explained there, once); only the compact form travels, no object per clean row.

What a single pass reports only once (the first quoted row, the first
non-ASCII row) is kept once; a part that stopped reading (binary data, an
endless line) ends the file there, as one process stops, and so does a read
error inside a part, raised after the rows read before it. Cuts are made only
between two lines that are not blank, so a run of blank lines, reported as one
issue, never straddles two parts. Inputs that cannot be cut this way (standard
input, JSON, NDJSON, UTF-16, small files, a header past the first megabyte)
are read by one process.

This module sits below ``files``: it is handed the run (``PartedRun``: its
duplicate state and a picklable maker of the validator each worker uses), so
it never imports the run's module.
"""

from __future__ import annotations

import itertools
import os
import re
from array import array
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, BinaryIO, Protocol

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]

from .. import textio
from ..autopilot.batch import PlainRows
from ..autopilot.csv_reader import AutopilotCsv, Part
from ..autopilot.duplicates import DuplicateIndex
from ..errors import InputFileError, Setting
from ..issues import Issue, Location
from ..records import csv_records, sniff
from .results import RecordResult
from .validator import DEFERRED, DeferredBatch, DeferredCall, Merge, Validator

if TYPE_CHECKING:  # concurrent.futures (and logging) are imported by the callers that make a pool
    from concurrent.futures import Executor, Future

__all__ = ["PART_BYTES", "check_file_parallel", "widen_result_pipe"]

#: Bytes per part: about 2,000 rows of real 4000-character hashes. Files under two parts use one process.
PART_BYTES = 8 * 1024 * 1024
#: The header must end within this many bytes for the file to be cut.
_HEAD_LIMIT = 1024 * 1024
#: How far around a cut point a line end is looked for.
_WINDOW = 64 * 1024
#: A line with one of these bytes is never blank to the CSV reader, whatever its separator.
_NOT_BLANK = re.compile(rb"[A-Za-z0-9]")
_LINE_END = re.compile(rb"\r\n|\r|\n")


class PartedRun(Protocol):
    """A run whose files may be cut into parts: its duplicate state, a picklable maker of the validator
    each worker uses, and room made in the duplicate state for a file (``files.Run`` is one)."""

    duplicates: DuplicateIndex

    def device_maker(self) -> Callable[[], Validator]: ...

    def reserve(self, name: str) -> None: ...


@dataclass(frozen=True)
class _Piece:
    """What one worker reads: the file's bytes up to ``head_end``, then ``start`` to ``end``."""

    path: str
    display: str
    make_validator: Callable[[], Validator]
    head_end: int
    start: int
    end: int
    lines: Part


class _PartSource:
    """A binary stream of the head of a file followed by one part of it."""

    def __init__(self, handle: BinaryIO, head_end: int, start: int, end: int) -> None:
        self._handle = handle
        self._ranges = [(0, end)] if start == head_end else [(0, head_end), (start, end)]

    def read(self, size: int = -1, /) -> bytes:
        while self._ranges:
            low, high = self._ranges[0]
            count = high - low if size < 0 else min(size, high - low)
            data = b""
            if count > 0:
                self._handle.seek(low)
                data = self._handle.read(count)
            if not data:
                self._ranges.pop(0)
                continue
            self._ranges[0] = (low + len(data), high)
            return data
        return b""


#: What a worker sends back: the results and the lane's rows in input order, the deferred calls of
#: the results by number, whether reading stopped, the part's lines (numbered on from the head), and
#: the error that stopped it part-way (its results before the error are still the file's).
_Outcome = tuple[list["RecordResult | PlainRows"], dict[int, DeferredCall], bool, int, "InputFileError | None"]


def _check_piece(piece: _Piece) -> _Outcome:
    """Worker: the results of one part, with placeholders for the batch issues, in a compact form.

    Unpickling a ``RecordResult`` with its issues and locations costs the parent
    more than the worker's whole validation of a row is worth sharing, so the
    rows the lane finds clean go back as ``PlainRows`` arrays, and the parent
    runs their batch checks in one call per array.
    """
    validator = piece.make_validator()
    batch = DeferredBatch()
    out: list[RecordResult | PlainRows] = []
    kept: dict[int, DeferredCall] = {}
    reader: AutopilotCsv | None = None
    failure: InputFileError | None = None
    try:
        with open(piece.path, "rb") as handle:
            reader = AutopilotCsv(
                _PartSource(handle, piece.head_end, piece.start, piece.end), name=piece.display, part=piece.lines
            )
            for result in validator.check_stream(csv_records(reader, plain=True), batch=batch, counted=True):
                out += batch.plain  # handed over before anything after them is yielded: input order
                batch.plain.clear()
                if isinstance(result, RecordResult):
                    for issue in result.issues:
                        if issue.code == DEFERRED:
                            kept[int(issue.message)] = batch.calls[int(issue.message)]
                    out.append(result)
    except InputFileError as exc:  # a read error part-way (EIO on a network share): keep what was read
        failure = exc
    except OSError as exc:  # the file went away after it was cut
        failure = InputFileError(piece.display, exc.strerror or str(exc))
    out += batch.plain
    if reader is None or failure is not None:
        return out, kept, True, 0, failure
    return out, kept, reader.stopped, reader.lines - piece.lines.head_lines, None


def _header_end(handle: BinaryIO, lines: int) -> int | None:
    """The offset just after the file's first ``lines`` lines, when they end within ``_HEAD_LIMIT`` bytes."""
    handle.seek(0)
    data = handle.read(_HEAD_LIMIT)
    for number, match in enumerate(_LINE_END.finditer(data), 1):
        if number == lines:
            if match.end() == len(data) and match.group() == b"\r":
                return None  # may be half of a CRLF
            return match.end()
    return None


def _cut_near(handle: BinaryIO, target: int) -> int | None:
    """An offset just after a LF at or past ``target`` with a non-blank line on either side, or None."""
    low = max(0, target - _WINDOW)
    handle.seek(low)
    data = handle.read(2 * _WINDOW)
    at = data.find(b"\n", target - low)
    while at >= 0:
        before = data.rfind(b"\n", 0, at)
        after = data.find(b"\n", at + 1)
        if after < 0 or (before < 0 and low > 0):
            return None
        previous, following = data[before + 1 : at].removesuffix(b"\r"), data[at + 1 : after].removesuffix(b"\r")
        if (
            b"\r" not in previous
            and b"\r" not in following
            and _NOT_BLANK.search(previous)
            and _NOT_BLANK.search(following)
        ):
            return low + at + 1
        at = after
    return None


def _plan(path: str, display: str, make_validator: Callable[[], Validator], part_bytes: int) -> list[_Piece] | None:
    """The parts of a CSV file worth cutting, or None: read it in one process."""
    try:
        size = os.path.getsize(path)
        if size < 2 * part_bytes:
            return None
        with open(path, "rb") as handle:
            head = handle.read(textio.CHUNK)
            if sniff(head, os.path.splitext(path)[1].lower(), display) != "csv" or textio.sniff_encoding(head).utf16:
                return None
            reader = AutopilotCsv(path, name=display)
            rows = iter(reader)
            first = next(rows, None)
            rows.close()  # type: ignore[attr-defined]
            if first is None or reader.header_row is None:
                return None
            head_end = _header_end(handle, reader.header_row)
            if head_end is None:
                return None
            cuts = [head_end]
            point = head_end + part_bytes
            while point < size - part_bytes // 2:
                cut = _cut_near(handle, point)
                if cut is not None and cut > cuts[-1]:
                    cuts.append(cut)
                point = max(point, cut or 0) + part_bytes
    except (OSError, InputFileError):
        return None  # one process reports it
    if len(cuts) < 2:
        return None
    cuts.append(size)
    spans = list(itertools.pairwise(cuts))
    return [
        _Piece(
            path,
            display,
            make_validator,
            head_end,
            start,
            end,
            Part(reader.header_row, keep_head=index == 0, last=index == len(spans) - 1),
        )
        for index, (start, end) in enumerate(spans)
    ]


def _once_key(issue: Issue) -> str | None:
    """File issues one pass reports once per file: each part reports its own first."""
    if issue.code == "csv-quotes" or (
        issue.code == "csv-encoding" and issue.location is not None and issue.location.row is not None
    ):
        return issue.code
    return None


class _Shift:
    """Row numbers of one part moved to where its rows are in the file (by ``rows``; the head's stay).

    A part is sent out before the parts ahead of it come back, so it cannot
    know where it starts: its worker numbers its lines on from the file's
    head, as if the part followed the header (``csv_reader.Part``), and says
    how many lines it read; this process shifts its rows by the lines of the
    parts before it. That costs a new ``Location`` per issue of a later part
    (on a file of errors, about what the line count before the parts cost),
    and nothing per clean row but an array.
    """

    def __init__(self, head_lines: int, rows: int) -> None:
        self.head_lines = head_lines
        self.rows = rows

    def location(self, location: Location | None) -> Location | None:
        if not self.rows or location is None or location.row is None or location.row <= self.head_lines:
            return location
        return Location(location.file, location.row + self.rows, location.column, location.line)

    def line(self, result: RecordResult) -> tuple[int | None, str]:
        """The result's line and label (``row N`` for a row) moved."""
        line, label = result.line, result.label
        if not self.rows or line is None or line <= self.head_lines:
            return line, label
        return line + self.rows, f"row {line + self.rows}" if label == f"row {line}" else label

    def plain(self, plain: PlainRows) -> PlainRows:
        if self.rows:
            plain.rows = array("L", [row + self.rows for row in plain.rows])
        return plain


def _settle(result: RecordResult, calls: dict[int, DeferredCall], merge: Merge, shift: _Shift) -> RecordResult:
    """The result as one process gives it: its rows moved by ``shift``, its placeholders replaced by
    the batch issues found in input order. One pass over the issues, one new result."""
    move = shift.location
    issues: list[Issue] = []
    for issue in result.issues:
        if issue.code == DEFERRED:
            issues += merge.deferred(calls[int(issue.message)], move)
            continue
        moved = move(issue.location)
        issues.append(
            issue
            if moved is issue.location
            else Issue(issue.pointer, issue.code, issue.message, issue.severity, moved, issue.intune_outcome)
        )
    line, label = shift.line(result)
    return RecordResult(result.file, label, issues, line, result.is_record)


#: The result pipe's size asked for: a part's outcome (~110 KB for 8 MB of rows) fits with room to spare.
_PIPE_BYTES = 1024 * 1024


def widen_result_pipe(pool: Executor) -> bool:
    """Let a ``ProcessPoolExecutor``'s workers hand over a part's outcome without waiting (Linux only).

    The workers send results through one pipe of 64 KB. A part's outcome is
    larger, so a worker stopped in the middle of each send until this process
    had read the start of it, which waits for the interpreter lock here, and
    sat idle for about 1 ms a part (up to 5 ms): 3-5% of a ``--jobs 2`` run.
    With a 1 MB pipe the send returns at once. This reaches into the
    executor's private result queue, so it is a best effort: anything
    unexpected (another executor, another platform, a refused size) leaves
    the pipe as it is and returns False; ``test_parallel`` checks it takes
    effect on Linux, so a change in CPython shows there.
    """
    set_size = getattr(fcntl, "F_SETPIPE_SZ", None) if fcntl is not None else None
    reader = getattr(getattr(pool, "_result_queue", None), "_reader", None)
    if set_size is None or reader is None:
        return False
    try:
        fcntl.fcntl(reader.fileno(), set_size, _PIPE_BYTES)
    except (OSError, ValueError):
        return False
    return True


def check_file_parallel(
    run: PartedRun, name: str, pool: Executor, jobs: int, *, part_bytes: int = PART_BYTES, counted: bool = False
) -> Iterator[RecordResult | int] | None:
    """The results of one file validated by ``pool``'s processes, in order; None when it is not worth cutting.

    Exactly what ``run.check_file(name)`` yields (with ``counted``, what ``run.check_file_counts``
    yields), duplicates across the run's files included; at most ``2 * jobs`` parts are in flight,
    so memory does not grow with the file.
    """
    pieces = _plan(name, name, run.device_maker(), part_bytes)
    if pieces is None:
        return None
    return _merge(run, pieces, pool, 2 * jobs, counted)


def _merge(
    run: PartedRun, pieces: list[_Piece], pool: Executor, window: int, counted: bool
) -> Iterator[RecordResult | int]:
    from concurrent.futures import BrokenExecutor

    name = pieces[0].display
    merge = Merge(run.duplicates)
    waiting = iter(pieces)
    head_lines = pieces[0].lines.head_lines
    before = 0  # the lines of the parts already back, but for the head
    pending: deque[Future[_Outcome]] = deque(
        pool.submit(_check_piece, piece) for piece in itertools.islice(waiting, window)
    )
    once: set[str] = set()
    reserved = False
    try:
        while pending:
            try:
                results, calls, stopped, lines, failure = pending.popleft().result()
            except BrokenExecutor:  # a process pool's BrokenProcessPool
                raise InputFileError(
                    name,
                    ("a worker process stopped unexpectedly (out of memory?); try again without ", Setting("jobs")),
                ) from None
            if not reserved:
                reserved = True
                # Only now, with the workers forked and busy: the table's pages are this process's
                # alone (no copy-on-write fault for each when it is filled), and zeroing them (~11 ms,
                # holding the interpreter lock) does not keep the executor's threads from handing
                # the workers their first parts.
                run.reserve(name)
            shift = _Shift(head_lines, before)
            before += lines
            following = next(waiting, None)
            if following is not None and not stopped:
                pending.append(pool.submit(_check_piece, following))
            for result in results:
                if isinstance(result, PlainRows):
                    yield from merge.rows(shift.plain(result), counted)
                    continue
                assert isinstance(result, RecordResult)
                if result.issues:  # a row's issues too: "the first quoted row" is reported with that row
                    kept = [i for i in result.issues if (key := _once_key(i)) is None or key not in once]
                    once.update(key for i in kept if (key := _once_key(i)) is not None)
                    if len(kept) != len(result.issues):
                        if not kept and not result.is_record:
                            continue
                        result = replace(result, issues=kept)
                if result.issues or shift.rows:
                    result = _settle(result, calls, merge, shift)
                yield 1 if counted and not result.issues and result.is_record else result
            if failure is not None:
                raise failure
            if stopped:
                return
    finally:
        for future in pending:
            future.cancel()

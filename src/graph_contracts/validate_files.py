"""Validating files an admin has on disk: JSON, NDJSON and Autopilot CSV files, each issue located.

The format is read from the content, not the name: admins save CSV files as
``.txt``, pipe JSON through standard input and export NDJSON as ``.json``.
Results come per *record* (a CSV row, an NDJSON line, an array item, or the
whole payload), so a report can say which device is wrong, not only which
property. A file that cannot be read at all raises ``InputFileError``; once a
file is readable, everything wrong inside it is an ``Issue`` so that one bad
line never hides the others.
"""

from __future__ import annotations

import codecs
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, BinaryIO, Literal

from .autopilot import AutopilotCsv, ByteSource
from .autopilot.rules import BATCH_LIMIT
from .errors import InputFileError
from .issues import Issue, Location, quote
from .validation import AUTOPILOT_COLLECTION, AUTOPILOT_TYPE, Profile, UnknownContractError, Validator

#: JSON is parsed whole; past this size, export NDJSON or CSV (both streamed) or split the file.
MAX_JSON_BYTES = 256 * 1024 * 1024
#: How much of the input is read to decide its format (and its encoding).
SNIFF_BYTES = 64 * 1024
#: The name shown for standard input.
STDIN_NAME = "<stdin>"

Format = Literal["json", "ndjson", "csv"]

_JSON_SUFFIXES = (".json", ".ndjson", ".jsonl")


@dataclass(frozen=True)
class RecordResult:
    """The issues of one record, or (``is_record`` False) of the file as a whole.

    ``label`` says where the record is in terms a person can find in an editor
    (``row 7``, ``line 3``, ``item 2``); it is empty for a file holding one
    payload. ``line`` is the 1-based line when it is known (CSV, NDJSON).
    """

    file: str
    label: str
    issues: list[Issue]
    line: int | None = None
    is_record: bool = True

    @property
    def errors(self) -> int:
        return sum(i.severity == "error" for i in self.issues)

    @property
    def warnings(self) -> int:
        return sum(i.severity == "warning" for i in self.issues)


class _Prefixed:
    """A binary stream whose first bytes were already read to sniff it; reads serve those first."""

    def __init__(self, head: bytes, rest: ByteSource) -> None:
        self._head = head
        self._rest = rest

    def read(self, size: int = -1, /) -> bytes:
        if self._head:
            if size < 0:
                data, self._head = self._head + self._rest.read(), b""
                return data
            data, self._head = self._head[:size], self._head[size:]
            return data if len(data) == size else data + self._rest.read(size - len(data))
        return self._rest.read(size)


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
    yielded stay valid when a stream fails later on.
    """
    display = STDIN_NAME if str(name) == "-" else str(name)
    if str(name) == "-":
        stream: BinaryIO = stdin if stdin is not None else sys.stdin.buffer
        yield from _check_stream(stream, display, "", type, operation, version, profile)
        return
    path = Path(name)
    if not path.exists():
        raise InputFileError(display, "no such file")
    if path.is_dir():
        raise InputFileError(display, "is a directory, not a file")
    if not path.is_file():
        raise InputFileError(display, "not a regular file")
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise InputFileError(display, exc.strerror or str(exc)) from None
    with handle:
        yield from _check_stream(handle, display, path.suffix.lower(), type, operation, version, profile)


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


# -- sniffing -----------------------------------------------------------------


def _read_head(stream: ByteSource, display: str) -> bytes:
    """Up to ``SNIFF_BYTES``, looping because pipes return short reads."""
    head = b""
    while len(head) < SNIFF_BYTES:
        try:
            chunk = stream.read(SNIFF_BYTES - len(head))
        except OSError as exc:
            raise InputFileError(display, exc.strerror or str(exc)) from None
        if not chunk:
            break
        head += chunk
    return head


def _encoding(head: bytes) -> tuple[str, int]:
    """The codec and the BOM length: the BOM when there is one, else UTF-16 betrayed by its NULs, else UTF-8."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8", 3
    if head.startswith(codecs.BOM_UTF16_LE):
        return "utf-16-le", 2
    if head.startswith(codecs.BOM_UTF16_BE):
        return "utf-16-be", 2
    if len(head) >= 4 and head[0] and not head[1] and head[2] and not head[3]:
        return "utf-16-le", 0
    if len(head) >= 4 and not head[0] and head[1] and not head[2] and head[3]:
        return "utf-16-be", 0
    return "utf-8", 0


def sniff(head: bytes, suffix: str = "", display: str = "") -> Format:
    """Decide the format from the first bytes; raise ``InputFileError`` for empty or binary input.

    ``[`` starts JSON. ``{`` starts JSON unless its first line is a complete
    object followed by more lines, which is NDJSON (a pretty-printed object's
    first line, ``{``, never parses alone). Anything else is CSV, unless the
    name says JSON, in which case parsing it explains what is wrong.
    """
    codec, bom = _encoding(head)
    body = head[bom:]
    if codec == "utf-8" and b"\0" in body:
        at = body.index(b"\0") + bom
        raise InputFileError(display, f"binary data (a NUL byte at byte {at}): not a JSON, NDJSON or CSV text file")
    text = body.decode(codec, errors="replace")
    if not text.strip():
        raise InputFileError(display, "the file is empty" if not body else "the file holds only blank space")
    first = text.lstrip()[:1]
    if first == "[":
        return "json"
    if first == "{":
        lines = [line for line in text.splitlines() if line.strip()]
        if len(lines) >= 2 and _parses(lines[0]):
            return "ndjson"
        return "ndjson" if suffix in (".ndjson", ".jsonl") else "json"
    if suffix in _JSON_SUFFIXES:
        return "ndjson" if suffix in (".ndjson", ".jsonl") else "json"
    return "csv"


def _parses(line: str) -> bool:
    try:
        json.loads(line)
    except (ValueError, RecursionError):
        return False
    return True


def _check_stream(
    stream: BinaryIO,
    display: str,
    suffix: str,
    type: str | None,
    operation: str | None,
    version: str,
    profile: Profile,
) -> Iterator[RecordResult]:
    head = _read_head(stream, display)
    fmt = sniff(head, suffix, display)
    source = _Prefixed(head, stream)
    if fmt == "csv":
        yield from _csv(source, display, version)
        return
    codec, bom = _encoding(head)
    if fmt == "ndjson":
        yield from _ndjson(source, display, codec, bom, type, operation, version, profile)
        return
    yield from _json(source, display, codec, bom, type, operation, version, profile)


# -- CSV ----------------------------------------------------------------------


def _csv(source: ByteSource, display: str, version: str) -> Iterator[RecordResult]:
    """Rows with the Autopilot CSV and upload rules, plus what the contract schema says of each record."""
    reader = AutopilotCsv(source, name=display)
    schema = Validator.for_type(AUTOPILOT_TYPE, version=version, direction="request", profile="contract")
    reported = 0
    for row in reader:
        if len(reader.file_issues) > reported:
            yield RecordResult(display, "file", reader.file_issues[reported:], is_record=False)
            reported = len(reader.file_issues)
        issues = list(row.issues)
        location = Location(display, row=row.row)
        for issue in schema.validate(row.record):
            if not any(i.pointer == issue.pointer and i.code == issue.code for i in row.issues):
                issues.append(replace(issue, location=location))
        yield RecordResult(display, f"row {row.row}", issues, line=row.row)
    if len(reader.file_issues) > reported:
        yield RecordResult(display, "file", reader.file_issues[reported:], is_record=False)


# -- JSON and NDJSON ----------------------------------------------------------


def _decode(raw: bytes, codec: str, bom: int, display: str, line_offset: int = 0) -> str:
    try:
        return raw[bom:].decode(codec)
    except UnicodeDecodeError as exc:
        line = raw[: exc.start + bom].count(b"\n") + 1 + line_offset
        raise InputFileError(
            display, f"not {codec.upper()} text (byte {exc.start + bom}: {exc.reason}); save the file as UTF-8", line
        ) from None


def _loads(text: str, display: str, line_offset: int = 0) -> Any:
    """``json.loads`` whose every failure is an ``InputFileError`` naming the line and column."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputFileError(display, f"not valid JSON: {exc.msg}", exc.lineno + line_offset, exc.colno) from None
    except RecursionError:
        raise InputFileError(display, "not valid JSON: nested too deeply to read", line_offset or 0) from None
    except ValueError as exc:  # e.g. an integer past Python's digit limit
        raise InputFileError(display, f"not valid JSON: {str(exc)[:120]}", line_offset or 0) from None


def _json(
    source: ByteSource,
    display: str,
    codec: str,
    bom: int,
    type: str | None,
    operation: str | None,
    version: str,
    profile: Profile,
) -> Iterator[RecordResult]:
    raw = _read_all(source, MAX_JSON_BYTES + 1)
    if len(raw) > MAX_JSON_BYTES:
        raise InputFileError(
            display, f"more than the {MAX_JSON_BYTES} bytes a JSON file may have; split it, or use NDJSON or CSV"
        )
    text = _decode(raw, codec, bom, display)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        if exc.msg == "Extra data" and text.lstrip().startswith("{"):
            # Objects one after another: NDJSON whose first line did not look complete in the sniffed bytes.
            yield from _ndjson_lines(
                iter(text.splitlines()), display, type, operation, version, profile, lambda raw_line: raw_line
            )
            return
        data = _loads(text, display)
    except (ValueError, RecursionError):
        data = _loads(text, display)
    location = Location(display)
    items: list[Any]
    labels: Callable[[int], str]
    prefix: Callable[[int], str]
    if isinstance(data, list):
        items, labels, prefix = data, lambda i: f"item {i}", lambda i: f"/{i}"
    elif _is_collection(data):
        items, labels, prefix = data["value"], lambda i: f"value[{i}]", lambda i: f"/value/{i}"
    else:
        items, labels, prefix = [data], lambda i: "", lambda i: ""
    pick = _picker(type, operation, version, profile)
    validator, problem = pick(items[0] if items else {})
    if validator is None:
        for index, _item in enumerate(items):
            yield RecordResult(display, labels(index), [replace(problem, location=location)] if problem else [])
        return
    for index, issues in validator.validate_many(items):
        located = [replace(i, pointer=f"{prefix(index)}{i.pointer}", location=i.location or location) for i in issues]
        yield RecordResult(display, labels(index), located)


def _read_all(source: ByteSource, limit: int) -> bytes:
    """Up to ``limit`` bytes, looping over short reads (pipes, standard input)."""
    parts: list[bytes] = []
    total = 0
    while total < limit:
        chunk = source.read(min(SNIFF_BYTES * 16, limit - total))
        if not chunk:
            break
        parts.append(chunk)
        total += len(chunk)
    return b"".join(parts)


def _is_collection(data: Any) -> bool:
    """A Graph collection response, ``{"value": [...]}`` with only ``@odata.*`` annotations beside it."""
    return (
        isinstance(data, dict)
        and isinstance(data.get("value"), list)
        and all(k == "value" or k.startswith("@odata.") for k in data)
    )


def _ndjson(
    source: ByteSource,
    display: str,
    codec: str,
    bom: int,
    type: str | None,
    operation: str | None,
    version: str,
    profile: Profile,
) -> Iterator[RecordResult]:
    """One object per line, read a line at a time (UTF-8), so memory does not grow with the file."""
    if codec != "utf-8":
        text = _decode(_read_all(source, MAX_JSON_BYTES + 1), codec, bom, display)
        yield from _ndjson_lines(iter(text.splitlines()), display, type, operation, version, profile, lambda s: s)
        return

    def lines() -> Iterator[bytes]:
        buf = b""
        first = True
        while True:
            chunk = source.read(SNIFF_BYTES)
            if first and chunk.startswith(codecs.BOM_UTF8):
                chunk = chunk[3:]
            first = False
            if not chunk:
                break
            buf += chunk
            *complete, buf = buf.split(b"\n")
            for line in complete:
                yield line.rstrip(b"\r")
        if buf:
            yield buf.rstrip(b"\r")

    yield from _ndjson_lines(lines(), display, type, operation, version, profile, _decode_line)


def _decode_line(raw: bytes) -> str:
    return raw.decode("utf-8")


def _ndjson_lines(
    lines: Iterator[Any],
    display: str,
    type: str | None,
    operation: str | None,
    version: str,
    profile: Profile,
    decode: Callable[[Any], str],
) -> Iterator[RecordResult]:
    """Validate each parsable line; a line that is not one JSON value is an issue at that line."""
    pending: list[RecordResult] = []
    numbers: list[int] = []

    def objects() -> Iterator[Any]:
        for number, raw in enumerate(lines, 1):
            try:
                text = decode(raw)
            except UnicodeDecodeError as exc:
                pending.append(_bad_line(display, number, f"not UTF-8 text (byte {exc.start} of the line)"))
                continue
            if not text.strip():
                continue
            try:
                obj = json.loads(text)
            except json.JSONDecodeError as exc:
                pending.append(_bad_line(display, number, f"not valid JSON: {exc.msg} (column {exc.colno})"))
                continue
            except (ValueError, RecursionError) as exc:
                detail = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)[:120]
                pending.append(_bad_line(display, number, f"not valid JSON: {detail}"))
                continue
            numbers.append(number)
            yield obj

    stream = objects()
    first = next(stream, _END)
    yield from pending
    pending.clear()
    if first is _END:
        return
    validator, problem = _picker(type, operation, version, profile)(first)

    def all_objects() -> Iterator[Any]:
        yield first
        yield from stream

    results: Iterable[tuple[int, list[Issue]]]
    if validator is None:
        results = ((i, [problem] if problem else []) for i, _obj in enumerate(all_objects()))
    else:
        results = validator.validate_many(all_objects())
    for index, issues in results:
        number = numbers[index]
        # Bad lines read before this object come first, in file order.
        earlier = [p for p in pending if p.line is not None and p.line < number]
        yield from earlier
        del pending[: len(earlier)]
        location = Location(display, line=number)
        yield RecordResult(display, f"line {number}", [replace(i, location=location) for i in issues], line=number)
    yield from pending


_END = object()


def _bad_line(display: str, number: int, message: str) -> RecordResult:
    issue = Issue("", "json", message, location=Location(display, line=number))
    return RecordResult(display, f"line {number}", [issue], line=number)


def _picker(
    type: str | None, operation: str | None, version: str, profile: Profile
) -> Callable[[Any], tuple[Validator | None, Issue | None]]:
    """Pick the schema from the first record; an unknown ``@odata.type`` is that record's issue, not a crash."""

    def pick(sample: Any) -> tuple[Validator | None, Issue | None]:
        if operation:
            return Validator.for_operation(operation, version=version, profile=profile), None
        name = type
        if name is None and isinstance(sample, dict):
            if AUTOPILOT_COLLECTION in sample:
                return Validator.for_operation(f"{AUTOPILOT_TYPE}.import", version=version, profile=profile), None
            odata = sample.get("@odata.type")
            if isinstance(odata, str) and odata:
                try:
                    inferred = odata.lstrip("#").rsplit(".", 1)[-1]
                    return Validator.for_type(inferred, version=version, profile=profile), None
                except UnknownContractError:
                    return None, Issue(
                        "/@odata.type",
                        "odata-type",
                        f"{quote(odata)} names no type with a contract in {version}; name one with --type",
                    )
        return Validator.for_type(name or AUTOPILOT_TYPE, version=version, profile=profile), None

    return pick


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


def _batches(path: Path, size: int) -> Iterator[list[dict[str, str]]]:
    batch: list[dict[str, str]] = []
    for row in AutopilotCsv(path):
        batch.append(device_record(row.record))
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def csv_problems(path: Path, *, version: str = "v1.0", batch_size: int = BATCH_LIMIT) -> Iterator[RecordResult]:
    """First pass of ``csv_to_payloads``: every record with issues, as the batches would be sent.

    The CSV rules run over the whole file (so a duplicate across batches is
    found) except the 500-row limit, which the batching itself satisfies; each
    batch body is then validated as the import action's upload body, one batch
    in memory at a time.
    """
    for result in check_file(path, version=version, profile="upload"):
        issues = [i for i in result.issues if i.code != "batch-size"]
        if issues:
            yield replace(result, issues=issues)
    body_validator = Validator.for_operation(f"{AUTOPILOT_TYPE}.import", version=version, profile="upload")
    for number, batch in enumerate(_batches(path, batch_size), 1):
        issues = body_validator.validate({AUTOPILOT_COLLECTION: batch})
        if any(i.severity == "error" for i in issues):
            yield RecordResult(str(path), f"batch {number}", issues, is_record=False)


def csv_to_payloads(
    path: Path, out_dir: Path, *, batch_size: int = BATCH_LIMIT, version: str = "v1.0"
) -> tuple[list[Path], list[RecordResult]]:
    """Write ``batch-0001.json``... for a CSV without errors; with any error, write nothing.

    Returns the files written and the problems (records with issues; the files
    list is empty when any has an error). The file is read twice rather than
    held: the first pass proves it valid, the second writes the batches into a
    temporary folder beside the output, moved into place only when all are
    written, so a failure half-way leaves no partial set behind.
    """
    if not 1 <= batch_size <= BATCH_LIMIT:
        raise ValueError(f"batch size must be 1..{BATCH_LIMIT}, not {batch_size}")
    problems = list(csv_problems(path, version=version, batch_size=batch_size))
    if any(r.errors for r in problems):
        return [], problems
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    staging = Path(tempfile.mkdtemp(prefix=".graph-contracts-", dir=out_dir))
    try:
        staged: list[Path] = []
        for number, batch in enumerate(_batches(path, batch_size), 1):
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
    return written, problems

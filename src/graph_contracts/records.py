"""Readers: JSON, NDJSON and Autopilot CSV bytes in, ``Record``s out, and nothing else.

The format is read from the content, not the name: admins save CSV files as
``.txt``, pipe JSON through standard input and export NDJSON as ``.json``.
A reader reports only what is wrong with the file *as a file* (it does not
parse, a line is too long, a CSV header is misspelt) and yields each record
with where it came from. Judging the records (the schema, the profile, the
Autopilot rules, duplicates) is ``Validator.validate_many``'s job alone, so a
record means the same whichever format carried it.

An import body (``{"importedWindowsAutopilotDeviceIdentities": [...]}``) is
read as its devices, one record each, plus its envelope (the body without the
devices) so that a report counts devices, not files.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Literal

from . import textio
from .autopilot.catalog import make_issue
from .autopilot.csv_reader import AutopilotCsv
from .errors import InputFileError
from .issues import Issue, Location, pointer_join
from .textio import ByteSource, Overlong

#: JSON is parsed whole; past this size, export NDJSON or CSV (both streamed) or split the file.
MAX_JSON_BYTES = 256 * 1024 * 1024
#: The largest record (an NDJSON line) read; an import body of 500 devices is about 2.2 MB.
MAX_RECORD_BYTES = 16 * 1024 * 1024
#: The name shown for standard input.
STDIN_NAME = "<stdin>"
#: The import action's body property holding the devices.
AUTOPILOT_COLLECTION = "importedWindowsAutopilotDeviceIdentities"

Format = Literal["json", "ndjson", "csv"]
#: What a record is, when the reader knows: one Autopilot device, or an import body's envelope.
Target = Literal["device", "body"]

_JSON_SUFFIXES = (".json", ".ndjson", ".jsonl")


@dataclass(frozen=True, slots=True)
class Record:
    """One record a reader found, or (``is_record`` False) issues of the file as a whole.

    ``pointer`` is where the record sits in its file (``/3`` for an array item),
    put before the pointers of its issues. ``issues`` are the reader's own.
    ``readable`` is False when the record could not be read (a line that is
    not JSON, a CSV row of the wrong shape): only its reader issues count.
    ``columns`` maps a property to its CSV column as the header spells it.
    ``hash_optional`` marks a partner CSV row registering without a hash.
    """

    value: Any
    location: Location
    label: str = ""
    pointer: str = ""
    issues: tuple[Issue, ...] = ()
    readable: bool = True
    is_record: bool = True
    target: Target | None = None
    columns: Mapping[str, str] | None = None
    hash_optional: bool = False

    @property
    def line(self) -> int | None:
        """The 1-based line of the file, when known (CSV rows are lines too)."""
        return self.location.row if self.location.row is not None else self.location.line


def file_issues(display: str, issues: list[Issue]) -> Record:
    """Issues of a file as a whole, as the non-record the readers yield for them."""
    return Record(None, Location(display), "file", issues=tuple(issues), readable=False, is_record=False)


def open_records(
    name: str | Path, *, expand_bodies: bool = True, stdin: BinaryIO | None = None, import_body: bool = False
) -> Iterator[Record]:
    """The records of one file (``-`` is standard input), read lazily.

    Raises ``InputFileError`` when the file cannot be read at all: missing, a
    directory, binary, empty, or JSON that does not parse. Records already
    yielded stay valid when a stream fails later on. ``import_body`` says the
    import action's body is expected, so a bare array of devices is an error.
    """
    if str(name) == "-":
        yield from read_records(stdin if stdin is not None else sys.stdin.buffer, STDIN_NAME, "", expand_bodies,
                                import_body)
        return
    display = str(name)
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
        yield from read_records(handle, display, path.suffix.lower(), expand_bodies, import_body)


def read_records(
    stream: ByteSource, display: str, suffix: str = "", expand_bodies: bool = True, import_body: bool = False
) -> Iterator[Record]:
    """The records of one open binary stream, its format sniffed from the first bytes."""
    head = textio.read_head(stream, display)
    fmt = sniff(head, suffix, display)
    source = textio.Prefixed(head, stream)
    if fmt == "csv":
        yield from _csv(source, display)
    elif fmt == "ndjson":
        yield from _ndjson(source, display, textio.sniff_encoding(head), expand_bodies)
    else:
        yield from _json(source, display, textio.sniff_encoding(head), expand_bodies, import_body)


# -- sniffing -----------------------------------------------------------------


def sniff(head: bytes, suffix: str = "", display: str = "") -> Format:
    """Decide the format from the first bytes; raise ``InputFileError`` for empty or binary input.

    ``[`` starts JSON. ``{`` starts JSON unless its first line is a complete
    object followed by more lines, which is NDJSON (a pretty-printed object's
    first line, ``{``, never parses alone). Anything else is CSV, unless the
    name says JSON, in which case parsing it explains what is wrong.
    """
    encoding = textio.sniff_encoding(head)
    body = head[len(encoding.bom):]
    if not encoding.utf16 and b"\0" in body:
        at = body.index(b"\0") + len(encoding.bom)
        raise InputFileError(display, f"binary data (a NUL byte at byte {at}): not a JSON, NDJSON or CSV text file")
    text = body.decode(_codec(encoding), errors="replace")
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


def _codec(encoding: textio.Encoding) -> str:
    return "utf-8" if encoding.codec == "ansi" else encoding.codec


def _parses(line: str) -> bool:
    try:
        json.loads(line)
    except (ValueError, RecursionError):
        return False
    return True


# -- CSV ----------------------------------------------------------------------


def _csv(source: ByteSource, display: str) -> Iterator[Record]:
    yield from _csv_records(AutopilotCsv(source, name=display))


def _csv_records(reader: AutopilotCsv) -> Iterator[Record]:
    """The rows of a CSV reader as device records, its file issues as they are found."""
    display = reader.file
    reported = 0
    for row in reader:
        if len(reader.file_issues) > reported:
            yield file_issues(display, reader.file_issues[reported:])
            reported = len(reader.file_issues)
        yield Record(row.record, Location(display, row=row.row), f"row {row.row}", issues=tuple(row.issues),
                     readable=row.shaped, target="device", columns=row.columns, hash_optional=row.hash_optional)
    if len(reader.file_issues) > reported:
        yield file_issues(display, reader.file_issues[reported:])


# -- JSON and NDJSON ----------------------------------------------------------


def _decode(raw: bytes, codec: str, display: str) -> str:
    try:
        return raw.decode(codec)
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputFileError(
            display, f"not {codec.upper()} text (byte {exc.start}: {exc.reason}); save the file as UTF-8", line
        ) from None


def _loads(text: str, display: str) -> Any:
    """``json.loads`` whose every failure is an ``InputFileError`` naming the line and column."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputFileError(display, f"not valid JSON: {exc.msg}", exc.lineno, exc.colno) from None
    except RecursionError:
        raise InputFileError(display, "not valid JSON: nested too deeply to read") from None
    except ValueError as exc:  # e.g. an integer past Python's digit limit
        raise InputFileError(display, f"not valid JSON: {str(exc)[:120]}") from None


def _json(
    source: ByteSource, display: str, encoding: textio.Encoding, expand: bool, import_body: bool = False
) -> Iterator[Record]:
    pieces = textio.utf8_chunks(textio.chunks(source, display), encoding, display)
    parts: list[bytes] = []
    total = 0
    for piece in pieces:
        parts.append(piece)
        total += len(piece)
        if total > MAX_JSON_BYTES:
            raise InputFileError(
                display, f"more than the {MAX_JSON_BYTES} bytes a JSON file may have; split it, or use NDJSON or CSV"
            )
    text = _decode(b"".join(parts), "utf-8", display)
    del parts
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        if exc.msg == "Extra data" and text.lstrip().startswith("{"):
            # Objects one after another: NDJSON whose first line did not look complete in the sniffed bytes.
            lines = (line.encode("utf-8", "surrogatepass") for line in text.splitlines())
            yield from _ndjson_lines(lines, display, expand)
            return
        data = _loads(text, display)
    except (ValueError, RecursionError):
        data = _loads(text, display)
    location = Location(display)
    if isinstance(data, list):
        yield from _array(data, location, expand, import_body)
    elif _is_collection(data):
        for index, item in enumerate(data["value"]):
            yield from _expand(item, location, f"value[{index}]", f"/value/{index}", expand)
    else:
        yield from _expand(data, location, "", "", expand)


_WRAPPER = f'{{"{AUTOPILOT_COLLECTION}": [...]}}'


def _looks_like_device(value: Any) -> bool:
    return isinstance(value, dict) and (
        "hardwareIdentifier" in value or "importedWindowsAutopilotDeviceIdentity" in str(value.get("@odata.type")))


def _array(data: list[Any], location: Location, expand: bool, import_body: bool) -> Iterator[Record]:
    """A top-level JSON array: its items, after a word on its shape when it holds (or should be) an import."""
    if not data:
        yield file_issues(location.file, [make_issue(
            "empty-batch", "", "the file holds an empty JSON array: nothing would be uploaded", location=location)])
        return
    if import_body:
        yield file_issues(location.file, [make_issue(
            "import-wrapper", "", f"the import action's body is an object, not an array: wrap the {len(data)} "
            f"devices as {_WRAPPER}; each was checked as a device", location=location)])
    elif all(_looks_like_device(item) for item in data[:10]):
        yield file_issues(location.file, [make_issue(
            "body-array", "", f"a JSON array of {len(data)} device records, each checked as a device; to import "
            f"them, send {_WRAPPER}", location=location)])
    for index, item in enumerate(data):
        if import_body:
            yield Record(item, location, f"item {index}", f"/{index}", target="device")
        else:
            yield from _expand(item, location, f"item {index}", f"/{index}", expand)


def _misnamed_devices(value: dict[str, Any]) -> str | None:
    """The one key of an object holding a list of device records under a name other than the import's."""
    keys = [k for k in value if isinstance(k, str) and not k.startswith("@odata.")]
    found = [k for k in keys if isinstance(value[k], list) and value[k]
             and all(_looks_like_device(d) or (isinstance(d, dict) and "serialNumber" in d) for d in value[k][:10])]
    return found[0] if len(found) == 1 and len(keys) == 1 else None


def _is_collection(data: Any) -> bool:
    """A Graph collection response, ``{"value": [...]}`` with only ``@odata.*`` annotations beside it."""
    return (
        isinstance(data, dict)
        and isinstance(data.get("value"), list)
        and all(isinstance(k, str) and (k == "value" or k.startswith("@odata.")) for k in data)
    )


def _expand(value: Any, location: Location, label: str, pointer: str, expand: bool) -> Iterator[Record]:
    """One record, or an import body's envelope and then each of its devices."""
    devices = value.get(AUTOPILOT_COLLECTION) if expand and isinstance(value, dict) else None
    key = AUTOPILOT_COLLECTION
    issues: list[Issue] = []
    if expand and isinstance(value, dict) and devices is None and (misnamed := _misnamed_devices(value)):
        key, devices = misnamed, value[misnamed]
        issues.append(make_issue(
            "import-wrapper", pointer_join(pointer, key),
            f"{key!r} is not a parameter of the import action: the devices go in {AUTOPILOT_COLLECTION!r}, "
            f"as {_WRAPPER}; rename {key!r}", location=location))
    if not isinstance(devices, list):
        yield Record(value, location, label, pointer)
        return
    if not devices:
        issues.append(make_issue(
            "empty-batch", pointer_join(pointer, AUTOPILOT_COLLECTION),
            f"{AUTOPILOT_COLLECTION!r} is empty: nothing would be uploaded", location=location))
    envelope = {**{k: v for k, v in value.items() if k != key}, AUTOPILOT_COLLECTION: []}
    yield Record(envelope, location, label or "import body", pointer, issues=tuple(issues), is_record=False,
                 target="body")
    for index, device in enumerate(devices):
        name = f"{key}[{index}]"
        yield Record(device, location, f"{label}, {name}" if label else name,
                     pointer_join(pointer, key, index), target="device")


def _ndjson(source: ByteSource, display: str, encoding: textio.Encoding, expand: bool) -> Iterator[Record]:
    """One value per line, read a line at a time, so memory does not grow with the file."""
    pieces = textio.utf8_chunks(textio.chunks(source, display), encoding, display)
    yield from _ndjson_lines(textio.split_lines(pieces, MAX_RECORD_BYTES), display, expand)


def _ndjson_lines(lines: Iterator[bytes | Overlong], display: str, expand: bool) -> Iterator[Record]:
    """Each parsable line's records; a line that is not one JSON value is an issue at that line."""
    for number, raw in enumerate(lines, 1):
        location = Location(display, line=number)
        label = f"line {number}"
        if isinstance(raw, Overlong):
            yield _bad_line(location, "record-too-large",
                            f"the line is {raw.size} bytes, more than the {MAX_RECORD_BYTES} a record may have; "
                            "it was skipped")
            continue
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            yield _bad_line(location, "json", f"not UTF-8 text (byte {exc.start} of the line)")
            continue
        if not text.strip():
            continue
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            yield _bad_line(location, "json", f"not valid JSON: {exc.msg} (column {exc.colno})")
            continue
        except (ValueError, RecursionError) as exc:
            detail = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)[:120]
            yield _bad_line(location, "json", f"not valid JSON: {detail}")
            continue
        yield from _expand(value, location, label, "", expand)


def _bad_line(location: Location, code: str, message: str) -> Record:
    issue = Issue("", code, message, location=location)
    return Record(None, location, f"line {location.line}", issues=(issue,), readable=False)

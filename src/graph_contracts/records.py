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

import itertools
import json
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Literal, cast

from . import textio
from .autopilot.catalog import AUTOPILOT_COLLECTION, make_issue
from .autopilot.csv_reader import AutopilotCsv, CsvRow, PlainRow
from .errors import InputFileError
from .issues import Issue, Location, pointer_join
from .json_text import (
    MAX_RECORD_BYTES,
    Loaded,
    LongNumberFound,
    TextBuffer,
    duplicate_hook,
    duplicate_key_issues,
    duplicate_pointers,
    loads,
    parse_int,
)
from .textio import ByteSource, Overlong

#: JSON is parsed whole; past this size, export NDJSON or CSV (both streamed) or split the file.
MAX_JSON_BYTES = 256 * 1024 * 1024
#: The name shown for standard input.
STDIN_NAME = "<stdin>"

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
    name: str | Path,
    *,
    expand_bodies: bool = True,
    stdin: BinaryIO | None = None,
    import_body: bool = False,
    plain: bool = False,
) -> Iterator[Record | PlainRow]:
    """The records of one file (``-`` is standard input), read lazily.

    Raises ``InputFileError`` when the file cannot be read at all: missing, a
    directory, binary, empty, or JSON that does not parse. Records already
    yielded stay valid when a stream fails later on. ``import_body`` says the
    import action's body is expected, so a bare array of devices is an error. ``plain`` lets CSV
    rows without reader issues come as ``PlainRow`` tuples (``AutopilotCsv.rows``).
    """
    if str(name) == "-":
        yield from read_records(
            stdin if stdin is not None else sys.stdin.buffer, STDIN_NAME, "", expand_bodies, import_body, plain=plain
        )
        return
    display = str(name)
    path = Path(name)
    if not path.exists():
        raise InputFileError(display, "no such file")
    if path.is_dir():
        raise InputFileError(display, "is a directory, not a file")
    if not path.is_file() and not path.is_fifo():
        # A named pipe, or process substitution (`validate <(cat a.csv)`, /dev/fd/63) is read as a stream,
        # as standard input is; a device or socket is refused.
        raise InputFileError(display, "not a regular file or a pipe")
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise InputFileError(display, exc.strerror or str(exc)) from None
    with handle:
        yield from read_records(handle, display, path.suffix.lower(), expand_bodies, import_body, plain=plain)


def read_records(
    stream: ByteSource,
    display: str,
    suffix: str = "",
    expand_bodies: bool = True,
    import_body: bool = False,
    *,
    plain: bool = False,
) -> Iterator[Record | PlainRow]:
    """The records of one open binary stream, its format sniffed from the first bytes."""
    head = textio.read_head(stream, display)
    fmt = sniff(head, suffix, display)
    source = textio.Prefixed(head, stream)
    if fmt == "csv":
        yield from _csv(source, display, plain)
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
    textio.check_encoding(head, display)
    encoding = textio.sniff_encoding(head)
    body = head[len(encoding.bom) :]
    if not encoding.utf16 and (at := textio.binary_start(body)) is not None:
        # Only the start decides: a NUL byte on a later line is that row's or line's error, wherever it is.
        what = "a NUL byte" if body[at] == 0 else f"control byte {body[at]:#04x}"
        raise InputFileError(
            display,
            f"binary data ({what} at byte {at + len(encoding.bom)}): the file does not start "
            "as text, so it is not a JSON, NDJSON or CSV file",
        )
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
        loads(line)
    except (ValueError, RecursionError):
        return False
    return True


# -- CSV ----------------------------------------------------------------------


def _csv(source: ByteSource, display: str, plain: bool) -> Iterator[Record | PlainRow]:
    yield from csv_records(AutopilotCsv(source, name=display), plain=plain)


def csv_record(
    file: str,
    row: int,
    record: dict[str, str],
    columns: Mapping[str, str],
    issues: tuple[Issue, ...] = (),
    *,
    readable: bool = True,
    hash_optional: bool = False,
) -> Record:
    """The device record of one CSV row (and of a ``PlainRow``, which the lane turns back into one)."""
    return Record(
        record,
        Location(file, row=row),
        f"row {row}",
        issues=issues,
        readable=readable,
        target="device",
        columns=columns,
        hash_optional=hash_optional,
    )


def csv_records(reader: AutopilotCsv, *, plain: bool = False) -> Iterator[Record | PlainRow]:
    """The rows of a CSV reader as device records, its file issues as they are found.

    With ``plain``, rows without reader issues may come as ``PlainRow`` tuples (see
    ``AutopilotCsv.rows``): the validator's lane for clean rows (``Validator.check_stream``) takes them.
    """
    display = reader.file
    reported = 0
    for row in reader.rows(plain=plain):
        if type(row) is tuple and len(reader.file_issues) == reported:
            yield row  # the lane's row (the usual one): nothing to report before it
            continue
        own: list[Issue] = []
        if len(reader.file_issues) > reported:
            found = reader.file_issues[reported:]
            reported = len(reader.file_issues)
            if type(row) is not tuple:
                # "This row is the first ..." (quotation marks, non-ASCII text) is reported with that row,
                # so the text report names the row its location names, as JSON does.
                number = cast("CsvRow", row).row
                own = [i for i in found if i.location is not None and i.location.row == number]
                found = [i for i in found if i not in own] if own else found
            if found:
                yield file_issues(display, found)
        if type(row) is tuple:
            yield row
            continue
        assert isinstance(row, CsvRow)
        yield csv_record(
            display,
            row.row,
            row.record,
            row.columns,
            (*own, *row.issues),
            readable=row.shaped,
            hash_optional=row.hash_optional,
        )
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


def _loads(text: str, display: str) -> Loaded:
    """``loads`` whose every failure is an ``InputFileError`` naming the line and column."""
    try:
        return loads(text)
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
    first = next(pieces, b"")
    if first.lstrip()[:1] == b"[":
        yield from _json_array(itertools.chain((first,), pieces), display, expand, import_body)
        return
    parts: list[bytes] = [first]
    total = len(first)
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
        loaded = loads(text)
    except json.JSONDecodeError as exc:
        if exc.msg == "Extra data" and text.lstrip().startswith("{"):
            # Objects one after another: NDJSON whose first line did not look complete in the sniffed bytes.
            lines = (line.encode("utf-8", "surrogatepass") for line in text.splitlines())
            yield from _ndjson_lines(lines, display, expand)
            return
        loaded = _loads(text, display)
    except (ValueError, RecursionError):
        loaded = _loads(text, display)
    location = Location(display)
    if loaded.duplicates:
        yield file_issues(display, list(duplicate_key_issues(loaded.duplicates, location)))
    data = loaded.value
    if _is_collection(data):
        for index, item in enumerate(data["value"]):
            yield from _expand(item, location, f"value[{index}]", f"/value/{index}", expand)
    else:
        yield from _expand(data, location, "", "", expand)


_WRAPPER = f'{{"{AUTOPILOT_COLLECTION}": [...]}}'


def _looks_like_device(value: Any) -> bool:
    return isinstance(value, dict) and (
        "hardwareIdentifier" in value or "importedWindowsAutopilotDeviceIdentity" in str(value.get("@odata.type"))
    )


def _array_shape(first: Any, location: Location, import_body: bool) -> list[Record]:
    """A word on a top-level array's shape, given its first item: it holds (or should be) an import."""
    if import_body:
        return [
            file_issues(
                location.file,
                [
                    make_issue(
                        "import-wrapper",
                        "",
                        f"the import action's body is an object, not an array: wrap the devices as "
                        f"{_WRAPPER}; each item was checked as a device",
                        location=location,
                    )
                ],
            )
        ]
    if _looks_like_device(first):
        return [
            file_issues(
                location.file,
                [
                    make_issue(
                        "body-array",
                        "",
                        f"a JSON array of device records, each checked as a device; to import them, send {_WRAPPER}",
                        location=location,
                    )
                ],
            )
        ]
    return []


def _misnamed_devices(value: dict[str, Any]) -> str | None:
    """The one key of an object holding a list of device records under a name other than the import's."""
    keys = [k for k in value if isinstance(k, str) and not k.startswith("@odata.")]
    found = [
        k
        for k in keys
        if isinstance(value[k], list)
        and value[k]
        and all(_looks_like_device(d) or (isinstance(d, dict) and "serialNumber" in d) for d in value[k][:10])
    ]
    return found[0] if len(found) == 1 and len(keys) == 1 else None


def _json_array(pieces: Iterator[bytes], display: str, expand: bool, import_body: bool = False) -> Iterator[Record]:
    """A top-level array, an item at a time, so memory holds one item however long the file.

    Each item is parsed by the standard library's C decoder (``raw_decode``)
    from a text buffer refilled as needed; an item cut by the end of the
    buffer is parsed again once more text arrived, the buffer at least
    doubling each time so that even one huge item costs linear time, up to
    ``MAX_RECORD_BYTES``, past which reading stops with ``record-too-large``.
    """
    buffer = TextBuffer(pieces, display)
    location = Location(display)
    found: list[tuple[dict[str, Any], list[str]]] = []
    decoder = json.JSONDecoder(object_pairs_hook=duplicate_hook(found))
    buffer.skip_space()
    buffer.expect("[")
    index = 0
    buffer.skip_space()
    if buffer.peek() == "]":
        buffer.advance(1)
        buffer.expect_end()
        yield file_issues(
            display,
            [
                make_issue(
                    "empty-batch",
                    "",
                    "the file holds an empty JSON array: nothing would be uploaded",
                    location=location,
                )
            ],
        )
        return
    while True:
        found.clear()
        try:
            value, size = buffer.decode(decoder, index)
        except LongNumberFound:  # an integer past Python's digit limit: read the item keeping it as text
            found.clear()
            decoder = json.JSONDecoder(object_pairs_hook=duplicate_hook(found), parse_int=parse_int)
            value, size = buffer.decode(decoder, index)
        if size < 0:
            issue = Issue(
                f"/{index}",
                "record-too-large",
                f"item {index} is more than the {MAX_RECORD_BYTES} characters a record may have; "
                "reading the file stopped here",
                location=location,
            )
            yield Record(None, location, f"item {index}", issues=(issue,), readable=False)
            return
        if found:
            pointers = [f"/{index}{p}" for p in duplicate_pointers(value, found)]
            yield file_issues(display, list(duplicate_key_issues(pointers, location)))
        if index == 0:
            yield from _array_shape(value, location, import_body)
        if import_body:
            yield Record(value, location, f"item {index}", f"/{index}", target="device")
        else:
            yield from _expand(value, location, f"item {index}", f"/{index}", expand)
        index += 1
        buffer.skip_space()
        separator = buffer.peek()
        if separator == "]":
            buffer.advance(1)
            buffer.expect_end()
            return
        buffer.expect(",")
        buffer.skip_space()


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
        issues.append(
            make_issue(
                "import-wrapper",
                pointer_join(pointer, key),
                f"{key!r} is not a parameter of the import action: the devices go in {AUTOPILOT_COLLECTION!r}, "
                f"as {_WRAPPER}; rename {key!r}",
                location=location,
            )
        )
    if not isinstance(devices, list):
        yield Record(value, location, label, pointer)
        return
    if not devices:
        issues.append(
            make_issue(
                "empty-batch",
                pointer_join(pointer, AUTOPILOT_COLLECTION),
                f"{AUTOPILOT_COLLECTION!r} is empty: nothing would be uploaded",
                location=location,
            )
        )
    envelope = {**{k: v for k, v in value.items() if k != key}, AUTOPILOT_COLLECTION: []}
    yield Record(
        envelope, location, label or "import body", pointer, issues=tuple(issues), is_record=False, target="body"
    )
    for index, device in enumerate(devices):
        name = f"{key}[{index}]"
        yield Record(
            device, location, f"{label}, {name}" if label else name, pointer_join(pointer, key, index), target="device"
        )


def _ndjson(source: ByteSource, display: str, encoding: textio.Encoding, expand: bool) -> Iterator[Record]:
    """One value per line, read a line at a time, so memory does not grow with the file."""
    pieces = textio.utf8_chunks(textio.chunks(source, display), encoding, display)
    yield from _ndjson_lines(textio.split_lines(pieces, MAX_RECORD_BYTES), display, expand)


def _ndjson_lines(lines: Iterator[bytes | Overlong], display: str, expand: bool, first: int = 1) -> Iterator[Record]:
    """Each parsable line's records (the first numbered ``first``); a line that is not one JSON value is an issue."""
    for number, raw in enumerate(lines, first):
        location = Location(display, line=number)
        label = f"line {number}"
        if isinstance(raw, Overlong):
            yield _bad_line(
                location,
                "record-too-large",
                f"the line is longer than the {MAX_RECORD_BYTES} bytes a record may have; "
                "reading the file stopped here",
            )
            return
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            yield _bad_line(location, "json", f"not UTF-8 text (byte {exc.start} of the line)")
            continue
        if not text.strip():
            continue
        try:
            loaded = loads(text)
        except json.JSONDecodeError as exc:
            yield _bad_line(location, "json", f"not valid JSON: {exc.msg} (column {exc.colno})")
            continue
        except (ValueError, RecursionError) as exc:
            detail = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)[:120]
            yield _bad_line(location, "json", f"not valid JSON: {detail}")
            continue
        if loaded.duplicates:
            yield Record(
                None,
                location,
                label,
                issues=duplicate_key_issues(loaded.duplicates, location),
                readable=False,
                is_record=False,
            )
        yield from _expand(loaded.value, location, label, "", expand)


def _bad_line(location: Location, code: str, message: str) -> Record:
    issue = Issue("", code, message, location=location)
    return Record(None, location, f"line {location.line}", issues=(issue,), readable=False)

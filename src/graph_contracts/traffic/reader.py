"""One reader for recorded HTTP traffic: HAR, vcrpy cassettes, Dev Proxy mock files and NDJSON.


Teams already hold recordings of what their code sent to Graph and what came
back. :func:`read_traffic` turns any of those files into the same thing, a
stream of :class:`Exchange` values (``location, request, response``), so that
``traffic check``, ``traffic scan`` and the SDK gate read traffic one way.

Formats, recognised by content (never by extension alone):

- **HAR 1.2** (``{"log": {"entries": [...]}}``), with ``postData.text`` or
  ``postData.params`` and response ``content.text`` in plain or base64, read
  one entry at a time (``ijson``), so a HAR of any length takes little memory;
- **vcrpy cassettes**, YAML or JSON, the current ``{"interactions": [...]}``
  layout and the old top-level list (vcrpy < 1.0, host/path/port requests),
  bodies as text, bytes or ``!!binary``, gzip/deflate bodies decoded;
- **Dev Proxy mock files** (``{"mocks": [{"request": {...}, "response": {...}}]}``):
  the URL may hold ``*`` wildcards, which are kept (matching treats ``*`` as
  "any segment"); a body ``"@file"`` is read relative to the mock file;
- **NDJSON**, one ``{"request": {...}, "response": {...}}`` object per line.

A file that cannot be read as any of them raises one :class:`TrafficFileError`
naming the file and, where known, the entry or line: never a traceback.

This module recognises a file and streams a HAR; the values it hands out are
in :mod:`.exchange` and each format's entries are read in :mod:`.formats`.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, BinaryIO, Literal, cast

import ijson  # type: ignore[import-untyped]
import yaml

from ..errors import InflateLimitError, InputFileError, TrafficFileError
from .compression import GZIP_MAGIC, inflate, open_gzip
from .exchange import FORMATS, Exchange, Headers, Request, Response, TrafficFormat, TrafficLocation
from .formats import har_exchange, ndjson_exchange, read_devproxy, read_har, read_ndjson, read_vcr

__all__ = [
    "FORMATS",
    "TRAFFIC_SUFFIXES",
    "Exchange",
    "Headers",
    "Request",
    "Response",
    "TrafficFileError",
    "TrafficFormat",
    "TrafficLocation",
    "detect_format",
    "expand_paths",
    "parse_document",
    "parse_text",
    "read_traffic",
]

#: What a stream of a JSON file may raise while it is read: the parser's errors, a broken gzip, bad bytes.
_STREAM_ERRORS = (ijson.JSONError, OSError, EOFError, zlib.error, UnicodeDecodeError)


#: Bytes the JSON parser reads at a time. Its C backend turns a whole buffer into events or entries before
#: handing out the first, so this bounds what it holds: ~1.5 MB of Python objects at ijson's default 64 KiB,
#: ~0.4 MB at 16 KiB, no slower.
_BUFFER = 16 * 1024


def _open_json(path: Path) -> BinaryIO:
    """``path`` opened for reading as a byte stream, gunzipped when it is gzip (reading past the whole-file
    cap raises ``InflateLimitError``), past a UTF-8 BOM."""
    raw = path.open("rb")
    try:
        gzipped = raw.read(2) == GZIP_MAGIC
        raw.seek(0)
        stream = open_gzip(raw) if gzipped else cast(BinaryIO, raw)
        if stream.read(3) != b"\xef\xbb\xbf":  # what parse_document's utf-8-sig decoding drops
            stream.seek(0)
    except (*_STREAM_ERRORS, InflateLimitError):
        raw.close()
        raise
    return stream


def _streams_as_har(path: Path) -> bool:
    """Whether ``path`` is a JSON document whose ``log.entries`` is a list, found without building it.

    Reads events only up to that list (a HAR's ``log.entries`` comes after ``version`` and ``creator``), so
    a HAR costs a few kilobytes here. Anything else (another format, YAML, NDJSON, a file that does not open
    or is broken before that point) answers False, and the whole-document reader takes it, with its errors.
    """
    if path.suffix.lower() in {".ndjson", ".jsonl"}:
        return False
    try:
        with _open_json(path) as stream:
            start = stream.tell()
            if not stream.read(4096).lstrip().startswith(b"{"):
                return False
            stream.seek(start)
            after_entries_key = False
            for prefix, event, value in ijson.parse(stream, buf_size=_BUFFER):
                if after_entries_key:
                    return bool(event == "start_array")
                # a map_key under prefix "log" is a key of the top-level "log" object (a dotted key such as
                # "log.x" has a dotted prefix), so this is log.entries and nothing else
                after_entries_key = event == "map_key" and prefix == "log" and value == "entries"
    except (*_STREAM_ERRORS, InflateLimitError):  # past the cap: parse_document reports it
        return False
    return False


def _stream_har(path: Path, file: str) -> Iterator[Exchange]:
    """The exchanges of a HAR file, one ``log.entries`` item parsed at a time (issue 22: a 100,000-entry HAR
    held whole took ~700 MB). A break in the JSON is reported at the entry the stream had reached."""
    index = 0
    try:
        with _open_json(path) as stream:
            entries = ijson.items(stream, "log.entries.item", use_float=True, buf_size=_BUFFER)
            while True:
                try:
                    raw = next(entries)
                except StopIteration:
                    return
                except InflateLimitError as exc:
                    raise TrafficFileError(file, f"is gzip-compressed and {exc}; not read", entry=index) from None
                except _STREAM_ERRORS as exc:
                    if index == 0:  # broken before its first entry: the whole-document reader's error says where
                        break
                    raise TrafficFileError(
                        file, f"the HAR breaks off or is not valid JSON here: {_reason(exc)}", entry=index
                    ) from None
                yield har_exchange(raw, file, index)
                index += 1
    except (*_STREAM_ERRORS, InflateLimitError) as exc:  # opening, or closing a gzip stream
        raise TrafficFileError(file, f"cannot be read: {_reason(exc)}", entry=index) from None
    yield from read_document(path, file)


def _reason(exc: BaseException) -> str:
    """The first line of a stream error's message (the C parser's goes on to quote the text around it)."""
    detail = exc.args[0] if exc.args else ""
    if isinstance(detail, bytes):
        detail = detail.decode("utf-8", "replace")
    lines = str(detail).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


# -- dispatch


def detect_format(data: Any) -> TrafficFormat | None:
    """Which traffic format a parsed document is, or None when it is none of them."""
    if isinstance(data, Mapping):
        if isinstance(data.get("log"), Mapping) and "entries" in data["log"]:
            return "har"
        if "interactions" in data:
            return "vcr"
        if "mocks" in data:
            return "devproxy"
        if "request" in data and "response" in data:
            return "ndjson"
    if isinstance(data, list) and (not data or (isinstance(data[0], Mapping) and "request" in data[0])):
        return "vcr"
    return None


class _CassetteLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """A safe YAML loader that also reads the ``!!python/unicode``/``str`` tags Python 2 vcrpy wrote."""


class _PlainLoader(getattr(yaml, "CBaseLoader", yaml.BaseLoader)):  # type: ignore[misc]
    """A YAML loader that keeps every scalar a string (no int, bool or date resolved), and bytes for
    ``!!binary``: all the secret scanner needs, and a quarter faster than the safe loader."""


for _tag in ("python/unicode", "python/str"):
    _CassetteLoader.add_constructor(f"tag:yaml.org,2002:{_tag}", yaml.SafeLoader.construct_yaml_str)
    _PlainLoader.add_constructor(f"tag:yaml.org,2002:{_tag}", yaml.SafeLoader.construct_yaml_str)
_PlainLoader.add_constructor("tag:yaml.org,2002:binary", yaml.SafeLoader.construct_yaml_binary)


DocumentKind = Literal["json", "yaml", "ndjson"]


def _parse(text: str, file: str, plain: bool = False) -> tuple[DocumentKind, Any]:
    stripped = text.lstrip()
    if stripped.startswith(("{", "[")):
        try:
            return "json", json.loads(text)
        except ValueError as exc:
            json_error = exc
        first, _, rest = stripped.partition("\n")
        if rest.strip() and first.strip().startswith("{"):
            return "ndjson", text.splitlines()
        line = getattr(json_error, "lineno", 0)
        raise TrafficFileError(file, f"not valid JSON: {json_error}", line=line)
    for tag in _OLD_VCR_TAGS:  # vcrpy < 1.0 tagged its objects; the data underneath is plain
        text = text.replace(tag, "")
    try:
        return "yaml", yaml.load(text, Loader=_PlainLoader if plain else _CassetteLoader)  # both safe
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise TrafficFileError(
            file, f"neither JSON nor YAML: {getattr(exc, 'problem', exc)}", line=(mark.line + 1) if mark else 0
        ) from None


_OLD_VCR_TAGS = (
    "!!python/object:vcr.request.Request",
    "!!python/object/apply:__builtin__.frozenset",
    "!!python/object/apply:builtins.frozenset",
)


def parse_text(text: str, file: str, *, plain: bool = False) -> tuple[DocumentKind, Any]:
    """A traffic file's text parsed but not interpreted: ``json``/``yaml`` and the document, or ``ndjson``
    and its lines. Raises ``TrafficFileError`` when it is neither JSON nor YAML. ``plain`` keeps every
    YAML scalar a string (``!!binary`` bytes), which is all a search for strings needs."""
    return _parse(text, file, plain)


#: What a folder's files must end with to be read as traffic by ``traffic check`` (a file named on its own is
#: always read): HAR, cassettes, mock files, NDJSON, each possibly gzip-compressed.
TRAFFIC_SUFFIXES = (
    ".har",
    ".json",
    ".yaml",
    ".yml",
    ".ndjson",
    ".jsonl",
    ".har.gz",
    ".json.gz",
    ".yaml.gz",
    ".yml.gz",
    ".ndjson.gz",
    ".jsonl.gz",
)


def expand_paths(paths: Iterable[str | Path], suffixes: tuple[str, ...] | None = None) -> list[Path]:
    """The files that ``paths`` name: a file as given, a folder's files recursively in sorted order.

    With ``suffixes``, a folder contributes only the files whose names end with one of them (any case); a
    file named on its own is kept whatever its name. Raises ``InputFileError`` for a path that does not
    exist. The one way ``traffic scan`` and ``traffic check`` read their arguments.
    """
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files += sorted(
                p for p in path.rglob("*") if p.is_file() and (suffixes is None or p.name.lower().endswith(suffixes))
            )
        elif path.is_file():
            files.append(path)
        else:
            raise InputFileError(str(path), "no such file or directory")
    return files


def parse_document(path: Path) -> tuple[DocumentKind, Any, bool]:
    """A traffic file parsed but not interpreted: (``json``/``yaml`` and the document, or ``ndjson``
    and its lines), and whether the file was gzip-compressed. The scrubber rewrites this."""
    file = str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise TrafficFileError(file, exc.strerror or "cannot be read") from None
    compressed = raw[:2] == GZIP_MAGIC
    if compressed:
        try:
            plain = inflate(raw, whole_file=True)
        except InflateLimitError as exc:
            raise TrafficFileError(file, f"is gzip-compressed and {exc}; not read") from None
        if plain is None:
            raise TrafficFileError(file, "is gzip-compressed but does not decompress")
        raw = plain
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TrafficFileError(file, f"is not UTF-8 text (byte {exc.start})") from None
    if path.suffix.lower() in {".ndjson", ".jsonl"}:
        return "ndjson", text.splitlines(), compressed
    kind, data = _parse(text, file)
    return kind, data, compressed


def read_traffic(path: str | Path) -> Iterator[Exchange]:
    """Every exchange recorded in ``path``, in file order.

    Raises :class:`TrafficFileError` (an ``InputFileError``) for a missing or
    unreadable file or one of no known format; a malformed entry raises when
    the stream reaches it, naming the entry.
    """
    file = str(path)
    if _streams_as_har(Path(path)):
        yield from _stream_har(Path(path), file)
    else:
        yield from read_document(Path(path), file)


def read_document(path: Path, file: str) -> Iterator[Exchange]:
    """The exchanges of a file parsed whole: every format but a well-formed HAR, which streams."""
    document, data, _ = parse_document(path)
    if document == "ndjson":
        yield from read_ndjson(data, file)
        return
    kind = detect_format(data)
    if kind == "har":
        yield from read_har(data, file)
    elif kind == "devproxy":
        yield from read_devproxy(data, file)
    elif kind == "vcr":
        interactions = data["interactions"] if isinstance(data, Mapping) else data
        if not isinstance(interactions, list):
            raise TrafficFileError(file, "interactions is not a list")
        yield from read_vcr(interactions, file)
    elif kind == "ndjson":
        yield ndjson_exchange(data, file, 0, 1)
    else:
        raise TrafficFileError(
            file,
            "not recorded traffic: expected HAR (log.entries), a vcrpy cassette (interactions), "
            "a Dev Proxy mock file (mocks) or NDJSON of {request, response}",
        )

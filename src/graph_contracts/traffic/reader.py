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
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import gzip
import json
import zlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Literal, cast
from urllib.parse import urlencode, urlsplit

import ijson  # type: ignore[import-untyped]
import yaml

from ..errors import InputFileError, TrafficFileError

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

TrafficFormat = Literal["har", "vcr", "devproxy", "ndjson"]
FORMATS: tuple[TrafficFormat, ...] = ("har", "vcr", "devproxy", "ndjson")

#: Headers as recorded: (name, value) pairs in order, names as written (case kept).
Headers = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class TrafficLocation:
    """Where an exchange is in its file: ``index`` is the 0-based entry, ``line`` 1-based when known."""

    file: str
    index: int
    format: TrafficFormat
    line: int | None = None

    def __str__(self) -> str:
        return f"{self.file}:{self.line}" if self.line else f"{self.file}#{self.index}"


def _header(headers: Headers, name: str) -> str | None:
    lowered = name.lower()
    for key, value in headers:
        if key.lower() == lowered:
            return value
    return None


@dataclass(frozen=True)
class Request:
    """A recorded request. ``body`` is the bytes sent (decompressed); a mock's ``url`` may hold ``*``."""

    method: str
    url: str
    headers: Headers = ()
    body: bytes = b""

    def header(self, name: str) -> str | None:
        """The first value of header ``name``, any case; None when absent."""
        return _header(self.headers, name)

    @property
    def path(self) -> str:
        """The URL's path (``/v1.0/deviceManagement/...``), whatever the host."""
        return urlsplit(self.url).path


@dataclass(frozen=True)
class Response:
    """A recorded response. ``body`` is decoded from gzip/deflate/base64 to the bytes the client read."""

    status: int
    headers: Headers = ()
    body: bytes = b""
    reason: str = ""

    def header(self, name: str) -> str | None:
        """The first value of header ``name``, any case; None when absent."""
        return _header(self.headers, name)


@dataclass(frozen=True)
class Exchange:
    """One request and its response, and where they were recorded. Unpacks as a 3-tuple."""

    location: TrafficLocation
    request: Request
    response: Response
    #: Extra facts a format carries (e.g. a mock's ``bodyFragment`` or ``nth``), by name.
    extra: Mapping[str, Any] = field(default_factory=dict, compare=False)

    def __iter__(self) -> Iterator[Any]:
        return iter((self.location, self.request, self.response))


# -- helpers shared by every format


def _text(value: Any) -> bytes:
    """A body as recorded (str, bytes, JSON value, None) as bytes."""
    if value is None:
        return b""
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("utf-8", "surrogateescape")
    return json.dumps(value, ensure_ascii=False).encode("utf-8")


def _decode_content(body: bytes, headers: Headers) -> bytes:
    """Undo Content-Encoding gzip/deflate when the body is still compressed (vcrpy may keep it so)."""
    encoding = (_header(headers, "content-encoding") or "").lower()
    if body[:2] == b"\x1f\x8b" and ("gzip" in encoding or not encoding):
        try:
            return gzip.decompress(body)
        except (OSError, EOFError, zlib.error):
            return body
    if "deflate" in encoding:
        for wbits in (zlib.MAX_WBITS, -zlib.MAX_WBITS):
            try:
                return zlib.decompress(body, wbits)
            except zlib.error:
                continue
    return body


def _headers(value: Any, file: str, entry: int, what: str) -> Headers:
    """Headers from any recorded shape: ``[{name, value}]``, ``{name: value}`` or ``{name: [values]}``."""
    if value is None:
        return ()
    out: list[tuple[str, str]] = []
    if isinstance(value, Mapping):
        for key, item in value.items():
            items = item if isinstance(item, list) else [item]
            out.extend((str(key), _scalar(v)) for v in items)
        return tuple(out)
    if isinstance(value, list):
        if len(value) == 1 and isinstance(value[0], list) and all(isinstance(i, list) for i in value[0]):
            value = value[0]  # vcrpy < 1.0: frozenset(...)'s one argument, the list of pairs
        for index, item in enumerate(value):
            if isinstance(item, str) and ":" in item:  # vcrpy < 1.0 kept raw "Name: value\r\n" lines
                name, _, rest = item.partition(":")
                out.append((name.strip(), rest.strip()))
                continue
            if isinstance(item, list) and len(item) == 2:  # vcrpy < 1.0 request headers: [name, value] pairs
                out.append((_scalar(item[0]), _scalar(item[1])))
                continue
            if not isinstance(item, Mapping) or "name" not in item:
                raise TrafficFileError(file, f"{what}[{index}] is not a {{name, value}} object", entry=entry)
            out.append((str(item["name"]), _scalar(item.get("value", ""))))
        return tuple(out)
    raise TrafficFileError(file, f"{what} is neither a list nor an object", entry=entry)


def _scalar(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return "" if value is None else str(value)


def _status(value: Any, file: str, entry: int) -> tuple[int, str]:
    """A status as ``200``, ``"200"`` or vcrpy's ``{code, message}``."""
    reason = ""
    if isinstance(value, Mapping):
        reason = _scalar(value.get("message", ""))
        value = value.get("code")
    if isinstance(value, bool):
        value = None
    try:
        status = int(value) if value is not None else -1
    except (TypeError, ValueError):
        status = -1
    if not 100 <= status <= 599:
        raise TrafficFileError(file, f"response status {value!r} is not an HTTP status", entry=entry)
    return status, reason


def _object(value: Any, file: str, entry: int, what: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise TrafficFileError(file, f"{what} is not an object", entry=entry)
    return value


def _string(value: Any, file: str, entry: int, what: str) -> str:
    if not isinstance(value, str) or not value:
        raise TrafficFileError(file, f"{what} is missing or not a string", entry=entry)
    return value


# -- HAR 1.2


def _har_body(holder: Mapping[str, Any], file: str, entry: int, what: str) -> bytes:
    text = holder.get("text")
    if text is None and holder.get("params"):
        params = holder["params"]
        if not isinstance(params, list):
            raise TrafficFileError(file, f"{what}.params is not a list", entry=entry)
        pairs = [(_scalar(p.get("name")), _scalar(p.get("value"))) for p in params if isinstance(p, Mapping)]
        return urlencode(pairs).encode()
    if text is None:
        return b""
    if not isinstance(text, str):
        raise TrafficFileError(file, f"{what}.text is not a string", entry=entry)
    if str(holder.get("encoding", "")).lower() == "base64":
        try:
            return base64.b64decode(text, validate=False)
        except (binascii.Error, ValueError):
            raise TrafficFileError(file, f"{what}.text is marked base64 but is not", entry=entry) from None
    return text.encode("utf-8", "surrogateescape")


def _read_har(data: Mapping[str, Any], file: str) -> Iterator[Exchange]:
    log = _object(data.get("log"), file, 0, "log")
    entries = log.get("entries")
    if not isinstance(entries, list):
        raise TrafficFileError(file, "log.entries is not a list (not a HAR 1.2 file?)")
    for index, raw in enumerate(entries):
        yield _har_exchange(raw, file, index)


def _har_exchange(raw: Any, file: str, index: int) -> Exchange:
    """One HAR entry (parsed JSON) as an exchange; the whole-document and the streaming reader share it."""
    entry = _object(raw, file, index, "the entry")
    req = _object(entry.get("request"), file, index, "request")
    res = _object(entry.get("response"), file, index, "response")
    req_headers = _headers(req.get("headers"), file, index, "request.headers")
    res_headers = _headers(res.get("headers"), file, index, "response.headers")
    post = req.get("postData")
    content = res.get("content") or {}
    status, reason = _status(res.get("status"), file, index)
    return Exchange(
        TrafficLocation(file, index, "har"),
        Request(
            _string(req.get("method"), file, index, "request.method").upper(),
            _string(req.get("url"), file, index, "request.url"),
            req_headers,
            _har_body(_object(post, file, index, "request.postData"), file, index, "request.postData")
            if post is not None
            else b"",
        ),
        Response(
            status,
            res_headers,
            _decode_content(_har_body(_object(content, file, index, "response.content"), file, index,
                                      "response.content"), res_headers),
            _scalar(res.get("statusText", reason)),
        ),
        _har_timing(entry),
    )


#: What a stream of a JSON file may raise while it is read: the parser's errors, a broken gzip, bad bytes.
_STREAM_ERRORS = (ijson.JSONError, OSError, EOFError, zlib.error, UnicodeDecodeError)


#: Bytes the JSON parser reads at a time. Its C backend turns a whole buffer into events or entries before
#: handing out the first, so this bounds what it holds: ~1.5 MB of Python objects at ijson's default 64 KiB,
#: ~0.4 MB at 16 KiB, no slower.
_BUFFER = 16 * 1024


def _open_json(path: Path) -> BinaryIO:
    """``path`` opened for reading as a byte stream, gunzipped when it is gzip, past a UTF-8 BOM."""
    raw = path.open("rb")
    try:
        gzipped = raw.read(2) == b"\x1f\x8b"
        raw.seek(0)
        stream = cast(BinaryIO, gzip.GzipFile(fileobj=raw) if gzipped else raw)
        if stream.read(3) != b"\xef\xbb\xbf":  # what parse_document's utf-8-sig decoding drops
            stream.seek(0)
    except _STREAM_ERRORS:
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
    except _STREAM_ERRORS:
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
                except _STREAM_ERRORS as exc:
                    if index == 0:  # broken before its first entry: the whole-document reader's error says where
                        break
                    raise TrafficFileError(file, f"the HAR breaks off or is not valid JSON here: {_reason(exc)}",
                                           entry=index) from None
                yield _har_exchange(raw, file, index)
                index += 1
    except _STREAM_ERRORS as exc:  # opening, or closing a gzip stream
        raise TrafficFileError(file, f"cannot be read: {_reason(exc)}", entry=index) from None
    yield from _read_document(path, file)


def _reason(exc: BaseException) -> str:
    """The first line of a stream error's message (the C parser's goes on to quote the text around it)."""
    detail = exc.args[0] if exc.args else ""
    if isinstance(detail, bytes):
        detail = detail.decode("utf-8", "replace")
    lines = str(detail).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def _har_timing(entry: Mapping[str, Any]) -> dict[str, float]:
    """``started`` (epoch seconds) and ``elapsed`` (seconds) of a HAR entry, when it records them readably.

    What the SDK gate's traffic checks time (a retry sooner than ``Retry-After``); a HAR without them is
    still read, only not timed.
    """
    out: dict[str, float] = {}
    started = entry.get("startedDateTime")
    if isinstance(started, str):
        try:
            moment = dt.datetime.fromisoformat(started.replace("Z", "+00:00"))
        except ValueError:
            moment = None
        if moment is not None and moment.tzinfo is not None:
            out["started"] = moment.timestamp()
    elapsed = entry.get("time")
    if isinstance(elapsed, int | float) and not isinstance(elapsed, bool) and elapsed >= 0:
        out["elapsed"] = float(elapsed) / 1000
    return out


# -- vcrpy cassettes


def _vcr_body(value: Any) -> bytes:
    """vcrpy bodies: a str/bytes, or ``{"string": ...}`` (any version), or base64 ``{"base64_string"}``."""
    if isinstance(value, Mapping):
        if "base64_string" in value:
            try:
                return base64.b64decode(str(value["base64_string"]))
            except (binascii.Error, ValueError):
                return b""
        value = value.get("string")
    return _text(value)


def _vcr_url(req: Mapping[str, Any], file: str, index: int) -> str:
    if isinstance(req.get("uri"), str):
        return str(req["uri"])
    if isinstance(req.get("url"), str):
        return str(req["url"])
    if isinstance(req.get("path"), str):  # vcrpy < 1.0: protocol, host, port, path
        scheme = str(req.get("protocol") or "https")
        host = str(req.get("host") or "localhost")
        port = req.get("port")
        default = {"http": 80, "https": 443}.get(scheme)
        netloc = host if port in (None, default) else f"{host}:{port}"
        return f"{scheme}://{netloc}{req['path']}"
    raise TrafficFileError(file, "request has no uri", entry=index)


def _read_vcr(interactions: list[Any], file: str) -> Iterator[Exchange]:
    for index, raw in enumerate(interactions):
        item = _object(raw, file, index, "the interaction")
        req = _object(item.get("request"), file, index, "request")
        res = _object(item.get("response"), file, index, "response")
        req_headers = _headers(req.get("headers"), file, index, "request.headers")
        res_headers = _headers(res.get("headers"), file, index, "response.headers")
        status, reason = _status(res.get("status", res.get("status_code")), file, index)
        yield Exchange(
            TrafficLocation(file, index, "vcr"),
            Request(
                _string(req.get("method"), file, index, "request.method").upper(),
                _vcr_url(req, file, index),
                req_headers,
                _decode_content(_vcr_body(req.get("body")), req_headers),
            ),
            Response(status, res_headers, _decode_content(_vcr_body(res.get("body")), res_headers), reason),
        )


# -- Dev Proxy mock files


def _mock_body(value: Any, base: Path) -> bytes:
    if isinstance(value, str) and value.startswith("@"):
        target = base / value[1:]
        try:
            return target.read_bytes()
        except OSError:
            return value.encode("utf-8")
    return _text(value)


def _read_devproxy(data: Mapping[str, Any], file: str) -> Iterator[Exchange]:
    mocks = data.get("mocks")
    if not isinstance(mocks, list):
        raise TrafficFileError(file, "mocks is not a list")
    base = Path(file).parent
    for index, raw in enumerate(mocks):
        mock = _object(raw, file, index, "the mock")
        req = _object(mock.get("request"), file, index, "request")
        res = _object(mock.get("response", {}), file, index, "response")
        fragment = req.get("bodyFragment")
        extra = {k: req[k] for k in ("bodyFragment", "nth") if k in req}
        yield Exchange(
            TrafficLocation(file, index, "devproxy"),
            Request(
                str(req.get("method") or "GET").upper(),
                _string(req.get("url"), file, index, "request.url"),
                (),
                _text(fragment) if isinstance(fragment, str) else b"",
            ),
            Response(
                _status(res.get("statusCode", 200), file, index)[0],
                _headers(res.get("headers"), file, index, "response.headers"),
                _mock_body(res.get("body"), base),
            ),
            extra,
        )


# -- NDJSON


def _ndjson_exchange(obj: Any, file: str, index: int, line: int) -> Exchange:
    item = _object(obj, file, index, "the line")
    req = _object(item.get("request"), file, index, "request")
    res = _object(item.get("response"), file, index, "response")
    req_headers = _headers(req.get("headers"), file, index, "request.headers")
    res_headers = _headers(res.get("headers"), file, index, "response.headers")
    status, reason = _status(res.get("status", res.get("statusCode")), file, index)
    return Exchange(
        TrafficLocation(file, index, "ndjson", line),
        Request(
            _string(req.get("method"), file, index, "request.method").upper(),
            _string(req.get("url", req.get("uri")), file, index, "request.url"),
            req_headers,
            _text(req.get("body")),
        ),
        Response(status, res_headers, _text(res.get("body")), reason),
    )


def _read_ndjson(lines: Iterable[str], file: str) -> Iterator[Exchange]:
    index = 0
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except ValueError as exc:
            raise TrafficFileError(file, f"line is not JSON: {exc}", line=number, entry=index) from None
        yield _ndjson_exchange(obj, file, index, number)
        index += 1


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
        raise TrafficFileError(file, f"neither JSON nor YAML: {getattr(exc, 'problem', exc)}",
                               line=(mark.line + 1) if mark else 0) from None


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
TRAFFIC_SUFFIXES = (".har", ".json", ".yaml", ".yml", ".ndjson", ".jsonl", ".har.gz", ".json.gz", ".yaml.gz",
                    ".yml.gz", ".ndjson.gz", ".jsonl.gz")


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
            files += sorted(p for p in path.rglob("*") if p.is_file()
                            and (suffixes is None or p.name.lower().endswith(suffixes)))
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
    compressed = raw[:2] == b"\x1f\x8b"
    if compressed:
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error):
            raise TrafficFileError(file, "is gzip-compressed but does not decompress") from None
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
        yield from _read_document(Path(path), file)


def _read_document(path: Path, file: str) -> Iterator[Exchange]:
    """The exchanges of a file parsed whole: every format but a well-formed HAR, which streams."""
    document, data, _ = parse_document(path)
    if document == "ndjson":
        yield from _read_ndjson(data, file)
        return
    kind = detect_format(data)
    if kind == "har":
        yield from _read_har(data, file)
    elif kind == "devproxy":
        yield from _read_devproxy(data, file)
    elif kind == "vcr":
        interactions = data["interactions"] if isinstance(data, Mapping) else data
        if not isinstance(interactions, list):
            raise TrafficFileError(file, "interactions is not a list")
        yield from _read_vcr(interactions, file)
    elif kind == "ndjson":
        yield _ndjson_exchange(data, file, 0, 1)
    else:
        raise TrafficFileError(
            file, "not recorded traffic: expected HAR (log.entries), a vcrpy cassette (interactions), "
            "a Dev Proxy mock file (mocks) or NDJSON of {request, response}"
        )

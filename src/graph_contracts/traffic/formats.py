"""Each traffic format's entries into :class:`~.exchange.Exchange` values: HAR, vcrpy, Dev Proxy, NDJSON.

``reader`` recognises the format of a document and calls the matching
``_read_*`` here (``reader`` also streams a large HAR, entry by entry, into ``har_exchange``).
Every fault raises :class:`TrafficFileError` naming the file and entry.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from ..errors import InflateLimitError, TrafficFileError
from .compression import GZIP_MAGIC, inflate
from .exchange import Exchange, Headers, Request, Response, TrafficLocation, header_value

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


def _decode_content(body: bytes, headers: Headers, file: str, entry: int, what: str) -> bytes:
    """Undo Content-Encoding gzip/deflate when the body is still compressed (vcrpy may keep it so).

    A body that does not inflate is kept as recorded; one that inflates past the cap raises
    ``TrafficFileError`` naming the entry, since checking what is left would judge a body never read."""
    encoding = (header_value(headers, "content-encoding") or "").lower()
    if (body[:2] == GZIP_MAGIC and ("gzip" in encoding or not encoding)) or "deflate" in encoding:
        try:
            plain = inflate(body)
        except InflateLimitError as exc:
            raise TrafficFileError(file, f"{what} {exc}; not read", entry=entry) from None
        return body if plain is None else plain
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


def read_har(data: Mapping[str, Any], file: str) -> Iterator[Exchange]:
    log = _object(data.get("log"), file, 0, "log")
    entries = log.get("entries")
    if not isinstance(entries, list):
        raise TrafficFileError(file, "log.entries is not a list (not a HAR 1.2 file?)")
    for index, raw in enumerate(entries):
        yield har_exchange(raw, file, index)


def har_exchange(raw: Any, file: str, index: int) -> Exchange:
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
            _decode_content(
                _har_body(_object(content, file, index, "response.content"), file, index, "response.content"),
                res_headers,
                file,
                index,
                "response.content",
            ),
            _scalar(res.get("statusText", reason)),
        ),
        _har_timing(entry),
    )


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


def read_vcr(interactions: list[Any], file: str) -> Iterator[Exchange]:
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
                _decode_content(_vcr_body(req.get("body")), req_headers, file, index, "request.body"),
            ),
            Response(
                status,
                res_headers,
                _decode_content(_vcr_body(res.get("body")), res_headers, file, index, "response.body"),
                reason,
            ),
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


def read_devproxy(data: Mapping[str, Any], file: str) -> Iterator[Exchange]:
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


def ndjson_exchange(obj: Any, file: str, index: int, line: int) -> Exchange:
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


def read_ndjson(lines: Iterable[str], file: str) -> Iterator[Exchange]:
    index = 0
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except ValueError as exc:
            raise TrafficFileError(file, f"line is not JSON: {exc}", line=number, entry=index) from None
        yield ndjson_exchange(obj, file, index, number)
        index += 1

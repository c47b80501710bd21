"""Cassettes: record Graph exchanges with vcrpy, scrubbed of secrets, and replay them anywhere.

:func:`graph_vcr` configures vcrpy so that

- requests match on method, path, query and the body compared as JSON
  (key order ignored; the ``json_body`` matcher), never on scheme, host or
  port, so a cassette recorded against the emulator on one port replays
  against any base URL;
- nothing secret reaches the disk: the before-record hooks apply the one
  secret rule table (:mod:`graph_contracts.traffic.secrets`, shared with
  ``traffic scan`` and ``traffic scrub``) to every header, the URL and both
  bodies, replace the tenant in token-endpoint paths and optionally UPNs
  and Autopilot hardware hashes. Replacements are *stable* (a constant
  placeholder, or a fake derived from a hash of the original, same shape),
  and vcrpy runs the same hooks on a live request before matching it, so a
  replay of scrubbed data still matches;
- the cassette is scanned with ``traffic scan``'s scanner (its structure
  and its text) before it is written, wherever it goes: a cassette in which a credential remains is
  not written, and :class:`~graph_contracts.traffic.scan.SecretLeakError`
  names the rule and line;
- a request missing from the cassette raises
  :class:`~graph_contracts.errors.CassetteMissError` naming the method and
  URL, when the ``use_cassette`` block is left.

:func:`scan_for_secrets` is the same scanner, for files and folders.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, urlsplit, urlunsplit

import vcr
from vcr.errors import CannotOverwriteExistingCassetteException
from vcr.persisters.filesystem import FilesystemPersister
from vcr.serialize import serialize

from graph_contracts.contracts.model import GUID
from graph_contracts.errors import CassetteMissError, ConfigurationError
from graph_contracts.traffic.exchange import header_value
from graph_contracts.traffic.scan import SecretFinding, SecretLeakError, scan_paths, scan_text
from graph_contracts.traffic.secrets import PLACEHOLDER, Redactor, rewrite_body, scrub_header

__all__ = [
    "MATCH_ON",
    "PLACEHOLDER",
    "RECORD_MODES",
    "SecretFinding",
    "SecretLeakError",
    "cassette_path",
    "closest_recorded",
    "graph_request",
    "graph_vcr",
    "json_body",
    "scan_for_secrets",
    "scrub_request",
    "scrub_response",
]

RECORD_MODES = ("none", "once", "new_episodes", "all")
#: vcrpy matchers of a replay: one, which compares method, path, query and body in that order (see ``graph_request``).
MATCH_ON = ("graph_request",)

_WELL_KNOWN_TENANTS = frozenset({"common", "organizations", "consumers"})
_TOKEN_PATH = re.compile(r"^/(?P<tenant>[^/]+)(?P<rest>/oauth2/(?:v2\.0/)?token/?)$")
_FAKE_GUID_PREFIX = "00000000-0000-4000-8000-"
_FAKE_DOMAIN = "example.invalid"
_UPN = re.compile(
    r"(?<![\w.%+-])(?P<local>[A-Za-z0-9._+-]+)(?P<at>@|%40)"
    r"(?P<domain>[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})(?![\w-])"
)
_HASH_KEY = "hardwareIdentifier"
_HASH_MIN_LENGTH = 16
_HASH_MARKER = b"SCRUBBED-HARDWARE-HASH:"
_FAKE_HASH_PREFIX = base64.b64encode(_HASH_MARKER[:21]).decode("ascii")


def _digest(kind: str, value: str) -> str:
    return hashlib.sha256(f"{kind}:{value}".encode()).hexdigest()


def _fake_tenant(tenant: str) -> str:
    """A stable stand-in for a tenant id: a GUID stays GUID-shaped, a domain stays a domain."""
    if tenant.lower() in _WELL_KNOWN_TENANTS or tenant.startswith(_FAKE_GUID_PREFIX):
        return tenant
    if tenant.endswith("." + _FAKE_DOMAIN):
        return tenant
    digest = _digest("tenant", tenant.lower())
    if GUID.fullmatch(tenant):
        return _FAKE_GUID_PREFIX + digest[:12]
    return f"tenant-{digest[:8]}.{_FAKE_DOMAIN}"


def _fake_upn(match: re.Match[str]) -> str:
    if match["domain"].lower() == _FAKE_DOMAIN:
        return match[0]
    original = f"{match['local']}@{match['domain']}".lower()
    return f"user-{_digest('upn', original)[:8]}{match['at']}{_FAKE_DOMAIN}"


def pseudonymize_upns(text: str) -> str:
    """Every UPN in ``text`` replaced by its stable fake, as cassettes store it."""
    return _UPN.sub(_fake_upn, text)


def _fake_hash(value: str) -> str:
    """A synthetic base64 value of the same length, stable for a given hash."""
    if value.startswith(_FAKE_HASH_PREFIX):
        return value
    seed = _digest("hash", value).encode("ascii")
    filler = hashlib.sha256(seed).digest()
    while len(filler) < len(value):
        filler += hashlib.sha256(filler[-32:]).digest()
    raw = _HASH_MARKER + filler
    try:
        decoded_length = len(base64.b64decode(value, validate=True))
    except (binascii.Error, ValueError):
        decoded_length = -1
    fake = base64.b64encode(raw[:decoded_length]).decode("ascii") if decoded_length > 0 else ""
    if len(fake) != len(value):
        fake = base64.b64encode(raw).decode("ascii")[: len(value)]
    return fake


@dataclass(frozen=True)
class _Scrubbing:
    """Which optional scrubbing applies, shared by the request and response hooks."""

    upns: bool = False
    hashes: bool = False

    def json(self, value: Any) -> Any:
        if isinstance(value, dict):
            return {key: self._member(key, item) for key, item in value.items()}
        if isinstance(value, list):
            return [self.json(item) for item in value]
        if isinstance(value, str) and self.upns:
            return pseudonymize_upns(value)
        return value

    def _member(self, key: str, value: Any) -> Any:
        if self.hashes and key == _HASH_KEY and isinstance(value, str) and len(value) >= _HASH_MIN_LENGTH:
            return _fake_hash(value)
        return self.json(value)

    def text(self, text: str) -> str:
        return pseudonymize_upns(text) if self.upns else text

    def body(self, body: bytes) -> bytes:
        """The scrubbed body; the original bytes when nothing needed replacing.

        Credentials go by the shared rule table whatever the Content-Type says
        (a form sent as text/plain is still a form); JSON is rewritten member
        by member, anything else scrubbed as text.
        """
        if not body:
            return body
        scrubbed = Redactor().body(body)
        return rewrite_body(scrubbed, self.json, self.text) if self.upns or self.hashes else scrubbed

    def uri(self, uri: str) -> str:
        parts = urlsplit(Redactor().string(uri))
        path = parts.path
        token = _TOKEN_PATH.match(path)
        if token:
            path = f"/{_fake_tenant(token['tenant'])}{token['rest']}"
        query = parts.query
        if self.upns:
            path, query = pseudonymize_upns(path), pseudonymize_upns(query)
        return urlunsplit((parts.scheme, parts.netloc, path, query, parts.fragment))


def _scrub_header(name: str, value: str, scrubbing: _Scrubbing) -> str:
    return scrubbing.text(scrub_header(name, value))


def scrub_request(request: Any, *, scrub_upns: bool = False, scrub_hashes: bool = False) -> Any:
    """vcrpy's before_record_request hook: the request as it may be written to disk.

    vcrpy hands in a deep copy and runs this hook both before recording and
    before matching a live request, which is why every replacement must be a
    deterministic function of the original.
    """
    scrubbing = _Scrubbing(scrub_upns, scrub_hashes)
    for key in list(request.headers):
        value = request.headers[key]
        if isinstance(value, list):
            request.headers[key] = [_scrub_header(key, str(v), scrubbing) for v in value]
        else:
            request.headers[key] = _scrub_header(key, str(value), scrubbing)
    request.uri = scrubbing.uri(request.uri)
    body = request.body
    if isinstance(body, str):
        body = body.encode("utf-8")
    if isinstance(body, bytes):
        scrubbed = scrubbing.body(body)
        if scrubbed != body:
            request.body = scrubbed
            for key in list(request.headers):
                if key.lower() == "content-length":
                    request.headers[key] = str(len(scrubbed))
    return request


def scrub_response(response: dict[str, Any], *, scrub_upns: bool = False, scrub_hashes: bool = False) -> dict[str, Any]:
    """vcrpy's before_record_response hook: the response as it may be written to disk.

    Set-Cookie and Set-Cookie2 (Entra sets session cookies on the token
    endpoint), a SAS signature in a Location header and tokens in the body,
    error messages included, are replaced; Content-Length follows the new
    body so a replayed response is well formed.
    """
    scrubbing = _Scrubbing(scrub_upns, scrub_hashes)
    headers: dict[str, list[str]] = response.get("headers", {})
    for key in list(headers):
        headers[key] = [_scrub_header(key, str(value), scrubbing) for value in headers[key]]
    body_holder = response.get("body", {})
    body = body_holder.get("string")
    if isinstance(body, str):
        body = body.encode("utf-8")
    if isinstance(body, bytes):
        scrubbed = scrubbing.body(body)
        if scrubbed != body:
            body_holder["string"] = scrubbed
            for key in list(headers):
                if key.lower() == "content-length":
                    headers[key] = [str(len(scrubbed))]
    return response


_NOT_JSON = object()


def _body_bytes(request: Any) -> bytes:
    body = request.body
    if body is None:
        return b""
    if isinstance(body, str):
        return body.encode("utf-8")
    if isinstance(body, bytes):
        return body
    if hasattr(body, "read"):
        data: bytes = body.read()
        return data
    return bytes(body)


def _parse_json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return _NOT_JSON


def _first_difference(live: Any, recorded: Any, pointer: str = "") -> str:
    """JSON pointer of the first place two documents differ (for the mismatch message)."""
    if isinstance(live, dict) and isinstance(recorded, dict):
        for key in sorted(set(live) | set(recorded)):
            if key not in live or key not in recorded:
                return f"{pointer}/{key}"
            inner = _first_difference(live[key], recorded[key], f"{pointer}/{key}")
            if inner:
                return inner
        return ""
    if isinstance(live, list) and isinstance(recorded, list) and len(live) == len(recorded):
        for index, (a, b) in enumerate(zip(live, recorded, strict=True)):
            inner = _first_difference(a, b, f"{pointer}/{index}")
            if inner:
                return inner
        return ""
    return "" if _canonical(live) == _canonical(recorded) else (pointer or "/")


def _canonical(value: Any) -> str:
    # json.dumps keeps true apart from 1 and 1 apart from 1.0, which == would not.
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def _memo(request: Any, name: str, source: Any, compute: Callable[[], Any]) -> Any:
    """A value derived from a request, kept on it while ``source`` (what it was derived from) is unchanged.

    vcrpy compares each request with every recorded one and runs every
    matcher each time: a 700-request cassette made ~460,000 comparisons, and
    parsing the query and the JSON body again in each took most of a replay.
    """
    if source is None:
        return compute()
    memo = request.__dict__.setdefault("_graph_contracts_memo", {})
    kept = memo.get(name)
    if kept is not None and kept[0] is source:
        return kept[1]
    value = compute()
    memo[name] = (source, value)
    return value


def query(live: Any, recorded: Any) -> None:
    """vcrpy matcher: the same query parameters in any order (vcrpy's own, computed once per request)."""
    mine = _memo(live, "query", live.uri, lambda: live.query)
    theirs = _memo(recorded, "query", recorded.uri, lambda: recorded.query)
    if mine != theirs:
        raise AssertionError(f"{mine} != {theirs}")


def _canonical_body(request: Any) -> tuple[bytes, str | None]:
    """The body's bytes and, when it is JSON, its canonical text (computed once per request)."""

    def compute() -> tuple[bytes, str | None]:
        raw = _body_bytes(request)
        if not raw:
            return raw, None
        parsed = _parse_json(raw)
        return raw, None if parsed is _NOT_JSON else _canonical(parsed)

    result: tuple[bytes, str | None] = _memo(request, "body", getattr(request, "_body", None), compute)
    return result


def json_body(live: Any, recorded: Any) -> None:
    """vcrpy matcher: request bodies equal as JSON (key order ignored), as forms, or byte for byte.

    Raises ``AssertionError`` saying where they differ, which vcrpy shows in
    its "closest recorded requests" explanation. Both sides have already been
    scrubbed by the before-record hook.
    """
    (live_body, live_canonical), (recorded_body, recorded_canonical) = _canonical_body(live), _canonical_body(recorded)
    if live_body == recorded_body:
        return
    if live_canonical is not None and recorded_canonical is not None:
        if live_canonical != recorded_canonical:
            where = _first_difference(json.loads(live_body), json.loads(recorded_body))
            raise AssertionError(f"JSON bodies differ at {where or '/'}")
        return
    content_type = (header_value(live.headers.items(), "content-type") or "").lower()
    if "x-www-form-urlencoded" in content_type:
        live_form = sorted(parse_qsl(live_body.decode("utf-8", "replace"), keep_blank_values=True))
        recorded_form = sorted(parse_qsl(recorded_body.decode("utf-8", "replace"), keep_blank_values=True))
        if live_form == recorded_form:
            return
        differing = sorted({k for k, _ in set(live_form) ^ set(recorded_form)})
        raise AssertionError(f"form bodies differ in {', '.join(differing)}")
    raise AssertionError(f"bodies differ ({len(live_body)} bytes in this request, {len(recorded_body)} recorded)")


def _method(live: Any, recorded: Any) -> None:
    if live.method != recorded.method:
        raise AssertionError(f"{live.method} != {recorded.method}")


def _path(live: Any, recorded: Any) -> None:
    if (live.path or "/") != (recorded.path or "/"):
        raise AssertionError(f"{live.path} != {recorded.path}")


#: The parts of a request a replay compares, cheapest first.
REQUEST_PARTS: tuple[tuple[str, Callable[[Any, Any], None]], ...] = (
    ("method", _method),
    ("path", _path),
    ("query", query),
    ("body", json_body),
)


def graph_request(live: Any, recorded: Any) -> bool:
    """vcrpy matcher: method, path, query and body equal, stopping at the first part that differs.

    One matcher rather than one per part: vcrpy runs every matcher of its
    list against every recorded request, for every request (a 700-request
    cassette took ~460,000 comparisons), and stops at none. When nothing
    matches, ``closest_recorded`` says which part differed.
    """
    # Method and path compared here, not by raising as ``REQUEST_PARTS`` do: most pairs differ in
    # them, and an exception per pair cost more than the comparison.
    if live.method != recorded.method or (live.path or "/") != (recorded.path or "/"):
        return False
    try:
        query(live, recorded)
        json_body(live, recorded)
    except AssertionError:
        return False
    return True


def closest_recorded(request: Any, recorded: list[Any], limit: int = 3) -> list[str]:
    """The recorded requests that agree with ``request`` on the most parts, each with the first part that differs."""
    scored = []
    for index, candidate in enumerate(recorded):
        agreed, differs = 0, ""
        for name, part in REQUEST_PARTS:
            try:
                part(request, candidate)
            except AssertionError as exc:
                differs = differs or f"{name}: {exc}"
                continue
            agreed += 1
        scored.append((-agreed, index, f"{candidate.method} {candidate.uri} ({differs})"))
    return [line for _, _, line in sorted(scored)[:limit]]


class _TranslatedCassette(contextlib.ContextDecorator):
    """A cassette context that turns vcrpy's "not in cassette" error into ``CassetteMissError``."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def __enter__(self) -> Any:
        return self._inner.__enter__()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool:
        suppressed = bool(self._inner.__exit__(exc_type, exc, tb))
        if isinstance(exc, CannotOverwriteExistingCassetteException):
            raise _miss(exc) from exc
        return suppressed


def _miss(exc: Any) -> CassetteMissError:
    request = getattr(exc, "failed_request", None)
    cassette = getattr(exc, "cassette", None)
    detail = str(exc)
    if request is not None and cassette is not None:
        closest = closest_recorded(cassette._before_record_request(request), list(getattr(cassette, "requests", [])))
        if closest:
            detail += "\nclosest recorded requests:\n" + "\n".join(f"  {line}" for line in closest)
    return CassetteMissError(
        str(getattr(request, "method", "?")),
        str(getattr(request, "uri", "?")),
        str(getattr(cassette, "_path", "?")),
        detail,
    )


class _GraphVCR(vcr.VCR):  # type: ignore[misc]  # vcrpy ships no type hints
    """vcr.VCR whose ``use_cassette(path)`` raises ``CassetteMissError`` for unrecorded requests."""

    def use_cassette(self, path: Any = None, **kwargs: Any) -> Any:
        inner = super().use_cassette(path, **kwargs)
        if path is None or callable(path):
            return inner
        return _TranslatedCassette(inner)


def graph_vcr(
    cassette_dir: str | Path,
    record_mode: str = "none",
    scrub_upns: bool = False,
    scrub_hashes: bool = False,
) -> vcr.VCR:
    """A vcrpy ``VCR`` configured for Graph cassettes under ``cassette_dir``.

    ``record_mode`` is one of ``none`` (replay only; the safe default: no
    accidental network), ``once``, ``new_episodes`` or ``all``. Use it as
    ``with graph_vcr(dir).use_cassette(cassette_path(nodeid)): ...``.
    Compressed responses are decoded before recording so the scrubbing can
    read them.
    """
    if record_mode not in RECORD_MODES:
        raise ConfigurationError("record mode", f"unknown record mode {record_mode!r}", RECORD_MODES)

    def before_request(request: Any) -> Any:
        return scrub_request(request, scrub_upns=scrub_upns, scrub_hashes=scrub_hashes)

    def before_response(response: dict[str, Any]) -> dict[str, Any]:
        return scrub_response(response, scrub_upns=scrub_upns, scrub_hashes=scrub_hashes)

    recorder = _GraphVCR(
        cassette_library_dir=str(cassette_dir),
        record_mode=record_mode,
        match_on=MATCH_ON,
        before_record_request=before_request,
        before_record_response=before_response,
        decode_compressed_response=True,
        serializer="yaml",
    )
    recorder.register_matcher("graph_request", graph_request)
    recorder.register_persister(_ScanningPersister)
    return recorder


_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")
_MAX_NAME = 120


def cassette_path(test_nodeid: str) -> str:
    """A cassette file name for one test: stable, unique and safe on every filesystem.

    ``tests/test_x.py::TestY::test_z[a/b]`` becomes
    ``tests.test_x.TestY.test_z_a_b_-<8 hex>.yaml``: separators become dots,
    other unsafe characters ``_``, and whenever characters were replaced or
    the name was shortened, a hash of the node id keeps two tests from
    sharing a cassette.
    """
    module, _, rest = test_nodeid.partition("::")
    module = module.removesuffix(".py").replace("\\", "/").strip("/").replace("/", ".")
    dotted = ".".join(part for part in [module, *rest.split("::")] if part)
    name = _UNSAFE_NAME.sub("_", dotted).strip("._-") or "cassette"
    if name != dotted or len(name) > _MAX_NAME:
        name = f"{name[:_MAX_NAME]}-{_digest('nodeid', test_nodeid)[:8]}"
    return name + ".yaml"


def scan_for_secrets(path_or_dir: str | Path) -> list[SecretFinding]:
    """Every credential-looking string in a file or under a directory, in file and line order.

    The scanner of ``graph-contracts traffic scan``: the rule table the
    hooks above scrub with, over each file's parsed structure and its text
    (YAML ``!!binary`` and base64 bodies decoded). Raises ``InputFileError``
    for a missing path.
    """
    return scan_paths([path_or_dir])


class _ScanningPersister:
    """vcrpy persister that scans a cassette before writing it, and refuses one that leaks.

    Registered by :func:`graph_vcr`, so it guards every cassette the recorder
    writes, inside the repository or not (``--graph-cassettes DIR``).
    """

    @staticmethod
    def load_cassette(cassette_path: Any, serializer: Any) -> Any:
        return FilesystemPersister.load_cassette(cassette_path, serializer)

    @staticmethod
    def save_cassette(cassette_path: Any, cassette_dict: Any, serializer: Any) -> None:
        data = serialize(cassette_dict, serializer)
        leaks = sorted(set(scan_text(data)))
        if leaks:
            raise SecretLeakError(
                str(cassette_path), [SecretFinding(str(cassette_path), line, kind) for line, kind in leaks]
            )
        path = Path(cassette_path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(data, encoding="utf-8")

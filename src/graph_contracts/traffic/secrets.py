"""The one secret rule table: what counts as a credential in recorded Graph traffic, and its stable fake.


The recorder (:mod:`graph_contracts.graph.recording`), ``traffic scrub`` and
``traffic scan`` all ask this module, so a secret the scanner can see is a
secret the scrubbers remove, and the other way round. Three kinds of rule:

- **secret names** (:func:`is_secret_key`): header names, JSON keys, form
  fields and query parameters are compared after lower-casing and dropping
  every ``-``, ``_``, ``.``, ``$`` and space, so ``access_token``,
  ``accessToken``, ``Access_Token`` and ``ACCESS-TOKEN`` are one name. The
  names are Graph's and Entra's (tokens, client secrets and assertions,
  ``secretText``, SAS ``sig``, ``Ocp-Apim-Subscription-Key``, ``api-key``,
  ``x-ms-authorization-auxiliary``, cookies incl. ``Set-Cookie2``) plus
  detect-secrets' keyword plugin's denylist (``*password``, ``*secret``,
  ``*api_key`` ...). OData paging tokens (``$skiptoken``) are not secrets;
- **text rules** (:data:`TEXT_RULES`): patterns found in any text, a URL, a
  header value, a body, an error message: JWTs, ``Bearer``/``Basic``
  credentials, SAS ``sig=``, a password in URL userinfo, ``name=value`` and
  ``"name": "value"`` pairs with a secret name, multipart parts with a
  secret name, and detect-secrets' provider detectors (Azure storage keys,
  private keys, AWS, GitHub, Slack, Stripe). A private key is its whole
  block, BEGIN line to END line, whatever the line breaks in between;
- **base64-wrapped** (:func:`find_wrapped`): a base64 run that decodes to
  text is judged by what the text holds (a form, JSON, a header line);
- **entropy** (detect-secrets' high-entropy plugins' Shannon entropy): a
  header value that is one long random-looking token, whatever the header
  is called, is treated as a credential.

:class:`Redactor` is the one walk that applies them to a value of any
shape (a traffic document, a JSON body, a header, a form, bytes): the
scrubbers keep what it returns, the scanner what it found
(:func:`find_in_document`), so neither can see what the other misses.

The names and the placeholder are in :mod:`.secret_names`, the text rules in
:mod:`.secret_text`; this module adds the base64-wrapped rule, the walk and the
scrubbers, and every name of ``__all__`` is importable from here.

Every replacement is :data:`PLACEHOLDER`, a constant, so scrubbing is a pure
function of its input: vcrpy scrubs a live request the same way before
matching it against the cassette, and a replay still matches. The scanner
never reports a placeholder.
"""

from __future__ import annotations

import base64
import binascii
import gzip
import json
import re
import zlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from ..errors import InflateLimitError
from .compression import GZIP_MAGIC, inflate
from .secret_names import (
    PLACEHOLDER,
    is_high_entropy_token,
    is_placeholder,
    is_secret_header,
    is_secret_key,
    normalize_name,
)
from .secret_text import (
    TEXT_RULES,
    TRIGGERS,
    SecretHit,
    TextRule,
    find_secrets,
    hit_spans,
    lower_same_length,
)

__all__ = [
    "PLACEHOLDER",
    "TEXT_RULES",
    "TRIGGERS",
    "Found",
    "Redactor",
    "SecretHit",
    "TextRule",
    "find_in_document",
    "find_secrets",
    "find_wrapped",
    "is_placeholder",
    "is_secret_header",
    "is_secret_key",
    "lower_same_length",
    "not_scanned",
    "rewrite_body",
    "scrub_body",
    "scrub_document",
    "scrub_header",
    "scrub_json",
    "scrub_text",
    "unwrap_base64",
]


def scrub_text(text: str) -> str:
    """``text`` with every credential the rule table finds replaced by the placeholder (base64-wrapped
    ones inside their wrapping)."""
    return Redactor().text(text)


# -- base64-wrapped credentials

#: A run of base64 (either alphabet) long enough to hold a credential; its decoded text is scanned too.
_BASE64_RUN = re.compile(r"(?<![A-Za-z0-9+/_-])[A-Za-z0-9+/_-]{16,}={0,2}(?![A-Za-z0-9+/_=-])")
_MIXED_CASE = re.compile(r"[a-z].*[A-Z]|[A-Z].*[a-z]", re.S)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffd]")
#: Headers whose whole value is a wrapping of credentials: App Service authentication's principal (base64
#: JSON of the caller's claims, tokens among them). What they decode to is a credential when it is one token.
_CARRIER_HEADERS = frozenset({"xmsclientprincipal"})
_MAX_DEPTH = 3
_T = TypeVar("_T")


@dataclass(frozen=True)
class _Wrapping:
    """How a base64 run was wrapped, so that its scrubbed content is wrapped the same way again."""

    urlsafe: bool
    padded: bool
    gzipped: bool

    def wrap(self, text: str) -> str:
        data = text.encode("utf-8")
        if self.gzipped:
            data = gzip.compress(data, mtime=0)
        encoded = (base64.urlsafe_b64encode if self.urlsafe else base64.b64encode)(data).decode("ascii")
        return encoded if self.padded else encoded.rstrip("=")


def unwrap_base64(run: str) -> tuple[str, _Wrapping] | None:
    """The text a base64 value (standard or URL-safe, padded or not, gzip inside or not) decodes to,
    when it decodes to UTF-8 text with no control characters; None when it is not such a value.
    Raises ``InflateLimitError`` for gzip inside that inflates past the body cap."""
    body = run.strip().rstrip("=")
    urlsafe = "-" in body or "_" in body
    if len(body) < 16 or len(body) % 4 == 1 or (urlsafe and ("+" in body or "/" in body)):
        return None
    if not _MIXED_CASE.search(body):  # words, GUIDs and hex digests are not base64 of anything
        return None
    padded = body + "=" * (-len(body) % 4)
    try:
        raw = base64.urlsafe_b64decode(padded) if urlsafe else base64.b64decode(padded, validate=True)
    except (binascii.Error, ValueError):
        return None
    gzipped = raw[:2] == GZIP_MAGIC
    if gzipped:  # raises InflateLimitError past the cap: the caller says it could not look inside
        raw = inflate(raw) or b""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if len(text) < 8 or _CONTROL.search(text):
        return None
    return text, _Wrapping(urlsafe, run.rstrip().endswith("="), gzipped)


def find_wrapped(text: str) -> Iterator[SecretHit]:
    """Every base64 run in ``text`` whose decoded text holds a credential (``client_secret=...`` or a JSON
    token response, base64-encoded); the hit spans the run, its kind says what was inside."""
    for match in _BASE64_RUN.finditer(text):
        try:
            inner = unwrap_base64(match.group(0))
        except InflateLimitError as exc:  # not looked inside: reported, as it could hold anything
            yield SecretHit(match.start(), match.end(), not_scanned(exc))
            continue
        if inner is None:
            continue
        found: list[Found] = []
        Redactor(found, depth=1).string(inner[0])
        if found:
            yield SecretHit(match.start(), match.end(), f"base64({found[0].kind})")


# -- structured values: one walk for the scrubbers and the scanner


def not_scanned(exc: InflateLimitError) -> str:
    """The kind the scanner reports for compressed content it did not look inside (it inflates past the
    cap): never skipped in silence, since what it holds is unknown."""
    return f"not-scanned({exc})"


@dataclass(frozen=True)
class Found:
    """A credential a :class:`Redactor` replaced: its rule, and ``needle``, text of the original that a
    person can search the file for (the value itself, or the base64 run that wrapped it)."""

    kind: str
    needle: str


def _needle(value: Any) -> str:
    """The first string in a value that is not a placeholder (what to look for in the file)."""
    if isinstance(value, Mapping):
        value = list(value.values())
    if isinstance(value, list):
        return next((n for n in (_needle(v) for v in value) if n), "")
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return value if isinstance(value, str) and not is_placeholder(value) else ""


_FORM = re.compile(r"[^\s&=?#]+=[^\s&]*(?:&[^\s&=]+=[^\s&]*)*")
_URL = re.compile(r"[a-z][a-z0-9+.-]*://", re.I)

#: {name, value} pairs: HAR and Dev Proxy headers, query parameters, form fields and cookies; and the claims
#: ({typ, val}) of an App Service principal.
_PAIRS = (("name", "value"), ("typ", "val"))


class Redactor:
    """Replaces every credential in a value, as the rule table defines them; ``found`` (when given) collects
    each replacement, which makes the same walk the scanner of parsed documents.

    One walk for every shape: a HAR, vcrpy cassette, Dev Proxy mock or NDJSON document, a JSON body, a form,
    a header, a URL, bytes (gzip and deflate undone and redone), and strings that hold JSON or base64 of text.
    A member with a secret name loses its value (``code`` as a JSON key is Graph's error code, kept); a
    header's value is judged by name and by entropy; every other string by the text rules, then by what its
    base64 runs decode to. Every replacement is the constant placeholder, or a wrapping of scrubbed content
    in the wrapping it came in: a pure function of the input, as vcrpy's matching needs.
    """

    def __init__(self, found: list[Found] | None = None, *, depth: int = 0, needle: str = "") -> None:
        self.found = found
        self.depth = depth
        self._outer = needle  # set inside base64: the run to look for, since the inner text is not in the file

    def _replace(self, kind: str, original: Any) -> str:
        if self.found is not None:
            self.found.append(Found(kind, self._outer or _needle(original)))
        return PLACEHOLDER

    def _uninspected(self, exc: InflateLimitError, needle: str, original: _T) -> _T:
        """Compressed content too large to inflate: the scanner reports it as not scanned (the needle says
        where); a scrubber raises, since it cannot prove a copy clean without looking inside."""
        if self.found is None:
            raise exc
        self.found.append(Found(not_scanned(exc), self._outer or needle))
        return original

    def _secret(self, kind: str, value: Any) -> Any:
        """A value under a secret name: every string or object in it replaced, placeholders and numbers kept."""
        if isinstance(value, list):
            return [self._secret(kind, v) for v in value]
        if isinstance(value, str) and is_placeholder(value):
            return value
        if isinstance(value, (str, bytes)) or (isinstance(value, Mapping) and value):
            return self._replace(kind, value)
        return value

    # -- documents and JSON

    def value(self, node: Any, *, in_headers: bool = False) -> Any:
        """Any parsed value (a whole traffic document, a JSON body) with its credentials replaced."""
        if isinstance(node, Mapping):
            return self._mapping(node, in_headers)
        if isinstance(node, list):
            return [self.value(item, in_headers=in_headers) for item in node]
        if isinstance(node, bytes):
            return self.body(node)
        if isinstance(node, str):
            return self.string(node)
        return node

    def _mapping(self, node: Mapping[str, Any], in_headers: bool) -> dict[str, Any]:
        for name_key, value_key in _PAIRS:
            if isinstance(node.get(name_key), str) and value_key in node:
                out = {key: self.value(item) for key, item in node.items() if key != value_key}
                name, item = node[name_key], node[value_key]
                out[value_key] = self.header(name, item) if in_headers else self.named(name, item)
                return out
        if str(node.get("encoding", "")).lower() == "base64" and isinstance(node.get("text"), str):
            out = {key: self.value(item) for key, item in node.items() if key != "text"}
            out["text"] = self._base64_content(node["text"])
            return out
        out = {}
        for key, item in node.items():
            name = str(key)
            lowered = name.lower()
            if lowered == "headers" and isinstance(item, Mapping):
                out[key] = {h: self.header(str(h), v) for h, v in item.items()}
            elif lowered == "headers" and isinstance(item, list):
                out[key] = self.value(item, in_headers=True)
            elif lowered == "cookies" and isinstance(item, list):
                out[key] = [self._cookie(c) for c in item]
            else:
                out[key] = self.named(name, item)
        _fix_content_length(node, out)
        return out

    def named(self, name: str, item: Any) -> Any:
        """A JSON member, form field or query parameter: replaced whole when its name is a secret's."""
        if normalize_name(name) != "code" and is_secret_key(name) and _has_value(item):
            return self._secret("secret-name-value", item)
        return self.value(item)

    def _cookie(self, cookie: Any) -> Any:
        if isinstance(cookie, Mapping) and "value" in cookie:
            return {**cookie, "value": self._secret("cookie", cookie["value"])}
        return self.value(cookie)

    def _base64_content(self, text: str) -> str:
        try:
            raw = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            return self.string(text)
        scrubbed = self.body(raw)
        return text if scrubbed == raw else base64.b64encode(scrubbed).decode("ascii")

    # -- headers, bodies, strings

    def header(self, name: str, value: Any) -> Any:
        """A header's value (or list of values): whole when the name or the value's entropy says credential."""
        if isinstance(value, list):
            return [self.header(name, v) for v in value]
        if isinstance(value, str) and len(value) <= _SHORT and _is_clean_header(name, value):
            return value
        return self._header(name, value)

    def _header(self, name: str, value: Any) -> Any:
        if not isinstance(value, (str, bytes)):
            return self.value(value)
        text = value.decode("utf-8", "replace") if isinstance(value, bytes) else value
        if is_placeholder(text):
            return value
        if is_secret_key(name):
            return self._replace("secret-header", text)
        if is_secret_header(name, text):
            return self._replace("high-entropy-header", text)
        if normalize_name(name) in _CARRIER_HEADERS:
            try:
                inner = unwrap_base64(text)
            except InflateLimitError as exc:
                return self._uninspected(exc, text, value)
            if inner is not None and is_high_entropy_token(inner[0]):
                return self._replace("base64(high-entropy-token)", text)
        scrubbed = self.string(text)
        # A credential unwrapped and wrapped again can come out looking random enough for the entropy rule,
        # which the scanner would then flag in the copy: such a value is replaced whole.
        return PLACEHOLDER if scrubbed != text and is_secret_header(name, scrubbed) else scrubbed

    def body(self, body: bytes, content_encoding: str = "") -> bytes:
        """A request or response body; the same bytes when nothing was replaced. gzip/deflate is undone
        and redone; a body that is not UTF-8 (after that) is left alone. One that inflates past the cap
        is reported as not scanned, or raises ``InflateLimitError`` when scrubbing (see ``_uninspected``)."""
        if not body:
            return body
        if body[:2] == GZIP_MAGIC or "deflate" in content_encoding.lower():
            try:
                plain = inflate(body)
            except InflateLimitError as exc:  # the first 30 bytes are the first 40 base64 digits written
                return self._uninspected(exc, base64.b64encode(body[:30]).decode("ascii"), body)
            if plain is not None:
                scrubbed = self.body(plain)
                if scrubbed == plain:
                    return body
                return gzip.compress(scrubbed, mtime=0) if body[:2] == GZIP_MAGIC else zlib.compress(scrubbed)
        return rewrite_body(body, self.value, self.string)

    def string(self, text: str) -> str:
        """A string that may be a whole JSON document (walked member by member), a form or a URL (its
        fields percent-decoded, when they are encoded), or any other text."""
        stripped = text.lstrip()
        if stripped[:1] in ("{", "[") and self.depth <= _MAX_DEPTH:
            try:
                parsed = json.loads(text)
            except (ValueError, RecursionError):
                return self.text(text)
            scrubbed = self.value(parsed)
            return text if scrubbed == parsed else json.dumps(scrubbed, ensure_ascii=False)
        text = self.text(text)
        if "%" not in text and "+" not in text:  # nothing encoded: the text rules saw every field as it is
            return text
        if _FORM.fullmatch(text):
            return self._form(text)
        if _URL.match(text) and "?" in text:
            parts = urlsplit(text)
            if parts.query and _FORM.fullmatch(parts.query):
                return urlunsplit(parts._replace(query=self._form(parts.query)))
        return text

    def _form(self, form: str) -> str:
        """Form fields or query parameters, percent-decoded, each judged by its name and its value."""
        pairs = parse_qsl(form, keep_blank_values=True)
        if self.depth >= _MAX_DEPTH:
            return form
        nested = Redactor(self.found, depth=self.depth + 1, needle=self._outer)
        scrubbed = [(name, nested.named(name, value)) for name, value in pairs]
        return form if scrubbed == pairs else urlencode(scrubbed)

    def text(self, text: str) -> str:
        """Text: every span a text rule matches replaced, then every base64 run that decodes to text
        holding a credential re-wrapped with that credential replaced."""
        if len(text) <= _SHORT and _is_clean(text):
            return text
        return self._text(text)

    def _text(self, text: str) -> str:
        spans = hit_spans(find_secrets(text))
        if spans:
            parts: list[str] = []
            position = 0
            for start, end, kind in spans:
                parts.append(text[position:start])
                parts.append(self._replace(kind, text[start:end]))
                position = end
            parts.append(text[position:])
            text = "".join(parts)
        if self.depth >= _MAX_DEPTH or len(text) < 16:
            return text
        return _BASE64_RUN.sub(self._unwrapped, text)

    def _unwrapped(self, match: re.Match[str]) -> str:
        run = match.group(0)
        try:
            inner = unwrap_base64(run)
        except InflateLimitError as exc:
            return self._uninspected(exc, run, run)
        if inner is None:
            return run
        decoded, wrapping = inner
        nested = Redactor(self.found, depth=self.depth + 1, needle=self._outer or run)
        before = len(self.found) if self.found is not None else 0
        scrubbed = nested.string(decoded)
        if scrubbed == decoded:
            return run
        if self.found is not None:  # say what was inside what
            self.found[before:] = [Found(f"base64({f.kind})", f.needle) for f in self.found[before:]]
        return wrapping.wrap(scrubbed)


#: Strings up to this long are remembered when clean: a document repeats its header values and small fields.
_SHORT = 256


@lru_cache(maxsize=8192)
def _is_clean(text: str) -> bool:
    """True when ``text`` holds nothing any rule replaces (what ``Redactor.text`` would keep as it is);
    False for one with compressed content past the cap, which the caller's own walk then reports."""
    try:
        return Redactor()._text(text) == text
    except InflateLimitError:
        return False


@lru_cache(maxsize=8192)
def _is_clean_header(name: str, value: str) -> bool:
    """True when header ``name: value`` holds nothing any rule replaces (a document repeats its headers)."""
    try:
        return bool(Redactor()._header(name, value) == value)
    except InflateLimitError:
        return False


def scrub_header(name: str, value: str) -> str:
    """A header's value as it may be written: the placeholder for a credential, else scrubbed as text."""
    scrubbed: str = Redactor().header(name, value)
    return scrubbed


def scrub_json(value: Any) -> Any:
    """A parsed JSON document with secret members replaced and every string scrubbed.

    ``code`` is left alone as a JSON key: it is Graph's error code, which a
    replay must keep.
    """
    return Redactor().value(value)


def scrub_document(node: Any) -> Any:
    """A parsed traffic document (HAR, cassette, mock file, NDJSON line) with every credential replaced."""
    return Redactor().value(node)


def find_in_document(node: Any) -> list[Found]:
    """Every credential in a parsed document or value, the scrubbers' walk in reverse: what they would replace."""
    found: list[Found] = []
    Redactor(found).value(node)
    return found


def _has_value(item: Any) -> bool:
    if isinstance(item, str):
        return not is_placeholder(item)
    if isinstance(item, list):
        return any(_has_value(i) for i in item)
    return isinstance(item, Mapping) and bool(item)


def _body_bytes(body: Any) -> bytes | None:
    string = body.get("string") if isinstance(body, Mapping) else body
    if isinstance(string, bytes):
        return string
    if isinstance(string, str):
        return string.encode("utf-8", "surrogateescape")
    return None


def _fix_content_length(before: Mapping[str, Any], after: dict[str, Any]) -> None:
    """A vcrpy request/response whose body changed keeps a Content-Length that matches it."""
    headers = after.get("headers")
    if not isinstance(headers, dict) or "body" not in after:
        return
    old, new = _body_bytes(before.get("body")), _body_bytes(after.get("body"))
    if old is None or new is None or old == new:
        return
    for key, value in headers.items():
        if str(key).lower() == "content-length":
            headers[key] = [str(len(new))] if isinstance(value, list) else str(len(new))


def scrub_body(body: bytes, content_encoding: str = "") -> bytes:
    """A request or response body with credentials replaced; the same bytes when there were none.

    JSON is rewritten member by member; anything else (forms with or without
    their Content-Type, multipart, text) is scrubbed as text. A gzip or
    deflate body is decompressed, scrubbed and compressed again.
    """
    return Redactor().body(body, content_encoding)


def rewrite_body(body: bytes, rewrite_json: Callable[[Any], Any], rewrite_text: Callable[[str], str]) -> bytes:
    """A UTF-8 body rewritten as JSON (member by member) or, when it is not JSON, as text.

    The same bytes come back when nothing changed or the body is not UTF-8, so
    an untouched body keeps its exact formatting. Shared by ``scrub_body`` and
    the cassette recorder, which adds its own optional rewrites.
    """
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return body
    try:
        parsed = json.loads(text)
    except (ValueError, RecursionError):
        rewritten_text = rewrite_text(text)
        return body if rewritten_text == text else rewritten_text.encode("utf-8")
    rewritten = rewrite_json(parsed)
    if rewritten == parsed:
        return body
    return json.dumps(rewritten, ensure_ascii=False).encode("utf-8")

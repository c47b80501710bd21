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
  private keys, AWS, GitHub, Slack, Stripe);
- **entropy** (detect-secrets' high-entropy plugins' Shannon entropy): a
  header value that is one long random-looking token, whatever the header
  is called, is treated as a credential.

Every replacement is :data:`PLACEHOLDER`, a constant, so scrubbing is a pure
function of its input: vcrpy scrubs a live request the same way before
matching it against the cassette, and a replay still matches. The scanner
never reports a placeholder.
"""

from __future__ import annotations

import gzip
import json
import re
import zlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from detect_secrets.plugins.aws import AWSKeyDetector
from detect_secrets.plugins.azure_storage_key import AzureStorageKeyDetector
from detect_secrets.plugins.github_token import GitHubTokenDetector
from detect_secrets.plugins.high_entropy_strings import Base64HighEntropyString, HexHighEntropyString
from detect_secrets.plugins.keyword import DENYLIST
from detect_secrets.plugins.private_key import PrivateKeyDetector
from detect_secrets.plugins.slack import SlackDetector
from detect_secrets.plugins.stripe import StripeDetector

from ..contracts.model import GUID

__all__ = [
    "PLACEHOLDER",
    "TEXT_RULES",
    "TRIGGERS",
    "SecretHit",
    "TextRule",
    "find_secrets",
    "is_placeholder",
    "is_secret_header",
    "is_secret_key",
    "lower_same_length",
    "rewrite_body",
    "scrub_body",
    "scrub_json",
    "scrub_text",
]

PLACEHOLDER = "REDACTED"

# -- names


def normalize_name(name: str) -> str:
    """``Access_Token``, ``accessToken`` and ``access-token`` all become ``accesstoken``."""
    return re.sub(r"[^a-z0-9ñ]", "", name.lower())


#: Names that are secrets whatever comes before them (``x-api-key``, ``clientSecret``, ``userPassword``).
_SECRET_SUFFIXES = tuple(
    sorted(
        {
            "accesstoken", "refreshtoken", "idtoken", "sessiontoken", "authtoken", "bearertoken",
            "sastoken", "securitytoken", "apitoken", "csrftoken", "xsrftoken", "secrettext",
            "clientassertion", "subscriptionkey", "signature", "credential", "credentials",
            # detect-secrets' keyword plugin denylist, normalised the same way (api_?key -> apikey)
            *(normalize_name(term.replace("_?", "")) for term in DENYLIST),
        }
    )
)
#: Names that are secrets only when they are the whole name.
_SECRET_NAMES = frozenset(
    {
        "authorization", "proxyauthorization", "xmsauthorizationauxiliary", "cookie", "cookie2",
        "setcookie", "setcookie2", "sig", "assertion", "token", "code", "key", "sharedkey",
    }
)
#: Names that end like a secret but are not one: OData paging, Graph's product key, token metadata.
_NOT_SECRET = frozenset(
    {
        "skiptoken", "odataskiptoken", "deltatoken", "odatadeltatoken", "nexttoken", "continuationtoken",
        "pagetoken", "synctoken", "productkey", "tokentype", "passwordrequired",
    }
)


def is_secret_key(name: str) -> bool:
    """True when a header, JSON key, form field or query parameter of this name holds a credential.

    ``code`` counts only as a form field/query parameter (the OAuth
    authorization code); as a JSON key it is Graph's error code, see
    :func:`scrub_json`.
    """
    normalized = normalize_name(name)
    if not normalized or normalized in _NOT_SECRET:
        return False
    return normalized in _SECRET_NAMES or normalized.endswith(_SECRET_SUFFIXES)


#: Headers that never carry a credential, so the entropy rule leaves their (random-looking) values alone.
_PLAIN_HEADERS = frozenset(
    {
        "requestid", "clientrequestid", "xmsrequestid", "xmsclientrequestid", "date", "etag", "ifmatch",
        "ifnonematch", "contenttype", "contentlength", "contentencoding", "location", "contentlocation",
        "odataversion", "xmsagsdiagnostic", "cachecontrol", "vary", "server", "retryafter", "useragent",
        "accept", "acceptencoding", "host", "connection", "transferencoding", "strictransportsecurity",
        "stricttransportsecurity", "sdkversion", "xmsresourceunit", "contentmd5", "xmsthrottlelimitpercentage",
        "traceparent", "tracestate", "xcache", "xazureref", "xmsedgeref", "link",
    }
)
_BASE64_ENTROPY = Base64HighEntropyString()
_HEX_ENTROPY = HexHighEntropyString()
_TOKEN_VALUE = re.compile(r"^[A-Za-z0-9+/_\-.~]{24,}={0,2}$")
_HEX_VALUE = re.compile(r"^[0-9a-fA-F]{32,}$")


def is_high_entropy_token(value: str) -> bool:
    """One long random-looking token, judged by detect-secrets' high-entropy plugins' limits."""
    value = value.strip()
    if len(value) > 4096 or GUID.fullmatch(value):
        return False
    if _HEX_VALUE.match(value):
        return _HEX_ENTROPY.calculate_shannon_entropy(value) > _HEX_ENTROPY.entropy_limit
    if _TOKEN_VALUE.match(value):
        return _BASE64_ENTROPY.calculate_shannon_entropy(value) > _BASE64_ENTROPY.entropy_limit
    return False


def is_secret_header(name: str, value: str = "") -> bool:
    """True when this header's whole value must be replaced: a secret name, or a token-like value."""
    if is_secret_key(name):
        return True
    return normalize_name(name) not in _PLAIN_HEADERS and is_high_entropy_token(value)


_IGNORED_VALUES = frozenset({"", "null", "none", "~", "true", "false", "undefined", '""', "''", "[]", "{}"})


def is_placeholder(value: str) -> bool:
    """True for a value that is no credential: the placeholder, empty, null, a boolean, a number, stars."""
    stripped = value.strip().strip("'\"\\").strip()
    if stripped.lower() in _IGNORED_VALUES or stripped.startswith(PLACEHOLDER):
        return True
    return bool(re.fullmatch(r"\*+|-?\d+(?:\.\d+)?|<[^<>]*>|\{[^{}]*\}", stripped))


# -- text rules


@dataclass(frozen=True)
class TextRule:
    """One pattern. ``value`` names the group holding the secret; ``key`` (if any) the group whose
    name must pass :func:`is_secret_key` for a match to count. ``triggers`` are lower-case strings
    of which every match contains one, so a large file is searched with ``str.find`` first."""

    kind: str
    pattern: re.Pattern[str]
    value: str | int = "v"
    key: str | None = None
    triggers: tuple[str, ...] = ()
    lowered: bool = False


_NOT_PH = rf"(?!{PLACEHOLDER.lower()})"
#: A secret name ending: the literal tail every secret name ends with; the full name is read backwards.
_NAME_TAIL = (
    r"(?:token|secret|secrettext|assertion|password|passwd|pwd|key|sig|signature|credentials?|cookie2?"
    r"|authori[sz]ation|auxiliary|code|contrase(?:ñ|n)a|pass)"
)
_NAME_CHARS = re.compile(r"[A-Za-z0-9_.$@ñ-]*\Z")


# "code" is a secret only as a form field or query parameter (as a JSON key it is Graph's error code),
# and "sig" only as the whole name, so their triggers carry the separator.
_NAME_TRIGGERS = ("token", "secret", "assertion", "pass", "pwd", "key", "credential", "cookie", "authori",
                  "auxiliary", "code=", "contrase", "signature", "sig=", 'sig"', "sig'", "sig:", "sig\\")
#: detect-secrets' provider detectors, and the literals their patterns start with (lower-cased).
_PROVIDERS = (
    (AzureStorageKeyDetector, ("accountkey=",)),
    (PrivateKeyDetector, ("private key", "putty-user-key")),
    (GitHubTokenDetector, ("ghp_", "gho_", "ghu_", "ghs_", "ghr_")),
    (AWSKeyDetector, ("a3t", "abia", "acca", "akia", "asia", "aws")),
    (SlackDetector, ("xox", "hooks.slack.com")),
    (StripeDetector, ("k_live_",)),
)


def _detect_secrets_rules() -> tuple[TextRule, ...]:
    """detect-secrets' provider detectors (regex plugins), each pattern a rule of its own."""
    return tuple(
        TextRule(plugin.secret_type, pattern, 0, triggers=triggers)
        for plugin, triggers in _PROVIDERS
        for pattern in plugin.denylist
    )


# Rules marked lowered=True are written in lower case and run on the lower-cased text (same offsets), which
# is several times faster than (?i); the value is then read from the original text.
TEXT_RULES: tuple[TextRule, ...] = (
    TextRule("jwt", re.compile(r"(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*"), 0,
             triggers=("eyj",)),
    TextRule(
        "auth-scheme-credential",
        re.compile(rf"\b(?:bearer|basic|negotiate|pop)\s+{_NOT_PH}(?P<v>[a-z0-9\-._~+/]{{12,}}=*)"),
        triggers=("bearer", "basic", "negotiate", "pop"),
        lowered=True,
    ),
    TextRule("sas-signature", re.compile(rf"(?<![a-z0-9_-])sig=\s*{_NOT_PH}(?P<v>[^&\s\"'\\<>]+)"),
             triggers=("sig=",), lowered=True),
    TextRule(
        "userinfo-password",
        re.compile(rf"\b[a-z][a-z0-9+.-]*://[^/\s:@\"'\\]*:{_NOT_PH}(?P<v>[^@/\s\"'\\]+)@"),
        triggers=("://",),
        lowered=True,
    ),
    # name=value in forms, query strings and error text; "name": "value" in JSON (escaped or not) and YAML
    TextRule(
        "secret-name-value",
        re.compile(
            rf"{_NAME_TAIL}(?P<sep>\\*[\"']?[ \t]*[:=][ \t]*\\*[\"']?)(?:(?:bearer|basic)\s+)?"
            rf"(?P<v>[^\s\"'\\&,;}}\]]+)"
        ),
        key="name",
        triggers=_NAME_TRIGGERS,
        lowered=True,
    ),
    # a YAML header list, as vcrpy writes it: "Authorization:\n    - Bearer ..."
    TextRule("secret-header", re.compile(rf"{_NAME_TAIL}:[ \t]*\r?\n[ \t]*-[ \t]+(?P<v>[^\n]+)"), key="name",
             triggers=_NAME_TRIGGERS, lowered=True),
    # a HAR header, as {"name": "...", "value": "..."}
    TextRule(
        "secret-header",
        re.compile(rf"{_NAME_TAIL}\\*[\"']\s*,\s*\\*[\"']value\\*[\"']\s*:\s*\\*[\"'](?P<v>[^\"\\]*)"),
        key="name",
        triggers=_NAME_TRIGGERS,
        lowered=True,
    ),
    # a multipart part: name="client_secret" then an empty line, raw or escaped in a YAML/JSON string
    TextRule(
        "multipart-secret",
        re.compile(r"name=\\*\"(?P<k>[^\"\\]{1,80})\\*\"[^\n\\]*(?:(?:\\r)?\\n|\r?\n){2}(?P<v>[^\r\n\\]+)"),
        key="k",
        triggers=("name=",),
        lowered=True,
    ),
    *_detect_secrets_rules(),
)
#: Every trigger of every rule: text without any of them holds no secret.
TRIGGERS: tuple[str, ...] = tuple(sorted({t for rule in TEXT_RULES for t in rule.triggers}))


@dataclass(frozen=True)
class SecretHit:
    """A credential in a text: ``start``/``end`` delimit the value to replace."""

    start: int
    end: int
    kind: str


def _name_before(text: str, match: re.Match[str]) -> str:
    """The whole name a ``_NAME_TAIL`` match ends: the name characters just before it, plus the tail."""
    start = match.start()
    head = _NAME_CHARS.search(text, max(0, start - 80), start)
    prefix = head.group(0) if head else ""
    tail_end = match.start("sep") if "sep" in match.re.groupindex and match.group("sep") is not None else None
    tail = text[start:tail_end] if tail_end is not None else re.match(_NAME_TAIL, text[start:], re.I)
    name = tail if isinstance(tail, str) else (tail.group(0) if tail else "")
    return prefix + name


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def lower_same_length(text: str) -> str:
    """``text`` lower-cased with every offset kept (``str.lower`` lengthens a few characters, such as İ)."""
    lowered = text.lower()
    return lowered if len(lowered) == len(text) else text.translate(_ASCII_LOWER)


def find_secrets(text: str) -> Iterator[SecretHit]:
    """Every credential the rule table finds in ``text``, placeholders excluded, in no particular order."""
    lowered = lower_same_length(text)
    present = {trigger for trigger in TRIGGERS if trigger in lowered}
    if not present:
        return
    for rule in TEXT_RULES:
        if present.isdisjoint(rule.triggers):
            continue
        for match in rule.pattern.finditer(lowered if rule.lowered else text):
            if match.group(rule.value) is None:
                continue
            value = text[match.start(rule.value):match.end(rule.value)]
            if is_placeholder(value):
                continue
            if rule.key == "name":
                name = _name_before(text, match)
                if not is_secret_key(name) or (normalize_name(name) == "code" and ":" in match.group(0)):
                    continue
            elif rule.key is not None and not is_secret_key(match.group(rule.key)):
                continue
            yield SecretHit(match.start(rule.value), match.end(rule.value), rule.kind)


def scrub_text(text: str) -> str:
    """``text`` with every credential the rule table finds replaced by the placeholder."""
    hits = sorted(find_secrets(text), key=lambda h: h.start)
    if not hits:
        return text
    spans: list[list[int]] = []
    for hit in hits:  # overlapping hits (a JWT inside "Bearer <jwt>") become one replacement
        if spans and hit.start < spans[-1][1]:
            spans[-1][1] = max(spans[-1][1], hit.end)
        else:
            spans.append([hit.start, hit.end])
    out: list[str] = []
    position = 0
    for start, end in spans:
        out.append(text[position:start])
        out.append(PLACEHOLDER)
        position = end
    out.append(text[position:])
    return "".join(out)


# -- structured values


def scrub_json(value: Any, *, in_error: bool = False) -> Any:
    """A parsed JSON document with secret members replaced and every string scrubbed as text.

    ``code`` is left alone as a JSON key: it is Graph's error code, which a
    replay must keep.
    """
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            if normalize_name(key) != "code" and is_secret_key(key) and _has_value(item):
                out[key] = PLACEHOLDER if not isinstance(item, list) else [PLACEHOLDER for _ in item]
            else:
                out[key] = scrub_json(item)
        return out
    if isinstance(value, list):
        return [scrub_json(item) for item in value]
    if isinstance(value, str):
        return scrub_text(value)
    return value


def _has_value(item: Any) -> bool:
    if isinstance(item, str):
        return not is_placeholder(item)
    if isinstance(item, list):
        return any(_has_value(i) for i in item)
    return isinstance(item, Mapping) and bool(item)


def scrub_body(body: bytes, content_encoding: str = "") -> bytes:
    """A request or response body with credentials replaced; the same bytes when there were none.

    JSON is rewritten member by member; anything else (forms with or without
    their Content-Type, multipart, text) is scrubbed as text. A gzip or
    deflate body is decompressed, scrubbed and compressed again.
    """
    if not body:
        return body
    if body[:2] == b"\x1f\x8b" or "deflate" in content_encoding.lower():
        plain = _decompress(body)
        if plain is not None:
            scrubbed = scrub_body(plain)
            if scrubbed == plain:
                return body
            return gzip.compress(scrubbed, mtime=0) if body[:2] == b"\x1f\x8b" else zlib.compress(scrubbed)
    return rewrite_body(body, scrub_json, scrub_text)


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
    except ValueError:
        rewritten_text = rewrite_text(text)
        return body if rewritten_text == text else rewritten_text.encode("utf-8")
    rewritten = rewrite_json(parsed)
    if rewritten == parsed:
        return body
    return json.dumps(rewritten, ensure_ascii=False).encode("utf-8")


def _decompress(body: bytes) -> bytes | None:
    try:
        if body[:2] == b"\x1f\x8b":
            return gzip.decompress(body)
        return zlib.decompress(body)
    except (OSError, EOFError, zlib.error):
        try:
            return zlib.decompress(body, -zlib.MAX_WBITS)
        except zlib.error:
            return None

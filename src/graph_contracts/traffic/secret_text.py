"""The text rules of the one secret rule table: credentials found in any text, and the text scrubbed of them.

Part of :mod:`.secrets`: :data:`TEXT_RULES` (JWTs, Bearer and Basic
credentials, SAS signatures, ``name=value`` pairs with a secret name,
private-key blocks and detect-secrets' provider detectors), :func:`find_secrets`
and the spans they cover (:func:`scrub_text`, which needs the whole walk, stays in :mod:`.secrets`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from detect_secrets.plugins.aws import AWSKeyDetector
from detect_secrets.plugins.azure_storage_key import AzureStorageKeyDetector
from detect_secrets.plugins.github_token import GitHubTokenDetector
from detect_secrets.plugins.private_key import PrivateKeyDetector
from detect_secrets.plugins.slack import SlackDetector
from detect_secrets.plugins.stripe import StripeDetector

from .secret_names import PLACEHOLDER, is_placeholder, is_secret_key, normalize_name

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
    #: Patterns tried in turn at the match's end; the first that matches extends the value to its end
    #: (a private key's BEGIN line reaches to its END line).
    until: tuple[re.Pattern[str], ...] = ()


_NOT_PH = rf"(?!{PLACEHOLDER.lower()})"
#: A secret name ending: the literal tail every secret name ends with; the full name is read backwards.
_NAME_TAIL = (
    r"(?:token|secret|secrettext|assertion|password|passwd|pwd|key|sig|signature|credentials?|cookie2?"
    r"|authori[sz]ation|auxiliary|code|contrase(?:ñ|n)a|pass)"
)
_NAME_CHARS = re.compile(r"[A-Za-z0-9_.$@ñ-]*\Z")


# "code" is a secret only as a form field or query parameter (as a JSON key it is Graph's error code),
# and "sig" only as the whole name, so their triggers carry the separator.
_NAME_TRIGGERS = (
    "token",
    "secret",
    "assertion",
    "pass",
    "pwd",
    "key",
    "credential",
    "cookie",
    "authori",
    "auxiliary",
    "code=",
    "contrase",
    "signature",
    "sig=",
    'sig"',
    "sig'",
    "sig:",
    "sig\\",
)
#: detect-secrets' provider detectors, and the literals their patterns start with (lower-cased).
_PROVIDERS = (
    (AzureStorageKeyDetector, ("accountkey=",)),
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


# A private key is its whole block, BEGIN line to END line: detect-secrets' PrivateKeyDetector finds only the
# BEGIN line, and redacting that alone left every line of key material behind. The block is found whatever its
# line breaks are: real ones, "\n" escaped in a JSON string, "\r\n", or a YAML fold (a line break and indent
# where there was a space, which is why the names allow any white space between their words).
_WS = r"[ \t\r\n]"
#: Any PEM private key's first line (PKCS#1 and #8, ENCRYPTED, EC, DSA, OpenSSH, PGP's BLOCK, SSH2).
_PEM_BEGIN = re.compile(rf"-----BEGIN(?:{_WS}+[A-Z0-9]+){{0,4}}?{_WS}+PRIVATE{_WS}+KEY(?:{_WS}+BLOCK)?-----")
#: From the end of the BEGIN line to the end of the END line, inside one string (no quote or brace between).
_PEM_END = re.compile(rf"[^\"'{{}}<>]{{0,32768}}?-----END(?:{_WS}+[A-Z0-9]+){{1,6}}-----")
_PUTTY_END = re.compile(r"[^\"'{}<>]{0,32768}?Private-MAC:[ \t]*[0-9a-fA-F]+")
#: A block cut short (no END line): the key material that follows, base64 and line breaks of either kind.
_KEY_REST = re.compile(r"(?:[A-Za-z0-9+/=:,.\- \t\r\n]|\\[nrt])*")
_KEY_RULES = (
    TextRule(PrivateKeyDetector.secret_type, _PEM_BEGIN, 0, triggers=("-----begin",), until=(_PEM_END, _KEY_REST)),
    *(
        TextRule(
            PrivateKeyDetector.secret_type,
            pattern,
            0,
            triggers=("private key", "putty-user-key"),
            until=(_PUTTY_END if "PuTTY" in pattern.pattern else _PEM_END, _KEY_REST),
        )
        for pattern in PrivateKeyDetector.denylist
    ),
)


# Rules marked lowered=True are written in lower case and run on the lower-cased text (same offsets), which
# is several times faster than (?i); the value is then read from the original text.
TEXT_RULES: tuple[TextRule, ...] = (
    TextRule(
        "jwt",
        re.compile(r"(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*"),
        0,
        triggers=("eyj",),
    ),
    TextRule(
        "auth-scheme-credential",
        re.compile(rf"\b(?:bearer|basic|negotiate|pop)\s+{_NOT_PH}(?P<v>[a-z0-9\-._~+/]{{12,}}=*)"),
        triggers=("bearer", "basic", "negotiate", "pop"),
        lowered=True,
    ),
    TextRule(
        "sas-signature",
        re.compile(rf"(?<![a-z0-9_-])sig=\s*{_NOT_PH}(?P<v>[^&\s\"'\\<>]+)"),
        triggers=("sig=",),
        lowered=True,
    ),
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
    TextRule(
        "secret-header",
        re.compile(rf"{_NAME_TAIL}:[ \t]*\r?\n[ \t]*-[ \t]+(?P<v>[^\n]+)"),
        key="name",
        triggers=_NAME_TRIGGERS,
        lowered=True,
    ),
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
    *_KEY_RULES,
)
#: Every trigger of every rule: text without any of them holds no secret.
TRIGGERS: tuple[str, ...] = tuple(sorted({t for rule in TEXT_RULES for t in rule.triggers}))
#: Any trigger at all: one search that most strings of a document fail, before the per-rule triggers.
_ANY_TRIGGER = re.compile("|".join(re.escape(t) for t in sorted(TRIGGERS, key=len, reverse=True)))


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
    if not _ANY_TRIGGER.search(lowered):
        return
    present = {trigger for trigger in TRIGGERS if trigger in lowered}
    for rule in TEXT_RULES:
        if present.isdisjoint(rule.triggers):
            continue
        for match in rule.pattern.finditer(lowered if rule.lowered else text):
            if match.group(rule.value) is None:
                continue
            start, end = match.start(rule.value), match.end(rule.value)
            value = text[start:end]
            if is_placeholder(value):
                continue
            if rule.until:
                start, end = _key_block(text, start, end, rule.until)
            if rule.key == "name":
                name = _name_before(text, match)
                if not is_secret_key(name) or (normalize_name(name) == "code" and ":" in match.group(0)):
                    continue
            elif rule.key is not None and not is_secret_key(match.group(rule.key)):
                continue
            yield SecretHit(start, end, rule.kind)


def _key_block(text: str, start: int, end: int, until: tuple[re.Pattern[str], ...]) -> tuple[int, int]:
    """A key's match widened to its whole block: back over the BEGIN line's dashes, on to its END line."""
    dashes = len(text[max(0, start - 5) : start]) - len(text[max(0, start - 5) : start].rstrip("-"))
    for pattern in until:
        found = pattern.match(text, end)
        if found:
            return start - dashes, found.end()
    return start - dashes, end


def hit_spans(hits: Iterable[SecretHit]) -> list[tuple[int, int, str]]:
    """Hits sorted and merged where they overlap (a JWT inside "Bearer <jwt>" is one replacement)."""
    spans: list[tuple[int, int, str]] = []
    for hit in sorted(hits, key=lambda h: (h.start, -h.end)):
        if spans and hit.start < spans[-1][1]:
            spans[-1] = (spans[-1][0], max(spans[-1][1], hit.end), spans[-1][2])
        else:
            spans.append((hit.start, hit.end, hit.kind))
    return spans

"""Secret names and values in recorded traffic: which names hold credentials, which header values look like one.

Part of the one secret rule table (see :mod:`.secrets`): names are compared
after :func:`normalize_name`, header values are also judged by their entropy,
and :data:`PLACEHOLDER` is the one fake every rule writes and the scanner skips.
"""

from __future__ import annotations

import re
from functools import lru_cache

from detect_secrets.plugins.high_entropy_strings import Base64HighEntropyString, HexHighEntropyString
from detect_secrets.plugins.keyword import DENYLIST

from ..contracts.model import GUID

PLACEHOLDER = "REDACTED"

# -- names


@lru_cache(maxsize=4096)  # a document repeats its few names thousands of times
def normalize_name(name: str) -> str:
    """``Access_Token``, ``accessToken`` and ``access-token`` all become ``accesstoken``."""
    return re.sub(r"[^a-z0-9ñ]", "", name.lower())


#: Names that are secrets whatever comes before them (``x-api-key``, ``clientSecret``, ``userPassword``).
_SECRET_SUFFIXES = tuple(
    sorted(
        {
            "accesstoken",
            "refreshtoken",
            "idtoken",
            "sessiontoken",
            "authtoken",
            "bearertoken",
            "sastoken",
            "securitytoken",
            "apitoken",
            "csrftoken",
            "xsrftoken",
            "secrettext",
            "clientassertion",
            "subscriptionkey",
            "signature",
            "credential",
            "credentials",
            # detect-secrets' keyword plugin denylist, normalised the same way (api_?key -> apikey)
            *(normalize_name(term.replace("_?", "")) for term in DENYLIST),
        }
    )
)
#: Names that are secrets only when they are the whole name.
_SECRET_NAMES = frozenset(
    {
        "authorization",
        "proxyauthorization",
        "xmsauthorizationauxiliary",
        "cookie",
        "cookie2",
        "setcookie",
        "setcookie2",
        "sig",
        "assertion",
        "token",
        "code",
        "key",
        "sharedkey",
    }
)
#: Names that end like a secret but are not one: OData paging, Graph's product key, token metadata.
_NOT_SECRET = frozenset(
    {
        "skiptoken",
        "odataskiptoken",
        "deltatoken",
        "odatadeltatoken",
        "nexttoken",
        "continuationtoken",
        "pagetoken",
        "synctoken",
        "productkey",
        "tokentype",
        "passwordrequired",
    }
)


@lru_cache(maxsize=4096)
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
        "requestid",
        "clientrequestid",
        "xmsrequestid",
        "xmsclientrequestid",
        "date",
        "etag",
        "ifmatch",
        "ifnonematch",
        "contenttype",
        "contentlength",
        "contentencoding",
        "location",
        "contentlocation",
        "odataversion",
        "xmsagsdiagnostic",
        "cachecontrol",
        "vary",
        "server",
        "retryafter",
        "useragent",
        "accept",
        "acceptencoding",
        "host",
        "connection",
        "transferencoding",
        "strictransportsecurity",
        "stricttransportsecurity",
        "sdkversion",
        "xmsresourceunit",
        "contentmd5",
        "xmsthrottlelimitpercentage",
        "traceparent",
        "tracestate",
        "xcache",
        "xazureref",
        "xmsedgeref",
        "link",
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

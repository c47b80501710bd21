"""One base64 alphabet: ``patterns.BASE64_DIGITS``, which the hash decoder, the traffic scanner and the schemas share.

Each pins what its users had spelled out on their own before, so a change to the
one definition shows here as the behaviour it changes.
"""

from __future__ import annotations

import base64
import gzip
import re
import string
import sys

import pytest

from graph_contracts.autopilot.hash_layout import BASE64_CHARS, FOREIGN
from graph_contracts.patterns import BASE64_DIGITS, BASE64_PATTERN
from graph_contracts.traffic.scan import scan_text

#: RFC 4648's standard alphabet, as the standard library encodes with it.
STANDARD = string.ascii_uppercase + string.ascii_lowercase + string.digits + "+/"
#: Every code point but the surrogates, one string to search.
EVERY_CHARACTER = "".join(chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF)


def test_the_digits_are_the_standard_alphabet_and_nothing_else() -> None:
    assert "".join(re.findall(f"[{BASE64_DIGITS}]", EVERY_CHARACTER)) == "".join(sorted(STANDARD))
    assert set(base64.b64encode(bytes(range(256)) * 3).decode()) == set(STANDARD)


def test_the_hash_decoder_allows_the_digits_and_padding_only() -> None:
    assert "".join(c for c in EVERY_CHARACTER if BASE64_CHARS.match(c)) == "".join(sorted(STANDARD + "="))
    # FOREIGN: what is neither base64 (standard or URL-safe) nor whitespace, the decoder's "not base64" finding
    allowed = {c for c in EVERY_CHARACTER if FOREIGN.match(c) is None}
    assert allowed == set(STANDARD + "=-_") | {c for c in EVERY_CHARACTER if re.match(r"\s", c)}


def test_the_schema_pattern_is_padded_standard_base64() -> None:
    pattern = re.compile(BASE64_PATTERN)
    for n in range(7):
        assert pattern.match(base64.b64encode(b"\xfb\xff" * n).decode())
    for bad in ("-_-_", "ab=c", "abc", "ab c"):
        assert pattern.match(bad) is None


TOKEN = "EwBwA8l6BAAU7p9QDpi-opaque-access-token-value"


@pytest.mark.parametrize(
    ("before", "decoded"),
    [(" ", True), ("=", True), ("é", True), ("-", False), ("A", False), ("0", False), ("+", False), ("/", False)],
)
def test_the_scanner_decodes_gzip_base64_only_where_a_base64_string_starts(before: str, decoded: bool) -> None:
    """After a base64 digit the gzip magic is inside a longer base64 string, not a block of its own.

    ``-`` does not decode for another reason: the scanner reads the URL-safe run it starts as one value.
    """
    blob = base64.b64encode(gzip.compress(f"Authorization: Bearer {TOKEN}".encode())).decode()
    kinds = {kind for _, kind in scan_text(f"line one\nnote {before}{blob}\n")}
    assert ("base64(auth-scheme-credential)" in kinds) is decoded

"""Decode, check and build the Autopilot hardware hash, the "4K hash" in ``hardwareIdentifier``.


Layout (hardware-hash.md §1, checked against real hashes): the magic ``OA``; a
uint16 LE end offset that counts the 4 header bytes; TLV records up to that
offset (type byte, a 0 byte, uint16 LE total length including the 4-byte
record header, value); a ``CS`` trailer record of length 36 holding the
SHA-256 of bytes ``[0, end)``; zero padding up to 3000 bytes, which is 4000
characters of standard base64 without ``=``.

The checksum is plain SHA-256, not a signature, so a hash that passes every
check here is only *well formed*: the service-side validation is not public,
and offline checks can prove a hash malformed, never valid.

This module holds the checks (what is wrong, and where) and the public
decode/analyse/check functions; the layout's constants and the decoded
``HardwareHash`` are in ``hash_layout``, the fast path for sound hashes
(``fast_identity``, ``hash_is_sound``, strict base64) in ``hash_fast``, and the
synthetic builder in ``hash_build``. Their names are importable from here too.
"""

from __future__ import annotations

import base64
import hashlib
import re
import struct
from dataclasses import dataclass

from graph_contracts.autopilot.catalog import make_issue
from graph_contracts.autopilot.hash_build import build_hardware_hash as build_hardware_hash
from graph_contracts.autopilot.hash_build import encode_hardware_hash as encode_hardware_hash
from graph_contracts.autopilot.hash_fast import HashIdentity as HashIdentity
from graph_contracts.autopilot.hash_fast import fast_identity as fast_identity
from graph_contracts.autopilot.hash_fast import hash_is_sound as hash_is_sound
from graph_contracts.autopilot.hash_fast import strict_b64decode as strict_b64decode
from graph_contracts.autopilot.hash_layout import (
    BASE64_CHARS,
    FOREIGN,
    HEADER_SIZE,
    MAGIC,
    READABLE_DESPITE,
    TRAILER_TAG,
    TYPE_MANUFACTURER,
    TYPE_SERIAL,
    URL_SAFE,
    WHITESPACE,
)
from graph_contracts.autopilot.hash_layout import HASH_SIZE as HASH_SIZE
from graph_contracts.autopilot.hash_layout import HASH_TEXT_LENGTH as HASH_TEXT_LENGTH
from graph_contracts.autopilot.hash_layout import RECORD_NAMES as RECORD_NAMES
from graph_contracts.autopilot.hash_layout import TRAILER_SIZE as TRAILER_SIZE
from graph_contracts.autopilot.hash_layout import HardwareHash as HardwareHash
from graph_contracts.autopilot.hash_layout import HashRecord as HashRecord
from graph_contracts.errors import HardwareHashError
from graph_contracts.issues import Issue, quote


@dataclass(frozen=True)
class _Finding:
    code: str
    message: str
    offset: int | None = None


# ---------------------------------------------------------------------------
# base64 text


def _base64_findings(text: str) -> tuple[bytes | None, list[_Finding]]:
    """Check the text is strict standard base64; decode it leniently when that is still safe.

    Lenient decoding (dropping whitespace, mapping the URL-safe alphabet back,
    re-padding) lets the structural checks run on a hash that was only
    re-wrapped or re-encoded, so one report lists every fault at once.
    """
    if not text.endswith("="):  # no padding: no unused bits, so a strict decode is also canonical
        try:
            return strict_b64decode(text), []
        except (ValueError, TypeError):
            pass  # the scans below say what is wrong
    findings: list[_Finding] = []
    if BASE64_CHARS.match(text) is None:
        for pattern, explain in _ALPHABET_FAULTS:
            match = pattern.search(text)
            if match is not None:
                findings.append(_Finding("base64", explain(text, match), match.start()))
    core = WHITESPACE.sub("", text).replace("-", "+").replace("_", "/")
    padding = _padding_fault(core)
    if padding is not None:
        findings.append(padding)
    if FOREIGN.search(text) is not None:
        return None, findings
    body = core.replace("=", "")
    if len(body) % 4 == 1:
        return None, findings
    blob = base64.b64decode(body + "=" * (-len(body) % 4), validate=True)
    if not findings and base64.b64encode(blob).decode("ascii") != text:
        findings.append(
            _Finding(
                "base64",
                f"{quote(text)} is not canonical base64: the unused bits of its last character are "
                "not zero, so it does not round-trip",
                len(text) - 1,
            )
        )
    return blob, findings


def _url_safe(text: str, match: re.Match[str]) -> str:
    return (
        f"{quote(text)} contains {match.group()!r} at position {match.start()}: '-' and '_' are "
        "the URL-safe base64 alphabet; hardware hashes are standard base64 with '+' and '/', "
        "so the value was re-encoded by some tool"
    )


def _whitespace(text: str, match: re.Match[str]) -> str:
    return (
        f"{quote(text)} contains whitespace ({match.group()!r} at position {match.start()}): a "
        "hash is one unbroken base64 string; line breaks usually come from copying a wrapped "
        "console or e-mail"
    )


def _foreign(text: str, match: re.Match[str]) -> str:
    return (
        f"{quote(text)} contains {match.group()!r} at position {match.start()}, which is not "
        "base64: allowed are A-Z, a-z, 0-9, '+', '/' and '=' padding at the end"
    )


_ALPHABET_FAULTS = (
    (URL_SAFE, _url_safe),
    (WHITESPACE, _whitespace),
    (FOREIGN, _foreign),
)


def _padding_fault(core: str) -> _Finding | None:
    """Padding rules of strict base64: '=' only at the end, at most two, length a multiple of 4."""
    stripped = core.rstrip("=")
    if "=" in stripped:
        position = stripped.index("=")
        return _Finding(
            "base64",
            f"'=' padding in the middle of the value at position {position}; '=' may only end the value",
            position,
        )
    if len(core) - len(stripped) > 2:
        return _Finding(
            "base64", f"{len(core) - len(stripped)} '=' padding characters; base64 ends with at most two", len(stripped)
        )
    if len(core) % 4:
        return _Finding(
            "base64",
            f"{len(core)} base64 characters is not a multiple of 4: "
            "padding is missing or characters were lost (a real hash has 4000 "
            "characters and no '=')",
            len(core),
        )
    return None


# ---------------------------------------------------------------------------
# the decoded blob


def _walk(blob: bytes, text_length: int | None) -> tuple[HardwareHash | None, list[_Finding]]:
    """Check the blob against the layout; return the decoded hash when its structure is sound."""
    findings: list[_Finding] = []
    size = len(blob)
    if size != HASH_SIZE:
        chars = f" ({text_length} base64 characters)" if text_length is not None else ""
        findings.append(
            _Finding(
                "hash-length",
                f"the hash decodes to {size} bytes{chars}; real hardware hashes are exactly "
                f"{HASH_SIZE} bytes ({HASH_TEXT_LENGTH} base64 characters): truncated, or not a hash",
            )
        )
    if blob[:2] != MAGIC:
        findings.append(
            _Finding(
                "hash-magic",
                f"the hash starts with the bytes {quote(blob[:2])}; a hardware hash starts with 'OA' "
                "(its base64 text with 'T0'), so this is not a hardware hash",
                0,
            )
        )
        return None, findings
    if size < HEADER_SIZE:
        findings.append(_Finding("hash-records", f"{size} bytes cannot hold the 4-byte header", size))
        return None, findings
    end = struct.unpack_from("<H", blob, 2)[0]
    if end <= HEADER_SIZE:
        findings.append(
            _Finding(
                "hash-records",
                f"the end offset is {end}, which leaves no room for records (it must be more than "
                f"{HEADER_SIZE}: it counts the header)",
                2,
            )
        )
        return None, findings
    records, records_ok = _walk_records(blob, min(end, size), findings)
    if end + TRAILER_SIZE > size:
        findings.append(
            _Finding(
                "hash-trailer",
                f"the end offset {end} plus the {TRAILER_SIZE}-byte trailer runs past the "
                f"{size}-byte hash: it was truncated",
                end,
            )
        )
        return None, findings
    tag, trailer_length = blob[end : end + 2], struct.unpack_from("<H", blob, end + 2)[0]
    if tag != TRAILER_TAG or trailer_length != TRAILER_SIZE:
        findings.append(
            _Finding(
                "hash-trailer",
                f"at the end offset {end} the trailer should be 'CS' with length {TRAILER_SIZE}; "
                f"found {quote(tag)} with length {trailer_length}",
                end,
            )
        )
        return None, findings
    checksum_ok = hashlib.sha256(blob[:end]).digest() == blob[end + 4 : end + TRAILER_SIZE]
    if not checksum_ok:
        findings.append(
            _Finding(
                "hash-checksum",
                f"the SHA-256 of bytes 0..{end} does not match the checksum in the trailer: the hash "
                "was edited or corrupted after it was generated",
                end + 4,
            )
        )
    padding = blob[end + TRAILER_SIZE :]
    # lstrip runs in C; a Python loop over ~2,900 zero bytes dominated decoding.
    first_set = len(padding) - len(padding.lstrip(b"\0")) if padding.strip(b"\0") else None
    if first_set is not None:
        offset = end + TRAILER_SIZE + first_set
        findings.append(
            _Finding(
                "hash-padding",
                f"byte {offset} after the trailer is 0x{blob[offset]:02x}; everything after the "
                "trailer is zero padding in real hashes",
                offset,
            )
        )
    if not records_ok:
        return None, findings
    decoded = HardwareHash(size, end, records, checksum_ok, first_set is None)
    findings.extend(_missing_fields(decoded))
    return decoded, findings


def _walk_records(blob: bytes, limit: int, findings: list[_Finding]) -> tuple[tuple[HashRecord, ...], bool]:
    records: list[HashRecord] = []
    pos = HEADER_SIZE
    while pos < limit:
        if pos + HEADER_SIZE > limit:
            findings.append(
                _Finding(
                    "hash-records",
                    f"a record header at offset {pos} runs past the end of the record area at {limit}",
                    pos,
                )
            )
            return tuple(records), False
        record_type, length = struct.unpack_from("<HH", blob, pos)
        if length < HEADER_SIZE:
            findings.append(
                _Finding(
                    "hash-records",
                    f"the record at offset {pos} (type {record_type}) declares length {length}; a "
                    f"record is at least {HEADER_SIZE} bytes, its own header",
                    pos,
                )
            )
            return tuple(records), False
        if pos + length > limit:
            findings.append(
                _Finding(
                    "hash-records",
                    f"the record at offset {pos} (type {record_type}, {length} bytes) runs past the "
                    f"end of the record area at {limit}",
                    pos,
                )
            )
            return tuple(records), False
        records.append(HashRecord(record_type, pos, length, blob[pos + HEADER_SIZE : pos + length]))
        pos += length
    return tuple(records), True


#: The fields Intune requires inside the hash ("Both the manufacturer and serial number ...").
_REQUIRED_FIELDS = ((TYPE_SERIAL, "serial number"), (TYPE_MANUFACTURER, "manufacturer"))


def _missing_fields(decoded: HardwareHash) -> list[_Finding]:
    findings = []
    for record_type, label in _REQUIRED_FIELDS:
        record = decoded.first(record_type)
        if record is None:
            findings.append(
                _Finding(
                    "hash-missing-field",
                    f"the hash has no {label} record (type {record_type}); Intune needs both the "
                    "manufacturer and the serial number in the hash",
                )
            )
        elif not record.text.strip():
            findings.append(
                _Finding(
                    "hash-missing-field",
                    f"the {label} record (type {record_type}) in the hash is empty; Intune needs both "
                    "the manufacturer and the serial number in the hash",
                    record.offset,
                )
            )
    return findings


def _double_encoded(blob: bytes) -> _Finding | None:
    """The SDK pitfall (graph-facts.md §6.4): the bytes are base64 *text* of a hash, encoded once more."""
    if not blob.startswith(b"T0") or not blob.isascii():
        return None
    try:
        inner = base64.b64decode(blob, validate=True)
    except ValueError:
        return None
    if not inner.startswith(MAGIC):
        return None
    return _Finding(
        "hash-double-encoded",
        f"the value is base64 of base64: it decodes to the {len(blob)}-character base64 text of a hardware "
        "hash instead of the hash itself; the Graph SDKs take hardwareIdentifier as bytes and encode them, "
        "so pass the decoded hash bytes (e.g. Convert.FromBase64String / base64.b64decode of the text), "
        "not the bytes of the text",
        0,
    )


def _analyse(value: str | bytes) -> tuple[HardwareHash | None, list[_Finding]]:
    findings: list[_Finding] = []
    if isinstance(value, bytes):
        blob = value
    else:
        found, findings = _base64_findings(value)
        if found is None:
            return None, findings
        blob = found
    if not blob.startswith(MAGIC):
        double = _double_encoded(blob)
        if double is not None:
            return None, [*findings, double]
    decoded, more = _walk(blob, None if isinstance(value, bytes) else len(value))
    return decoded, findings + more


# ---------------------------------------------------------------------------
# public API


def decode_hardware_hash(value: str | bytes) -> HardwareHash:
    """Decode a hash: ``str`` is its base64 text, ``bytes`` the decoded blob.

    Raises ``HardwareHashError`` when the text is not strict standard base64 or
    the layout cannot be walked (magic, records, trailer). A wrong total size,
    a checksum mismatch, dirty padding or missing serial/manufacturer leave the
    records readable, so they are reported by ``HardwareHash.size``,
    ``checksum_ok``, ``padding_ok`` and the properties, and by
    ``check_hardware_hash`` as issues.
    """
    decoded, findings = _analyse(value)
    for finding in findings:
        if finding.code not in READABLE_DESPITE:
            raise HardwareHashError(finding.code, finding.message, finding.offset)
    if decoded is None:  # pragma: no cover - every unreadable path records a finding
        raise HardwareHashError("hash-records", "the hash could not be decoded")
    return decoded


def analyse_hardware_hash(value: object, pointer: str = "") -> tuple[HardwareHash | None, list[Issue]]:
    """Every issue with a hash value, plus the decoded hash when its layout could be walked.

    The record rules use the decoded hash to compare its serial with
    ``serialNumber`` without decoding twice.
    """
    if value is None or value == "" or value == b"":
        return None, [
            make_issue(
                "hash-missing",
                pointer,
                "the hardware hash is missing; admin uploads need the 4000-character hash that "
                "Get-WindowsAutopilotInfo writes",
            )
        ]
    if not isinstance(value, (str, bytes)):
        return None, [
            make_issue(
                "base64",
                pointer,
                f"the hardware hash must be a base64 string; got {type(value).__name__} {quote(value)}",
            )
        ]
    decoded, findings = _analyse(value)
    return decoded, [make_issue(f.code, pointer, f.message) for f in findings]


def check_hardware_hash(value: object, pointer: str = "") -> list[Issue]:
    """All issues with a hash value (base64 text, or raw bytes), in layout order."""
    return analyse_hardware_hash(value, pointer)[1]

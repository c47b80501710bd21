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
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import struct
import sys
import uuid as uuidlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import NamedTuple

from graph_contracts.autopilot.catalog import make_issue
from graph_contracts.errors import HardwareHashError
from graph_contracts.issues import Issue, quote

HASH_SIZE = 3000
HASH_TEXT_LENGTH = 4000
MAGIC = b"OA"
TRAILER_TAG = b"CS"
TRAILER_SIZE = 36
HEADER_SIZE = 4

TYPE_VERSION = 1
TYPE_NETWORK = 8
TYPE_SMBIOS_UUID = 12
TYPE_TPM_VERSION = 13
TYPE_SERIAL = 14
TYPE_MANUFACTURER = 16
TYPE_MODEL = 17

#: Record type names as the public decoders (SyncMLViewer, DecodeAutopilotHash) call them.
RECORD_NAMES: Mapping[int, str] = MappingProxyType({
    1: "Version",
    2: "Processor",
    3: "ProcessorManufacturer",
    4: "ProcessorModel",
    5: "Memory",
    6: "DiskInfo",
    7: "DiskSerial",
    8: "NetworkAdapter",
    9: "Display",
    10: "Chassis",
    11: "OfflineDeviceId",
    12: "SmbiosUuid",
    13: "TpmVersion",
    14: "SmbiosSerial",
    15: "SmbiosFirmwareVendor",
    16: "SmbiosSystemManufacturer",
    17: "SmbiosProductName",
    18: "SmbiosSKUNumber",
    19: "SmbiosSystemFamily",
    20: "SmbiosFirmwareVendor2",
    21: "SmbiosBoardProduct",
    22: "SmbiosBoardVersion",
    23: "SmbiosSystemVersion",
    24: "ProductKeyID",
    25: "TpmEkPub",
    26: "ProductKeyPkPn",
    28: "DiskSSNKernel",
    29: "GpuMemory",
    30: "GpuName",
})

#: Codes after which ``decode_hardware_hash`` can still return the records, so it reports
#: them as fields of ``HardwareHash`` (or leaves them to ``check_hardware_hash``) instead of
#: raising: the layout could be walked, only its integrity or content is off.
_READABLE_DESPITE = frozenset(
    {"hash-length", "hash-checksum", "hash-padding", "hash-missing-field"})

#: A fixed namespace so the builder derives the same SMBIOS UUID for the same device each run.
_BUILDER_NAMESPACE = uuidlib.UUID("6f1c3a52-4d0e-4b8e-9a57-3c2f0d6b8e11")

_BASE64_CHARS = re.compile(r"[A-Za-z0-9+/=]*\Z")
_URL_SAFE = re.compile(r"[-_]")
_WHITESPACE = re.compile(r"\s")
_FOREIGN = re.compile(r"[^A-Za-z0-9+/=\s\-_]")


@dataclass(frozen=True)
class HashRecord:
    """One TLV record: ``offset`` and ``length`` are those of the whole record, header included."""

    type: int
    offset: int
    length: int
    value: bytes

    @property
    def name(self) -> str:
        """The decoders' name for this record type, or ``type-<n>`` for the undecoded ones."""
        return RECORD_NAMES.get(self.type, f"type-{self.type}")

    @property
    def text(self) -> str:
        """The value read as a NUL-terminated string (the SMBIOS string records)."""
        return self.value.split(b"\0", 1)[0].decode("utf-8", errors="replace")


@dataclass(frozen=True)
class HardwareHash:
    """A decoded hash whose layout could be walked.

    ``checksum_ok`` and ``padding_ok`` are fields rather than exceptions because a
    hash with a stale checksum still names its device, and the serial in it is
    what makes a message about the bad row useful.
    """

    size: int
    end_offset: int
    records: tuple[HashRecord, ...]
    checksum_ok: bool
    padding_ok: bool

    def first(self, record_type: int) -> HashRecord | None:
        """The first record of a type; SMBIOS strings occur once."""
        return next((r for r in self.records if r.type == record_type), None)

    def string(self, record_type: int) -> str | None:
        """A string record's text, or None when the record is absent."""
        record = self.first(record_type)
        return record.text if record is not None else None

    @property
    def serial_number(self) -> str | None:
        return self.string(TYPE_SERIAL)

    @property
    def manufacturer(self) -> str | None:
        return self.string(TYPE_MANUFACTURER)

    @property
    def model(self) -> str | None:
        return self.string(TYPE_MODEL)

    @property
    def tpm_version(self) -> str | None:
        return self.string(TYPE_TPM_VERSION)

    @property
    def uuid_bytes(self) -> bytes | None:
        """The SMBIOS UUID record's 16 bytes as stored, or None."""
        record = self.first(TYPE_SMBIOS_UUID)
        return record.value[:16] if record is not None and len(record.value) >= 16 else None

    @property
    def smbios_uuid(self) -> str | None:
        """The SMBIOS UUID; the record stores it in GUID (mixed-endian) byte order."""
        record = self.first(TYPE_SMBIOS_UUID)
        if record is None or len(record.value) < 16:
            return None
        return str(uuidlib.UUID(bytes_le=record.value[:16]))

    @property
    def mac_addresses(self) -> tuple[str, ...]:
        """MAC addresses of the network adapter records (value bytes 4..10)."""
        return tuple(
            ":".join(f"{b:02x}" for b in r.value[4:10])
            for r in self.records
            if r.type == TYPE_NETWORK and len(r.value) >= 10
        )

    @property
    def os_build(self) -> str | None:
        """The OS build: the version record's second 8-byte version (minor, major, rev, build)."""
        record = self.first(TYPE_VERSION)
        if record is None or len(record.value) < 16:
            return None
        minor, major, rev, build = struct.unpack_from("<4H", record.value, 8)
        return f"{major}.{minor}.{build}.{rev}"


def _stdlib_strict_b64(text: str | bytes) -> bytes:
    if sys.version_info >= (3, 11):
        return binascii.a2b_base64(text, strict_mode=True)
    return base64.b64decode(text, validate=True)


def _stdlib_b64decode(text: str | bytes, altchars: None, validate: bool) -> bytes:
    return _stdlib_strict_b64(text)


#: ``(text, altchars, validate)``, called with ``(text, None, True)``: strict, and positional arguments cost
#: 0.2 µs less than ``validate=True`` by keyword on a 4000-character hash.
_b64decode: Callable[[str | bytes, None, bool], bytes] = _stdlib_b64decode
try:  # a maintained C decoder with wheels for every platform; the standard library where it cannot install
    import pybase64

    _b64decode = pybase64.b64decode
except ImportError:  # pragma: no cover - depends on the platform
    pass


def strict_b64decode(text: str | bytes) -> bytes:
    """Strict standard base64: the alphabet, '=' only at the end, length a multiple of 4; else ValueError."""
    return _b64decode(text, None, True)


class HashIdentity(NamedTuple):
    """What the rules need from a well-formed hash, read on the fast path without building records.

    ``uuid_bytes`` is the SMBIOS UUID record's 16 bytes as stored (GUID byte order). A named
    tuple, not a frozen dataclass: it is built for every valid record and costs a third as much.
    """

    serial_number: str | None
    manufacturer: str | None
    uuid_bytes: bytes | None
    #: The SHA-256 the hash carries in its trailer, checked against its records.
    checksum: bytes = b""

    @property
    def text_key(self) -> int:
        """A nonzero 64-bit key for the hash text: 8 bytes of ``checksum``.

        On the fast path the text and the 3000 bytes determine each other (4000 characters
        without ``=`` have no unused bits; the padding after the trailer is zeros), and the bytes
        are the records, their length and their SHA-256: equal keys mean equal text. Computed
        when asked (the duplicate check), not for every ``is_valid``.
        """
        return int.from_bytes(self.checksum[:8], "little") or 1

    @property
    def smbios_uuid(self) -> str | None:
        return str(uuidlib.UUID(bytes_le=self.uuid_bytes)) if self.uuid_bytes else None


_ZERO_PADDING = memoryview(bytes(HASH_SIZE))
_TRAILER_HEAD = TRAILER_TAG + struct.pack("<H", TRAILER_SIZE)
#: A record header read in one call: (type as the full walk reads it, a uint16 whose high byte must
#: be 0 for the wanted types; total length). Beats indexing the four bytes on hashes of 30 records.
_RECORD_HEADER = struct.Struct("<HH").unpack_from
_RECORD_LENGTH = struct.Struct("<2xH").unpack_from
_MAGIC_0, _MAGIC_1 = MAGIC
_WANTED = frozenset((TYPE_SERIAL, TYPE_MANUFACTURER, TYPE_SMBIOS_UUID))
_sha256 = hashlib.sha256
_new_identity = tuple.__new__  # HashIdentity's generated __new__ is a Python function; this is its C core


def fast_identity(text: object) -> HashIdentity | None:
    """The identity of a hash that passes *every* check, or None: the hash has at least one error.

    None means exactly what ``analyse_hardware_hash`` reports at least one issue for (every
    hash code is an error; a property test checks both directions), so a report runs the
    diagnosis to say what is wrong only then. The happy path of a real 4000-character hash:
    one strict decode (no regular expressions, no round trip: 4000 characters without ``=``
    have no unused bits), the SHA-256, a comparison of the padding with zeros, and a
    ``struct`` walk that keeps only the offsets of the three records the rules read; no
    object per record.
    """
    found = _sound_layout(text)
    if found is None:
        return None
    blob, serial, manufacturer, uuid, checksum = found
    uuid_bytes = None
    if uuid and blob[uuid + 2] | blob[uuid + 3] << 8 >= HEADER_SIZE + 16:
        uuid_bytes = blob[uuid + HEADER_SIZE:uuid + HEADER_SIZE + 16]
    # The two strings as HashRecord.text reads them (to the first NUL), without a call each.
    serial_value = blob[serial + HEADER_SIZE:serial + (blob[serial + 2] | blob[serial + 3] << 8)]
    maker_value = blob[manufacturer + HEADER_SIZE:manufacturer + (blob[manufacturer + 2] | blob[manufacturer + 3] << 8)]
    return _new_identity(HashIdentity, (serial_value.partition(b"\0")[0].decode("utf-8", "replace"),
                                        maker_value.partition(b"\0")[0].decode("utf-8", "replace"),
                                        uuid_bytes, checksum))


def hash_is_sound(text: object) -> bool:
    """``fast_identity(text) is not None`` without building the identity: the hash has no error.

    The question of ``Validator.is_valid``, whose rules need nothing from the hash (the serial
    comparison only warns).
    """
    return _sound_layout(text) is not None


def _record_text(blob: bytes, pos: int) -> str:
    """The string record at ``pos`` read as ``HashRecord.text`` reads it (to the first NUL)."""
    start, stop = pos + HEADER_SIZE, pos + (blob[pos + 2] | blob[pos + 3] << 8)
    nul = blob.find(0, start, stop)
    return blob[start:stop if nul < 0 else nul].decode("utf-8", "replace")


def _sound_layout(text: object) -> tuple[bytes, int, int, int, bytes] | None:
    """Every check of the fast path, or None when one fails.

    Returns the decoded hash, the offsets of its first serial, manufacturer and SMBIOS UUID
    records (0 for no UUID record) and the SHA-256 it carries.
    """
    if type(text) is not str or len(text) != HASH_TEXT_LENGTH or text[-1] == "=":
        return None
    try:
        blob = _b64decode(text, None, True)  # strict; 4000 characters without '=': 3000 bytes
    except (ValueError, TypeError):
        return None
    if blob[0] != _MAGIC_0 or blob[1] != _MAGIC_1:
        return None
    end = blob[2] | blob[3] << 8
    tail = end + TRAILER_SIZE
    if end <= HEADER_SIZE or tail > HASH_SIZE or not blob.startswith(_TRAILER_HEAD, end) \
            or not blob.endswith(_ZERO_PADDING[tail:]):
        return None
    checksum = _sha256(blob[:end]).digest()
    if checksum != blob[end + 4:tail]:
        return None
    serial = manufacturer = uuid = 0
    pos = HEADER_SIZE
    # A record running past ``end`` leaves ``pos > end``: one test after the loops replaces the full
    # walk's test per record (a header read near ``end`` reads the trailer: safe).
    while pos < end:
        kind, length = _RECORD_HEADER(blob, pos)
        if length < HEADER_SIZE:
            return None
        if kind in _WANTED:
            if kind == TYPE_SERIAL:
                serial = serial or pos
            elif kind == TYPE_MANUFACTURER:
                manufacturer = manufacturer or pos
            else:
                uuid = uuid or pos
            if serial and manufacturer and uuid:
                pos += length
                break
        pos += length
    while pos < end:  # the three records found: only the lengths are left to check
        length = _RECORD_LENGTH(blob, pos)[0]
        if length < HEADER_SIZE:
            return None
        pos += length
    if pos != end or not serial or not manufacturer:
        return None
    # Both strings not empty after strip (hash-missing-field). A visible ASCII character first, in a
    # record with a value, decodes to itself and strip keeps it: the usual case needs no decoding.
    if not (blob[serial + 2] | blob[serial + 3] << 8 > HEADER_SIZE and 0x20 < blob[serial + HEADER_SIZE] < 0x7F) \
            and not _record_text(blob, serial).strip():
        return None
    if not (blob[manufacturer + 2] | blob[manufacturer + 3] << 8 > HEADER_SIZE
            and 0x20 < blob[manufacturer + HEADER_SIZE] < 0x7F) and not _record_text(blob, manufacturer).strip():
        return None
    return blob, serial, manufacturer, uuid, checksum


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
    if _BASE64_CHARS.match(text) is None:
        for pattern, explain in _ALPHABET_FAULTS:
            match = pattern.search(text)
            if match is not None:
                findings.append(_Finding("base64", explain(text, match), match.start()))
    core = _WHITESPACE.sub("", text).replace("-", "+").replace("_", "/")
    padding = _padding_fault(core)
    if padding is not None:
        findings.append(padding)
    if _FOREIGN.search(text) is not None:
        return None, findings
    body = core.replace("=", "")
    if len(body) % 4 == 1:
        return None, findings
    blob = base64.b64decode(body + "=" * (-len(body) % 4), validate=True)
    if not findings and base64.b64encode(blob).decode("ascii") != text:
        findings.append(_Finding(
            "base64",
            f"{quote(text)} is not canonical base64: the unused bits of its last character are "
            "not zero, so it does not round-trip",
            len(text) - 1,
        ))
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
    (_URL_SAFE, _url_safe),
    (_WHITESPACE, _whitespace),
    (_FOREIGN, _foreign),
)


def _padding_fault(core: str) -> _Finding | None:
    """Padding rules of strict base64: '=' only at the end, at most two, length a multiple of 4."""
    stripped = core.rstrip("=")
    if "=" in stripped:
        position = stripped.index("=")
        return _Finding("base64", f"'=' padding in the middle of the value at position {position}; "
                        "'=' may only end the value", position)
    if len(core) - len(stripped) > 2:
        return _Finding("base64", f"{len(core) - len(stripped)} '=' padding characters; base64 "
                        "ends with at most two", len(stripped))
    if len(core) % 4:
        return _Finding("base64", f"{len(core)} base64 characters is not a multiple of 4: "
                        "padding is missing or characters were lost (a real hash has 4000 "
                        "characters and no '=')", len(core))
    return None


# ---------------------------------------------------------------------------
# the decoded blob


def _walk(blob: bytes, text_length: int | None) -> tuple[HardwareHash | None, list[_Finding]]:
    """Check the blob against the layout; return the decoded hash when its structure is sound."""
    findings: list[_Finding] = []
    size = len(blob)
    if size != HASH_SIZE:
        chars = f" ({text_length} base64 characters)" if text_length is not None else ""
        findings.append(_Finding(
            "hash-length",
            f"the hash decodes to {size} bytes{chars}; real hardware hashes are exactly "
            f"{HASH_SIZE} bytes ({HASH_TEXT_LENGTH} base64 characters): truncated, or not a hash",
        ))
    if blob[:2] != MAGIC:
        findings.append(_Finding(
            "hash-magic",
            f"the hash starts with the bytes {quote(blob[:2])}; a hardware hash starts with 'OA' "
            "(its base64 text with 'T0'), so this is not a hardware hash",
            0,
        ))
        return None, findings
    if size < HEADER_SIZE:
        findings.append(_Finding(
            "hash-records", f"{size} bytes cannot hold the 4-byte header", size))
        return None, findings
    end = struct.unpack_from("<H", blob, 2)[0]
    if end <= HEADER_SIZE:
        findings.append(_Finding(
            "hash-records",
            f"the end offset is {end}, which leaves no room for records (it must be more than "
            f"{HEADER_SIZE}: it counts the header)",
            2,
        ))
        return None, findings
    records, records_ok = _walk_records(blob, min(end, size), findings)
    if end + TRAILER_SIZE > size:
        findings.append(_Finding(
            "hash-trailer",
            f"the end offset {end} plus the {TRAILER_SIZE}-byte trailer runs past the "
            f"{size}-byte hash: it was truncated",
            end,
        ))
        return None, findings
    tag, trailer_length = blob[end:end + 2], struct.unpack_from("<H", blob, end + 2)[0]
    if tag != TRAILER_TAG or trailer_length != TRAILER_SIZE:
        findings.append(_Finding(
            "hash-trailer",
            f"at the end offset {end} the trailer should be 'CS' with length {TRAILER_SIZE}; "
            f"found {quote(tag)} with length {trailer_length}",
            end,
        ))
        return None, findings
    checksum_ok = hashlib.sha256(blob[:end]).digest() == blob[end + 4:end + TRAILER_SIZE]
    if not checksum_ok:
        findings.append(_Finding(
            "hash-checksum",
            f"the SHA-256 of bytes 0..{end} does not match the checksum in the trailer: the hash "
            "was edited or corrupted after it was generated",
            end + 4,
        ))
    padding = blob[end + TRAILER_SIZE:]
    # lstrip runs in C; a Python loop over ~2,900 zero bytes dominated decoding.
    first_set = len(padding) - len(padding.lstrip(b"\0")) if padding.strip(b"\0") else None
    if first_set is not None:
        offset = end + TRAILER_SIZE + first_set
        findings.append(_Finding(
            "hash-padding",
            f"byte {offset} after the trailer is 0x{blob[offset]:02x}; everything after the "
            "trailer is zero padding in real hashes",
            offset,
        ))
    if not records_ok:
        return None, findings
    decoded = HardwareHash(size, end, records, checksum_ok, first_set is None)
    findings.extend(_missing_fields(decoded))
    return decoded, findings


def _walk_records(
    blob: bytes, limit: int, findings: list[_Finding]
) -> tuple[tuple[HashRecord, ...], bool]:
    records: list[HashRecord] = []
    pos = HEADER_SIZE
    while pos < limit:
        if pos + HEADER_SIZE > limit:
            findings.append(_Finding(
                "hash-records",
                f"a record header at offset {pos} runs past the end of the record area at {limit}",
                pos,
            ))
            return tuple(records), False
        record_type, length = struct.unpack_from("<HH", blob, pos)
        if length < HEADER_SIZE:
            findings.append(_Finding(
                "hash-records",
                f"the record at offset {pos} (type {record_type}) declares length {length}; a "
                f"record is at least {HEADER_SIZE} bytes, its own header",
                pos,
            ))
            return tuple(records), False
        if pos + length > limit:
            findings.append(_Finding(
                "hash-records",
                f"the record at offset {pos} (type {record_type}, {length} bytes) runs past the "
                f"end of the record area at {limit}",
                pos,
            ))
            return tuple(records), False
        records.append(HashRecord(record_type, pos, length, blob[pos + HEADER_SIZE:pos + length]))
        pos += length
    return tuple(records), True


#: The fields Intune requires inside the hash ("Both the manufacturer and serial number ...").
_REQUIRED_FIELDS = ((TYPE_SERIAL, "serial number"), (TYPE_MANUFACTURER, "manufacturer"))


def _missing_fields(decoded: HardwareHash) -> list[_Finding]:
    findings = []
    for record_type, label in _REQUIRED_FIELDS:
        record = decoded.first(record_type)
        if record is None:
            findings.append(_Finding(
                "hash-missing-field",
                f"the hash has no {label} record (type {record_type}); Intune needs both the "
                "manufacturer and the serial number in the hash",
            ))
        elif not record.text.strip():
            findings.append(_Finding(
                "hash-missing-field",
                f"the {label} record (type {record_type}) in the hash is empty; Intune needs both "
                "the manufacturer and the serial number in the hash",
                record.offset,
            ))
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
        if finding.code not in _READABLE_DESPITE:
            raise HardwareHashError(finding.code, finding.message, finding.offset)
    if decoded is None:  # pragma: no cover - every unreadable path records a finding
        raise HardwareHashError("hash-records", "the hash could not be decoded")
    return decoded


def analyse_hardware_hash(
    value: object, pointer: str = ""
) -> tuple[HardwareHash | None, list[Issue]]:
    """Every issue with a hash value, plus the decoded hash when its layout could be walked.

    The record rules use the decoded hash to compare its serial with
    ``serialNumber`` without decoding twice.
    """
    if value is None or value == "" or value == b"":
        return None, [make_issue(
            "hash-missing", pointer,
            "the hardware hash is missing; admin uploads need the 4000-character hash that "
            "Get-WindowsAutopilotInfo writes",
        )]
    if not isinstance(value, (str, bytes)):
        return None, [make_issue(
            "base64", pointer,
            f"the hardware hash must be a base64 string; got {type(value).__name__} {quote(value)}",
        )]
    decoded, findings = _analyse(value)
    return decoded, [make_issue(f.code, pointer, f.message) for f in findings]


def check_hardware_hash(value: object, pointer: str = "") -> list[Issue]:
    """All issues with a hash value (base64 text, or raw bytes), in layout order."""
    return analyse_hardware_hash(value, pointer)[1]


def _record(record_type: int, value: bytes) -> bytes:
    if not 0 <= record_type <= 0xFF:
        raise HardwareHashError("hash-records", f"record type {record_type} does not fit one byte")
    length = HEADER_SIZE + len(value)
    if length > 0xFFFF:
        raise HardwareHashError("hash-records", f"a {len(value)}-byte value does not fit a record")
    return bytes((record_type, 0)) + struct.pack("<H", length) + value


def _string_value(text: str) -> bytes:
    return text.encode("utf-8") + b"\0"


def build_hardware_hash(
    serial: str | None,
    manufacturer: str | None,
    model: str | None = "Virtual Machine",
    *,
    uuid: str | uuidlib.UUID | None = None,
    extra_records: Iterable[tuple[int, bytes]] = (),
) -> bytes:
    """Build a well-formed synthetic hash blob following the documented layout.

    Test fixtures and the emulator need realistic hashes and the project ships
    no real device's hash. ``None`` for serial, manufacturer or model leaves
    that record out (to build the broken kinds); ``uuid`` defaults to one
    derived from the other fields so the same device gets the same hash.
    ``extra_records`` are ``(type, value)`` pairs appended after the SMBIOS
    strings. Raises ``HardwareHashError`` when the records do not fit.
    """
    if uuid is None:
        uuid = uuidlib.uuid5(_BUILDER_NAMESPACE, f"{manufacturer}|{model}|{serial}")
    guid = uuid if isinstance(uuid, uuidlib.UUID) else uuidlib.UUID(uuid)
    parts = [_record(TYPE_SMBIOS_UUID, guid.bytes_le)]
    for record_type, text in ((TYPE_SERIAL, serial), (TYPE_MANUFACTURER, manufacturer),
                              (TYPE_MODEL, model)):
        if text is not None:
            parts.append(_record(record_type, _string_value(text)))
    parts.extend(_record(record_type, value) for record_type, value in extra_records)
    body = b"".join(parts)
    end = HEADER_SIZE + len(body)
    if end + TRAILER_SIZE > HASH_SIZE:
        raise HardwareHashError(
            "hash-length", f"{end + TRAILER_SIZE} bytes of records and trailer exceed {HASH_SIZE}")
    head = MAGIC + struct.pack("<H", end) + body
    trailer = TRAILER_TAG + struct.pack("<H", TRAILER_SIZE) + hashlib.sha256(head).digest()
    return (head + trailer).ljust(HASH_SIZE, b"\0")


def encode_hardware_hash(blob: bytes) -> str:
    """The base64 text of a blob, as it appears in ``hardwareIdentifier`` and the CSV."""
    return base64.b64encode(blob).decode("ascii")


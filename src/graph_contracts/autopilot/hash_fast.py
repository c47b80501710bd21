"""The fast path through a hardware hash: strict base64 and the identity of a sound hash, no findings.

``fast_identity`` and ``hash_is_sound`` answer for the usual, well-formed hash
with one strict decode and no regex; only when they say no does
``hardware_hash`` run its diagnostic checks to say what is wrong.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import sys
import uuid as uuidlib
from collections.abc import Callable
from typing import NamedTuple

from graph_contracts.autopilot.hash_layout import (
    HASH_TEXT_LENGTH,
)
from graph_contracts.autopilot.hash_walk import identity_parts as _identity_parts


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


_sha256 = hashlib.sha256
_new_identity = tuple.__new__  # HashIdentity's generated __new__ is a Python function; this is its C core


def fast_identity(text: object) -> HashIdentity | None:
    """The identity of a hash that passes *every* check, or None: the hash has at least one error.

    None means exactly what ``analyse_hardware_hash`` reports at least one issue for (every
    hash code is an error; a property test checks both directions), so a report runs the
    diagnosis to say what is wrong only then. The happy path of a real 4000-character hash:
    one strict decode (no regular expressions, no round trip: 4000 characters without ``=``
    have no unused bits), the SHA-256, a comparison of the padding with zeros, and a
    walk of the records (``hash_walk``: in C where it built) that keeps only the offsets of the
    three records the rules read, with their values (``identity_parts``); no object per record.
    """
    found = _sound_parts(text)
    if found is None:
        return None
    serial, manufacturer, uuid_bytes, checksum = found
    # The two strings as HashRecord.text reads them (_sound_parts has checked they are not blank).
    return _new_identity(
        HashIdentity,
        (serial.decode("utf-8", "replace"), manufacturer.decode("utf-8", "replace"), uuid_bytes, checksum),
    )


def hash_is_sound(text: object) -> bool:
    """``fast_identity(text) is not None`` without building the identity: the hash has no error.

    The question of ``Validator.is_valid``, whose rules need nothing from the hash (the serial
    comparison only warns).
    """
    return _sound_parts(text) is not None


def _has_text(value: bytes) -> bool:
    """A record value (to its first NUL) that is not blank once decoded and stripped, as
    ``HashRecord.text`` reads it (hash-missing-field). A visible ASCII byte first decodes to itself
    and strip keeps it: the usual case needs no decoding."""
    return (bool(value) and 0x20 < value[0] < 0x7F) or bool(value.decode("utf-8", "replace").strip())


def _sound_parts(text: object) -> tuple[bytes, bytes, bytes | None, bytes] | None:
    """Every check of the fast path, or None when one fails: the one door of ``fast_identity`` and
    ``hash_is_sound``.

    Returns the serial and manufacturer values (bytes, to their first NUL), the SMBIOS UUID
    record's 16 bytes (None without one) and the SHA-256 the hash carries.
    """
    if type(text) is not str or len(text) != HASH_TEXT_LENGTH or text[-1] == "=":
        return None
    try:
        blob = _b64decode(text, None, True)  # strict; 4000 characters without '=': 3000 bytes
    except (ValueError, TypeError):
        return None
    # The framing, the records and the values the rules read, in one call (hash_walk: in C where it built).
    parts = _identity_parts(blob)
    if parts is None:
        return None
    records, stored, serial, manufacturer, uuid_bytes = parts
    checksum = _sha256(records).digest()
    if checksum != stored or not _has_text(serial) or not _has_text(manufacturer):
        return None
    return serial, manufacturer, uuid_bytes, checksum

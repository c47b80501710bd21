"""The layout checks of a decoded hardware hash: the C extension where it built, else the Python reference.

``walk_records`` (the records between offset 4 and ``end``) and ``sound_records_py`` (the
framing around them, then the walk) are the reference: what the fast path (``hash_fast``) asks
of a decoded hash besides its checksum. ``_hashwalk`` (``_hashwalk.c``) does the same in C,
compiled when the package is installed (``hatch_build.py``); on a real hash of about 30
records the Python walk was most of what the upload profile's ``is_valid`` spent
(benchmarks/README.md, "Where the time of upload is_valid goes"). Property tests check the two
agree. ``walk`` and ``sound_records`` are the ones in use: the C ones unless the extension did
not build or ``GRAPH_CONTRACTS_PURE_PYTHON`` is set (to anything but ``0``) at import.
``identity_parts`` (``identity_parts_py``: what ``fast_identity`` reads of a sound hash besides its
checksum) is picked the same way, and ``native`` picks the extension's other functions for the
modules that hold their references (``csv_lines.plain_record``, ``duplicates.DigestTable``).
"""

from __future__ import annotations

import os
import struct
from collections.abc import Callable
from typing import Any

from graph_contracts.autopilot.hash_layout import (
    HASH_SIZE,
    HEADER_SIZE,
    MAGIC,
    TRAILER_SIZE,
    TRAILER_TAG,
    TYPE_MANUFACTURER,
    TYPE_SERIAL,
    TYPE_SMBIOS_UUID,
)

__all__ = [
    "IMPLEMENTATION",
    "PURE_PYTHON_ENV",
    "identity_parts",
    "identity_parts_py",
    "native",
    "sound_records",
    "sound_records_py",
    "walk",
    "walk_records",
]

#: Set to anything but ``0`` (or empty) to use the Python walk even where the C one built.
PURE_PYTHON_ENV = "GRAPH_CONTRACTS_PURE_PYTHON"

#: A record header read in one call: (type as a uint16, whose high byte must be 0 for the wanted types;
#: total length). Beats indexing the four bytes on hashes of 30 records.
_RECORD_HEADER = struct.Struct("<HH").unpack_from
_RECORD_LENGTH = struct.Struct("<2xH").unpack_from
_WANTED = frozenset((TYPE_SERIAL, TYPE_MANUFACTURER, TYPE_SMBIOS_UUID))
_ZERO_PADDING = memoryview(bytes(HASH_SIZE))
_TRAILER_HEAD = TRAILER_TAG + struct.pack("<H", TRAILER_SIZE)
_MAGIC_0, _MAGIC_1 = MAGIC


def walk_records(blob: bytes, end: int) -> tuple[int, int, int] | None:
    """The offsets (serial, manufacturer, uuid) of the first records of those types, uuid 0 when absent.

    None when a record is shorter than its header, the records from offset 4 do not end exactly
    at ``end``, a header lies past the end of ``blob``, or there is no serial or no manufacturer
    record: every layout fault the full walk (``hardware_hash``) reports as an error.
    """
    serial = manufacturer = uuid = 0
    pos = HEADER_SIZE
    try:
        # A record running past ``end`` leaves ``pos > end``: one test after the loops replaces the full
        # walk's test per record. On the fast path a header read near ``end`` reads the trailer; past the
        # bytes (only for other callers) ``unpack_from`` raises, which is no layout.
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
    except struct.error:
        return None
    if pos != end or not serial or not manufacturer:
        return None
    return serial, manufacturer, uuid


def sound_records_py(blob: bytes) -> tuple[int, int, int, int] | None:
    """(end, serial, manufacturer, uuid) of a decoded hash whose framing holds and whose records
    ``walk_records`` accepts, else None. The framing: 3000 bytes, the magic, an end offset past the
    header that leaves room for the trailer, the trailer's tag and size at it, zeros after the
    trailer. The checksum is left to the caller, which compares it with hashlib's SHA-256.
    """
    if len(blob) != HASH_SIZE or blob[0] != _MAGIC_0 or blob[1] != _MAGIC_1:
        return None
    end = blob[2] | blob[3] << 8
    tail = end + TRAILER_SIZE
    if (
        end <= HEADER_SIZE
        or tail > HASH_SIZE
        or not blob.startswith(_TRAILER_HEAD, end)
        or not blob.endswith(_ZERO_PADDING[tail:])
    ):
        return None
    found = walk_records(blob, end)
    return None if found is None else (end, *found)


#: (the bytes before the trailer, the SHA-256 the trailer carries, the serial, the manufacturer, the UUID).
IdentityParts = tuple[bytes, bytes, bytes, bytes, "bytes | None"]


def _record_text(blob: bytes, pos: int) -> bytes:
    """The value of the record at ``pos`` up to its first NUL (``HashRecord.text`` before decoding)."""
    return blob[pos + HEADER_SIZE : pos + (blob[pos + 2] | blob[pos + 3] << 8)].partition(b"\0")[0]


def identity_parts_py(blob: bytes) -> IdentityParts | None:
    """What the fast path (``hash_fast.fast_identity``) reads of a hash ``sound_records_py`` accepts,
    else None: the bytes before the trailer (what its SHA-256 covers), the SHA-256 the trailer
    carries, the values of the first serial and manufacturer records up to their first NUL, and the
    first SMBIOS UUID record's 16 bytes (None when there is none, or it is shorter)."""
    found = sound_records_py(blob)
    if found is None:
        return None
    end, serial, manufacturer, uuid = found
    uuid_bytes = None
    if uuid and blob[uuid + 2] | blob[uuid + 3] << 8 >= HEADER_SIZE + 16:
        uuid_bytes = blob[uuid + HEADER_SIZE : uuid + HEADER_SIZE + 16]
    return (
        blob[:end],
        blob[end + HEADER_SIZE : end + TRAILER_SIZE],
        _record_text(blob, serial),
        _record_text(blob, manufacturer),
        uuid_bytes,
    )


Walk = Callable[[bytes, int], "tuple[int, int, int] | None"]
SoundRecords = Callable[[bytes], "tuple[int, int, int, int] | None"]


def native(name: str) -> Callable[..., Any] | None:
    """The extension's function ``name``, or None: the extension did not build, it is a stale build
    from before the function was added, or ``GRAPH_CONTRACTS_PURE_PYTHON`` asks for Python.
    For the other modules with a C twin (``csv_lines.plain_record``), picked as the walks are."""
    if os.environ.get(PURE_PYTHON_ENV, "") not in ("", "0"):
        return None
    try:
        from graph_contracts.autopilot import _hashwalk
    except ImportError:
        return None
    found: Callable[..., Any] | None = getattr(_hashwalk, name, None)
    return found


def _pick() -> tuple[Walk, SoundRecords, str]:
    if os.environ.get(PURE_PYTHON_ENV, "") not in ("", "0"):
        return walk_records, sound_records_py, "python"
    try:
        from graph_contracts.autopilot import _hashwalk

        return _hashwalk.walk, _hashwalk.sound_records, "c"
    except ImportError:  # not built: no compiler at install, or a platform without wheels
        return walk_records, sound_records_py, "python"
    except AttributeError:  # a stale build from before a function was added: the reference, not a crash
        return walk_records, sound_records_py, "python"


#: The walks in use: the C ones where the extension built (and the environment does not say no).
walk, sound_records, IMPLEMENTATION = _pick()
#: The same for ``identity_parts`` (a build from before it was added has the walks without it).
identity_parts: Callable[[bytes], IdentityParts | None] = (
    native("identity_parts") if IMPLEMENTATION == "c" else None
) or identity_parts_py

"""The record walk of a decoded hardware hash: the C extension where it built, else the Python reference.

``walk_records`` is the reference: what the fast path (``hash_fast``) asks of the records
between offset 4 and ``end``. ``_hashwalk.walk`` (``_hashwalk.c``) is the same loop in C,
compiled when the package is installed (``hatch_build.py``); on a real hash of about 30
records it takes a fraction of the interpreter's time, which is most of what the upload
profile's ``is_valid`` spent (benchmarks/README.md, "Where the time of upload is_valid goes").
A property test checks the two agree. ``walk`` is the one in use: the C one unless it did
not build or ``GRAPH_CONTRACTS_PURE_PYTHON`` is set (to anything but ``0``) at import.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Callable

from graph_contracts.autopilot.hash_layout import HEADER_SIZE, TYPE_MANUFACTURER, TYPE_SERIAL, TYPE_SMBIOS_UUID

__all__ = ["IMPLEMENTATION", "PURE_PYTHON_ENV", "walk", "walk_records"]

#: Set to anything but ``0`` (or empty) to use the Python walk even where the C one built.
PURE_PYTHON_ENV = "GRAPH_CONTRACTS_PURE_PYTHON"

#: A record header read in one call: (type as a uint16, whose high byte must be 0 for the wanted types;
#: total length). Beats indexing the four bytes on hashes of 30 records.
_RECORD_HEADER = struct.Struct("<HH").unpack_from
_RECORD_LENGTH = struct.Struct("<2xH").unpack_from
_WANTED = frozenset((TYPE_SERIAL, TYPE_MANUFACTURER, TYPE_SMBIOS_UUID))


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


def _pick() -> tuple[Callable[[bytes, int], tuple[int, int, int] | None], str]:
    if os.environ.get(PURE_PYTHON_ENV, "") not in ("", "0"):
        return walk_records, "python"
    try:
        from graph_contracts.autopilot._hashwalk import walk as compiled
    except ImportError:  # not built: no compiler at install, or a platform without wheels
        return walk_records, "python"
    return compiled, "c"


walk, IMPLEMENTATION = _pick()

"""Build synthetic hardware hashes following the documented layout, for fixtures and the emulator.

The project ships no real device's hash; these are well formed by construction
(``hardware_hash`` checks them like any other).
"""

from __future__ import annotations

import base64
import hashlib
import struct
import uuid as uuidlib
from collections.abc import Iterable

from graph_contracts.autopilot.hash_layout import (
    BUILDER_NAMESPACE,
    HASH_SIZE,
    HEADER_SIZE,
    MAGIC,
    TRAILER_SIZE,
    TRAILER_TAG,
    TYPE_MANUFACTURER,
    TYPE_MODEL,
    TYPE_SERIAL,
    TYPE_SMBIOS_UUID,
)
from graph_contracts.errors import HardwareHashError


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
        uuid = uuidlib.uuid5(BUILDER_NAMESPACE, f"{manufacturer}|{model}|{serial}")
    guid = uuid if isinstance(uuid, uuidlib.UUID) else uuidlib.UUID(uuid)
    parts = [_record(TYPE_SMBIOS_UUID, guid.bytes_le)]
    for record_type, text in ((TYPE_SERIAL, serial), (TYPE_MANUFACTURER, manufacturer), (TYPE_MODEL, model)):
        if text is not None:
            parts.append(_record(record_type, _string_value(text)))
    parts.extend(_record(record_type, value) for record_type, value in extra_records)
    body = b"".join(parts)
    end = HEADER_SIZE + len(body)
    if end + TRAILER_SIZE > HASH_SIZE:
        raise HardwareHashError("hash-length", f"{end + TRAILER_SIZE} bytes of records and trailer exceed {HASH_SIZE}")
    head = MAGIC + struct.pack("<H", end) + body
    trailer = TRAILER_TAG + struct.pack("<H", TRAILER_SIZE) + hashlib.sha256(head).digest()
    return (head + trailer).ljust(HASH_SIZE, b"\0")


def encode_hardware_hash(blob: bytes) -> str:
    """The base64 text of a blob, as it appears in ``hardwareIdentifier`` and the CSV."""
    return base64.b64encode(blob).decode("ascii")

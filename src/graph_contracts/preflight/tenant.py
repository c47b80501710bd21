"""Reading what a tenant holds, once and paged, keeping only what the admin's devices need.

The registered devices and the imported identities are read whole, page by
page as the service pages them (``graph.paging``): one ``$filter`` per device
would cost a request each, ``contains`` answers 400 on serials with a hyphen
and ``$select`` answers 500 on the registered devices (graph-facts 6.1), so
neither is used. Memory stays bounded however large the tenant: every item is
reduced to 64-bit identity digests (``autopilot.duplicates.digest``, the
validator's) and kept only when one of its digests is one of the file's; of
the rest, only the group tags are counted.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..autopilot.batch import duplicate_keys
from ..autopilot.catalog import AUTOPILOT_COLLECTION, DEVICE_COLLECTION
from ..autopilot.duplicates import digest
from ..autopilot.hash_fast import fast_identity
from ..graph.client import GraphClient
from ..graph.paging import PageLimits, iter_pages

REGISTERED_PATH = f"/deviceManagement/{DEVICE_COLLECTION}"
IMPORTED_PATH = f"/deviceManagement/{AUTOPILOT_COLLECTION}"

#: (collection path, items read so far) after each page: a progress line.
PageCallback = Callable[[str, int], None]


def device_keys(record: Mapping[str, Any]) -> tuple[tuple[str, int], ...]:
    """A record's identity digests as the validator keys duplicates (``autopilot.batch.duplicate_keys``).

    The hash text (``duplicate-hash``: the same capture), the serial number
    and, decoded from the hash, the serial inside it and the SMBIOS UUID
    (``duplicate-device``: another capture of the same device, graph-facts 6.1).
    """
    value = record.get("hardwareIdentifier")
    return duplicate_keys(record, fast_identity(value.strip()) if isinstance(value, str) else None)


def serial_key(serial: object) -> int | None:
    """The digest of a serial number as the validator keys it (trimmed, case-folded), or None."""
    if not isinstance(serial, str) or not serial.strip():
        return None
    return digest(b"serial", serial.strip().casefold())


@dataclass(frozen=True)
class RegisteredDevice:
    """A windowsAutopilotDeviceIdentity that carries one of the file's serials."""

    id: str
    serial: str
    group_tag: str
    user: str


@dataclass(frozen=True)
class ImportedIdentity:
    """An importedWindowsAutopilotDeviceIdentity that shares an identity digest with one of the file's devices.

    ``hash_key`` is its hash text's digest (0 without a hash); ``matched_by``
    the kind of digest that matched (``duplicate-hash``, ``duplicate-serial``, ``duplicate-device``).
    """

    id: str
    serial: str
    status: str
    error_code: int
    error_name: str
    registration_id: str
    hash_key: int
    matched_by: str


@dataclass
class Registered:
    """The registered devices as preflight keeps them: the matches, the group tags in use, the count."""

    matches: dict[int, list[RegisteredDevice]] = field(default_factory=dict)
    tags: Counter[str] = field(default_factory=Counter)
    count: int = 0


@dataclass
class Imported:
    """The imported identities that match a device of the file, by device index; the count read."""

    matches: dict[int, list[ImportedIdentity]] = field(default_factory=dict)
    count: int = 0


def _text(item: Mapping[str, Any], name: str) -> str:
    value = item.get(name)
    return value if isinstance(value, str) else ""


def read_registered(
    client: GraphClient, wanted: Mapping[int, list[int]], limits: PageLimits, on_page: PageCallback | None = None
) -> Registered:
    """Every registered device, paged: the ones whose serial is a wanted digest kept, every group tag counted.

    Raises what ``graph.paging`` raises when the collection cannot be read to its end.
    """
    out = Registered()
    for page in iter_pages(client, REGISTERED_PATH, limits=limits):
        for item in page.items:
            out.count += 1
            tag = _text(item, "groupTag")
            if tag:
                out.tags[tag] += 1
            key = serial_key(item.get("serialNumber"))
            for index in wanted.get(key, ()) if key is not None else ():
                out.matches.setdefault(index, []).append(
                    RegisteredDevice(
                        _text(item, "id"), _text(item, "serialNumber"), tag, _text(item, "userPrincipalName")
                    )
                )
        if on_page is not None:
            on_page(REGISTERED_PATH, out.count)
    return out


def read_imported(
    client: GraphClient, wanted: Mapping[int, list[int]], limits: PageLimits, on_page: PageCallback | None = None
) -> Imported:
    """Every imported identity, paged; the ones sharing an identity digest with a file device kept."""
    out = Imported()
    for page in iter_pages(client, IMPORTED_PATH, limits=limits):
        for item in page.items:
            out.count += 1
            keys = device_keys(item)
            hits = _hits(keys, wanted)
            if not hits:
                continue
            state = item.get("state") if isinstance(item.get("state"), dict) else {}
            assert isinstance(state, dict)
            code = state.get("deviceErrorCode")
            hash_key = next((k for c, k in keys if c == "duplicate-hash"), 0)
            for index, kind in hits.items():
                out.matches.setdefault(index, []).append(
                    ImportedIdentity(
                        _text(item, "id"),
                        _text(item, "serialNumber"),
                        _text(state, "deviceImportStatus"),
                        code if isinstance(code, int) else 0,
                        _text(state, "deviceErrorName"),
                        _text(state, "deviceRegistrationId"),
                        hash_key,
                        kind,
                    )
                )
        if on_page is not None:
            on_page(IMPORTED_PATH, out.count)
    return out


def _hits(keys: Iterable[tuple[str, int]], wanted: Mapping[int, list[int]]) -> dict[int, str]:
    """Device index -> the kind of the first (strongest) digest that matched it."""
    found: dict[int, str] = {}
    for kind, key in keys:
        for index in wanted.get(key, ()):
            found.setdefault(index, kind)
    return found

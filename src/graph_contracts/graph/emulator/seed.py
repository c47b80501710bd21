"""A tenant's state to start the emulator with: ``graph-contracts emulator --state FILE`` (YAML or JSON).

What a real tenant holds before an import, so that preflight and its tests
run against something that looks like one:

- ``registered_devices``: windowsAutopilotDeviceIdentities, with group tag,
  user and, optionally, the hardware hash they were imported with (kept as
  the completed imported identity that registered them, which is where the
  service keeps a hash: the registered device has no hash property);
- ``imported_identities``: importedWindowsAutopilotDeviceIdentities in any
  state (``pending``, ``unknown``, ``error`` with its DDS error, ``complete``);
  they stay in that state, as a stale record in a tenant does;
- ``users``: what ``GET /users/{id | userPrincipalName}`` finds;
- ``other_tenant_devices``: serials registered to another tenant, so that an
  import of one of them settles with 808.

The file is checked whole before anything is stored: every mistake is a
``StateFileError`` naming the file and the JSON pointer of the value.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ...autopilot.catalog import AUTOPILOT_COLLECTION, DEVICE_COLLECTION
from ...errors import StateFileError as StateFileError
from .state import (
    ALREADY_ASSIGNED,
    ASSIGNED_TO_OTHER_TENANT,
    DUPLICATED,
    INVALID_HASH,
    EmulatorStore,
    Record,
)

#: The collection users are kept in, per tenant.
USER_COLLECTION = "users"
#: The tenant that holds ``other_tenant_devices``: not the default one, served by no token endpoint.
OTHER_TENANT = "00000000-0000-4000-8000-000000000808"

IMPORT_STATES = ("pending", "unknown", "error", "complete")
#: DDS error names the emulator knows, with their codes, so a file may give the name alone.
KNOWN_ERRORS = {e.name: e.code for e in (ALREADY_ASSIGNED, ASSIGNED_TO_OTHER_TENANT, DUPLICATED, INVALID_HASH)}


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


_STRING = ("a string", lambda v: isinstance(v, str))
_OPTIONAL_STRING = ("a string or null", lambda v: v is None or isinstance(v, str))
_INT = ("a whole number", lambda v: isinstance(v, int) and not isinstance(v, bool))
_STATE = (f"one of {', '.join(IMPORT_STATES)}", lambda v: v in IMPORT_STATES)

Check = tuple[str, Callable[[Any], bool]]

#: Each section's fields: name -> (what it must be, test); the first field listed is required.
FIELDS: Mapping[str, Mapping[str, Check]] = {
    "registered_devices": {
        "serialNumber": _STRING,
        "id": _STRING,
        "groupTag": _OPTIONAL_STRING,
        "userPrincipalName": _OPTIONAL_STRING,
        "manufacturer": _OPTIONAL_STRING,
        "model": _OPTIONAL_STRING,
        "productKey": _OPTIONAL_STRING,
        "displayName": _OPTIONAL_STRING,
        "hardwareIdentifier": _OPTIONAL_STRING,
    },
    "imported_identities": {
        "state": _STATE,
        "id": _STRING,
        "serialNumber": _OPTIONAL_STRING,
        "hardwareIdentifier": _OPTIONAL_STRING,
        "groupTag": _OPTIONAL_STRING,
        "assignedUserPrincipalName": _OPTIONAL_STRING,
        "productKey": _OPTIONAL_STRING,
        "importId": _OPTIONAL_STRING,
        "deviceErrorCode": _INT,
        "deviceErrorName": _OPTIONAL_STRING,
        "deviceRegistrationId": _OPTIONAL_STRING,
    },
    "users": {
        "userPrincipalName": _STRING,
        "id": _STRING,
        "displayName": _OPTIONAL_STRING,
        "mail": _OPTIONAL_STRING,
    },
    "other_tenant_devices": {"serialNumber": _STRING},
}


@dataclass(frozen=True)
class TenantSeed:
    """A checked state file: plain entities per section, ready to store (``apply``)."""

    file: str
    registered_devices: tuple[Mapping[str, Any], ...] = ()
    imported_identities: tuple[Mapping[str, Any], ...] = ()
    users: tuple[Mapping[str, Any], ...] = ()
    other_tenant_devices: tuple[Mapping[str, Any], ...] = ()

    def apply(self, store: EmulatorStore, tenant_id: str) -> None:
        """Store every entity in ``tenant_id`` (and the other tenant's devices in ``OTHER_TENANT``)."""
        now = time.monotonic()
        with store.tenant(tenant_id) as state:
            for device in self.registered_devices:
                data = {k: v for k, v in device.items() if k != "hardwareIdentifier"}
                data.setdefault("id", str(uuid.uuid4()))
                state.add(DEVICE_COLLECTION, Record(data=data, created=now))
                if device.get("hardwareIdentifier"):
                    state.add(AUTOPILOT_COLLECTION, Record(data=_registering_import(data, device), created=now))
            for identity in self.imported_identities:
                state.add(AUTOPILOT_COLLECTION, Record(data=_imported(identity), created=now))
            for user in self.users:
                data = dict(user)
                data.setdefault("id", str(uuid.uuid5(uuid.NAMESPACE_URL, f"user:{user['userPrincipalName']}")))
                state.add(USER_COLLECTION, Record(data=data, created=now))
        if self.other_tenant_devices:
            with store.tenant(OTHER_TENANT) as other:
                for device in self.other_tenant_devices:
                    data = {"id": str(uuid.uuid4()), "serialNumber": device["serialNumber"]}
                    other.add(DEVICE_COLLECTION, Record(data=data, created=now))


def _registering_import(device: Mapping[str, Any], given: Mapping[str, Any]) -> dict[str, Any]:
    """The completed imported identity that registered ``device``, carrying the hash it was imported with."""
    return {
        "id": str(uuid.uuid4()),
        "serialNumber": device.get("serialNumber"),
        "hardwareIdentifier": given["hardwareIdentifier"],
        "groupTag": device.get("groupTag"),
        "assignedUserPrincipalName": device.get("userPrincipalName"),
        "state": {
            "deviceImportStatus": "complete",
            "deviceRegistrationId": device["id"],
            "deviceErrorCode": 0,
            "deviceErrorName": "",
        },
    }


def _imported(identity: Mapping[str, Any]) -> dict[str, Any]:
    status = identity["state"]
    name = identity.get("deviceErrorName") or ""
    data = {
        k: v
        for k, v in identity.items()
        if k not in ("state", "deviceErrorCode", "deviceErrorName", "deviceRegistrationId")
    }
    data.setdefault("id", str(uuid.uuid4()))
    data["state"] = {
        "deviceImportStatus": status,
        "deviceRegistrationId": identity.get("deviceRegistrationId"),
        "deviceErrorCode": identity.get("deviceErrorCode", KNOWN_ERRORS.get(name, 0)),
        "deviceErrorName": name,
    }
    return data


def read_state_file(path: str | Path) -> TenantSeed:
    """Read and check a state file (YAML, or JSON by its ``.json`` suffix); raise ``StateFileError``."""
    file = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise StateFileError(file, "", f"cannot read it: {getattr(exc, 'strerror', None) or exc}") from None
    try:
        data = json.loads(text) if file.lower().endswith(".json") else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as exc:
        raise StateFileError(
            file, "", f"not valid {'JSON' if file.lower().endswith('.json') else 'YAML'}: {str(exc).splitlines()[0]}"
        ) from None
    return check_state(data, file)


def check_state(data: Any, file: str = "<state>") -> TenantSeed:
    """The seed ``data`` describes, or ``StateFileError`` for the first value that is wrong."""
    if data is None:
        data = {}
    if not isinstance(data, Mapping):
        raise StateFileError(file, "", f"the state must be a mapping of {', '.join(FIELDS)}")
    unknown = sorted(set(data) - set(FIELDS))
    if unknown:
        raise StateFileError(file, f"/{unknown[0]}", f"unknown section; the sections are {', '.join(FIELDS)}")
    sections: dict[str, tuple[Mapping[str, Any], ...]] = {}
    for section, fields in FIELDS.items():
        items = data.get(section) or []
        if not isinstance(items, list):
            raise StateFileError(file, f"/{section}", "must be a list")
        sections[section] = tuple(_entry(file, f"/{section}/{i}", item, fields) for i, item in enumerate(items))
    _unique(file, sections)
    return TenantSeed(file, **sections)


def _entry(file: str, pointer: str, item: Any, fields: Mapping[str, Check]) -> Mapping[str, Any]:
    if not isinstance(item, Mapping):
        raise StateFileError(file, pointer, "must be a mapping")
    required = next(iter(fields))
    if item.get(required) in (None, ""):
        raise StateFileError(file, f"{pointer}/{required}", "is required")
    for key, value in item.items():
        if key not in fields:
            raise StateFileError(file, f"{pointer}/{key}", f"unknown field; the fields are {', '.join(fields)}")
        what, ok = fields[key]
        if not ok(value):
            raise StateFileError(file, f"{pointer}/{key}", f"must be {what}, not {_shown(value)}")
    if item.get("state") == "error" and not item.get("deviceErrorName"):
        raise StateFileError(file, f"{pointer}/deviceErrorName", "an import in state error needs its DDS error name")
    return dict(item)


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else f"{text[:57]}..."


def _unique(file: str, sections: Mapping[str, tuple[Mapping[str, Any], ...]]) -> None:
    """Ids are unique per section; user principal names too (compared case-insensitively, as Entra does)."""
    for section, items in sections.items():
        for key, fold in (("id", False), ("userPrincipalName", section == "users")):
            if section != "users" and key == "userPrincipalName":
                continue
            seen: dict[str, int] = {}
            for i, item in enumerate(items):
                value = _text(item.get(key))
                if value is None:
                    continue
                folded = value.casefold() if fold else value
                if folded in seen:
                    raise StateFileError(
                        file, f"/{section}/{i}/{key}", f"{value!r} is given already at /{section}/{seen[folded]}/{key}"
                    )
                seen[folded] = i

"""The wire check's table: which SDK request builder performs each contract operation, and its constants.

:data:`OPERATION_CALLS` maps a contract operation to the chain of request
builders the SDK's ``GraphServiceClient`` exposes for it; :mod:`.wire` walks it
for every operation (and fails an operation it has no entry for).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

GRAPH_SCOPE = "https://graph.microsoft.com/.default"
#: Permission kinds as the contracts name them (the pages' permission table).
APPLICATION = "Application"
DELEGATED = "Delegated (work or school account)"
#: A member no contract enum has: how Graph's evolvable enums look to an older client.
UNKNOWN_MEMBER = "someFutureMember"
#: Properties no contract type has, as Graph adds them over time: plain text, a date-time, a GUID, an object.
EXTRA_PROPERTIES: Mapping[str, Any] = {
    "futureTextProperty": "added later",
    "futureDateTimeProperty": "2030-01-01T00:00:00.1234567Z",
    "futureGuidProperty": "0b7e5f2a-4c1d-4e8f-9a3b-2c6d8e0f1a2b",
    "futureObjectProperty": {"nested": 1},
}


#: The wire check draws this share of ``--examples`` per operation (at least 1). The round trip sends every
#: example through the same serializer and parser; each wire example costs an HTTP exchange and an SDK model
#: parse (msgraph-beta's Entity resolves some 4,900 imports per parse), which is most of the gate's CPU.
WIRE_SHARE = 3


def wire_examples(examples: int) -> int:
    """Generated request bodies and responses per operation for ``examples``: a third, but not below 3 (or
    ``examples``, if smaller): 25 -> 9, 9 -> 3, 2 -> 2."""
    return max(1, min(examples, max(3, -(-examples // WIRE_SHARE))))


@dataclass(frozen=True)
class SdkCall:
    """How the SDK reaches it: ``client.device_management.<collection>[.<item>(id)][.<action>].<method>()``."""

    collection: str
    method: str
    item: str | None = None
    action: str | None = None


_IMPORTED = "imported_windows_autopilot_device_identities"
_IMPORTED_ITEM = "by_imported_windows_autopilot_device_identity_id"
_DEVICES = "windows_autopilot_device_identities"
_DEVICES_ITEM = "by_windows_autopilot_device_identity_id"
_IDENTITIES = "imported_device_identities"
_IDENTITIES_ITEM = "by_imported_device_identity_id"

#: Contract operation -> the SDK's request builder path. An operation not listed, or whose builder the installed
#: SDK lacks, fails the ``exposed`` check naming the builder: a silent skip would let a missing operation pass.
OPERATION_CALLS: Mapping[str, SdkCall] = {
    "importedWindowsAutopilotDeviceIdentity.create": SdkCall(_IMPORTED, "post"),
    "importedWindowsAutopilotDeviceIdentity.list": SdkCall(_IMPORTED, "get"),
    "importedWindowsAutopilotDeviceIdentity.get": SdkCall(_IMPORTED, "get", item=_IMPORTED_ITEM),
    "importedWindowsAutopilotDeviceIdentity.delete": SdkCall(_IMPORTED, "delete", item=_IMPORTED_ITEM),
    "importedWindowsAutopilotDeviceIdentity.import": SdkCall(_IMPORTED, "post", action="import_"),
    "importedWindowsAutopilotDeviceIdentity.update": SdkCall(_IMPORTED, "patch", item=_IMPORTED_ITEM),
    "windowsAutopilotDeviceIdentity.create": SdkCall(_DEVICES, "post"),
    "windowsAutopilotDeviceIdentity.list": SdkCall(_DEVICES, "get"),
    "windowsAutopilotDeviceIdentity.get": SdkCall(_DEVICES, "get", item=_DEVICES_ITEM),
    "windowsAutopilotDeviceIdentity.delete": SdkCall(_DEVICES, "delete", item=_DEVICES_ITEM),
    "windowsAutopilotDeviceIdentity.assignUserToDevice": SdkCall(
        _DEVICES, "post", item=_DEVICES_ITEM, action="assign_user_to_device"
    ),
    "windowsAutopilotDeviceIdentity.unassignUserFromDevice": SdkCall(
        _DEVICES, "post", item=_DEVICES_ITEM, action="unassign_user_from_device"
    ),
    "windowsAutopilotDeviceIdentity.updateDeviceProperties": SdkCall(
        _DEVICES, "post", item=_DEVICES_ITEM, action="update_device_properties"
    ),
    "windowsAutopilotDeviceIdentity.assignResourceAccountToDevice": SdkCall(
        _DEVICES, "post", item=_DEVICES_ITEM, action="assign_resource_account_to_device"
    ),
    "windowsAutopilotDeviceIdentity.unassignResourceAccountFromDevice": SdkCall(
        _DEVICES, "post", item=_DEVICES_ITEM, action="unassign_resource_account_from_device"
    ),
    "importedDeviceIdentity.create": SdkCall(_IDENTITIES, "post"),
    "importedDeviceIdentity.list": SdkCall(_IDENTITIES, "get"),
    "importedDeviceIdentity.get": SdkCall(_IDENTITIES, "get", item=_IDENTITIES_ITEM),
    "importedDeviceIdentity.delete": SdkCall(_IDENTITIES, "delete", item=_IDENTITIES_ITEM),
    "importedDeviceIdentity.update": SdkCall(_IDENTITIES, "patch", item=_IDENTITIES_ITEM),
    "importedDeviceIdentity.importDeviceIdentityList": SdkCall(
        _IDENTITIES, "post", action="import_device_identity_list"
    ),
    "importedDeviceIdentity.searchExistingIdentities": SdkCall(
        _IDENTITIES, "post", action="search_existing_identities"
    ),
    # The result type shares its base type's collection: the SDK reaches it through the same builders.
    "importedDeviceIdentityResult.create": SdkCall(_IDENTITIES, "post"),
    "importedDeviceIdentityResult.list": SdkCall(_IDENTITIES, "get"),
    "importedDeviceIdentityResult.get": SdkCall(_IDENTITIES, "get", item=_IDENTITIES_ITEM),
    "importedDeviceIdentityResult.delete": SdkCall(_IDENTITIES, "delete", item=_IDENTITIES_ITEM),
    "importedDeviceIdentityResult.update": SdkCall(_IDENTITIES, "patch", item=_IDENTITIES_ITEM),
}


def builder_path(call: SdkCall) -> str:
    """How a caller reaches the operation, for a message: ``client.device_management.<...>.post()``."""
    parts = ["client.device_management", call.collection]
    if call.item is not None:
        parts.append(f"{call.item}(id)")
    if call.action is not None:
        parts.append(call.action)
    return ".".join(parts) + f".{call.method}()"


def missing_builder(client: Any, call: SdkCall) -> str | None:
    """The first step of ``call`` the SDK's client lacks (None: the whole path resolves)."""
    builder = client.device_management
    steps: list[tuple[str, bool]] = [(call.collection, False)]
    if call.item is not None:
        steps.append((call.item, True))
    if call.action is not None:
        steps.append((call.action, False))
    steps.append((call.method, False))
    for name, is_item in steps:
        if not hasattr(builder, name):
            return name
        builder = getattr(builder, name)
        if is_item:
            builder = builder("00000000-0000-0000-0000-000000000000")
    return None

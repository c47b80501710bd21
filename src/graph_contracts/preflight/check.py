"""Preflight: will each device of an Autopilot file import into this tenant? Answered read-only.

The order of work, each step only for the devices the earlier ones left open:

1. the validator's offline checks (``validation.Run``, the same run
   ``graph-contracts validate`` makes): a device with an error will fail offline;
2. the tenant's registered devices and imported identities, each read once and
   paged (``tenant.py``), matched on identity digests, never on the hash string
   (graph-facts 6.1: two captures of one device differ as strings);
3. the assigned users, one GET per distinct user, only when the token may read
   users (otherwise the check is skipped and the report says which permission
   enables it).

Only GET requests are sent. A collection that cannot be read to its end
(throttling past the retry budget, a timeout, a looping next link, a 5xx
mid-paging) leaves the devices that needed it "not checked", with why: a device
is never said to import when it was not checked.
"""

from __future__ import annotations

import difflib
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from ..errors import EndpointError, GraphError, InputFileError
from ..graph.client import GraphClient
from ..graph.paging import DEFAULT_LIMITS, PageLimits
from ..issues import Issue
from ..records import Record, open_records
from ..validation import Run
from .access import USER_READ, Access, AccessError
from .model import (
    ALREADY_REGISTERED,
    BLOCKED,
    GROUP_TAG_UNKNOWN,
    NOT_CHECKED,
    USER_NOT_FOUND,
    WILL_FAIL_OFFLINE,
    WILL_IMPORT,
    Device,
    DeviceVerdict,
    PreflightResult,
)
from .tenant import Imported, ImportedIdentity, PageCallback, Registered, device_keys, read_imported, read_registered

#: How an earlier import that blocks this one is cleared, by its state (and, for errors, by error name).
CLEARING_STEP: Mapping[str, str] = {
    "pending": "wait until it completes or fails (Intune settles imports within minutes), or delete it",
    "unknown": "read it again until it settles (808 shows as unknown at first); delete it if it ends in an error",
    "error": "delete the failed import (DELETE importedWindowsAutopilotDeviceIdentities/{id}, or Devices > "
    "Windows Autopilot devices > Import status in the portal), then import again",
    "ZtdDeviceAssignedToOtherTenant": "the device is registered to another tenant: have that tenant (or the "
    "reseller) deregister it, then delete the failed import and import again",
    "ZtdDeviceAlreadyAssigned": "the device is registered here already: delete the failed import; import again "
    "only after deleting the registered device",
}

#: The import states that block a new import of the same device.
BLOCKING_STATES = ("pending", "unknown", "error")


@dataclass(frozen=True)
class Checked:
    """One device after the offline checks: its errors (empty when it passed) and identity digests."""

    device: Device
    errors: tuple[Issue, ...]
    keys: tuple[tuple[str, int], ...]


def read_devices(files: Sequence[str], *, version: str = "v1.0") -> list[Checked]:
    """Every device of ``files`` with the validator's verdict (upload profile), in input order.

    One ``Run`` for all files, so a device listed twice is a duplicate as ``validate``
    says. Raises ``InputFileError`` for a file that cannot be read at all.
    """
    run = Run(version=version, profile="upload")
    out: list[Checked] = []
    for name in files:
        records = [r for r in open_records(name) if isinstance(r, Record)]
        file_errors: tuple[Issue, ...] = ()
        for record, result in zip(records, run.check_records(iter(records)), strict=True):
            errors = tuple(i for i in result.issues if i.severity == "error")
            if not record.is_record:
                file_errors += errors
                continue
            value = record.value if isinstance(record.value, dict) else {}
            device = Device(str(name), record.label or "record", value, _fields(record, value))
            errors = file_errors + errors
            out.append(Checked(device, errors, () if errors else device_keys(value)))
        if file_errors and not any(c.device.file == str(name) for c in out):
            raise InputFileError(str(name), "; ".join(i.message for i in file_errors))
    return out


def _fields(record: Record, value: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    """The admin's own columns, as the CSV header spells them (or the record's properties), with their values."""

    def shown(v: Any) -> str:
        return v if isinstance(v, str) else "" if v is None else str(v)

    if record.columns:
        return tuple((column, shown(value.get(prop))) for prop, column in record.columns.items())
    return tuple((k, shown(v)) for k, v in value.items() if not isinstance(v, (dict, list)))


def preflight(
    files: Sequence[str],
    client: GraphClient,
    access: Access,
    *,
    version: str = "v1.0",
    limits: PageLimits = DEFAULT_LIMITS,
    on_page: PageCallback | None = None,
    count_requests: Callable[[], int] | None = None,
) -> PreflightResult:
    """Each device's verdict for an import into the tenant ``client`` reads; sends only GET requests.

    ``access`` is what the token may do (``access.check_token``), decided
    before this is called. ``on_page`` is told each page's collection and the
    items read so far; ``count_requests`` returns the requests sent (for the summary).
    """
    devices = read_devices(files, version=version)
    open_ = [i for i, c in enumerate(devices) if not c.errors]
    wanted: dict[int, list[int]] = {}
    for index in open_:
        for _, key in devices[index].keys:
            wanted.setdefault(key, []).append(index)
    notes: list[str] = []
    registered: Registered | None = None
    imported: Imported | None = None
    registered_error = imported_error = "no device passed the offline checks"
    if open_:
        try:
            registered = read_registered(client, wanted, limits, on_page)
        except GraphError as exc:
            if exc.status in (401, 403):  # a token whose claims could not be read, refused: an access error
                raise AccessError(
                    "insufficient" if exc.status == 403 else "refused", f"Graph refused the token: {exc}"
                ) from None
            registered_error = f"the registered devices could not be read: {exc}"
            notes.append(registered_error)
        except EndpointError as exc:
            registered_error = f"the registered devices could not be read: {exc}"
            notes.append(registered_error)
        try:
            imported = read_imported(client, wanted, limits, on_page)
        except EndpointError as exc:
            imported_error = f"the imported identities could not be read: {exc}"
            notes.append(imported_error)
    verdicts: dict[int, DeviceVerdict] = {}
    for index, checked in enumerate(devices):
        if checked.errors:
            verdicts[index] = _offline(checked)
            continue
        found = (registered.matches.get(index) if registered else None) or []
        if found:
            verdicts[index] = _already_registered(checked.device, found, imported, index)
            continue
        if registered is None:
            verdicts[index] = _not_checked(checked.device, registered_error)
            continue
        if imported is None:
            verdicts[index] = _not_checked(checked.device, imported_error)
            continue
        blocking = [m for m in imported.matches.get(index, []) if m.status in BLOCKING_STATES]
        if blocking:
            verdicts[index] = _blocked(checked.device, blocking[0])
            continue
        tag = _text(checked.device.record, "groupTag")
        if tag and registered.tags[tag] == 0:
            verdicts[index] = _unknown_tag(checked.device, tag, registered.tags)
    users = _check_users(client, devices, verdicts, access, notes)
    for index, checked in enumerate(devices):
        if index in verdicts:
            continue
        upn = _text(checked.device.record, "assignedUserPrincipalName").strip()
        answer = users.get(upn.casefold()) if upn else None
        if answer is False:
            verdicts[index] = DeviceVerdict(
                checked.device,
                USER_NOT_FOUND,
                f"no user {upn!r} in this tenant (GET /users answered 404)",
                {"assignedUserPrincipalName": upn},
            )
        elif isinstance(answer, str):
            verdicts[index] = _not_checked(checked.device, answer)
        else:
            verdicts[index] = DeviceVerdict(checked.device, WILL_IMPORT, _will_import_reason(upn, answer))
    return PreflightResult(
        tuple(verdicts[i] for i in range(len(devices))),
        tuple(notes),
        count_requests() if count_requests is not None else 0,
        registered.count if registered else 0,
        imported.count if imported else 0,
    )


def _text(record: Mapping[str, Any], name: str) -> str:
    value = record.get(name)
    return value if isinstance(value, str) else ""


def _offline(checked: Checked) -> DeviceVerdict:
    first = checked.errors[0]
    more = f" (and {len(checked.errors) - 1} more)" if len(checked.errors) > 1 else ""
    return DeviceVerdict(
        checked.device,
        WILL_FAIL_OFFLINE,
        f"{first.code}: {first.message}{more}",
        {"issues": [{"code": i.code, "pointer": i.pointer, "message": i.message} for i in checked.errors]},
    )


def _not_checked(device: Device, why: str) -> DeviceVerdict:
    return DeviceVerdict(device, NOT_CHECKED, f"not checked: {why}")


def _already_registered(device: Device, found: list[Any], imported: Imported | None, index: int) -> DeviceVerdict:
    existing = found[0]
    capture = _capture(device, existing.id, imported, index)
    who = f"user {existing.user}" if existing.user else "no user"
    tag = f"group tag {existing.group_tag!r}" if existing.group_tag else "no group tag"
    return DeviceVerdict(
        device,
        ALREADY_REGISTERED,
        f"806 ZtdDeviceAlreadyAssigned: registered as {existing.id} ({tag}, {who}); {capture}",
        {
            "id": existing.id,
            "serialNumber": existing.serial,
            "groupTag": existing.group_tag,
            "userPrincipalName": existing.user,
            "capture": capture,
            "registered": len(found),
        },
    )


def _capture(device: Device, registered_id: str, imported: Imported | None, index: int) -> str:
    """Whether the file's hash is the capture that registered the device, another capture, or unknown."""
    mine = next((k for c, k in device_keys(device.record) if c == "duplicate-hash"), 0)
    if imported is None:
        return "capture not compared (the imported identities could not be read)"
    source = next((m for m in imported.matches.get(index, []) if m.registration_id == registered_id), None)
    if source is None or not source.hash_key or not mine:
        return "capture not compared (the tenant keeps no import record with the hash that registered it)"
    if source.hash_key == mine:
        return f"the same capture (the hash of import {source.id})"
    return f"another capture of the same device (import {source.id} has another hash for its identity)"


def _blocked(device: Device, earlier: ImportedIdentity) -> DeviceVerdict:
    step = CLEARING_STEP.get(earlier.error_name) or CLEARING_STEP[earlier.status]
    error = f", error {earlier.error_code} {earlier.error_name}" if earlier.error_name else ""
    same = {"duplicate-hash": "the same hash", "duplicate-serial": "the same serial"}.get(
        earlier.matched_by, "the same device (identity in the hash)"
    )
    return DeviceVerdict(
        device,
        BLOCKED,
        f"import {earlier.id} of {same} is {earlier.status}{error}: {step}",
        {
            "id": earlier.id,
            "serialNumber": earlier.serial,
            "deviceImportStatus": earlier.status,
            "deviceErrorCode": earlier.error_code,
            "deviceErrorName": earlier.error_name,
            "step": step,
        },
    )


def _unknown_tag(device: Device, tag: str, tags: Counter[str]) -> DeviceVerdict:
    close = difflib.get_close_matches(tag, list(tags), n=3, cutoff=0.6)
    close += [t for t in tags if t.casefold() == tag.casefold() and t not in close]
    shown = "; ".join(f"{t!r} is on {tags[t]}" for t in close)
    hint = f"; closest in use: {shown}" if close else "; no tag in use is close"
    return DeviceVerdict(
        device,
        GROUP_TAG_UNKNOWN,
        f"{tag!r} is on no registered device{hint}",
        {"groupTag": tag, "closest": [{"groupTag": t, "devices": tags[t]} for t in close]},
    )


def _check_users(
    client: GraphClient,
    devices: list[Checked],
    decided: Mapping[int, DeviceVerdict],
    access: Access,
    notes: list[str],
) -> dict[str, bool | str | None]:
    """Distinct assigned users of the undecided devices -> True (found), False (404), None (skipped), or
    why the lookup failed.

    Skipped (None, and a note says so and which permission would enable it) when the
    token may not read users; one 403 also skips the rest, as it means the same.
    """
    upns = {
        upn.casefold(): upn
        for i, c in enumerate(devices)
        if i not in decided and (upn := _text(c.device.record, "assignedUserPrincipalName").strip())
    }
    if not upns:
        return {}
    skip = (
        f"assigned users not checked: the token may not read users (grant {USER_READ[1]} or "
        f"{USER_READ[0]} to check them)"
    )
    if access.may_read_users is False:
        notes.append(skip)
        return {k: None for k in upns}
    out: dict[str, bool | str | None] = {}
    for folded, upn in upns.items():
        try:
            client.get(f"/users/{quote(upn, safe='@')}")
            out[folded] = True
        except GraphError as exc:
            if exc.status == 404:
                out[folded] = False
            elif exc.status == 403:
                notes.append(skip)
                return {**out, **{k: None for k in upns if k not in out}}
            else:
                out[folded] = f"the user {upn!r} could not be looked up: {exc}"
        except EndpointError as exc:
            out[folded] = f"the user {upn!r} could not be looked up: {exc}"
    return out


def _will_import_reason(upn: str, answer: bool | str | None) -> str:
    user = ""
    if upn:
        user = f"; user {upn!r} exists" if answer is True else f"; user {upn!r} not checked (no permission)"
    return "no registered device or earlier import shares its identity" + user

"""What preflight says: one verdict per device, and the run's notes (what it skipped or could not read)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

#: The verdicts, in the order the report lists them: the one that will import first, then by what to do.
WILL_IMPORT = "will import"
ALREADY_REGISTERED = "already registered here"
BLOCKED = "blocked by an earlier import"
GROUP_TAG_UNKNOWN = "group tag unknown"
USER_NOT_FOUND = "assigned user not found"
WILL_FAIL_OFFLINE = "will fail offline"
NOT_CHECKED = "not checked"

VERDICTS = (WILL_IMPORT, ALREADY_REGISTERED, BLOCKED, GROUP_TAG_UNKNOWN, USER_NOT_FOUND, WILL_FAIL_OFFLINE, NOT_CHECKED)

#: A short machine name per verdict (JSON, CSV, JUnit).
CODES: Mapping[str, str] = {
    WILL_IMPORT: "will-import",
    ALREADY_REGISTERED: "already-registered",
    BLOCKED: "blocked-by-earlier-import",
    GROUP_TAG_UNKNOWN: "group-tag-unknown",
    USER_NOT_FOUND: "user-not-found",
    WILL_FAIL_OFFLINE: "will-fail-offline",
    NOT_CHECKED: "not-checked",
}


@dataclass(frozen=True)
class Device:
    """One device of the admin's files, as preflight read it.

    ``row`` is where it is (``row 7``, ``item 2``); ``fields`` the admin's own
    columns in their order (CSV header spelling), for the CSV report;
    ``record`` the Graph import record the validator read from them.
    """

    file: str
    row: str
    record: Mapping[str, Any]
    fields: tuple[tuple[str, str], ...]

    @property
    def serial(self) -> str:
        value = self.record.get("serialNumber")
        return value if isinstance(value, str) else ""


@dataclass(frozen=True)
class DeviceVerdict:
    """A device and what will happen to it on import: ``verdict`` (one of ``VERDICTS``) and why.

    ``details`` holds the facts behind it as plain data (the registered
    device's id, group tag and user; the earlier import's id, state and error;
    the closest group tags in use ...), for JSON and for people.
    """

    device: Device
    verdict: str
    reason: str
    details: Mapping[str, Any] = field(default_factory=dict)

    @property
    def code(self) -> str:
        return CODES[self.verdict]


@dataclass(frozen=True)
class PreflightResult:
    """Every device's verdict, in input order, and the run's notes.

    ``notes`` say what was skipped (the user check without a permission that
    reads users) or could not be read (a collection cut short by throttling,
    a timeout, a looping next link); ``requests`` counts the Graph requests sent.
    """

    verdicts: tuple[DeviceVerdict, ...]
    notes: tuple[str, ...] = ()
    requests: int = 0
    registered_devices: int = 0
    imported_identities: int = 0

    def count(self, verdict: str) -> int:
        return sum(v.verdict == verdict for v in self.verdicts)

    @property
    def all_will_import(self) -> bool:
        return all(v.verdict == WILL_IMPORT for v in self.verdicts)

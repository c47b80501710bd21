"""The emulator's memory: per-tenant entities, the Autopilot import lifecycle, the request log.

Everything here sits behind one re-entrant lock, because uvicorn's event-loop
thread serves requests while the test thread resets the store or reads what
was received. The store knows nothing of HTTP or of the contracts: entities
are plain JSON objects keyed by collection (the path segment, such as
``importedWindowsAutopilotDeviceIdentities``) and id, shared by ``v1.0`` and
``beta`` as the service shares them. Rendering an entity for a version (and
filling its non-nullable defaults) is the HTTP layer's job.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections import Counter, deque
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from ...autopilot.catalog import AUTOPILOT_COLLECTION, DEVICE_COLLECTION  # what the import lifecycle writes


@dataclass(frozen=True)
class DdsError:
    """How DDS reports a failed import: ``deviceErrorCode`` and ``deviceErrorName``.

    Only 806 and 808 are confirmed numeric codes (graph-facts.md §3.1). For
    ZtdDeviceDuplicated and InvalidZtdHardwareHash no number is documented, so
    the emulator reports ``deviceErrorCode`` 0, the value Intune uses for "no
    code", and the name carries the meaning: clients must branch on the name.
    """

    code: int
    name: str


#: Every error the emulated DDS reports, by name.
ALREADY_ASSIGNED = DdsError(806, "ZtdDeviceAlreadyAssigned")
ASSIGNED_TO_OTHER_TENANT = DdsError(808, "ZtdDeviceAssignedToOtherTenant")
DUPLICATED = DdsError(0, "ZtdDeviceDuplicated")
INVALID_HASH = DdsError(0, "InvalidZtdHardwareHash")


@dataclass(frozen=True)
class ImportLifecycle:
    """When a pending import settles: after ``pending_reads`` reads that still saw it
    pending, or ``pending_seconds`` after it was created, whichever comes first.

    ``None`` switches a trigger off; with both off an import stays pending, which
    lets a test observe the pending state for as long as it likes.
    """

    pending_reads: int | None = 1
    pending_seconds: float | None = None

    def due(self, record: Record, now: float) -> bool:
        by_reads = self.pending_reads is not None and record.reads >= self.pending_reads
        by_time = self.pending_seconds is not None and now - record.created >= self.pending_seconds
        return by_reads or by_time


@dataclass
class Record:
    """One stored entity and the bookkeeping the lifecycle needs (mutable, lock-guarded)."""

    data: dict[str, Any]
    created: float
    reads: int = 0
    #: For an imported identity still pending: the error it will settle with, if already known.
    planned_error: DdsError | None = None
    pending: bool = False
    #: What the hardware hash says about the device (manufacturer, model), for the registered device.
    device_facts: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RecordedRequest:
    """A request as the emulator received it, for tests that check what a client sent."""

    method: str
    path: str
    query: str
    headers: tuple[tuple[str, str], ...]
    body: bytes
    request_id: str
    received_at: float

    def header(self, name: str) -> str | None:
        """The first value of a header, matched case-insensitively as HTTP does."""
        wanted = name.lower()
        return next((v for k, v in self.headers if k.lower() == wanted), None)

    def json(self) -> Any:
        """The body parsed as JSON (raises ``ValueError`` when it is not JSON)."""
        return json.loads(self.body)


@dataclass
class TenantState:
    """One tenant's collections: segment name -> id -> record, in creation order.

    Change entities through ``add``, ``remove`` and ``update``: they keep the
    index of registered serials that settling consults, so settling one import
    costs the same however many devices the tenant already holds.
    """

    collections: dict[str, dict[str, Record]] = field(default_factory=dict)
    #: Imported identities still pending, in creation order: settling looks only at these, so a
    #: request does not cost more as the tenant's collections grow.
    pending: dict[str, Record] = field(default_factory=dict)
    #: Case-folded serial -> how many registered devices carry it.
    _registered: Counter[str] = field(default_factory=Counter)

    def collection(self, name: str) -> dict[str, Record]:
        """A collection's records by id, for reading (change them with the methods below)."""
        return self.collections.setdefault(name, {})

    def add(self, collection: str, record: Record) -> None:
        """Store a record (replacing one with its id); a pending import is also queued for settling."""
        replaced = self.collection(collection).get(record.data["id"])
        if replaced is not None:
            self._index(collection, replaced, -1)
        self.collection(collection)[record.data["id"]] = record
        self._index(collection, record, +1)
        if record.pending and collection == AUTOPILOT_COLLECTION:
            self.pending[record.data["id"]] = record

    def remove(self, collection: str, entity_id: str) -> Record | None:
        """Forget one record; None when there was none with that id."""
        record = self.collection(collection).pop(entity_id, None)
        if record is not None:
            self._index(collection, record, -1)
        return record

    def update(self, collection: str, record: Record, changes: Mapping[str, Any]) -> None:
        """Change a stored record's properties in place."""
        self._index(collection, record, -1)
        record.data.update(changes)
        self._index(collection, record, +1)

    def registered(self, serial: str) -> bool:
        """Whether a registered device carries this serial, compared case-folded as Intune does."""
        return self._registered[serial.casefold()] > 0

    def _index(self, collection: str, record: Record, step: int) -> None:
        serial = record.data.get("serialNumber")
        if collection != DEVICE_COLLECTION or not isinstance(serial, str):
            return
        key = serial.casefold()
        self._registered[key] += step
        if self._registered[key] <= 0:
            del self._registered[key]


class EmulatorStore:
    """Thread-safe, in-memory state of every tenant, plus the request log and fault counters.

    The request log is a ring: past ``log_size`` requests, or ``log_bytes`` of
    bodies, the oldest are forgotten, so a long-running emulator's memory stays bounded.
    """

    def __init__(
        self, lifecycle: ImportLifecycle | None = None, *, log_size: int = 10_000, log_bytes: int = 64 * 1024 * 1024
    ) -> None:
        self.lifecycle = lifecycle or ImportLifecycle()
        self._lock = threading.RLock()
        self._tenants: dict[str, TenantState] = {}
        self._received: deque[RecordedRequest] = deque(maxlen=max(1, log_size))
        self._log_bytes = log_bytes
        self._received_bytes = 0
        self._fault_hits: Counter[str] = Counter()

    @contextmanager
    def tenant(self, tenant_id: str) -> Iterator[TenantState]:
        """Hold the lock over one tenant's state, settling imports that are due first."""
        with self._lock:
            state = self._tenants.setdefault(tenant_id, TenantState())
            self._settle(tenant_id, state, lambda r: self.lifecycle.due(r, time.monotonic()))
            yield state

    def read(self, record: Record) -> None:
        """Count one read of a record; a pending import settles once it has been read enough.

        Call after rendering, so the read that triggers settlement still saw the
        pending state, as a poller of the real service would.
        """
        with self._lock:
            record.reads += 1

    def settle_now(self, tenant_id: str) -> None:
        """Settle every pending import of a tenant at once (tests that do not want to poll)."""
        with self._lock:
            state = self._tenants.setdefault(tenant_id, TenantState())
            self._settle(tenant_id, state, lambda r: True)

    def admit_import(self, record: Record, planned_error: DdsError | None) -> None:
        """Mark a freshly created imported identity pending, as the service returns it."""
        record.pending = True
        record.planned_error = planned_error
        record.data["state"] = {
            "deviceImportStatus": "pending",
            "deviceRegistrationId": None,
            "deviceErrorCode": 0,
            "deviceErrorName": "",
        }

    def _settle(self, tenant_id: str, state: TenantState, due: Callable[[Record], bool]) -> None:
        # Creation order, so of two imports of one serial the earlier registers and the later gets 806.
        stored = state.collection(AUTOPILOT_COLLECTION)
        for key, record in list(state.pending.items()):
            if stored.get(key) is not record or not record.pending:
                del state.pending[key]  # deleted (or replaced) before it settled: nothing to register
            elif due(record):
                del state.pending[key]
                self._settle_one(tenant_id, state, record)

    def _settle_one(self, tenant_id: str, state: TenantState, record: Record) -> None:
        record.pending = False
        serial = record.data.get("serialNumber")
        folded = serial.casefold() if isinstance(serial, str) else None
        error = record.planned_error
        if error is None and folded is not None and state.registered(folded):
            error = ALREADY_ASSIGNED
        if (
            error is None
            and folded is not None
            and any(other.registered(folded) for tid, other in self._tenants.items() if tid != tenant_id)
        ):
            error = ASSIGNED_TO_OTHER_TENANT
        if error is not None:
            record.data["state"] = {
                "deviceImportStatus": "error",
                "deviceRegistrationId": None,
                "deviceErrorCode": error.code,
                "deviceErrorName": error.name,
            }
            return
        # The ZTD id that DDS assigns is also the registered device's id.
        ztd_id = str(uuid.uuid4())
        record.data["state"] = {
            "deviceImportStatus": "complete",
            "deviceRegistrationId": ztd_id,
            "deviceErrorCode": 0,
            "deviceErrorName": "",
        }
        device = {
            "id": ztd_id,
            "serialNumber": serial,
            "groupTag": record.data.get("groupTag"),
            "productKey": record.data.get("productKey"),
            "userPrincipalName": record.data.get("assignedUserPrincipalName"),
            **record.device_facts,
        }
        state.add(DEVICE_COLLECTION, Record(data=device, created=time.monotonic()))

    # -- the request log and fault counters

    def record_request(self, request: RecordedRequest) -> None:
        with self._lock:
            if len(self._received) == self._received.maxlen:
                self._received_bytes -= len(self._received[0].body)
            self._received.append(request)
            self._received_bytes += len(request.body)
            while self._received_bytes > self._log_bytes and len(self._received) > 1:
                self._received_bytes -= len(self._received.popleft().body)

    @property
    def received(self) -> tuple[RecordedRequest, ...]:
        with self._lock:
            return tuple(self._received)

    def count_fault(self, key: str) -> int:
        """How many requests have now matched the fault ``key``, this one included."""
        with self._lock:
            self._fault_hits[key] += 1
            return self._fault_hits[key]

    def reset(self, tenant_id: str | None = None) -> None:
        """Forget one tenant's entities, or (with no tenant) everything including the request log."""
        with self._lock:
            if tenant_id is not None:
                self._tenants.pop(tenant_id, None)
                return
            self._tenants.clear()
            self._received.clear()
            self._received_bytes = 0
            self._fault_hits.clear()

    def holds(self, tenant_id: str) -> bool:
        """Whether the store has state for a tenant (one a token named, configured or not)."""
        with self._lock:
            return tenant_id in self._tenants

    def snapshot(self, tenant_id: str) -> Mapping[str, list[dict[str, Any]]]:
        """A deep copy of a tenant's entities by collection, for assertions and debugging."""
        with self._lock:
            state = self._tenants.get(tenant_id, TenantState())
            return {
                name: [json.loads(json.dumps(r.data)) for r in records.values()]
                for name, records in state.collections.items()
            }

"""What the suite's tests share: choosing operations, tagging and cleaning up, comparing echoes."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx

from ..autopilot.catalog import AUTOPILOT_COLLECTION
from ..cleanup import collections, id_refusal
from ..contracts import VERSIONS, ContractSet, Operation, ServiceRefusal, default_contracts
from ..graph.client import GraphClient, parse_retry_after
from ..graph.endpoints import Endpoint
from ..graph.paging import iter_items
from ..graph.recording import pseudonymize_upns
from ..traffic.secrets import PLACEHOLDER, is_secret_key
from ..validation import Validator
from .checks import lifecycle, request_line, shape, status

#: The import states Intune does not leave on its own.
FINAL_IMPORT_STATES = ("complete", "error")
#: Polling budget: Intune settles in minutes, the emulator on the first read.
MAX_POLLS = 40


def awaiting_emulator(op: Operation) -> bool:
    """An action the emulator has no handler for yet, so the suite leaves it out.

    The Autopilot device actions imported from docs-next (assignUserToDevice,
    updateDeviceProperties, importDeviceIdentityList, ...) get handlers with the
    emulator's package split (issue 13, step 5); each joins the suite as soon as
    its handler exists, because this asks the emulator's own handler tables.
    """
    from ..graph.emulator.handlers import ACTION_HANDLERS, VERB_HANDLERS

    return op.id not in ACTION_HANDLERS and op.verb not in VERB_HANDLERS


def tagged(body: dict[str, Any], op: Operation, tag: str) -> dict[str, Any]:
    """The body with the run tag in the property cleanup looks for (groupTag, description)."""
    from ..cleanup import TAG_PROPERTY

    prop = TAG_PROPERTY.get(op.body_type or op.type)
    return {**body, prop: f"{tag}-{body.get(prop) or 'x'}"[:64]} if prop else body


def expected_refusal(op: Operation, config: Any) -> ServiceRefusal | None:
    """The service's refusal the suite expects for ``op``, or None where the page's answer is expected.

    Against the emulator and a live tenant the suite expects what the service
    does; ``--graph-as-documented`` expects what the pages say (and makes the
    emulator serve it so).
    """
    if config.getoption("--graph-as-documented"):
        return None
    return op.refused


def query_refusal(
    version: str, method: str, path: str, query: Any, *, as_documented: bool = False
) -> ServiceRefusal | None:
    """The service's answer to this query of a working operation, when a service fact covers it.

    ``$select`` on the registered devices answers 500 and ``contains(serialNumber,
    ...)`` with a hyphen 400 (graph-facts 6.1; the overlay's ``when`` entries):
    a fuzzed case that sends such a query gets that answer, not the page's.
    ``query`` is the case's query mapping; ``as_documented`` expects the pages.
    """
    from urllib.parse import urlencode

    from ..graph.emulator.conditions import holds

    if as_documented:
        return None
    raw = urlencode(dict(query or {}), doseq=True)
    for fact in default_contracts().service_facts:
        if (
            fact.when is not None
            and (fact.version, fact.method, fact.path) == (version, method.upper(), path)
            and holds(fact.when, raw)
        ):
            return fact.refusal
    return None


def unless_refused(checks: list[Any]) -> list[Any]:
    """schemathesis checks that let the service's known answer to a query pass (``query_refusal``).

    A fuzzed list of the registered devices with ``$select`` gets the service's
    500; each check is skipped for exactly that answer (status and error code)
    to a query the service fact covers, and runs as before on anything else.
    The cases drawn stay the same: the test's own code is unchanged. The
    checks run one after another on each response, so the fact is looked up
    once per response, not once per check.
    """
    import functools
    from urllib.parse import urlsplit

    last: list[Any] = [None, None]  # the last response checked and its refusal (held: its id stays its own)

    def refusal_for(response: Any, case: Any) -> ServiceRefusal | None:
        if last[0] is not response:
            version = urlsplit(str(response.request.url)).path.strip("/").split("/")[0]
            last[:] = [response, query_refusal(version, case.method, case.operation.path, case.query)]
        refusal: ServiceRefusal | None = last[1]
        return refusal

    def wrap(check: Any) -> Any:
        @functools.wraps(check)
        def checked(ctx: Any, response: Any, case: Any) -> Any:
            refusal = refusal_for(response, case)
            if refusal is not None and response.status_code == refusal.status:
                try:
                    code = response.json()["error"]["code"]
                except (ValueError, KeyError, TypeError):
                    code = None
                if code == refusal.code:
                    return None
            return check(ctx, response, case)

        return checked

    return [wrap(c) for c in checks]


def http_session(endpoint: Endpoint) -> Any:
    """A ``requests`` session for schemathesis's calls: a test's examples share a keep-alive connection.

    Without one schemathesis builds a session (adapters, pools) and opens a TCP
    connection for every case, and the emulator accepts one: about a third of
    the suite's requests. It is schemathesis's own class, whose cookies are
    dropped after every call, and it starts with no headers, as the fresh
    session did. On loopback (emulator, replay) it skips reading proxy
    settings from the environment on every request: a proxy could not reach
    the emulator anyway.
    """
    from schemathesis.transport.requests import ManagedCookiesSession

    session = ManagedCookiesSession()
    session.headers.clear()
    session.trust_env = endpoint.kind == "live"
    return session


def assert_refused(response: httpx.Response, refusal: ServiceRefusal) -> None:
    """The response is the service's refusal: its status, its error code, in Graph's envelope."""
    status(response, refusal.status, code=refusal.code)


def assert_not_refused(response: httpx.Response, refusal: ServiceRefusal) -> None:
    """As the pages say: the answer is anything but the service's refusal (its status with its error code)."""
    body = response.json() if response.headers.get("content-type", "").startswith("application/json") else None
    code = body.get("error", {}).get("code") if isinstance(body, dict) else None
    refused = response.status_code == refusal.status and code == refusal.code
    what = f"{request_line(response)} as documented, not refused with {refusal.status} {refusal.code}"
    status(response, () if refused else response.status_code, what=what)


def schema_problems(op: Operation, body: Any) -> list[str]:
    """Where the response ``body`` breaks the contract of ``op``, as ``pointer: message``."""
    validator = Validator.for_operation(op.id, version=op.version, direction="response")
    return [f"{i.pointer}: {i.message}" for i in validator.validate(body)]


def operations(verb: str, versions: tuple[str, ...] = VERSIONS) -> list[Operation]:
    """The shipped contract operations with ``verb``, one test case each."""
    contracts = default_contracts()
    return [o for (v, _), o in sorted(contracts.operations.items()) if o.verb == verb and v in versions]


def op_id(op: Operation) -> str:
    return f"{op.version}-{op.id}"


def item_path(op: Operation, entity_id: str) -> str:
    return op.item_path(entity_id)


def sibling(contracts: ContractSet, op: Operation, verb: str) -> Operation | None:
    """The operation on the same entity set with another verb (create -> get, delete)."""
    base = contracts.operations.get((op.version, f"{op.type}.{verb}"))
    if base is not None:
        return base
    # importedDeviceIdentityResult shares its entity set with importedDeviceIdentity
    t = contracts.types.get((op.version, op.type))
    if t is not None and t.base_type:
        return contracts.operations.get((op.version, f"{t.base_type}.{verb}"))
    return None


def registered_device(contracts: ContractSet, version: str, entity: Any) -> str | None:
    """The path of the device an imported identity registered, which deleting the identity leaves behind."""
    state = entity.get("state") if isinstance(entity, dict) else None
    registration = state.get("deviceRegistrationId") if isinstance(state, dict) else None
    get = contracts.operations.get((version, "windowsAutopilotDeviceIdentity.get"))
    if not isinstance(registration, str) or not registration or get is None:
        return None
    return item_path(get, registration)


def echo_differences(
    sent: dict[str, Any], received: dict[str, Any], contracts: ContractSet, op: Operation
) -> list[str]:
    """Writable properties the response does not echo back as sent (date-times compared as instants)."""
    types = {p.name: p.type for p in contracts.all_properties(op.version, op.response_type or op.type)}
    out = []
    for key, value in sent.items():
        if key.startswith("@") or key not in types:
            continue
        got = received.get(key)
        same_instant = (
            types[key] == "DateTimeOffset"
            and isinstance(value, str)
            and isinstance(got, str)
            and _instant(value) == _instant(got)
        )
        same_fields = (
            isinstance(value, dict)
            and isinstance(got, dict)
            and all(got.get(k) == v for k, v in value.items() if not k.startswith("@"))
        )
        # A replayed response holds the cassette's pseudonym of a UPN we sent, or the placeholder
        # for a credential (deviceAccountPassword).
        same_scrubbed = (
            isinstance(value, str)
            and isinstance(got, str)
            and (pseudonymize_upns(value) == got or (got == PLACEHOLDER and is_secret_key(key)))
        )
        if same_instant or same_fields or same_scrubbed:
            continue
        if got != value:
            out.append(f"{key}: sent {value!r}, got {got!r}")
    return out


def _instant(text: str) -> datetime | None:
    m = re.match(r"^(.*T\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)$", text)
    if not m:
        return None
    fraction = (m.group(2) or ".0")[:7]
    zone = "+00:00" if m.group(3) == "Z" else m.group(3)
    return datetime.fromisoformat(f"{m.group(1)}{fraction}{zone}")


class ContractFindingWarning(UserWarning):
    """A documented fact the endpoint cannot honour as written (a placeholder-laden example, say).

    Reported, not failed: the finding is about the documentation, and
    ``graph-contracts contracts lint`` lists it with its sources.
    """


def entity_paths(contracts: ContractSet, client: GraphClient, version: str) -> set[str]:
    """The item path of every entity the version's list operations show, all pages read."""
    return {
        get.item_path(item["id"])
        for op, get in collections(contracts, version)
        for item in iter_items(client, op.path)
        if not id_refusal(item.get("id"))
    }


@dataclass
class Created:
    """What a test created, deleted in teardown whatever happens to the test."""

    client_for: Any
    items: list[tuple[str, str]] = field(default_factory=list)

    def add(self, version: str, path: str) -> None:
        self.items.append((version, path))

    def forget(self, version: str, path: str) -> None:
        if (version, path) in self.items:
            self.items.remove((version, path))

    @contextmanager
    def per_example(self) -> Iterator[None]:
        """Delete what one hypothesis example created before the next one starts.

        A registered device outlives the test function otherwise, and a later
        example that draws the same serial would then meet 806 instead of what it tests.
        """
        try:
            yield
        except BaseException:
            list(self.delete_all())  # best effort: the example's own failure is what to report
            raise
        lifecycle("what the example created is deleted", list(self.delete_all()), [])

    def delete_all(self) -> Iterator[str]:
        """Delete every object still registered; yield what could not be deleted."""
        while self.items:
            version, path = self.items.pop()
            client: GraphClient = self.client_for(version)
            response = client.request("DELETE", path, check=False)
            if response.status_code not in (204, 404):
                yield f"{path}: {response.status_code}"


def import_devices(
    client: GraphClient, op: Operation, devices: list[dict[str, Any]], created: Created, contracts: ContractSet
) -> list[dict[str, Any]]:
    """POST ``devices`` to the import ``op``, register each imported identity for cleanup, check the answer."""
    response = client.request(op.method, op.path, json={AUTOPILOT_COLLECTION: devices}, check=False)
    get = contracts.operation(op.version, f"{op.type}.get")
    if response.is_success:
        for item in response.json().get("value", []):
            if isinstance(item.get("id"), str):
                created.add(op.version, item_path(get, item["id"]))
    status(response, op.success_status)
    body = response.json()
    shape(f"the answer to {op.id}", schema_problems(op, body))
    lifecycle("one result per device imported", len(body["value"]), len(devices))
    return list(body["value"])


def settle(client: GraphClient, path: str, pause: float) -> dict[str, Any]:
    """Poll one imported identity until its import is complete or failed; Retry-After wins over our pause."""
    entity: dict[str, Any] = {}
    for _ in range(MAX_POLLS):
        response = client.request("GET", path)
        entity = response.json()
        if entity["state"]["deviceImportStatus"] in FINAL_IMPORT_STATES:
            return entity
        wait = parse_retry_after(response.headers.get("Retry-After"))
        time.sleep(wait if wait is not None else pause)
    got = entity.get("state", {}).get("deviceImportStatus")
    lifecycle(f"{path} settles within {MAX_POLLS} polls", got, one_of=FINAL_IMPORT_STATES)
    return entity  # not reached: the check fails

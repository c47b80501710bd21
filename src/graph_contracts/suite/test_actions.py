"""The actions on Autopilot devices and identities, updates, and what the service refuses.

Entity-bound actions (assignUserToDevice, updateDeviceProperties, ...) need a
registered device: one is imported and settled first, as a user's device gets
there. Each action must change what a later GET shows (unassign clears what
assign set). Where the service refuses a documented operation (the overlay's
service facts), the service's answer is expected, or the page's with
``--graph-as-documented``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ..contracts import ContractSet, Operation, ServiceFact, default_contracts
from ..graph.client import GraphClient
from ..pytest_plugin import suite_settings
from ..strategies import BodyStrategies
from .checks import lifecycle, shape, status
from .support import (
    Created,
    assert_not_refused,
    assert_refused,
    echo_differences,
    expected_refusal,
    import_devices,
    item_path,
    op_id,
    operations,
    registered_device,
    schema_problems,
    sibling,
    tagged,
)
from .support import settle as _settle  # the name the test bodies use: their source seeds their cassettes

SUITE_SETTINGS = suite_settings()
CONTRACTS = default_contracts()
ENTITY_ACTIONS = [
    o for (_, _), o in sorted(CONTRACTS.operations.items()) if o.binding == "entity" and o.response_kind == "none"
]


def _undone_by(op: Operation) -> Operation | None:
    """For unassignX, the assignX whose effect it clears (the name the test body uses)."""
    return CONTRACTS.undone_by(op)


def _device(
    client: GraphClient, contracts: ContractSet, version: str, device: dict[str, Any], created: Created, pause: float
) -> str:
    """Import one device, settle it, and return the path of the windowsAutopilotDeviceIdentity it registered."""
    op = contracts.operation(version, "importedWindowsAutopilotDeviceIdentity.import")
    get = contracts.operation(version, "importedWindowsAutopilotDeviceIdentity.get")
    (item,) = import_devices(client, op, [device], created, contracts)
    entity = _settle(client, item_path(get, item["id"]), pause)
    path = registered_device(contracts, version, entity)
    lifecycle(f"the import registers a device ({entity['state']})", path is not None, True)
    assert path is not None  # checked above
    created.add(version, path)
    return path


def _shown(contracts: ContractSet, op: Operation, body: dict[str, Any]) -> dict[str, Any]:
    """The parameters a GET of the device shows back: those that are properties of the type."""
    props = {p.name: p for p in contracts.all_properties(op.version, op.type)}
    return {k: v for k, v in body.items() if k in props and not props[k].read_only}


@pytest.mark.graph_write
@pytest.mark.graph_checks("status", "lifecycle")
@pytest.mark.parametrize("op", ENTITY_ACTIONS, ids=op_id)
@SUITE_SETTINGS
@given(data=st.data())
def test_entity_actions_change_what_a_later_get_shows(
    op: Operation,
    data: st.DataObject,
    graph_contracts: ContractSet,
    graph_client: Callable[..., GraphClient],
    graph_poll_interval: float,
    graph_run_tag: str,
    created: Created,
) -> None:
    strategies = BodyStrategies(graph_contracts, op.version)
    assign = _undone_by(op)
    # every draw before the first request: a replay must generate exactly what the recording sent
    device, sent = data.draw(st.tuples(strategies.autopilot_device(), strategies.request_body(assign or op)))
    device = {**device, "groupTag": f"{graph_run_tag}-action"}
    if "groupTag" in sent:
        sent = {**sent, "groupTag": f"{graph_run_tag}-{sent['groupTag']}"[:64]}
    with created.per_example():
        client = graph_client(op.version)
        path = _device(client, graph_contracts, op.version, device, created, graph_poll_interval)
        device_id = path.rsplit("/", 1)[-1]
        body: dict[str, Any] | None = sent
        expected: dict[str, Any] = _shown(graph_contracts, op, sent)
        if assign is not None:
            done = client.request(assign.method, item_path(assign, device_id), json=sent, check=False)
            status(done, assign.success_status)
            expected = {k: None for k in expected}
            body = None
        response = client.request(op.method, item_path(op, device_id), json=body, check=False)
        status(response, op.success_status)
        shown = client.request("GET", path).json()
        if assign is None:  # set: a GET echoes what was sent (a replayed UPN is the cassette's pseudonym)
            differences = echo_differences(expected, shown, graph_contracts, op)
            lifecycle(f"after {op.verb}, a GET shows what was sent", differences, [])
        else:  # cleared
            kept = {k: shown.get(k) for k in expected if shown.get(k) not in (None, "")}
            lifecycle(f"after {op.verb}, a GET shows none of what was cleared", kept, {})


@pytest.mark.graph_write
@pytest.mark.graph_checks("status", "shape", "lifecycle")
@pytest.mark.parametrize("op", operations("importDeviceIdentityList"), ids=op_id)
@SUITE_SETTINGS
@given(data=st.data())
def test_import_identity_list_then_search_finds_them_and_a_repeat_is_refused_without_overwrite(
    op: Operation,
    data: st.DataObject,
    graph_contracts: ContractSet,
    graph_client: Callable[..., GraphClient],
    graph_run_tag: str,
    created: Created,
) -> None:
    with created.per_example():
        strategies = BodyStrategies(graph_contracts, op.version)
        identities = data.draw(st.lists(strategies.entity("importedDeviceIdentity"), min_size=1, max_size=3))
        identities = [
            {
                **d,
                "importedDeviceIdentifier": f"{graph_run_tag}-{i}-{data.draw(st.uuids())}",
                "description": f"{graph_run_tag}-list",
            }
            for i, d in enumerate(identities)
        ]
        client = graph_client(op.version)
        get = sibling(graph_contracts, op, "get")
        assert get is not None
        response = client.request(
            op.method,
            op.path,
            json={
                "importedDeviceIdentities": identities,
                "overwriteImportedDeviceIdentities": False,
            },
            check=False,
        )
        results = response.json().get("value", []) if response.is_success else []
        for item in results:
            if item.get("status") and isinstance(item.get("id"), str):
                created.add(op.version, item_path(get, item["id"]))
        status(response, op.success_status)
        shape(f"the answer to {op.id}", schema_problems(op, response.json()))
        lifecycle("each identity imported", [r["status"] for r in results], [True] * len(identities))
        for item in results:  # import -> get, for each result
            status(client.request("GET", item_path(get, item["id"]), check=False), 200)
        search = graph_contracts.operation(op.version, f"{op.type}.searchExistingIdentities")
        found = client.request(search.method, search.path, json={"importedDeviceIdentities": identities[:1]})
        finds = [f["importedDeviceIdentifier"] for f in found.json()["value"]]
        lifecycle("the search finds the identity imported", finds, [identities[0]["importedDeviceIdentifier"]])
        again = client.request(
            op.method,
            op.path,
            json={
                "importedDeviceIdentities": identities[:1],
                "overwriteImportedDeviceIdentities": False,
            },
        )
        lifecycle("a repeat without overwrite is refused", [r["status"] for r in again.json()["value"]], [False])


@pytest.mark.graph_write
@pytest.mark.graph_checks("status", "shape")
@pytest.mark.parametrize("op", operations("update"), ids=op_id)
@SUITE_SETTINGS
@given(data=st.data())
def test_updates_change_what_a_later_get_shows_or_are_refused_as_the_service_does(
    op: Operation,
    data: st.DataObject,
    graph_contracts: ContractSet,
    graph_client: Callable[..., GraphClient],
    graph_run_tag: str,
    graph_poll_interval: float,
    created: Created,
    pytestconfig: pytest.Config,
) -> None:
    with created.per_example():
        strategies = BodyStrategies(graph_contracts, op.version)
        create = sibling(graph_contracts, op, "create")
        get = sibling(graph_contracts, op, "get")
        assert create is not None and get is not None
        client = graph_client(op.version)
        made = client.request(
            create.method, create.path, json=tagged(data.draw(strategies.request_body(create)), create, graph_run_tag)
        )
        path = item_path(get, made.json()["id"])
        created.add(op.version, path)
        entity = client.request("GET", path).json()
        if "state" in entity:  # an imported Autopilot identity registers a device once its import settles
            entity = _settle(client, path, graph_poll_interval)
        device = registered_device(graph_contracts, op.version, entity)
        if device is not None:
            created.add(op.version, device)
        body = data.draw(strategies.request_body(op))
        response = client.request(op.method, path, json=body, check=False)
        refusal = expected_refusal(op, pytestconfig)
        if refusal is not None:
            assert_refused(response, refusal)
            return
        if response.status_code == 403 and not op.permissions_for("Application"):
            # the page documents no application permission ("Not supported."), and the suite's token is an app's
            status(response, 403, code="Authorization_RequestDenied")
            return
        status(response, op.success_status)
        shown = client.request("GET", path).json()
        shape("a later GET shows the update", echo_differences(body, shown, graph_contracts, op))


def _facts() -> list[Any]:
    return [
        pytest.param(f, id=f"{f.version}-{f.method}-{f.path}" + (f"-{f.when}" if f.when else ""))
        for f in CONTRACTS.service_facts
    ]


#: A query that meets each kind of service-fact condition (the overlay's ``when``), given its argument.
QUERY_MEETING: dict[str, Callable[[str], dict[str, str]]] = {
    "query_option": lambda option: {option: "id"},
    "contains_with_hyphen": lambda prop: {"$filter": f"contains({prop},'5CD-0001')"},
}


@pytest.mark.graph_write
@pytest.mark.graph_checks("status")
@pytest.mark.parametrize("fact", _facts())
def test_refused_routes_answer_as_the_service_does(
    fact: ServiceFact, graph_client: Callable[..., GraphClient], pytestconfig: pytest.Config
) -> None:
    """An id that exists nowhere: the service refuses by route, before it looks the id up."""
    path = re.sub(r"\{[^}]+\}", "00000000-0000-0000-0000-000000000000", fact.path)
    params = QUERY_MEETING[fact.when.kind](fact.when.argument) if fact.when else None
    response = graph_client(fact.version).request(fact.method, path, json={}, params=params, check=False)
    if pytestconfig.getoption("--graph-as-documented"):
        # as the pages say: a documented operation is served (bad body, unknown id); an undocumented route, 405
        assert_not_refused(response, fact.refusal)
        return
    assert_refused(response, fact.refusal)

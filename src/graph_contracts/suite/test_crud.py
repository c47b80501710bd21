"""Create, read and delete: the documented statuses, response shapes and echoes, for every contract operation."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ..cleanup import TAG_PROPERTY
from ..contracts import ContractSet, Operation
from ..contracts.model import GUID
from ..graph.client import GraphClient
from ..pytest_plugin import suite_settings
from ..strategies import BodyStrategies, Broken, SerialSource
from .checks import negative, shape, status
from .support import (
    Created,
    assert_refused,
    echo_differences,
    expected_refusal,
    item_path,
    op_id,
    operations,
    registered_device,
    schema_problems,
    sibling,
    tagged,
)

SUITE_SETTINGS = suite_settings()


@pytest.mark.graph_write
@pytest.mark.graph_checks("status", "shape")
@pytest.mark.parametrize("op", operations("create"), ids=op_id)
@SUITE_SETTINGS
@given(data=st.data())
def test_valid_bodies_are_created_as_documented(
    op: Operation,
    data: st.DataObject,
    graph_contracts: ContractSet,
    graph_client: Callable[..., GraphClient],
    graph_run_tag: str,
    graph_serials: SerialSource,
    created: Created,
    pytestconfig: pytest.Config,
) -> None:
    strategies = BodyStrategies(graph_contracts, op.version, serials=graph_serials)
    body = tagged(data.draw(strategies.request_body(op)), op, graph_run_tag)
    client = graph_client(op.version)
    response = client.request(op.method, op.path, json=body, check=False)
    entity_id = (
        response.json().get("id") if response.headers.get("content-type", "").startswith("application/json") else None
    )
    get = sibling(graph_contracts, op, "get")
    if isinstance(entity_id, str) and get is not None:
        created.add(op.version, item_path(get, entity_id))
    refusal = expected_refusal(op, pytestconfig)
    if refusal is not None:  # documented, refused by the service (graph-facts 6.1)
        assert_refused(response, refusal)
        return
    status(response, op.success_status)
    payload = response.json()
    shape(f"the answer to {op.id}", schema_problems(op, payload))
    shape("the new id", [] if isinstance(entity_id, str) and GUID.match(entity_id) else [f"{entity_id!r} is no GUID"])
    shape("the properties sent, echoed", echo_differences(body, payload, graph_contracts, op))
    # read back, then delete: the documented statuses, and the object is gone
    assert get is not None and isinstance(entity_id, str)  # the contracts give a create its get; the id checked
    path = item_path(get, entity_id)
    read = client.request("GET", path, check=False)
    device = registered_device(graph_contracts, op.version, read.json())
    if device is not None:
        created.add(op.version, device)  # creating an imported identity registers a device, as in Intune
    status(read, 200)
    shape(f"the answer to {get.id}", schema_problems(get, read.json()))
    delete = sibling(graph_contracts, op, "delete")
    assert delete is not None  # the contracts give a create its delete
    gone = client.request("DELETE", path, check=False)
    status(gone, delete.success_status)
    created.forget(op.version, path)
    status(client.request("GET", path, check=False), 404, what=f"GET {path} after its DELETE")


@pytest.mark.graph_write
@pytest.mark.graph_checks("negative")
@pytest.mark.parametrize("op", [o for o in operations("create") + operations("import")], ids=op_id)
@SUITE_SETTINGS
@given(data=st.data())
def test_bodies_with_one_rule_broken_are_rejected_with_the_graph_envelope(
    op: Operation,
    data: st.DataObject,
    graph_contracts: ContractSet,
    graph_client: Callable[..., GraphClient],
    graph_run_tag: str,
    graph_serials: SerialSource,
    created: Created,
) -> None:
    broken: Broken = data.draw(BodyStrategies(graph_contracts, op.version, serials=graph_serials).broken_body(op))
    prop = TAG_PROPERTY.get(op.body_type or op.type)
    if broken.raw is None and isinstance(broken.body, dict) and prop and broken.pointer != f"/{prop}":
        # Tagged like everything else, so that an endpoint that wrongly accepts it leaves a findable object.
        broken = Broken(broken.rule, broken.pointer, tagged(broken.body, op, graph_run_tag))
    client = graph_client(op.version)
    response = client.request(
        op.method, op.path, check=False, headers={"content-type": "application/json"}, content=broken.content()
    )
    if response.is_success and op.verb == "create":
        get = sibling(graph_contracts, op, "get")
        if get is not None and isinstance(response.json().get("id"), str):
            created.add(op.version, item_path(get, response.json()["id"]))
    negative(response, f"{broken.rule} at {broken.pointer or '/'}")


@pytest.mark.graph_checks("shape")
@pytest.mark.parametrize("op", operations("list"), ids=op_id)
def test_list_and_get_answer_in_the_documented_shape(
    op: Operation, graph_contracts: ContractSet, graph_client: Callable[..., GraphClient]
) -> None:
    """Read-only: runs against a live tenant without --graph-allow-writes too."""
    client = graph_client(op.version)
    response = client.request("GET", op.path, params={"$top": "5"}, check=False)
    status(response, op.success_status)
    body = response.json()
    shape(f"the answer to {op.id}", schema_problems(op, body))
    get = sibling(graph_contracts, op, "get")
    for item in body["value"][:2]:
        assert get is not None  # the contracts give a list its get
        one = client.request("GET", item_path(get, item["id"]), check=False)
        status(one, 200)
        shape(f"the answer to {get.id}", schema_problems(get, one.json()))


@pytest.mark.graph_checks("status")
@pytest.mark.parametrize("op", operations("get"), ids=op_id)
def test_get_of_an_unknown_id_is_404_with_the_envelope(op: Operation, graph_client: Callable[..., GraphClient]) -> None:
    response = graph_client(op.version).request(
        "GET", item_path(op, "00000000-0000-0000-0000-000000000000"), check=False
    )
    status(response, 404, envelope=True)

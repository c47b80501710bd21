"""The import lifecycle, asynchronous as Intune's: import, poll to a final state, and the documented failures."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ..contracts import ContractSet, Operation
from ..contracts.model import GUID
from ..graph.client import GraphClient
from ..pytest_plugin import suite_settings
from ..strategies import BodyStrategies, SerialSource
from .checks import lifecycle
from .support import FINAL_IMPORT_STATES as FINAL
from .support import Created, item_path, op_id, operations, registered_device
from .support import import_devices as _import
from .support import settle as _settle

# The test bodies keep their names: a test's source seeds its derandomized examples, and so its cassette.

IMPORTS = operations("import")
SUITE_SETTINGS = suite_settings()


def _register_cleanup(entity: dict[str, Any], op: Operation, created: Created, contracts: ContractSet) -> None:
    device = registered_device(contracts, op.version, entity)
    if device is not None:
        created.add(op.version, device)


@pytest.mark.graph_write
@pytest.mark.graph_checks("lifecycle")
@pytest.mark.parametrize("op", IMPORTS, ids=op_id)
@SUITE_SETTINGS
@given(data=st.data())
def test_imported_devices_settle_complete_and_a_second_import_fails_with_806(
    op: Operation,
    data: st.DataObject,
    graph_contracts: ContractSet,
    graph_client: Callable[..., GraphClient],
    graph_poll_interval: float,
    graph_run_tag: str,
    graph_serials: SerialSource,
    created: Created,
) -> None:
    with created.per_example():
        strategies = BodyStrategies(graph_contracts, op.version, serials=graph_serials)
        devices = data.draw(
            st.lists(strategies.autopilot_device(), min_size=1, max_size=3, unique_by=lambda d: d["serialNumber"])
        )
        devices = [{**d, "groupTag": f"{graph_run_tag}-import"} for d in devices]
        client = graph_client(op.version)
        get = graph_contracts.operation(op.version, f"{op.type}.get")
        pause = graph_poll_interval

        results = _import(client, op, devices, created, graph_contracts)
        for sent, item in zip(devices, results, strict=True):
            lifecycle("the imported identity's id is a GUID", bool(GUID.match(item["id"])), True)
            lifecycle("the serial number imported", item["serialNumber"], sent["serialNumber"])
            lifecycle(
                "the import status at first", item["state"]["deviceImportStatus"], one_of=("unknown", "pending", *FINAL)
            )
            entity = _settle(client, item_path(get, item["id"]), pause)
            _register_cleanup(entity, op, created, graph_contracts)
            lifecycle(f"the settled import ({entity['state']})", entity["state"]["deviceImportStatus"], "complete")
            lifecycle("a device registration id", bool(entity["state"]["deviceRegistrationId"]), True)

        again = _import(client, op, devices[:1], created, graph_contracts)
        entity = _settle(client, item_path(get, again[0]["id"]), pause)
        lifecycle("a second import of the device", entity["state"]["deviceImportStatus"], "error")
        lifecycle("its error code", entity["state"]["deviceErrorCode"], 806)
        lifecycle("its error name", entity["state"]["deviceErrorName"], "ZtdDeviceAlreadyAssigned")


@pytest.mark.graph_write
@pytest.mark.graph_checks("lifecycle")
@pytest.mark.parametrize("op", IMPORTS, ids=op_id)
@SUITE_SETTINGS
@given(data=st.data())
def test_a_hash_repeated_in_one_import_fails_as_duplicated(
    op: Operation,
    data: st.DataObject,
    graph_contracts: ContractSet,
    graph_client: Callable[..., GraphClient],
    graph_poll_interval: float,
    graph_run_tag: str,
    graph_serials: SerialSource,
    created: Created,
) -> None:
    with created.per_example():
        device = {
            **data.draw(BodyStrategies(graph_contracts, op.version, serials=graph_serials).autopilot_device()),
            "groupTag": f"{graph_run_tag}-dup",
        }
        client = graph_client(op.version)
        get = graph_contracts.operation(op.version, f"{op.type}.get")
        results = _import(client, op, [device, dict(device)], created, graph_contracts)
        states = []
        for item in results:
            entity = _settle(client, item_path(get, item["id"]), graph_poll_interval)
            _register_cleanup(entity, op, created, graph_contracts)
            states.append((entity["state"]["deviceImportStatus"], entity["state"]["deviceErrorName"]))
        lifecycle(
            "one import of the repeated hash completes, the other fails as duplicated",
            sorted(states),
            one_of=(
                [("complete", ""), ("error", "ZtdDeviceDuplicated")],
                [("complete", None), ("error", "ZtdDeviceDuplicated")],
            ),
        )

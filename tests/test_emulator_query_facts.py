"""Service facts that depend on the query: $select on the registered devices (500), contains() with a hyphen (400).

The emulator answers as the service does by default and as the pages say with
``as_documented``; the same list without the offending query works either way.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from graph_contracts.contracts import QueryCondition, default_contracts
from graph_contracts.contracts.overlay import apply_overlay, load_overlay
from graph_contracts.errors import ContractError
from graph_contracts.graph.emulator import EmulatorConfig, running_emulator
from graph_contracts.graph.emulator.conditions import holds
from graph_contracts.graph.emulator.seed import check_state
from graph_contracts.suite.report import refused_operations

DEVICES = "/deviceManagement/windowsAutopilotDeviceIdentities"


@pytest.fixture(scope="module", params=[False, True], ids=["as-the-service", "as-documented"])
def graph(request: pytest.FixtureRequest) -> Iterator[tuple[httpx.Client, bool]]:
    seed = check_state({"registered_devices": [{"serialNumber": s} for s in ("5CD333527Z", "ec2a1bbf-7e9f-45f0")]})
    with (
        running_emulator(EmulatorConfig(as_documented=request.param, seed=seed)) as handle,
        httpx.Client(base_url=handle.base_url, headers=handle.headers(), timeout=10) as client,
    ):
        yield client, request.param


@pytest.mark.parametrize("version", ["v1.0", "beta"])
def test_select_on_registered_devices_answers_500_as_the_service_does(graph, version):
    client, documented = graph
    response = client.get(f"/{version}{DEVICES}", params={"$select": "serialNumber"})
    if documented:
        assert response.status_code == 200
        assert all(set(d) <= {"serialNumber", "@odata.type"} for d in response.json()["value"])
        return
    assert response.status_code == 500
    error = response.json()["error"]
    assert error["code"] == "InternalServerError" and '"_version": 3' in error["message"]
    assert response.headers["request-id"]
    assert client.get(f"/{version}{DEVICES}").status_code == 200  # the same list without $select works


@pytest.mark.parametrize("version", ["v1.0", "beta"])
def test_contains_on_a_serial_with_a_hyphen_answers_400_and_without_one_works(graph, version):
    client, documented = graph
    plain = client.get(f"/{version}{DEVICES}", params={"$filter": "contains(serialNumber,'333527')"})
    assert plain.status_code == 200
    assert [d["serialNumber"] for d in plain.json()["value"]] == ["5CD333527Z"]
    hyphen = client.get(f"/{version}{DEVICES}", params={"$filter": "contains(serialNumber,'7e9f-45f0')"})
    if documented:
        assert [d["serialNumber"] for d in hyphen.json()["value"]] == ["ec2a1bbf-7e9f-45f0"]
        return
    assert hyphen.status_code == 400 and hyphen.json()["error"]["code"] == "BadRequest"


def test_a_query_fact_does_not_mark_the_operation_refused() -> None:
    contracts = default_contracts()
    facts = [f for f in contracts.service_facts if f.operation == "windowsAutopilotDeviceIdentity.list"]
    assert {(f.version, str(f.when)) for f in facts} == {
        (v, c) for v in ("v1.0", "beta") for c in ("query_option=$select", "contains_with_hyphen=serialNumber")
    }
    assert contracts.operation("v1.0", "windowsAutopilotDeviceIdentity.list").refused is None
    assert not any("windowsAutopilotDeviceIdentity.list" in k for k in refused_operations())
    assert contracts.refused("v1.0", "GET", DEVICES) is None


@pytest.mark.parametrize(
    ("query", "condition", "applies"),
    [
        ("$select=serialNumber", QueryCondition("query_option", "$select"), True),
        ("%24SELECT=id", QueryCondition("query_option", "$select"), True),
        ("$top=5", QueryCondition("query_option", "$select"), False),
        ("$filter=contains(serialNumber,%27a-b%27)", QueryCondition("contains_with_hyphen", "serialNumber"), True),
        ("$filter=contains(serialNumber,%27ab%27)", QueryCondition("contains_with_hyphen", "serialNumber"), False),
        ("$filter=startswith(serialNumber,%27a-b%27)", QueryCondition("contains_with_hyphen", "serialNumber"), False),
        ("$filter=contains(groupTag,%27a-b%27)", QueryCondition("contains_with_hyphen", "serialNumber"), False),
    ],
)
def test_conditions_read_the_raw_query(query: str, condition: QueryCondition, applies: bool) -> None:
    assert holds(condition, query) is applies


def test_an_unknown_condition_is_refused_naming_the_entry(tmp_path) -> None:
    path = tmp_path / "v1.0.yaml"
    path.write_text(
        "version: v1.0\nentries:\n  - operation: windowsAutopilotDeviceIdentity.list\n    when: {sometimes: x}\n"
        "    service: {status: 500, code: X, message: y}\n    source: test\n",
        encoding="utf-8",
    )
    contracts = default_contracts()
    ops = {o.id: o for o in contracts.operations_in("v1.0")}
    types = {t.name: t for t in contracts.types_in("v1.0")}
    with pytest.raises(ContractError, match=r"/entries/0/when: unknown condition 'sometimes'"):
        apply_overlay(load_overlay(path), types, ops, [])

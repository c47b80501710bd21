"""What the emulator accepts (and why), covering sets, and the bounds on what a traffic report keeps."""

from __future__ import annotations

from dataclasses import replace

import httpx

from graph_contracts.contracts import default_contracts
from graph_contracts.graph.emulator import EmulatorConfig, running_emulator
from graph_contracts.permissions import load_permission_data
from graph_contracts.permissions.needs import (
    UNKNOWN_ROUTES_KEPT,
    needs_of_operations,
    needs_of_requests,
    next_permission_down,
    requirement,
)

READ = "DeviceManagementServiceConfig.Read.All"
WRITE = "DeviceManagementServiceConfig.ReadWrite.All"
CONFIG = "DeviceManagementConfiguration.ReadWrite.All"


def test_where_page_and_data_agree_the_data_is_followed_least_first():
    contracts = default_contracts()
    need = requirement(
        contracts,
        contracts.operation("v1.0", "windowsAutopilotDeviceIdentity.get"),
        "Application",
        load_permission_data(),
    )
    assert need.accepted == (READ, WRITE) and need.least == READ
    assert "agree" in need.source and "6cbd6bbd665a" in need.source


def test_where_they_disagree_the_overlay_is_followed_and_named():
    contracts = default_contracts()
    need = requirement(
        contracts,
        contracts.operation("beta", "importedDeviceIdentityResult.create"),
        "DelegatedWork",
        load_permission_data(),
    )
    assert need.accepted == (WRITE,)
    assert "beta.yaml/entries/" in need.source  # the overlay entry that settles it, with its source


def test_an_unsettled_disagreement_accepts_only_what_both_accept():
    contracts = default_contracts()
    op = contracts.operation("beta", "importedDeviceIdentity.create")
    widened = replace(op, permissions=(("Application", (WRITE, CONFIG)),))
    need = requirement(contracts, widened, "Application", load_permission_data())
    assert need.accepted == (WRITE,) and "disagree" in need.source


def test_where_the_data_lists_nothing_the_page_is_followed():
    contracts = default_contracts()
    op = contracts.operation("v1.0", "importedWindowsAutopilotDeviceIdentity.update")
    need = requirement(contracts, op, "DelegatedWork", load_permission_data())
    assert need.accepted == (WRITE,) and "lists nothing" in need.source


def test_the_emulator_refuses_a_permission_only_the_page_lists():
    """A page that lists DeviceManagementConfiguration.ReadWrite.All for list, where Microsoft's data does not and no
    overlay settles it: the emulator accepts only what both accept (it answered 200 when it followed the page alone)."""
    contracts = default_contracts()
    ops = dict(contracts.operations)
    key = ("v1.0", "importedWindowsAutopilotDeviceIdentity.list")
    ops[key] = replace(ops[key], permissions=(("Application", (READ, WRITE, CONFIG)),))
    widened = replace(contracts, operations=ops)
    url = "/v1.0/deviceManagement/importedWindowsAutopilotDeviceIdentities"
    with running_emulator(EmulatorConfig(contracts=widened)) as handle, httpx.Client(base_url=handle.base_url) as c:
        refused = c.get(url, headers=handle.headers([CONFIG]))
        allowed = c.get(url, headers=handle.headers([READ]))
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "Authorization_RequestDenied"
    assert allowed.status_code == 200, allowed.text


def test_next_permission_down():
    assert next_permission_down(WRITE) == READ
    assert next_permission_down(READ) is None


def test_every_operation_needs_readwrite_or_read_and_readwrite_covers_all():
    needs = needs_of_operations(load_permission_data())
    assert needs.covering("Application") == (WRITE,)
    assert {r.least("Application") for r in needs.routes} == {READ, WRITE}
    assert [(u.method, u.reason) for u in needs.unknown] == [
        ("PATCH", "the data lists no permission for this method on this path")
    ]


def test_unknown_paths_are_capped():
    requests = (("GET", f"/v1.0/things{i}/x", f"f#{i}") for i in range(UNKNOWN_ROUTES_KEPT + 50))
    needs = needs_of_requests(load_permission_data(), requests)
    assert len(needs.unknown) == UNKNOWN_ROUTES_KEPT + 1
    assert needs.requests == UNKNOWN_ROUTES_KEPT + 50
    assert [u.requests for u in needs.unknown if u.path == "(other paths)"] == [50]

"""The emulator answers as the service does (refusals), or as the pages say with as_documented; action state."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from graph_contracts.cli import build_parser
from graph_contracts.graph.emulator import EmulatorConfig, running_emulator

ROUTE = "No method match route template"
DEVICES = "/deviceManagement/windowsAutopilotDeviceIdentities"
IMPORTED = "/deviceManagement/importedWindowsAutopilotDeviceIdentities"
IDENTITIES = "/deviceManagement/importedDeviceIdentities"


@pytest.fixture(scope="module", params=[False, True], ids=["as-the-service", "as-documented"])
def graph(request: pytest.FixtureRequest) -> Iterator[tuple[httpx.Client, bool]]:
    with (
        running_emulator(EmulatorConfig(as_documented=request.param)) as handle,
        httpx.Client(base_url=handle.base_url, headers=handle.headers(), timeout=10) as client,
    ):
        yield client, request.param


def test_creating_a_registered_device_in_v1_is_refused_unless_as_documented(graph):
    client, documented = graph
    response = client.post(f"/v1.0{DEVICES}", json={"groupTag": "x"})
    if documented:
        assert response.status_code == 201
        return
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == ROUTE and "~/singleton/navigation with http verb POST" in error["message"]
    assert response.headers["request-id"]


@pytest.mark.parametrize("version", ["v1.0", "beta"])
@pytest.mark.parametrize("collection", [DEVICES, IMPORTED])
def test_patch_on_either_autopilot_collection_is_refused_unless_as_documented(graph, version, collection):
    client, documented = graph
    response = client.patch(f"/{version}{collection}/00000000-0000-0000-0000-000000000000", json={})
    if not documented:
        assert (response.status_code, response.json()["error"]["code"]) == (400, ROUTE)
        assert "~/singleton/navigation/key with http verb PATCH" in response.json()["error"]["message"]
        return
    # as the pages say: v1.0 documents PATCH on imported identities (Application "Not supported."), nothing else
    documented_patch = version == "v1.0" and collection == IMPORTED
    assert response.status_code == (403 if documented_patch else 405)


def test_a_refusal_comes_before_authorization(graph):
    client, _ = graph
    response = client.post(f"/v1.0{DEVICES}", json={}, headers={"Authorization": "Bearer not-a-token"})
    assert response.status_code == 401  # authentication first; routing (the refusal) before authorization


def _device(client: httpx.Client) -> str:
    made = client.post(f"/beta{DEVICES}", json={"groupTag": "before", "displayName": "old"})
    assert made.status_code == 201
    return f"/beta{DEVICES}/{made.json()['id']}"


def test_update_device_properties_changes_what_a_later_get_shows(graph):
    client, _ = graph
    path = _device(client)
    sent = {"groupTag": "after", "displayName": "new", "userPrincipalName": "ada@contoso.example"}
    assert client.post(f"{path}/updateDeviceProperties", json=sent).status_code == 204
    shown = client.get(path).json()
    assert {k: shown[k] for k in sent} == sent


def test_assign_sets_the_user_and_unassign_clears_it(graph):
    client, _ = graph
    path = _device(client)
    sent = {"userPrincipalName": "ada@contoso.example", "addressableUserName": "Ada"}
    assert client.post(f"{path}/assignUserToDevice", json=sent).status_code == 204
    assert {k: client.get(path).json()[k] for k in sent} == sent
    assert client.post(f"{path}/unassignUserFromDevice").status_code == 204
    shown = client.get(path).json()
    assert shown["userPrincipalName"] in (None, "") and shown["addressableUserName"] in (None, "")


def test_an_action_on_an_unknown_device_is_404(graph):
    client, _ = graph
    response = client.post(
        f"/v1.0{DEVICES}/00000000-0000-0000-0000-000000000000/assignUserToDevice",
        json={"userPrincipalName": "a@b.example", "addressableUserName": "A"},
    )
    assert response.status_code == 404


def test_import_identity_list_stores_searches_and_respects_overwrite(graph):
    client, _ = graph
    one = {
        "importedDeviceIdentifier": "IMEI-123456789012345",
        "importedDeviceIdentityType": "imei",
        "description": "first",
    }
    body = {"importedDeviceIdentities": [one], "overwriteImportedDeviceIdentities": False}
    first = client.post(f"/beta{IDENTITIES}/importDeviceIdentityList", json=body).json()["value"]
    assert [r["status"] for r in first] == [True]
    assert first[0]["@odata.type"] == "#microsoft.graph.importedDeviceIdentityResult"
    assert client.get(f"/beta{IDENTITIES}/{first[0]['id']}").json()["description"] == "first"
    again = client.post(
        f"/beta{IDENTITIES}/importDeviceIdentityList",
        json={**body, "importedDeviceIdentities": [{**one, "description": "second"}]},
    ).json()["value"]
    assert [r["status"] for r in again] == [False]
    overwritten = client.post(
        f"/beta{IDENTITIES}/importDeviceIdentityList",
        json={
            "importedDeviceIdentities": [{**one, "description": "second"}],
            "overwriteImportedDeviceIdentities": True,
        },
    ).json()["value"]
    assert [r["status"] for r in overwritten] == [True] and overwritten[0]["id"] == first[0]["id"]
    wanted = [{"importedDeviceIdentifier": one["importedDeviceIdentifier"]}]
    found = client.post(f"/beta{IDENTITIES}/searchExistingIdentities", json={"importedDeviceIdentities": wanted})
    assert [f["description"] for f in found.json()["value"]] == ["second"]


def test_the_cli_takes_as_documented():
    assert build_parser().parse_args(["emulator", "--as-documented"]).as_documented is True
    assert build_parser().parse_args(["emulator"]).as_documented is False


def test_a_beta_only_enum_member_is_not_sent_to_v1(graph):
    """One store answers both versions; v1.0 must never see a member its enum lacks (beta's 'blocked')."""
    client, _ = graph
    made = client.post(f"/beta{DEVICES}", json={"groupTag": "beta-only", "enrollmentState": "blocked"})
    assert made.status_code == 201
    device_id = made.json()["id"]
    assert client.get(f"/beta{DEVICES}/{device_id}").json()["enrollmentState"] == "blocked"
    in_v1 = client.get(f"/v1.0{DEVICES}/{device_id}").json()["enrollmentState"]
    assert in_v1 in {"unknown", "enrolled", "pendingReset", "failed", "notContacted"}
    listed = client.get(f"/v1.0{DEVICES}").json()["value"]
    assert "blocked" not in {device["enrollmentState"] for device in listed}

"""``graph-contracts emulator --state FILE``: a tenant's state, served over real HTTP; ``GET /users/{key}``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from graph_contracts.autopilot import build_hardware_hash, encode_hardware_hash
from graph_contracts.cli import main
from graph_contracts.graph.emulator import EmulatorConfig, EmulatorHandle, running_emulator
from graph_contracts.graph.emulator.seed import StateFileError, check_state, read_state_file
from loopback import emulator_process

DEVICES = "/v1.0/deviceManagement/windowsAutopilotDeviceIdentities"
IMPORTED = "/v1.0/deviceManagement/importedWindowsAutopilotDeviceIdentities"
READ = ["DeviceManagementServiceConfig.Read.All"]


def _hash(serial: str) -> str:
    return encode_hardware_hash(build_hardware_hash(serial, "Contoso"))


HASH = _hash("SEEDED-1")

STATE = {
    "registered_devices": [
        {
            "id": "dev-1",
            "serialNumber": "SEEDED-1",
            "groupTag": "Sales",
            "userPrincipalName": "ada@contoso.example",
            "hardwareIdentifier": HASH,
        },
        {"id": "dev-2", "serialNumber": "SEEDED-2", "groupTag": "Sales"},
    ],
    "imported_identities": [
        {"id": "imp-1", "serialNumber": "STALE-1", "state": "error", "deviceErrorName": "ZtdDeviceDuplicated"},
        {"id": "imp-2", "serialNumber": "WAITING-1", "state": "pending"},
        {
            "id": "imp-3",
            "serialNumber": "OTHER-0",
            "state": "error",
            "deviceErrorName": "ZtdDeviceAssignedToOtherTenant",
        },
    ],
    "users": [{"id": "u-1", "userPrincipalName": "Ada@contoso.example", "displayName": "Ada"}],
    "other_tenant_devices": [{"serialNumber": "ELSEWHERE-1"}],
}


@pytest.fixture(scope="module")
def tenant() -> Iterator[EmulatorHandle]:
    with running_emulator(EmulatorConfig(seed=check_state(STATE))) as handle:
        yield handle


def _get(tenant: EmulatorHandle, path: str, roles: list[str] | None = READ) -> httpx.Response:
    return httpx.get(f"{tenant.base_url}{path}", headers=tenant.headers(roles), timeout=10)


def test_registered_devices_are_listed_with_group_tag_and_user(tenant: EmulatorHandle) -> None:
    devices = {d["id"]: d for d in _get(tenant, DEVICES).json()["value"]}
    assert devices["dev-1"]["groupTag"] == "Sales"
    assert devices["dev-1"]["userPrincipalName"] == "ada@contoso.example"
    assert set(devices) == {"dev-1", "dev-2"}  # the other tenant's device is not here


def test_a_registered_device_with_a_hash_keeps_it_on_the_import_that_registered_it(tenant: EmulatorHandle) -> None:
    imported = _get(tenant, IMPORTED).json()["value"]
    [registering] = [i for i in imported if i["state"]["deviceRegistrationId"] == "dev-1"]
    assert registering["hardwareIdentifier"] == HASH
    assert registering["state"]["deviceImportStatus"] == "complete"


def test_imported_identities_keep_their_seeded_state_and_error(tenant: EmulatorHandle) -> None:
    for _ in range(2):  # reading does not settle a seeded record: it is stale, as in a tenant
        states = {i["id"]: i["state"] for i in _get(tenant, IMPORTED).json()["value"]}
    assert states["imp-1"]["deviceErrorName"] == "ZtdDeviceDuplicated"
    assert states["imp-3"] == {
        "deviceImportStatus": "error",
        "deviceRegistrationId": None,
        "deviceErrorCode": 808,
        "deviceErrorName": "ZtdDeviceAssignedToOtherTenant",
    }
    assert states["imp-2"]["deviceImportStatus"] == "pending"


@pytest.mark.parametrize("key", ["u-1", "ada@contoso.example", "ADA@CONTOSO.EXAMPLE"])
def test_a_user_is_found_by_id_or_user_principal_name(tenant: EmulatorHandle, key: str) -> None:
    response = _get(tenant, f"/v1.0/users/{key}", ["User.Read.All"])
    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["userPrincipalName"], body["displayName"]) == ("u-1", "Ada@contoso.example", "Ada")
    assert body["@odata.context"].endswith("/v1.0/$metadata#users/$entity")


def test_an_unknown_user_is_graphs_404(tenant: EmulatorHandle) -> None:
    response = _get(tenant, "/v1.0/users/nobody@contoso.example", ["Directory.Read.All"])
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "Request_ResourceNotFound"
    assert response.headers["request-id"]


def test_a_token_that_may_not_read_users_gets_403(tenant: EmulatorHandle) -> None:
    response = _get(tenant, "/v1.0/users/ada@contoso.example", READ)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "Authorization_RequestDenied"


def test_importing_a_serial_registered_elsewhere_settles_with_808_and_here_with_806(tenant: EmulatorHandle) -> None:
    body = {
        "importedWindowsAutopilotDeviceIdentities": [
            {"serialNumber": "ELSEWHERE-1", "hardwareIdentifier": _hash("ELSEWHERE-1")},
            {"serialNumber": "SEEDED-2", "hardwareIdentifier": _hash("SEEDED-2")},
        ]
    }
    made = httpx.post(f"{tenant.base_url}{IMPORTED}/import", json=body, headers=tenant.headers(), timeout=10)
    assert made.status_code == 200, made.text
    tenant.settle_imports()
    errors = []
    for item in made.json()["value"]:
        got = _get(tenant, f"{IMPORTED}/{item['id']}").json()
        errors.append(got["state"]["deviceErrorCode"])
    assert errors == [808, 806]


@pytest.mark.parametrize(
    ("state", "pointer", "says"),
    [
        ({"registered_devices": [{"groupTag": "x"}]}, "/registered_devices/0/serialNumber", "is required"),
        ({"imported_identities": [{"state": "stuck"}]}, "/imported_identities/0/state", "one of pending"),
        ({"imported_identities": [{"state": "error"}]}, "/imported_identities/0/deviceErrorName", "DDS error"),
        (
            {"users": [{"userPrincipalName": "a@b.example"}, {"userPrincipalName": "A@b.example"}]},
            "/users/1/userPrincipalName",
            "given already at /users/0",
        ),
        ({"devices": []}, "/devices", "unknown section"),
        (
            {"registered_devices": [{"serialNumber": "x", "colour": "red"}]},
            "/registered_devices/0/colour",
            "unknown field",
        ),
        ({"registered_devices": {"serialNumber": "x"}}, "/registered_devices", "must be a list"),
    ],
)
def test_a_bad_state_is_refused_naming_the_pointer(state: object, pointer: str, says: str) -> None:
    with pytest.raises(StateFileError) as caught:
        check_state(state, "tenant.yaml")
    assert caught.value.pointer == pointer and says in str(caught.value)
    assert str(caught.value).startswith(f"tenant.yaml: {pointer}")


def test_the_cli_refuses_a_bad_state_file_in_one_line_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "tenant.json"
    bad.write_text(json.dumps({"users": [{"displayName": "no upn"}]}), encoding="utf-8")
    assert main(["emulator", "--state", str(bad)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and f"{bad}: /users/0/userPrincipalName: is required" in err[0]
    broken = tmp_path / "tenant.yaml"
    broken.write_text("users: [", encoding="utf-8")
    with pytest.raises(StateFileError, match="not valid YAML"):
        read_state_file(broken)


def test_the_cli_serves_a_state_file(tmp_path: Path) -> None:
    seeded = tmp_path / "tenant.yaml"
    seeded.write_text("registered_devices:\n  - {serialNumber: CLI-1, groupTag: Lab}\n", encoding="utf-8")
    with emulator_process("--state", str(seeded), "--page-size", "1000", "-q") as (_, base):
        # the CLI's emulator takes its default app's client credentials
        from graph_contracts.graph.auth import ClientCredentials
        from graph_contracts.graph.emulator import DEFAULT_APP, DEFAULT_TENANT

        token = ClientCredentials(
            DEFAULT_TENANT,
            DEFAULT_APP.client_id,
            DEFAULT_APP.client_secret,
            authority=base,
            scope="https://graph.microsoft.com/.default",
        ).token()
        listed = httpx.get(f"{base}{DEVICES}", headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert [d["groupTag"] for d in listed.json()["value"]] == ["Lab"]

"""Who may do what: admin routes need the emulator's admin role, tokens only for configured tenants and apps;
and what curl shows of each answer (``OData-Version``, ``importId``, the console log)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import httpx
import pytest

from graph_contracts.autopilot import build_hardware_hash, encode_hardware_hash
from graph_contracts.graph.emulator import (
    ADMIN_ROLE,
    DEFAULT_APP,
    DEFAULT_TENANT,
    EmulatorConfig,
    EmulatorHandle,
    running_emulator,
)
from loopback import emulator_process

DEVICES = "/deviceManagement/windowsAutopilotDeviceIdentities"
IMPORTED = "/deviceManagement/importedWindowsAutopilotDeviceIdentities"
CONTOSO = "contoso.example.com"
FABRIKAM_ID = "3f1c2d4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f"


@pytest.fixture(scope="module")
def running() -> Iterator[EmulatorHandle]:
    with running_emulator(EmulatorConfig(tenants=(CONTOSO, FABRIKAM_ID))) as handle:
        yield handle


@pytest.fixture()
def emulator(running: EmulatorHandle) -> EmulatorHandle:
    running.reset()
    return running


def token_form(**changes: str) -> dict[str, str]:
    form = {
        "grant_type": "client_credentials",
        "client_id": DEFAULT_APP.client_id,
        "client_secret": DEFAULT_APP.client_secret,
        "scope": "https://graph.microsoft.com/.default",
    }
    form.update(changes)
    return form


def entra_error(response: httpx.Response, status: int, error: str, code: int) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"] == error and body["error_codes"] == [code]
    assert body["error_uri"].endswith(f"code={code}") and body["trace_id"] and body["correlation_id"]
    description: str = body["error_description"]
    assert description.startswith(f"AADSTS{code}: ") and "\r\nTrace ID: " in description
    return description


# --------------------------------------------------------------------------- admin routes


@pytest.mark.parametrize("route", ["reset", "settle"])
def test_admin_routes_need_a_token(emulator: EmulatorHandle, route: str) -> None:
    response = httpx.post(f"{emulator.base_url}/_emulator/{route}")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "InvalidAuthenticationToken"


@pytest.mark.parametrize("route", ["reset", "settle"])
def test_admin_routes_refuse_a_graph_token_without_the_admin_role(emulator: EmulatorHandle, route: str) -> None:
    graph_only = emulator.headers(["DeviceManagementServiceConfig.ReadWrite.All"])
    response = httpx.post(f"{emulator.base_url}/_emulator/{route}", headers=graph_only)
    assert response.status_code == 403
    assert ADMIN_ROLE in response.json()["error"]["message"]


def test_a_reset_without_the_admin_role_leaves_the_entities(emulator: EmulatorHandle) -> None:
    # beta: creating a registered device in v1.0 is refused, by the service and the emulator (graph-facts 6.1)
    created = httpx.post(
        emulator.graph_url("beta") + DEVICES, json={"serialNumber": "SN-KEEP"}, headers=emulator.headers()
    )
    assert created.status_code == 201
    # A cross-origin form post carries no Authorization header: it must not wipe a tenant.
    httpx.post(f"{emulator.base_url}/_emulator/reset", data={"x": "1"})
    assert len(httpx.get(emulator.graph_url() + DEVICES, headers=emulator.headers()).json()["value"]) == 1


def test_the_emulators_own_client_gets_the_admin_role_from_the_token_endpoint(emulator: EmulatorHandle) -> None:
    httpx.post(emulator.graph_url("beta") + DEVICES, json={"serialNumber": "SN-GONE"}, headers=emulator.headers())
    token = httpx.post(emulator.token_url(), data=token_form()).json()["access_token"]
    response = httpx.post(f"{emulator.base_url}/_emulator/reset", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 204
    assert httpx.get(emulator.graph_url() + DEVICES, headers=emulator.headers()).json()["value"] == []


def test_admin_routes_can_be_switched_off() -> None:
    with running_emulator(EmulatorConfig(admin_routes=False)) as emulator:
        response = httpx.post(f"{emulator.base_url}/_emulator/reset", headers=emulator.admin_headers())
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "ResourceNotFound"


# --------------------------------------------------------------------------- tenants and apps


@pytest.mark.parametrize("tenant", [DEFAULT_TENANT, CONTOSO, FABRIKAM_ID, FABRIKAM_ID.upper()])
def test_configured_tenants_get_tokens(emulator: EmulatorHandle, tenant: str) -> None:
    response = httpx.post(emulator.token_url(tenant), data=token_form())
    assert response.status_code == 200, response.text
    listed = httpx.get(
        emulator.graph_url() + DEVICES, headers={"Authorization": f"Bearer {response.json()['access_token']}"}
    )
    assert listed.status_code == 200


@pytest.mark.parametrize("tenant", ["evil.example.com", str(uuid.UUID(int=7))])
def test_an_unknown_tenant_gets_aadsts90002(emulator: EmulatorHandle, tenant: str) -> None:
    response = httpx.post(emulator.token_url(tenant), data=token_form())
    description = entra_error(response, 400, "invalid_tenant", 90002)
    assert f"Tenant '{tenant}' not found" in description


def test_a_tenant_that_is_not_a_name_gets_aadsts900023(emulator: EmulatorHandle) -> None:
    entra_error(httpx.post(emulator.token_url("not_a_tenant"), data=token_form()), 400, "invalid_request", 900023)


def test_an_unknown_client_id_gets_aadsts700016_naming_the_directory(emulator: EmulatorHandle) -> None:
    unknown = "11111111-2222-4333-8444-555555555555"
    response = httpx.post(emulator.token_url(CONTOSO), data=token_form(client_id=unknown))
    description = entra_error(response, 400, "unauthorized_client", 700016)
    assert f"Application with identifier '{unknown}' was not found in the directory '{CONTOSO}'" in description


# --------------------------------------------------------------------------- what curl shows


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", DEVICES, 200),
        ("GET", DEVICES + "/nope", 404),
        ("POST", IMPORTED, 201),
        ("POST", DEVICES, 400),
        ("GET", "/deviceManagement", 400),
    ],
)
def test_graph_answers_carry_odata_version_4(emulator: EmulatorHandle, method: str, path: str, status: int) -> None:
    kwargs = {"json": {"serialNumber": "SN-ODATA"}} if method == "POST" else {}
    response = httpx.request(method, emulator.graph_url() + path, headers=emulator.headers(), **kwargs)
    assert response.status_code == status
    assert response.headers["OData-Version"] == "4.0"


def test_the_records_of_one_import_share_an_import_id(emulator: EmulatorHandle) -> None:
    devices = [
        {"serialNumber": s, "hardwareIdentifier": encode_hardware_hash(build_hardware_hash(s, "Contoso", "L7"))}
        for s in ("SN-IMP-1", "SN-IMP-2")
    ]
    graph = httpx.Client(base_url=emulator.graph_url("beta"), headers=emulator.headers())
    first = graph.post(IMPORTED + "/import", json={"importedWindowsAutopilotDeviceIdentities": devices}).json()
    second = graph.post(IMPORTED + "/import", json={"importedWindowsAutopilotDeviceIdentities": devices[:1]}).json()
    ids = {r["importId"] for r in first["value"]}
    assert len(ids) == 1 and ids != {r["importId"] for r in second["value"]}
    uuid.UUID(ids.pop())
    listed = graph.get(IMPORTED).json()["value"]
    assert len({r["importId"] for r in listed}) == 2
    graph.close()


def test_the_cli_logs_one_line_per_request_unless_quiet() -> None:
    outputs = []
    for extra in ([], ["--quiet"]):
        with emulator_process(*extra) as (proc, base_url):
            httpx.get(f"{base_url}/v1.0{DEVICES}")
            httpx.get(f"{base_url}/beta{DEVICES}/x")
            proc.terminate()
            out, _ = proc.communicate(timeout=10)
        outputs.append([line for line in out.splitlines() if line.startswith(("GET ", "POST "))])
    logged, quiet = outputs
    assert [line.rsplit(" ", 3)[:2] for line in logged] == [
        [f"GET /v1.0{DEVICES}", "401"],
        [f"GET /beta{DEVICES}/x", "401"],
    ]
    assert all(line.endswith(" ms") for line in logged)
    assert quiet == []


def test_the_suite_endpoint_serves_the_tenants_it_is_given() -> None:
    from graph_contracts.graph.endpoints import open_endpoint

    with open_endpoint("emulator", emulator_tenants=(CONTOSO,)) as endpoint:
        known = httpx.post(f"{endpoint.base_url}/{CONTOSO}/oauth2/v2.0/token", data=token_form())
        unknown = httpx.post(f"{endpoint.base_url}/other.example.com/oauth2/v2.0/token", data=token_form())
    assert known.status_code == 200
    entra_error(unknown, 400, "invalid_tenant", 90002)

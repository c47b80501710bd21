"""The Graph emulator's behaviour, specified over real HTTP on loopback with httpx.

One emulator serves the module; each test resets it first. Tests that need a
different configuration start their own.
"""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from graph_contracts.autopilot import build_hardware_hash, encode_hardware_hash
from graph_contracts.contracts import default_contracts
from graph_contracts.graph.emulator import (
    DEFAULT_APP,
    AppRegistration,
    EmulatorConfig,
    EmulatorHandle,
    Fault,
    running_emulator,
)
from graph_contracts.validation import Validator

IMPORTED = "/deviceManagement/importedWindowsAutopilotDeviceIdentities"
DEVICES = "/deviceManagement/windowsAutopilotDeviceIdentities"
IDENTITIES = "/deviceManagement/importedDeviceIdentities"
READ = "DeviceManagementServiceConfig.Read.All"
WRITE = "DeviceManagementServiceConfig.ReadWrite.All"


@pytest.fixture(scope="module")
def running() -> Iterator[EmulatorHandle]:
    # These tests seed registered devices with POST windowsAutopilotDeviceIdentities, as the pages document;
    # the service refuses it, and so does the default emulator (tests/test_emulator_service_facts.py).
    with running_emulator(EmulatorConfig(as_documented=True)) as handle:
        yield handle


@pytest.fixture()
def emulator(running: EmulatorHandle) -> EmulatorHandle:
    running.reset()
    return running


@pytest.fixture()
def graph(emulator: EmulatorHandle) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=emulator.base_url, headers=emulator.headers(), timeout=10) as client:
        yield client


def hash_of(serial: str, manufacturer: str = "Contoso", model: str = "Laptop 7") -> str:
    return encode_hardware_hash(build_hardware_hash(serial, manufacturer, model))


def device(serial: str, group_tag: str = "emulator-test", **extra: Any) -> dict[str, Any]:
    return {"serialNumber": serial, "hardwareIdentifier": hash_of(serial), "groupTag": group_tag, **extra}


def assert_response_conforms(version: str, op_id: str, body: Any) -> None:
    issues = Validator.for_operation(op_id, version=version, direction="response").validate(body)
    assert issues == [], issues


def assert_graph_error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    error: dict[str, Any] = response.json()["error"]
    assert error["code"] == code
    assert isinstance(error["message"], str) and error["message"]
    inner = error["innerError"]
    assert inner["request-id"] == response.headers["request-id"]
    assert inner["client-request-id"] == response.headers["client-request-id"]
    assert inner["date"]
    return error


# --------------------------------------------------------------------------- every operation


@pytest.mark.parametrize("version", ["v1.0", "beta"])
def test_create_get_list_delete_imported_identity(graph: httpx.Client, version: str) -> None:
    created = graph.post(f"/{version}{IMPORTED}", json=device("SN-CRUD-1"))
    assert created.status_code == 201
    body = created.json()
    assert_response_conforms(version, "importedWindowsAutopilotDeviceIdentity.create", body)
    assert len(body["id"]) == 36 and body["id"].count("-") == 4
    assert body["state"] == {
        "deviceImportStatus": "pending",
        "deviceRegistrationId": None,
        "deviceErrorCode": 0,
        "deviceErrorName": "",
    }

    got = graph.get(f"/{version}{IMPORTED}/{body['id']}")
    assert got.status_code == 200
    assert_response_conforms(version, "importedWindowsAutopilotDeviceIdentity.get", got.json())
    assert got.json()["serialNumber"] == "SN-CRUD-1"

    listed = graph.get(f"/{version}{IMPORTED}")
    assert listed.status_code == 200
    assert_response_conforms(version, "importedWindowsAutopilotDeviceIdentity.list", listed.json())
    assert [e["id"] for e in listed.json()["value"]] == [body["id"]]

    deleted = graph.delete(f"/{version}{IMPORTED}/{body['id']}")
    assert deleted.status_code == 204 and deleted.content == b""
    assert graph.get(f"/{version}{IMPORTED}/{body['id']}").status_code == 404


@pytest.mark.parametrize("version", ["v1.0", "beta"])
def test_create_get_list_delete_autopilot_device(graph: httpx.Client, version: str) -> None:
    created = graph.post(f"/{version}{DEVICES}", json={"serialNumber": "SN-DEV-1", "groupTag": "g"})
    assert created.status_code == 201
    body = created.json()
    assert_response_conforms(version, "windowsAutopilotDeviceIdentity.create", body)
    assert body["enrollmentState"] == "notContacted"
    assert body["lastContactedDateTime"] == "0001-01-01T00:00:00Z"
    got = graph.get(f"/{version}{DEVICES}/{body['id']}")
    assert_response_conforms(version, "windowsAutopilotDeviceIdentity.get", got.json())
    listed = graph.get(f"/{version}{DEVICES}").json()
    assert_response_conforms(version, "windowsAutopilotDeviceIdentity.list", listed)
    assert graph.delete(f"/{version}{DEVICES}/{body['id']}").status_code == 204
    assert graph.get(f"/{version}{DEVICES}").json()["value"] == []


def test_beta_imported_device_identity_fills_server_set_properties(graph: httpx.Client) -> None:
    created = graph.post(
        f"/beta{IDENTITIES}", json={"importedDeviceIdentifier": "356938035643809", "importedDeviceIdentityType": "imei"}
    )
    assert created.status_code == 201
    body = created.json()
    assert_response_conforms("beta", "importedDeviceIdentity.create", body)
    assert body["createdDateTime"] == body["lastModifiedDateTime"] != "0001-01-01T00:00:00Z"
    assert body["platform"] == "unknown"
    got = graph.get(f"/beta{IDENTITIES}/{body['id']}").json()
    assert_response_conforms("beta", "importedDeviceIdentity.get", got)
    assert graph.delete(f"/beta{IDENTITIES}/{body['id']}").status_code == 204


def test_beta_imported_device_identity_result_is_served_by_the_base_path(graph: httpx.Client) -> None:
    created = graph.post(
        f"/beta{IDENTITIES}",
        json={
            "@odata.type": "#microsoft.graph.importedDeviceIdentityResult",
            "importedDeviceIdentifier": "x",
        },
    )
    assert created.status_code == 201
    body = created.json()
    assert body["@odata.type"] == "#microsoft.graph.importedDeviceIdentityResult"
    assert body["status"] is False
    assert_response_conforms("beta", "importedDeviceIdentityResult.create", body)
    listed = graph.get(f"/beta{IDENTITIES}").json()
    assert_response_conforms("beta", "importedDeviceIdentityResult.list", listed)


def test_v1_has_no_imported_device_identities(graph: httpx.Client) -> None:
    error = assert_graph_error(graph.get(f"/v1.0{IDENTITIES}"), 400, "BadRequest")
    assert error["message"] == "Resource not found for the segment 'importedDeviceIdentities'."


def test_every_contract_operation_is_routed(emulator: EmulatorHandle) -> None:
    served = {(e.version, e.method, e.template) for v in emulator.emulator.routes.by_version.values() for e in v}
    contracts = default_contracts()
    documented = {
        (v, op.method.upper(), path)
        for v in contracts.versions()
        for op in contracts.operations_in(v)
        for path in op.paths
    }
    assert served == documented


# --------------------------------------------------------------------------- the import action and lifecycle


def import_devices(graph: httpx.Client, records: list[dict[str, Any]], version: str = "v1.0") -> list[dict[str, Any]]:
    response = graph.post(f"/{version}{IMPORTED}/import", json={"importedWindowsAutopilotDeviceIdentities": records})
    assert response.status_code == 200, response.text
    assert_response_conforms(version, "importedWindowsAutopilotDeviceIdentity.import", response.json())
    value: list[dict[str, Any]] = response.json()["value"]
    return value


def poll(graph: httpx.Client, entity_id: str, version: str = "v1.0") -> dict[str, Any]:
    for _ in range(5):
        state: dict[str, Any] = graph.get(f"/{version}{IMPORTED}/{entity_id}").json()["state"]
        if state["deviceImportStatus"] in ("complete", "error"):
            return state
    raise AssertionError("the import never settled")


def test_import_answers_pending_records_then_completes_and_registers_the_device(graph: httpx.Client) -> None:
    [record] = import_devices(graph, [device("SN-LIFE-1", group_tag="sales")])
    assert record["state"]["deviceImportStatus"] == "pending"
    assert record["state"]["deviceErrorCode"] == 0 and record["state"]["deviceErrorName"] == ""
    first_read = graph.get(f"/v1.0{IMPORTED}/{record['id']}").json()
    assert first_read["state"]["deviceImportStatus"] == "pending"
    state = graph.get(f"/v1.0{IMPORTED}/{record['id']}").json()["state"]
    assert state["deviceImportStatus"] == "complete"
    assert state["deviceRegistrationId"]
    devices = graph.get(f"/v1.0{DEVICES}").json()["value"]
    assert [(d["serialNumber"], d["groupTag"], d["manufacturer"], d["model"]) for d in devices] == [
        ("SN-LIFE-1", "sales", "Contoso", "Laptop 7")
    ]
    assert devices[0]["id"] == state["deviceRegistrationId"]


def test_importing_an_already_registered_serial_fails_with_806(graph: httpx.Client) -> None:
    graph.post(f"/v1.0{DEVICES}", json={"serialNumber": "SN-806"})
    [record] = import_devices(graph, [device("SN-806")])
    state = poll(graph, record["id"])
    assert state == {
        "deviceImportStatus": "error",
        "deviceRegistrationId": None,
        "deviceErrorCode": 806,
        "deviceErrorName": "ZtdDeviceAlreadyAssigned",
    }


def test_second_import_of_a_registered_device_fails_with_806(graph: httpx.Client) -> None:
    [first] = import_devices(graph, [device("SN-TWICE")])
    assert poll(graph, first["id"])["deviceImportStatus"] == "complete"
    [second] = import_devices(graph, [device("SN-TWICE")])
    assert poll(graph, second["id"])["deviceErrorCode"] == 806


def test_serials_compare_case_folded_and_a_deleted_device_frees_its_serial(graph: httpx.Client) -> None:
    [first] = import_devices(graph, [device("SN-Fold-1")])
    registration = poll(graph, first["id"])["deviceRegistrationId"]
    [again] = import_devices(graph, [device("sn-fold-1")])
    assert poll(graph, again["id"])["deviceErrorCode"] == 806
    assert graph.delete(f"/v1.0{DEVICES}/{registration}").status_code == 204
    assert graph.get(f"/v1.0{DEVICES}/{registration}").status_code == 404
    [third] = import_devices(graph, [device("SN-FOLD-1")])
    assert poll(graph, third["id"])["deviceImportStatus"] == "complete"


def test_a_repeated_hash_in_one_import_is_duplicated_and_only_the_first_processed(graph: httpx.Client) -> None:
    one = device("SN-DUP-1")
    two = {**device("SN-DUP-2"), "hardwareIdentifier": one["hardwareIdentifier"]}
    first, second = import_devices(graph, [one, two])
    assert poll(graph, first["id"])["deviceImportStatus"] == "complete"
    # No numeric code is documented for ZtdDeviceDuplicated: the emulator reports 0 and the name.
    assert poll(graph, second["id"]) == {
        "deviceImportStatus": "error",
        "deviceRegistrationId": None,
        "deviceErrorCode": 0,
        "deviceErrorName": "ZtdDeviceDuplicated",
    }


def test_a_hash_that_fails_the_hash_rule_is_invalid(graph: httpx.Client) -> None:
    blob = bytearray(build_hardware_hash("SN-BAD", "Contoso"))
    blob[40] ^= 0xFF  # breaks the trailer checksum
    bad = {"serialNumber": "SN-BAD", "hardwareIdentifier": encode_hardware_hash(bytes(blob))}
    [record] = import_devices(graph, [bad])
    state = poll(graph, record["id"])
    assert (state["deviceImportStatus"], state["deviceErrorCode"], state["deviceErrorName"]) == (
        "error",
        0,
        "InvalidZtdHardwareHash",
    )
    assert graph.get(f"/v1.0{DEVICES}").json()["value"] == []


def test_a_serial_registered_in_another_tenant_fails_with_808(emulator: EmulatorHandle) -> None:
    other = {"Authorization": f"Bearer {emulator.token(tenant='fabrikam.example.com')}"}
    with httpx.Client(base_url=emulator.base_url, timeout=10) as client:
        client.post(f"/v1.0{DEVICES}", json={"serialNumber": "SN-808"}, headers=other)
        [record] = import_devices(
            httpx.Client(base_url=emulator.base_url, headers=emulator.headers()), [device("SN-808")]
        )
        emulator.settle_imports()
        state = client.get(f"/v1.0{IMPORTED}/{record['id']}", headers=emulator.headers()).json()["state"]
    assert (state["deviceErrorCode"], state["deviceErrorName"]) == (808, "ZtdDeviceAssignedToOtherTenant")


def test_deleting_an_imported_identity_keeps_the_registered_device(graph: httpx.Client) -> None:
    [record] = import_devices(graph, [device("SN-KEEP")])
    assert poll(graph, record["id"])["deviceImportStatus"] == "complete"
    assert graph.delete(f"/v1.0{IMPORTED}/{record['id']}").status_code == 204
    assert [d["serialNumber"] for d in graph.get(f"/v1.0{DEVICES}").json()["value"]] == ["SN-KEEP"]


def test_imports_settle_after_the_configured_delay() -> None:
    config = EmulatorConfig(import_pending_reads=None, import_pending_seconds=0.3)
    with running_emulator(config) as handle, httpx.Client(base_url=handle.base_url, headers=handle.headers()) as c:
        [record] = import_devices(c, [device("SN-DELAY")])
        for _ in range(3):
            assert c.get(f"/v1.0{IMPORTED}/{record['id']}").json()["state"]["deviceImportStatus"] == "pending"
        time.sleep(0.35)
        assert c.get(f"/v1.0{IMPORTED}/{record['id']}").json()["state"]["deviceImportStatus"] == "complete"


def test_import_of_null_collection_imports_nothing(graph: httpx.Client) -> None:
    response = graph.post(f"/v1.0{IMPORTED}/import", json={"importedWindowsAutopilotDeviceIdentities": None})
    assert response.status_code == 200 and response.json()["value"] == []


def test_server_owned_state_in_a_request_is_ignored(graph: httpx.Client) -> None:
    body = {**device("SN-STATE"), "state": {"deviceImportStatus": "complete", "deviceErrorCode": 0}}
    created = graph.post(f"/v1.0{IMPORTED}", json=body).json()
    assert created["state"]["deviceImportStatus"] == "pending"


# --------------------------------------------------------------------------- request errors


def test_a_body_that_breaks_the_contract_is_400_naming_the_property(graph: httpx.Client) -> None:
    error = assert_graph_error(graph.post(f"/v1.0{IMPORTED}", json={"serialnumber": "x"}), 400, "BadRequest")
    assert "/serialnumber" in error["message"] and "serialNumber" in error["message"]
    assert error["details"][0]["target"] == "/serialnumber"
    error = assert_graph_error(graph.post(f"/v1.0{DEVICES}", json={"enrollmentState": "gone"}), 400, "BadRequest")
    assert error["details"][0]["target"] == "/enrollmentState"


def test_malformed_json_is_400(graph: httpx.Client) -> None:
    response = graph.post(
        f"/v1.0{IMPORTED}", content=b'{"serialNumber": ', headers={"Content-Type": "application/json"}
    )
    assert "not valid JSON" in assert_graph_error(response, 400, "BadRequest")["message"]


def test_wrong_content_type_is_400(graph: httpx.Client) -> None:
    response = graph.post(f"/v1.0{IMPORTED}", content=b"serialNumber=x", headers={"Content-Type": "text/plain"})
    assert "text/plain" in assert_graph_error(response, 400, "BadRequest")["message"]


def test_unknown_id_is_404_resource_not_found(graph: httpx.Client) -> None:
    assert_graph_error(graph.get(f"/v1.0{IMPORTED}/00000000-0000-0000-0000-000000000001"), 404, "ResourceNotFound")
    assert_graph_error(graph.delete(f"/beta{DEVICES}/nope"), 404, "ResourceNotFound")


@pytest.mark.parametrize(
    ("path", "segment"),
    [
        ("/v1.0/deviceManagement/nothingHere", "nothingHere"),
        ("/v1.0/notAThing", "notAThing"),
        (f"/v1.0{IMPORTED}/some-id/extra", "extra"),
    ],
)
def test_a_path_the_version_lacks_is_400_naming_the_segment(graph: httpx.Client, path: str, segment: str) -> None:
    error = assert_graph_error(graph.get(path), 400, "BadRequest")
    assert error["message"] == f"Resource not found for the segment '{segment}'."


def test_an_unknown_version_is_400(graph: httpx.Client) -> None:
    assert assert_graph_error(graph.get(f"/v2.0{IMPORTED}"), 400, "BadRequest")["message"] == "Invalid version: v2.0"


def test_a_wrong_method_on_a_known_path_is_405(graph: httpx.Client) -> None:
    response = graph.put(f"/v1.0{IMPORTED}", json={})
    assert_graph_error(response, 405, "MethodNotAllowed")
    assert response.headers["allow"] == "GET, POST"
    assert_graph_error(graph.put(f"/v1.0{IMPORTED}/import", json={}), 405, "MethodNotAllowed")


def test_every_response_carries_request_id_and_echoes_client_request_id(graph: httpx.Client) -> None:
    for response in (
        graph.get(f"/v1.0{IMPORTED}", headers={"client-request-id": "abc-123"}),
        graph.get("/v1.0/nothing", headers={"client-request-id": "abc-123"}),
    ):
        assert response.headers["client-request-id"] == "abc-123"
        assert len(response.headers["request-id"]) == 36
    assert graph.get(f"/v1.0{IMPORTED}").headers["request-id"] != graph.get(f"/v1.0{IMPORTED}").headers["request-id"]


# --------------------------------------------------------------------------- paging and query options


def test_top_pages_with_a_next_link_until_every_entity_is_seen(graph: httpx.Client) -> None:
    ids = {graph.post(f"/v1.0{DEVICES}", json={"serialNumber": f"SN-PAGE-{i}"}).json()["id"] for i in range(5)}
    seen: list[str] = []
    url: str | None = f"/v1.0{DEVICES}?$top=2"
    pages = 0
    while url:
        body = graph.get(url).json()
        assert_response_conforms("v1.0", "windowsAutopilotDeviceIdentity.list", body)
        assert len(body["value"]) <= 2
        seen += [d["id"] for d in body["value"]]
        url = body.get("@odata.nextLink")
        assert url is None or "$skiptoken=" in url
        pages += 1
    assert pages == 3 and sorted(seen) == sorted(ids) and len(seen) == 5


@pytest.mark.parametrize(
    "query",
    [
        "$top=0",
        "$top=1000",
        "$top=abc",
        "$top=-1",
        "$skiptoken=garbage",
        "$select=",
        "$select=id,nope",
        "$filter=",
        "$filter=groupTag eq",
        "$filter=groupTag gt 'a'",
        "$filter=nope eq 'a'",
        "$filter=groupTag eq 5",
        "$orderby=groupTag",
        "$top=1&$top=2",
    ],
)
def test_bad_query_values_are_400(graph: httpx.Client, query: str) -> None:
    assert_graph_error(graph.get(f"/v1.0{IMPORTED}?{query}"), 400, "BadRequest")


def test_select_returns_only_the_named_properties(graph: httpx.Client) -> None:
    graph.post(f"/v1.0{IMPORTED}", json=device("SN-SEL"))
    [entity] = graph.get(f"/v1.0{IMPORTED}", params={"$select": "id,serialNumber"}).json()["value"]
    assert set(entity) == {"@odata.type", "id", "serialNumber"}


def test_filter_on_equality_startswith_and_complex_paths(graph: httpx.Client) -> None:
    for serial, tag in (("SN-F-1", "emulator-a"), ("SN-F-2", "emulator-b"), ("SN-F-3", "other")):
        graph.post(f"/v1.0{IMPORTED}", json=device(serial, group_tag=tag))

    def serials(expression: str) -> list[str]:
        response = graph.get(f"/v1.0{IMPORTED}", params={"$filter": expression})
        assert response.status_code == 200, response.text
        return sorted(e["serialNumber"] for e in response.json()["value"])

    # First, while all three are pending: a list that shows a pending record counts as one read of it.
    assert serials("state/deviceImportStatus eq 'pending'") == ["SN-F-1", "SN-F-2", "SN-F-3"]
    assert serials("groupTag eq 'emulator-a'") == ["SN-F-1"]
    assert serials("startswith(groupTag,'emulator-')") == ["SN-F-1", "SN-F-2"]
    assert serials("groupTag ne 'other' and serialNumber eq 'SN-F-2'") == ["SN-F-2"]
    assert serials("state/deviceImportStatus eq 'complete'") == ["SN-F-1", "SN-F-2", "SN-F-3"]


# --------------------------------------------------------------------------- auth


def token_request(emulator: EmulatorHandle, **form: str) -> httpx.Response:
    fields = {
        "grant_type": "client_credentials",
        "client_id": DEFAULT_APP.client_id,
        "client_secret": DEFAULT_APP.client_secret,
        "scope": "https://graph.microsoft.com/.default",
    }
    fields.update(form)
    return httpx.post(emulator.token_url(), data=fields)


def jwt_claims(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    claims: dict[str, Any] = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return claims


def test_client_credentials_token_works_against_graph(emulator: EmulatorHandle) -> None:
    response = token_request(emulator)
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600
    claims = jwt_claims(body["access_token"])
    assert claims["roles"] == sorted(DEFAULT_APP.roles) and WRITE in claims["roles"]
    assert claims["tid"] == emulator.tenant_id and claims["exp"] > time.time()
    listed = httpx.get(emulator.graph_url() + IMPORTED, headers={"Authorization": f"Bearer {body['access_token']}"})
    assert listed.status_code == 200


@pytest.mark.parametrize(
    ("form", "status", "error", "aadsts"),
    [
        ({"client_secret": "wrong"}, 401, "invalid_client", 7000215),
        ({"grant_type": "password"}, 400, "unsupported_grant_type", 70003),
        ({"client_id": "11111111-2222-3333-4444-555555555555"}, 400, "unauthorized_client", 700016),
        ({"scope": "https://graph.microsoft.com/User.Read"}, 400, "invalid_scope", 1002012),
        ({"client_id": ""}, 400, "invalid_request", 900144),
    ],
)
def test_token_endpoint_errors_have_entras_shape(
    emulator: EmulatorHandle, form: dict[str, str], status: int, error: str, aadsts: int
) -> None:
    response = token_request(emulator, **form)
    assert response.status_code == status
    body = response.json()
    assert body["error"] == error and body["error_codes"] == [aadsts]
    assert body["error_description"].startswith(f"AADSTS{aadsts}:")
    assert body["trace_id"] and body["correlation_id"] and body["timestamp"]


def test_configured_apps_get_their_roles() -> None:
    reader = AppRegistration("aaaaaaaa-0000-0000-0000-000000000001", "s3cret", roles=(READ,))
    with running_emulator(EmulatorConfig(apps=(reader,))) as handle:
        token = httpx.post(
            handle.token_url(),
            data={
                "grant_type": "client_credentials",
                "client_id": reader.client_id,
                "client_secret": "s3cret",
                "scope": "https://graph.microsoft.com/.default",
            },
        ).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        assert httpx.get(handle.graph_url() + IMPORTED, headers=headers).status_code == 200
        assert httpx.post(handle.graph_url() + IMPORTED, json={}, headers=headers).status_code == 403
        assert token_request(handle).json()["error"] == "unauthorized_client"


def tamper(token: str) -> str:
    header, _, signature = token.split(".")
    claims = jwt_claims(token)
    claims["roles"] = [WRITE, "Directory.ReadWrite.All"]
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{header}.{forged}.{signature}"


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "Bearer",
        "Bearer not-a-jwt",
        "Bearer a.b.c",
        "Basic dXNlcjpwYXNz",
        "tampered",
        "expired",
        "foreign",
    ],
)
def test_bad_tokens_are_401_invalid_authentication_token(emulator: EmulatorHandle, authorization: str | None) -> None:
    with running_emulator() as other:
        foreign = other.token()
    value = {
        "tampered": f"Bearer {tamper(emulator.token())}",
        "expired": f"Bearer {emulator.token(lifetime=-1)}",
        "foreign": f"Bearer {foreign}",
    }.get(authorization or "", authorization)
    headers = {"Authorization": value} if value else {}
    response = httpx.get(emulator.graph_url() + IMPORTED, headers=headers)
    assert_graph_error(response, 401, "InvalidAuthenticationToken")
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_expired_token_message_says_expired(emulator: EmulatorHandle) -> None:
    response = httpx.get(emulator.graph_url() + IMPORTED, headers=emulator.headers(lifetime=-1))
    assert "expired" in response.json()["error"]["message"]


def test_a_token_without_a_documented_permission_is_403(emulator: EmulatorHandle) -> None:
    for roles in ((), ("User.Read.All",), ("DeviceManagementServiceConfig.Read.All",)):
        response = httpx.post(emulator.graph_url() + IMPORTED, json={}, headers=emulator.headers(roles))
        assert_graph_error(response, 403, "Authorization_RequestDenied")


def test_read_all_reads_and_readwrite_all_satisfies_reads(emulator: EmulatorHandle) -> None:
    assert httpx.get(emulator.graph_url() + DEVICES, headers=emulator.headers([READ])).status_code == 200
    assert httpx.get(emulator.graph_url() + DEVICES, headers=emulator.headers([WRITE])).status_code == 200


def test_delegated_tokens_are_checked_against_delegated_permissions(emulator: EmulatorHandle) -> None:
    url = emulator.graph_url() + IMPORTED
    assert httpx.get(url, headers=emulator.headers(scopes=[READ])).status_code == 200
    assert httpx.post(url, json={}, headers=emulator.headers(scopes=[READ])).status_code == 403
    assert httpx.post(url, json={}, headers=emulator.headers(scopes=[WRITE])).status_code == 201


def test_state_is_per_tenant(emulator: EmulatorHandle) -> None:
    url = emulator.graph_url() + DEVICES
    httpx.post(url, json={"serialNumber": "SN-T1"}, headers=emulator.headers())
    other = emulator.headers(tenant="22222222-2222-2222-2222-222222222222")
    assert httpx.get(url, headers=other).json()["value"] == []
    assert len(httpx.get(url, headers=emulator.headers()).json()["value"]) == 1


# --------------------------------------------------------------------------- faults


def test_429_carries_a_fractional_retry_after_and_graphs_envelope(graph: httpx.Client) -> None:
    response = graph.get(f"/v1.0{IMPORTED}", headers={"x-emulator-fault": "429;retry-after=2.128"})
    error = assert_graph_error(response, 429, "TooManyRequests")
    assert response.headers["retry-after"] == "2.128"
    assert error["innerError"]["status"] == "429"
    integral = graph.get(f"/v1.0{IMPORTED}", headers={"x-emulator-fault": "429;retry-after=3"})
    assert integral.headers["retry-after"] == "3"


@pytest.mark.parametrize(("status", "code"), [(503, "serviceNotAvailable"), (504, "GatewayTimeout")])
def test_5xx_faults(graph: httpx.Client, status: int, code: str) -> None:
    assert_graph_error(graph.get(f"/v1.0{IMPORTED}", headers={"x-emulator-fault": str(status)}), status, code)


def test_latency_fault_delays_the_answer(graph: httpx.Client) -> None:
    started = time.monotonic()
    assert graph.get(f"/v1.0{IMPORTED}", headers={"x-emulator-fault": "latency=0.3"}).status_code == 200
    assert time.monotonic() - started >= 0.3


def test_drop_fault_closes_the_connection_without_an_answer(graph: httpx.Client) -> None:
    with pytest.raises(httpx.RemoteProtocolError):
        graph.get(f"/v1.0{IMPORTED}", headers={"x-emulator-fault": "drop"})
    assert graph.get(f"/v1.0{IMPORTED}").status_code == 200


def test_counted_fault_fails_the_first_requests_then_lets_them_through(graph: httpx.Client) -> None:
    fault = {"x-emulator-fault": "503;retry-after=0.5;count=2"}
    statuses = [graph.get(f"/v1.0{IMPORTED}", headers=fault).status_code for _ in range(4)]
    assert statuses == [503, 503, 200, 200]


def test_configured_faults_apply_without_a_header() -> None:
    config = EmulatorConfig(faults=(Fault.parse("429;retry-after=0.25;count=1;method=POST"),))
    with running_emulator(config) as handle, httpx.Client(base_url=handle.base_url, headers=handle.headers()) as c:
        assert c.get(f"/v1.0{IMPORTED}").status_code == 200
        first = c.post(f"/v1.0{IMPORTED}", json={})
        assert first.status_code == 429 and first.headers["retry-after"] == "0.25"
        assert c.post(f"/v1.0{IMPORTED}", json={}).status_code == 201


def test_an_unreadable_fault_header_is_400(graph: httpx.Client) -> None:
    assert_graph_error(graph.get(f"/v1.0{IMPORTED}", headers={"x-emulator-fault": "418"}), 400, "BadRequest")
    with pytest.raises(ValueError, match="latency"):
        Fault.parse("latency=soon")


# --------------------------------------------------------------------------- reset and recording


def test_reset_forgets_entities_and_received_requests(emulator: EmulatorHandle, graph: httpx.Client) -> None:
    graph.post(f"/v1.0{DEVICES}", json={"serialNumber": "SN-RESET"}, headers={"client-request-id": "rec-1"})
    [recorded] = [r for r in emulator.received if r.method == "POST"]
    assert recorded.path == f"/v1.0{DEVICES}"
    assert recorded.json() == {"serialNumber": "SN-RESET"}
    assert recorded.header("Client-Request-Id") == "rec-1"
    assert (recorded.header("authorization") or "").startswith("Bearer ")
    emulator.reset()
    assert emulator.received == ()
    assert graph.get(f"/v1.0{DEVICES}").json()["value"] == []


def test_admin_reset_route(emulator: EmulatorHandle, graph: httpx.Client) -> None:
    graph.post(f"/v1.0{DEVICES}", json={"serialNumber": "SN-ADMIN"})
    assert httpx.post(f"{emulator.base_url}/_emulator/reset", headers=emulator.admin_headers()).status_code == 204
    assert graph.get(f"/v1.0{DEVICES}").json()["value"] == []


# --------------------------------------------------------------------------- the CLI entry point


def test_cli_serves_until_sigterm_and_exits_cleanly() -> None:
    src = Path(__file__).resolve().parents[1] / "src"
    env = {**os.environ, "PYTHONPATH": str(src)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "graph_contracts.cli", "emulator"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        base_url = first.split(": ", 1)[1].strip()
        assert base_url.startswith("http://127.0.0.1:")
        lines = [proc.stdout.readline() for _ in range(8)]
        assert lines[-1].startswith("ready")
        # how to run the contract suite against this emulator, with its own URL
        assert f"--graph-endpoint emulator --graph-base-url {base_url}\n" in lines[-2]
        response = httpx.get(f"{base_url}/v1.0{IMPORTED}")
        assert response.status_code == 401
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
        assert "stopped" in proc.stdout.read()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_an_import_deleted_before_it_settles_registers_nothing(emulator: EmulatorHandle, graph: httpx.Client) -> None:
    [gone] = import_devices(graph, [device("SN-GONE")])
    [kept] = import_devices(graph, [device("SN-STAYS")])
    assert graph.delete(f"/v1.0{IMPORTED}/{gone['id']}").status_code == 204
    emulator.settle_imports()
    assert graph.get(f"/v1.0{IMPORTED}/{kept['id']}").json()["state"]["deviceImportStatus"] == "complete"
    assert [d["serialNumber"] for d in graph.get(f"/v1.0{DEVICES}").json()["value"]] == ["SN-STAYS"]

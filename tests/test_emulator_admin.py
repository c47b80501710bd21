"""The admin routes (``/_emulator/reset``, ``/_emulator/settle``): who may act on which tenant, over real HTTP.

An admin token acts on its own tenant; a name that is no tenant of the
emulator is a 404 (it used to mean "every tenant"); another tenant, or all of
them, needs an app named in ``EmulatorConfig.emulator_admins``. The body cap
holds here as on every route.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator

import httpx
import pytest

from graph_contracts.graph.emulator import (
    ADMIN_ROLE,
    DEFAULT_APP,
    DEFAULT_TENANT,
    EmulatorConfig,
    EmulatorHandle,
    running_emulator,
)
from graph_contracts.graph.emulator.tokens import tenant_id_for

DEVICES = "/deviceManagement/windowsAutopilotDeviceIdentities"
CONTOSO = "contoso.example.com"
FABRIKAM = "3f1c2d4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f"
MB = 1024 * 1024


@pytest.fixture(scope="module")
def running() -> Iterator[EmulatorHandle]:
    with running_emulator(EmulatorConfig(tenants=(CONTOSO, FABRIKAM))) as handle:
        yield handle


@pytest.fixture()
def emulator(running: EmulatorHandle) -> EmulatorHandle:
    running.reset()
    return running


def admin(emulator: EmulatorHandle, tenant: str | None = None) -> dict[str, str]:
    """An admin token of ``tenant`` (the default tenant when None), as the token endpoint issues it."""
    return {"Authorization": f"Bearer {emulator.token([ADMIN_ROLE], tenant=tenant)}"}


def seed(emulator: EmulatorHandle, *tenants: str) -> None:
    """One registered device in each tenant (beta: v1.0 refuses creating one, as the service does)."""
    for tenant in tenants:
        created = httpx.post(
            emulator.graph_url("beta") + DEVICES,
            json={"serialNumber": f"SN-{tenant[:8]}"},
            headers=emulator.headers(tenant=tenant),
        )
        assert created.status_code == 201, created.text


def devices(emulator: EmulatorHandle, tenant: str) -> int:
    listed = httpx.get(emulator.graph_url() + DEVICES, headers=emulator.headers(tenant=tenant))
    assert listed.status_code == 200
    return len(listed.json()["value"])


def assert_graph_error(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    request_id = response.headers["request-id"]
    error = response.json()["error"]
    assert error["code"] == code and error["message"]
    assert error["innerError"]["request-id"] == request_id


# --------------------------------------------------------------------------- an unknown tenant


@pytest.mark.parametrize("name", ["not a tenant", "", "nobody.example.com", "11111111-2222-4333-8444-555555555555"])
def test_a_reset_of_a_tenant_the_emulator_does_not_serve_is_404_and_wipes_nothing(
    emulator: EmulatorHandle, name: str
) -> None:
    seed(emulator, DEFAULT_TENANT, CONTOSO, FABRIKAM)
    logged = len(emulator.received)
    response = httpx.post(f"{emulator.base_url}/_emulator/reset", params={"tenant": name}, headers=admin(emulator))
    assert_graph_error(response, 404, "ResourceNotFound")
    assert repr(name)[1:-1] in response.json()["error"]["message"]
    assert [devices(emulator, t) for t in (DEFAULT_TENANT, CONTOSO, FABRIKAM)] == [1, 1, 1]
    assert len(emulator.received) > logged  # the request log was not cleared either


def test_settle_of_an_unknown_tenant_is_404(emulator: EmulatorHandle) -> None:
    response = httpx.post(f"{emulator.base_url}/_emulator/settle?tenant=not%20a%20tenant", headers=admin(emulator))
    assert_graph_error(response, 404, "ResourceNotFound")


# --------------------------------------------------------------------------- the admin role is per tenant


def test_an_admin_of_one_tenant_cannot_reset_another(emulator: EmulatorHandle) -> None:
    seed(emulator, CONTOSO, FABRIKAM)
    response = httpx.post(
        f"{emulator.base_url}/_emulator/reset", params={"tenant": FABRIKAM}, headers=admin(emulator, CONTOSO)
    )
    assert_graph_error(response, 403, "Authorization_RequestDenied")
    message = response.json()["error"]["message"]
    # what the client needs: the setting to change and the app to put in it; no flag of a CLI it may not use
    assert "emulator_admins" in message and f"app '{DEFAULT_APP.client_id}'" in message
    assert "--" not in message
    assert devices(emulator, FABRIKAM) == 1


def test_an_admin_resets_its_own_tenant_by_name_or_by_default_and_nothing_else(emulator: EmulatorHandle) -> None:
    seed(emulator, DEFAULT_TENANT, CONTOSO, FABRIKAM)
    named = httpx.post(
        f"{emulator.base_url}/_emulator/reset", params={"tenant": CONTOSO}, headers=admin(emulator, CONTOSO)
    )
    assert named.status_code == 204 and named.headers["request-id"]
    assert [devices(emulator, t) for t in (DEFAULT_TENANT, CONTOSO, FABRIKAM)] == [1, 0, 1]
    # Without ?tenant= a tenant's admin resets its own tenant, never every tenant.
    bare = httpx.post(f"{emulator.base_url}/_emulator/reset", headers=admin(emulator, FABRIKAM))
    assert bare.status_code == 204
    assert [devices(emulator, t) for t in (DEFAULT_TENANT, CONTOSO, FABRIKAM)] == [1, 0, 0]


def test_an_admin_of_one_tenant_cannot_settle_another() -> None:
    with running_emulator(EmulatorConfig(tenants=(CONTOSO,))) as emulator:
        response = httpx.post(
            f"{emulator.base_url}/_emulator/settle", params={"tenant": DEFAULT_TENANT}, headers=admin(emulator, CONTOSO)
        )
        assert_graph_error(response, 403, "Authorization_RequestDenied")


def test_an_emulator_wide_admin_resets_any_tenant_or_all_of_them() -> None:
    config = EmulatorConfig(tenants=(CONTOSO, FABRIKAM), emulator_admins=(DEFAULT_APP.client_id,))
    with running_emulator(config) as emulator:
        seed(emulator, DEFAULT_TENANT, CONTOSO, FABRIKAM)
        other = httpx.post(
            f"{emulator.base_url}/_emulator/reset", params={"tenant": FABRIKAM}, headers=admin(emulator, CONTOSO)
        )
        assert other.status_code == 204, other.text
        assert [devices(emulator, t) for t in (DEFAULT_TENANT, CONTOSO, FABRIKAM)] == [1, 1, 0]
        everything = httpx.post(f"{emulator.base_url}/_emulator/reset", headers=admin(emulator, CONTOSO))
        assert everything.status_code == 204
        # the request log went too: the reset itself is all it holds (it is logged once answered)
        assert [r.path for r in emulator.received] == ["/_emulator/reset"]
        assert emulator.snapshot(DEFAULT_TENANT) == {} and emulator.snapshot(CONTOSO) == {}


def test_an_emulator_wide_admin_is_an_app_not_a_role() -> None:
    """Another app with the admin role, in the same emulator, stays within its tenant."""
    other_app = "9d2b5c1e-0000-4000-8000-0000000000aa"
    config = EmulatorConfig(tenants=(CONTOSO,), emulator_admins=(DEFAULT_APP.client_id,))
    with running_emulator(config) as emulator:
        seed(emulator, DEFAULT_TENANT)
        token = emulator.emulator.mint_token(tenant=CONTOSO, roles=[ADMIN_ROLE], client_id=other_app)
        response = httpx.post(
            f"{emulator.base_url}/_emulator/reset",
            params={"tenant": DEFAULT_TENANT},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert_graph_error(response, 403, "Authorization_RequestDenied")
        assert devices(emulator, DEFAULT_TENANT) == 1


def test_a_tenant_named_by_domain_is_the_same_tenant_as_its_id(emulator: EmulatorHandle) -> None:
    seed(emulator, CONTOSO)
    tid = tenant_id_for(CONTOSO)
    assert tid is not None
    response = httpx.post(
        f"{emulator.base_url}/_emulator/reset", params={"tenant": tid}, headers=admin(emulator, CONTOSO)
    )
    assert response.status_code == 204
    assert devices(emulator, CONTOSO) == 0


# --------------------------------------------------------------------------- what every answer carries


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_another_method_on_an_admin_route_is_405_in_graphs_envelope(emulator: EmulatorHandle, method: str) -> None:
    response = httpx.request(method, f"{emulator.base_url}/_emulator/reset", headers=admin(emulator))
    assert_graph_error(response, 405, "MethodNotAllowed")
    assert response.headers["allow"] == "POST"


def test_admin_refusals_carry_request_id_headers(emulator: EmulatorHandle) -> None:
    response = httpx.post(f"{emulator.base_url}/_emulator/reset", headers={"client-request-id": "mine-1"})
    assert_graph_error(response, 401, "InvalidAuthenticationToken")
    assert response.headers["client-request-id"] == "mine-1"


# --------------------------------------------------------------------------- the body cap


def address(emulator: EmulatorHandle) -> tuple[str, int]:
    host, port = emulator.base_url.removeprefix("http://").rsplit(":", 1)
    return host, int(port)


def read_until_closed(sock: socket.socket, limit: float = 10) -> bytes:
    sock.settimeout(limit)
    received = b""
    try:
        while chunk := sock.recv(65536):
            received += chunk
    except (TimeoutError, ConnectionResetError):
        pass
    return received


@pytest.mark.parametrize("route", ["reset", "settle"])
def test_a_100_mb_post_to_an_admin_route_is_413_without_being_read(emulator: EmulatorHandle, route: str) -> None:
    seed(emulator, DEFAULT_TENANT)
    token = admin(emulator)["Authorization"]
    with socket.create_connection(address(emulator)) as sock:
        # Headers only: the answer must come without the 100 MB it was promised.
        sock.sendall(
            f"POST /_emulator/{route} HTTP/1.1\r\nHost: x\r\nAuthorization: {token}\r\n"
            f"Content-Length: {100 * MB}\r\n\r\n".encode()
        )
        answer = read_until_closed(sock)
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.split(b" ", 2)[1] == b"413", answer[:300]
    assert b'"code": "RequestEntityTooLarge"' in body and b"request-id:" in head.lower()
    assert devices(emulator, DEFAULT_TENANT) == 1  # refused, so nothing was reset


def test_a_chunked_body_past_the_cap_on_an_admin_route_is_413() -> None:
    from dataclasses import replace

    from graph_contracts.graph.emulator import Limits

    with running_emulator(EmulatorConfig(limits=replace(Limits(), max_body_bytes=1000))) as emulator:
        token = admin(emulator)["Authorization"]
        with socket.create_connection(address(emulator)) as sock:
            sock.sendall(
                f"POST /_emulator/reset HTTP/1.1\r\nHost: x\r\nAuthorization: {token}\r\n"
                "Transfer-Encoding: chunked\r\n\r\n".encode()
            )
            chunk = b"x" * 400
            for _ in range(3):
                sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            answer = read_until_closed(sock)
        assert answer.split(b" ", 2)[1] == b"413"

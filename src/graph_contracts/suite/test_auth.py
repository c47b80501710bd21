"""Authentication and authorization: 401 without a valid token, 403 without the documented permission."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from ..autopilot.catalog import AUTOPILOT_COLLECTION
from ..contracts import ContractSet, Operation, default_contracts
from ..graph.auth import StaticToken
from ..graph.client import GraphClient
from ..graph.endpoints import Endpoint
from .checks import auth
from .support import assert_refused, expected_refusal, item_path, op_id, operations

pytestmark = pytest.mark.graph_checks("auth")

#: One operation per verb and version is enough: authorization does not depend on the body.
PROBES = [o for verb in ("list", "create", "import") for o in operations(verb)]


def _call(client: GraphClient, op: Operation, headers: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    body: dict[str, object] | None = {} if op.has_request_body and op.verb != "import" else None
    if op.verb == "import":
        body = {AUTOPILOT_COLLECTION: []}
    return client.request(
        op.method, item_path(op, "00000000-0000-0000-0000-000000000000"), json=body, headers=headers, check=False
    )


@pytest.mark.parametrize("op", PROBES, ids=op_id)
def test_no_token_is_401_invalid_authentication_token(op: Operation, graph_endpoint: Endpoint) -> None:
    with GraphClient(graph_endpoint.base_url, None, version=op.version) as client:
        response = _call(client, op)
    auth(response, 401, "InvalidAuthenticationToken")


@pytest.mark.parametrize("op", PROBES, ids=op_id)
def test_malformed_token_is_401(op: Operation, graph_endpoint: Endpoint) -> None:
    with GraphClient(graph_endpoint.base_url, None, version=op.version) as client:
        response = _call(client, op, {"Authorization": "Bearer not-a-token"})
    auth(response, 401, "InvalidAuthenticationToken")


@pytest.mark.parametrize("op", PROBES, ids=op_id)
def test_token_without_the_permission_is_403(
    op: Operation, graph_endpoint: Endpoint, graph_client: Callable[..., GraphClient], pytestconfig: pytest.Config
) -> None:
    if graph_endpoint.token("none") is None:
        pytest.skip("this endpoint issues no token without the permission: set GRAPH_TOKEN_NO_PERMISSION")
    response = _call(graph_client(op.version, "none"), op)
    refusal = expected_refusal(op, pytestconfig)
    if refusal is not None:  # the service has no route for it: routing refuses before authorization
        assert_refused(response, refusal)
        return
    auth(response, 403, "Authorization_RequestDenied")


@pytest.mark.parametrize("op", [o for o in PROBES if o.writes], ids=op_id)
def test_read_permission_does_not_allow_a_write(
    op: Operation, graph_endpoint: Endpoint, graph_client: Callable[..., GraphClient], pytestconfig: pytest.Config
) -> None:
    if graph_endpoint.token("read") is None:
        pytest.skip("this endpoint issues no read-only token: set GRAPH_TOKEN_READ_ONLY")
    response = _call(graph_client(op.version, "read"), op)
    refusal = expected_refusal(op, pytestconfig)
    if refusal is not None:  # the service has no route for it: routing refuses before authorization
        assert_refused(response, refusal)
        return
    auth(response, 403, "Authorization_RequestDenied")


# -- the minimum, from Microsoft's permissions data (graph_contracts.permissions): every operation, both kinds

#: The emulator tenant of the minimum tests (no other test reads or writes it).
MINIMUM_TENANT = "7e1a57e0-0000-4000-8000-0000000e1a57"

MINIMUM_CASES = [
    (o, kind) for _, o in sorted(default_contracts().operations.items()) for kind in ("Application", "DelegatedWork")
]


def _minimum_token(graph_endpoint: Endpoint, kind: str, permissions: tuple[str, ...]) -> str:
    from ..graph.emulator import EmulatorHandle

    handle = getattr(graph_endpoint, "handle", None)
    if graph_endpoint.kind != "emulator" or not isinstance(handle, EmulatorHandle):
        pytest.skip("only the emulator mints a token holding exactly one chosen permission")
    # A tenant of these tests' own: an authorized create really creates, and must not show up in other tests' lists.
    if kind == "Application":
        return handle.token(permissions, tenant=MINIMUM_TENANT)
    return handle.token((), scopes=permissions, tenant=MINIMUM_TENANT)


def _least(op: Operation, kind: str, graph_contracts: ContractSet) -> str:
    from ..permissions import load_permission_data
    from ..permissions.needs import requirement

    need = requirement(
        graph_contracts, op, "Application" if kind == "Application" else "DelegatedWork", load_permission_data()
    )
    if need.least is None:
        pytest.skip(f"no {kind} permission allows {op.id} ({need.source})")
    return need.least


@pytest.mark.parametrize(("op", "kind"), MINIMUM_CASES, ids=lambda v: op_id(v) if isinstance(v, Operation) else v)
def test_token_with_exactly_the_least_permission_is_authorized(
    op: Operation, kind: str, graph_endpoint: Endpoint, graph_contracts: ContractSet, pytestconfig: pytest.Config
) -> None:
    least = _least(op, kind, graph_contracts)
    token = _minimum_token(graph_endpoint, kind, (least,))
    with GraphClient(graph_endpoint.base_url, StaticToken(token), version=op.version) as client:
        response = _call(client, op)
    refusal = expected_refusal(op, pytestconfig)
    if refusal is not None:  # the service has no route for it: routing refuses before authorization
        assert_refused(response, refusal)
        return
    assert response.status_code not in (401, 403), f"{least} alone was refused: {response.text[:300]}"


@pytest.mark.parametrize(("op", "kind"), MINIMUM_CASES, ids=lambda v: op_id(v) if isinstance(v, Operation) else v)
def test_token_without_the_permission_one_step_down_is_403(
    op: Operation, kind: str, graph_endpoint: Endpoint, graph_contracts: ContractSet, pytestconfig: pytest.Config
) -> None:
    from ..permissions.needs import next_permission_down

    least = _least(op, kind, graph_contracts)
    below = next_permission_down(least)
    token = _minimum_token(graph_endpoint, kind, (below,) if below else ())
    with GraphClient(graph_endpoint.base_url, StaticToken(token), version=op.version) as client:
        response = _call(client, op)
    refusal = expected_refusal(op, pytestconfig)
    if refusal is not None:
        assert_refused(response, refusal)
        return
    auth(response, 403, "Authorization_RequestDenied")

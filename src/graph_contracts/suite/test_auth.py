"""Authentication and authorization: 401 without a valid token, 403 without the documented permission."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from ..autopilot.catalog import AUTOPILOT_COLLECTION
from ..contracts import Operation
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

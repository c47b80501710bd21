"""The suite's schemathesis calls share one keep-alive connection per test (``suite.support.http_session``).

The speed-up of ``graph-contracts run`` rests on schemathesis honouring the
session it is given: with a fresh session per case every call opened its own
TCP connection to the emulator.
"""

from __future__ import annotations

import json
from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings

from graph_contracts.graph.endpoints import open_endpoint
from graph_contracts.resources import schemas_dir
from graph_contracts.suite.support import http_session


def _connections(session: Any) -> int:
    """TCP connections the session's pools opened so far."""
    pools = session.get_adapter("http://").poolmanager.pools
    # urllib3's pool container refuses plain iteration: keys() is its way
    return sum(pools[key].num_connections for key in pools.keys())  # noqa: SIM118


def test_cases_sent_through_the_session_share_one_connection_and_no_cookies_or_headers_carry_over() -> None:
    document = json.loads((schemas_dir() / "v1.0" / "openapi.json").read_text(encoding="utf-8"))
    path = "/deviceManagement/windowsAutopilotDeviceIdentities"
    operation = schemathesis.openapi.from_dict(document)[path]["GET"]
    statuses: list[int] = []
    with open_endpoint("emulator") as endpoint, http_session(endpoint) as session:
        assert dict(session.headers) == {} and not session.trust_env
        headers = {"Authorization": f"Bearer {endpoint.token('write')}"}

        @given(case=operation.as_strategy())
        @settings(max_examples=5, database=None, deadline=None, suppress_health_check=list(HealthCheck))
        def run(case: Any) -> None:
            response = case.call(base_url=f"{endpoint.base_url}/v1.0", headers=headers, session=session)
            statuses.append(response.status_code)
            assert not session.cookies

        run()
        assert len(statuses) >= 5
        assert _connections(session) == 1, statuses

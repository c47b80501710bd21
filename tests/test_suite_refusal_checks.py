"""The suite's schemathesis checks let the service's known refusal pass, looked up once per response."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from graph_contracts.contracts import ServiceRefusal
from graph_contracts.suite import support

PATH = "/deviceManagement/windowsAutopilotDeviceIdentities"


def _response(status: int, code: str) -> Any:
    url = f"http://127.0.0.1:1/v1.0{PATH}?%24select=id"
    return SimpleNamespace(request=SimpleNamespace(url=url), status_code=status, json=lambda: {"error": {"code": code}})


def test_the_refusal_is_looked_up_once_per_response_and_each_check_still_decides(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    looked_up: list[str] = []
    original = support.query_refusal

    def counted(version: str, method: str, path: str, query: Any, *, as_documented: bool = False) -> Any:
        looked_up.append(version)
        return original(version, method, path, query, as_documented=as_documented)

    monkeypatch.setattr(support, "query_refusal", counted)
    ran: list[int] = []
    checks = support.unless_refused([lambda ctx, response, case, n=n: ran.append(n) for n in range(4)])
    case = SimpleNamespace(method="GET", operation=SimpleNamespace(path=PATH), query={"$select": "id"})
    refused = _response(500, "InternalServerError")  # the service's answer to $select on this list
    for check in checks:
        check(None, refused, case)
    assert (looked_up, ran) == (["v1.0"], [])  # one look-up; every check let the known refusal pass
    other = _response(500, "somethingElse")  # the same status with another code is not the refusal
    for check in checks:
        check(None, other, case)
    assert (looked_up, ran) == (["v1.0", "v1.0"], [0, 1, 2, 3])
    assert isinstance(original("v1.0", "GET", PATH, {"$select": "id"}), ServiceRefusal)

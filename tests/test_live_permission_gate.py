"""Live mode asks first: a token without what the selected tests need is refused in one line, before any request.

The "tenant" is a loopback server that records every request it receives; the
token is a hand-made JWT (decoded locally, never verified, so no signature is
needed). The control run shows the server does see requests once the gate lets
a run through.
"""

from __future__ import annotations

import base64
import json
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from loopback import serve
from suite_runs import run_suite

READ = "DeviceManagementServiceConfig.Read.All"
WRITE = "DeviceManagementServiceConfig.ReadWrite.All"


def _jwt(roles: list[str]) -> str:
    def part(value: object) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    now = int(time.time())
    claims = {"aud": "https://graph.microsoft.com", "tid": "t", "exp": now + 3600, "roles": roles}
    return f"{part({'alg': 'RS256', 'typ': 'JWT'})}.{part(claims)}.c2ln"


@pytest.fixture
def tenant() -> Iterator[tuple[str, list[str]]]:
    seen: list[str] = []

    async def record(request: Request) -> JSONResponse:
        seen.append(f"{request.method} {request.url.path}")
        return JSONResponse({"error": {"code": "NotFound", "message": "loopback"}}, status_code=404)

    app = Starlette(routes=[Route("/{path:path}", record, methods=["GET", "POST", "PATCH", "DELETE"])])
    with serve(app) as url:
        yield url, seen


def _run_suite(url: str, token: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The suite against the fake tenant at ``url`` as a live tenant, with ``token`` (stops at the first failure)."""
    live = ("--graph-endpoint", "live", "--graph-base-url", url, "--graph-no-report", "-x")
    return run_suite(*live, *args, env={"GRAPH_TOKEN": token}, cwd=tmp_path, timeout=300)


def test_a_token_without_the_write_permission_is_refused_before_any_request(
    tenant: tuple[str, list[str]], tmp_path: Path
):
    url, seen = tenant
    result = _run_suite(url, _jwt([READ]), tmp_path, "--graph-allow-writes", "-k", "import")
    output = result.stdout + result.stderr
    assert result.returncode == pytest.ExitCode.USAGE_ERROR, output[-3000:]
    assert seen == []
    assert f"lacks {WRITE}" in output
    assert (
        "az ad app permission add --id <app-id> --api 00000003-0000-0000-c000-000000000000 "
        "--api-permissions 5ac13192-7ace-4fcf-b828-1a26f28068ee=Role" in output
    )
    assert "Traceback" not in output and len(output.strip().splitlines()) <= 2


def test_a_read_only_run_with_the_read_permission_goes_ahead(tenant: tuple[str, list[str]], tmp_path: Path):
    url, seen = tenant
    result = _run_suite(url, _jwt([READ]), tmp_path, "-k", "test_list_and_get and v1.0")
    assert "lacks" not in result.stdout + result.stderr
    assert seen, (result.stdout + result.stderr)[-2000:]  # the gate let it through: requests reached the server

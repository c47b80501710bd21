"""The contract suite's checks are registered by name, and the report names the check that failed from the failure.

The report used to guess: it mapped test-name prefixes to checks and, for a
test standing for status and shape, scanned the traceback for a line starting
with ">" that mentioned ``status_code``. A test under another name, or an
assertion written differently, landed in the wrong column or in none.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import httpx
import pytest

from graph_contracts import CheckFailed, GraphContractsError
from graph_contracts.suite import checks, report


class _Group(Exception):
    """An exception group as hypothesis raises one (``ExceptionGroup`` is built in from Python 3.11 only)."""

    def __init__(self, *inner: BaseException) -> None:
        super().__init__("group")
        self.exceptions = inner


def _response(status: int, body: object, request_id: str = "r-1") -> httpx.Response:
    request = httpx.Request("POST", "https://graph.example/v1.0/deviceManagement/things")
    return httpx.Response(status, json=body, headers={"request-id": request_id}, request=request)


def test_every_report_column_is_a_registered_check_and_no_check_is_outside_the_report() -> None:
    assert set(checks.CHECKS) == set(report.CHECKS)


def test_a_failing_check_raises_check_failed_with_its_name_and_fields() -> None:
    with pytest.raises(CheckFailed) as raised:
        checks.status(_response(200, {"id": "x"}), 201)
    failure = raised.value
    assert (failure.check, failure.expected, failure.got) == ("status", 201, 200)
    assert "POST /v1.0/deviceManagement/things" in failure.what
    assert isinstance(failure, AssertionError) and isinstance(failure, GraphContractsError)
    with pytest.raises(CheckFailed) as raised:
        checks.auth(_response(401, {"error": {"code": "Other", "message": "m"}}), 401, "InvalidAuthenticationToken")
    assert raised.value.check == "auth"
    assert raised.value.problems == ("error code 'Other', expected 'InvalidAuthenticationToken'",)


def test_passing_checks_raise_nothing() -> None:
    envelope = {"error": {"code": "InvalidAuthenticationToken", "message": "m"}}
    checks.status(_response(201, {"id": "x"}), (200, 201))
    checks.auth(_response(401, envelope), 401, "InvalidAuthenticationToken")
    checks.negative(_response(400, {"error": {"code": "BadRequest", "message": "m"}}), "a rule")
    checks.lifecycle("state", "pending", one_of=("pending", "complete"))
    checks.shape("body", [])


def test_the_failed_check_is_found_inside_an_exception_group() -> None:
    group = _Group(ValueError("x"), CheckFailed("shape", "body", problems=("p",)))
    assert checks.failed_check(group) == "shape"
    assert checks.failed_check(ValueError("x")) is None


def test_schemathesis_failures_become_openapi_problems() -> None:
    from schemathesis.core.failures import Failure, FailureGroup

    one = Failure(operation="GET /x", title="Undocumented status code", message="Received: 500")
    two = Failure(operation="GET /x", title="Response violates schema", message="'id' is a required property")

    def single() -> None:
        raise one

    def grouped() -> None:
        raise _Group(FailureGroup([one, two]), two)

    def other() -> None:
        raise KeyError("not a finding")

    assert checks.schemathesis_problems(lambda: None) == []
    assert checks.schemathesis_problems(single) == ["Undocumented status code: Received: 500"]
    assert checks.schemathesis_problems(grouped) == [
        "Undocumented status code: Received: 500",
        "Response violates schema: 'id' is a required property",
        "Response violates schema: 'id' is a required property",
    ]
    with pytest.raises(KeyError):
        checks.schemathesis_problems(other)
    with pytest.raises(CheckFailed) as raised:
        checks.openapi("GET /x", checks.schemathesis_problems(single))
    assert raised.value.check == "openapi"


def test_calls_are_noted_for_the_running_test() -> None:
    with checks.noting() as ran:
        checks.shape("a", [])
        checks.lifecycle("b", 1, 1)
        checks.shape("c", [])
    assert ran == ["shape", "lifecycle"]


MODULE = """
import httpx
import pytest

from graph_contracts.suite.checks import lifecycle, shape, status

OP = pytest.mark.parametrize(("version", "method", "path"), [("v1.0", "GET", "/made/up")])


def _ok() -> httpx.Response:
    return httpx.Response(200, json={}, request=httpx.Request("GET", "https://x.example/made/up"))


@pytest.mark.graph_checks("status", "shape")
@OP
def test_declared_status_and_shape_where_shape_fails(version, method, path):
    status(_ok(), 200)
    shape("the body", ["/id: not a GUID"])


@OP
def test_named_like_nothing_the_report_knows(version, method, path):
    lifecycle("the import status", "pending", "complete")


@OP
def test_another_unknown_name_that_passes(version, method, path):
    status(_ok(), 200)
"""


def test_the_report_names_the_failing_check_whatever_the_test_is_called(tmp_path: Path) -> None:
    (tmp_path / "test_made_up.py").write_text(textwrap.dedent(MODULE), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly", "test_made_up.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    table = done.stdout.split("contract report", 1)[1].split("short test summary", 1)[0]
    failed = sorted(line for line in table.splitlines() if line.startswith("FAILED "))
    assert len(failed) == 2, table
    assert failed[0].startswith("FAILED v1.0 GET /made/up [lifecycle] test_named_like_nothing_the_report_knows")
    assert failed[0].endswith(": lifecycle: the import status: expected 'complete', got 'pending'")
    assert failed[1].startswith("FAILED v1.0 GET /made/up [shape] test_declared_status_and_shape_where_shape_fails")
    assert failed[1].endswith(": shape: the body: /id: not a GUID")
    lines = table.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("operation "))
    header, row = lines[start], lines[start + 2]
    cells = {name: row[header.index(name) :].split("  ")[0].strip() for name in report.CHECKS}
    # status passed in the test that declares none; shape and lifecycle failed, each under its own name
    assert row.startswith("v1.0 GET /made/up"), table
    assert cells == {
        "status": "ok 1",
        "shape": "FAIL 1/1",
        "negative": "-",
        "auth": "-",
        "lifecycle": "FAIL 1/1",
        "examples": "-",
        "openapi": "-",
    }, table

"""``--graph-version`` selects the suite's tests when they are collected, every kind of test alike.

Before, only tests parametrized by an operation were dropped: the OpenAPI,
stateful and refused-route tests of the other version were collected and
skipped at run time (45 beta tests under ``--graph-version v1.0``).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest


def _collected(version: str, cwd: Path) -> list[str]:
    command = [
        sys.executable,
        "-m",
        "pytest",
        "--pyargs",
        "graph_contracts.suite",
        "--collect-only",
        "-q",
        "-p",
        "no:cacheprovider",
        "-p",
        "no:randomly",
        "--graph-version",
        version,
    ]
    result = subprocess.run(command, capture_output=True, text=True, cwd=cwd, timeout=300)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    return [line for line in result.stdout.splitlines() if "::" in line]


@pytest.mark.parametrize(("chosen", "other"), [("v1.0", "beta"), ("beta", "v1.0")])
def test_a_version_collects_no_test_of_the_other(chosen: str, other: str, tmp_path: Path) -> None:
    ids = _collected(chosen, tmp_path)
    assert ids, "nothing collected"
    assert [i for i in ids if f"[{other}-" in i or f"-{other}]" in i or f"[{other}]" in i] == []
    # every kind of suite test is still there for the chosen version
    for name in (
        "test_endpoint_conforms_to_the_openapi_document",
        "test_stateful_chains_follow_the_openapi_links",
        "test_refused_routes_answer_as_the_service_does",
        "test_valid_bodies_are_created_as_documented",
    ):
        assert any(f"::{name}[" in i for i in ids), name

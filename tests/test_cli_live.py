"""Live mode as a newcomer meets it: credentials checked once, before any test."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest


def _azure_identity_installed() -> bool:
    return importlib.util.find_spec("azure") is not None and importlib.util.find_spec("azure.identity") is not None


needs_no_azure_identity = pytest.mark.skipif(
    _azure_identity_installed(),
    reason="optional azure-identity is installed: its default credential chain would be tried instead",
)


def _without_credentials() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(("GRAPH_", "AZURE_"))}


@needs_no_azure_identity
def test_run_live_without_credentials_prints_one_message_and_exits_2(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "graph_contracts.cli", "run", "--graph-endpoint", "live"],
        capture_output=True,
        text=True,
        env=_without_credentials(),
        cwd=tmp_path,
        timeout=300,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 2, output[-3000:]
    assert "Traceback" not in output and "error at setup" not in output
    assert output.count("no Graph credentials found") == 1
    assert "GRAPH_TOKEN" in output
    assert len(output.splitlines()) < 10


@needs_no_azure_identity
def test_pytest_live_without_credentials_stops_before_collecting(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--pyargs",
            "graph_contracts.suite",
            "--graph-endpoint",
            "live",
            "-q",
            "-p",
            "no:cacheprovider",
        ],
        capture_output=True,
        text=True,
        env=_without_credentials(),
        cwd=tmp_path,
        timeout=300,
    )
    output = result.stdout + result.stderr
    assert result.returncode == pytest.ExitCode.USAGE_ERROR, output[-3000:]
    assert output.count("no Graph credentials found") == 1
    assert "Traceback" not in output and len(output.strip().splitlines()) <= 2

"""The contract suite run as a user runs it, in a fresh process: ``pytest --pyargs graph_contracts.suite``
or ``graph-contracts run``.

Shared by the tests that run the suite end to end (``test_suite_endpoints``,
``test_suite_robustness``, ``test_mainjob_workers``, ``test_run_durations``): the
same command lines and the same clean environment (no ``GRAPH_*`` or ``AZURE_*``
variable of the machine leaks into a run).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

from graph_contracts.graph.emulator import EmulatorHandle

#: The suite, quiet, with no cache and in its own order (pytest-randomly off).
SUITE = (
    sys.executable,
    "-m",
    "pytest",
    "--pyargs",
    "graph_contracts.suite",
    "-q",
    "-p",
    "no:cacheprovider",
    "-p",
    "no:randomly",
)


def clean_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """This process's environment less ``GRAPH_*`` and ``AZURE_*``, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GRAPH_", "AZURE_"))}
    env.update(extra or {})
    return env


def run_suite(
    *args: str, env: Mapping[str, str] | None = None, cwd: Path | None = None, timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    """The suite with ``args`` in ``cwd``, in this process's environment less ``GRAPH_*``/``AZURE_*``, plus ``env``."""
    return subprocess.run([*SUITE, *args], capture_output=True, text=True, env=clean_env(env), cwd=cwd, timeout=timeout)


def run_live_suite(
    tenant: EmulatorHandle, *args: str, cwd: Path, timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    """The suite against ``tenant`` (an emulator) as a live tenant, with one of its tokens in ``GRAPH_TOKEN``."""
    return run_suite(
        "--graph-endpoint",
        "live",
        "--graph-base-url",
        tenant.base_url,
        *args,
        env={"GRAPH_TOKEN": tenant.token()},
        cwd=cwd,
        timeout=timeout,
    )


def run_main_job(
    *args: str, cwd: Path, hypothesis: Path, env: Mapping[str, str] | None = None, timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    """``graph-contracts run --graph-version v1.0 ARGS`` in ``cwd``, hypothesis' examples kept under ``hypothesis``."""
    return subprocess.run(
        [sys.executable, "-m", "graph_contracts.cli", "run", "--graph-version", "v1.0", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=clean_env({**(env or {}), "HYPOTHESIS_STORAGE_DIRECTORY": str(hypothesis)}),
        timeout=timeout,
    )

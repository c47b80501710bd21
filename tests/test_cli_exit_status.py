"""Exit statuses are the CLI's: the library returns what it found, ``cli`` turns it into a status."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph_contracts.mainjob import SuiteCommand, run_suite
from graph_contracts.sdk import Verdict


def test_every_sdk_verdict_has_its_own_exit_status() -> None:
    from graph_contracts.cli.sdk import exit_status

    assert {v: exit_status(v) for v in Verdict} == {Verdict.PASS: 0, Verdict.BREAK: 1, Verdict.NOT_GATED: 2}


def test_the_suite_run_returns_pytests_status_and_run_says_2_for_a_usage_error(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from graph_contracts.cli.run import exit_status

    monkeypatch.setenv("HYPOTHESIS_STORAGE_DIRECTORY", str(tmp_path))  # run_suite sets it when unset

    # pytest's own usage error (an option it does not know), before any test is collected
    status = run_suite(SuiteCommand(("--no-such-option", "-p", "no:cacheprovider"), 0))
    assert status == pytest.ExitCode.USAGE_ERROR  # the library passes pytest's status through
    assert "--no-such-option" in capsys.readouterr().err
    assert [exit_status(s) for s in (status, 0, 1, 5)] == [2, 0, 1, 5]

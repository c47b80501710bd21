"""Messages that say which setting to change: the library names the setting, the CLI the flag.

For each such message, the library's text and structured field (``errors.Setting`` in ``words``,
``ConfigurationError.setting``) name the setting and no flag, and the command line prints the flag
the user typed (``cli/flags.py``'s ``FLAGS``).
"""

from __future__ import annotations

import json
import re
import sys
from concurrent.futures import Executor, Future
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

import pytest

from graph_contracts.cli import main
from graph_contracts.cli.flags import FLAGS, error_text
from graph_contracts.cli.parser import build_parser
from graph_contracts.errors import ConfigurationError, InputFileError, Setting
from graph_contracts.sdk.baseline import load_baseline
from graph_contracts.validation import Run, check_file, resolve_target
from test_cli_boundary import parser_flags

#: A ``--flag`` anywhere in a text.
FLAG = re.compile(r"(?<![\w-])--[a-z]")


def no_flag(text: str) -> bool:
    return FLAG.search(text) is None


def test_every_flag_of_the_table_is_a_flag_of_the_parser() -> None:
    assert set(FLAGS.values()) <= parser_flags(build_parser())


# --------------------------------------------------------------------------- validate: @odata.type


@pytest.fixture
def unknown_type(tmp_path: Path) -> Path:
    path = tmp_path / "odd.json"
    path.write_text(json.dumps({"@odata.type": "#microsoft.graph.noSuchType"}), encoding="utf-8")
    return path


def test_an_unknown_odata_type_names_the_type_setting(unknown_type: Path) -> None:
    [result] = check_file(unknown_type)
    [issue] = result.issues
    assert issue.code == "odata-type" and Setting("type") in issue.words
    assert issue.message.endswith("names no type with a contract in v1.0; name one with type")
    assert no_flag(issue.message) and no_flag(str(issue))


@pytest.mark.parametrize("fmt", ["text", "json", "github", "junit"])
def test_validate_says_the_type_flag(unknown_type: Path, fmt: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--format", fmt, str(unknown_type)]) == 1
    assert "name one with --type" in capsys.readouterr().out


def test_words_left_behind_by_a_new_message_are_not_said() -> None:
    from dataclasses import replace

    from graph_contracts.cli.flags import issue_message
    from graph_contracts.issues import Issue

    words = ("x; name one with ", Setting("type"))
    issue = Issue("/", "odata-type", "x; name one with type", words=words)
    assert issue_message(issue) == "x; name one with --type"
    assert issue_message(replace(issue, message="another message")) == "another message"


# --------------------------------------------------------------------------- validate --jobs: a worker died


class DeadWorkers(Executor):
    """A process pool whose workers have died (the kernel's OOM killer): every part's future fails."""

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()
        future.set_exception(BrokenProcessPool("A process in the process pool was terminated abruptly"))
        return future


@pytest.fixture
def big_csv(tmp_path: Path) -> Path:
    """20 devices: cut into parts of 1500 bytes, they go to the workers."""
    from graph_contracts.autopilot import build_hardware_hash, encode_hardware_hash

    lines = ["Device Serial Number,Windows Product ID,Hardware Hash,Group Tag"]
    for n in range(20):
        serial = f"PW{n:05d}"
        lines.append(f"{serial},,{encode_hardware_hash(build_hardware_hash(serial=serial, manufacturer='C'))},Sales")
    path = tmp_path / "big.csv"
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    return path


def test_a_dead_worker_names_the_jobs_setting(big_csv: Path) -> None:
    run = Run()
    run.use_processes(DeadWorkers(), 2, part_bytes=1500)
    with pytest.raises(InputFileError) as caught:
        list(run.check_file(str(big_csv)))
    assert Setting("jobs") in caught.value.words
    assert caught.value.detail.endswith("try again without jobs")
    assert no_flag(str(caught.value))


def test_validate_says_the_jobs_flag(
    big_csv: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import concurrent.futures

    import graph_contracts.validation.files

    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", lambda jobs: DeadWorkers())
    monkeypatch.setattr(graph_contracts.validation.files, "PART_BYTES", 1500)  # a small file is cut
    assert main(["validate", "--jobs", "2", str(big_csv)]) == 2
    err = capsys.readouterr().err
    assert f"cannot read {big_csv}: a worker process stopped unexpectedly" in err
    assert err.rstrip().endswith("try again without --jobs")


# --------------------------------------------------------------------------- sdk-check: an old baseline


@pytest.fixture
def old_baseline(tmp_path: Path) -> Path:
    path = tmp_path / "old.yaml"
    path.write_text("findings:\n- {sdk: a, operation: b, check: c, code: d, reason: r, link: l}\n", encoding="utf-8")
    return path


def test_an_old_baseline_names_the_write_baseline_setting(old_baseline: Path) -> None:
    with pytest.raises(InputFileError) as caught:
        load_baseline(old_baseline)
    assert Setting("write_baseline") in caught.value.words
    assert "rewrite it with write_baseline and copy the reasons over" in str(caught.value)
    assert no_flag(str(caught.value))


def test_sdk_check_says_the_write_baseline_flag(
    old_baseline: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["sdk-check", "--traffic", str(tmp_path / "none.har"), "--baseline", str(old_baseline)]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert f"graph-contracts: error: {old_baseline}:2: findings[0]: an entry of the old format" in err
    assert "rewrite it with --write-baseline and copy the reasons over" in err


# --------------------------------------------------------------------------- validate --type/--operation


@pytest.mark.parametrize(
    ("type_name", "operation", "setting", "text"),
    [
        ("importedDeviceIdentity", None, "type", "it exists in beta (add version beta)"),
        ("windowsAutopilotDeviceIdentiy", None, "type", "did you mean 'windowsAutopilotDeviceIdentity'?"),
        (None, "create", "operation", "give the full name, or type"),
        (
            "windowsAutopilotDeviceIdentity",
            "importedWindowsAutopilotDeviceIdentity.import",
            "operation",
            "is not an operation of type 'windowsAutopilotDeviceIdentity'",
        ),
        (None, "upload", "operation", "'upload' is not an operation in v1.0"),
    ],
)
def test_the_target_is_resolved_by_the_library_naming_settings(
    type_name: str | None, operation: str | None, setting: str, text: str
) -> None:
    with pytest.raises(ConfigurationError) as caught:
        resolve_target(type_name, operation, "v1.0")
    assert caught.value.setting == setting
    assert text in str(caught.value) and no_flag(str(caught.value))


def test_the_target_error_is_said_with_flags() -> None:
    with pytest.raises(ConfigurationError) as caught:
        resolve_target("importedDeviceIdentity", None, "v1.0")
    assert error_text(caught.value).startswith("--type: 'importedDeviceIdentity' is not a type in v1.0; ")
    assert "it exists in beta (add --graph-version beta); the types are: " in error_text(caught.value)


def test_the_target_resolves_short_names() -> None:
    assert resolve_target(None, "import", "v1.0") == (None, "importedWindowsAutopilotDeviceIdentity.import")
    assert resolve_target("windowsAutopilotDeviceIdentity", "create", "v1.0") == (
        None,
        "windowsAutopilotDeviceIdentity.create",
    )


# --------------------------------------------------------------------------- sdk-check --compare


def test_the_compare_child_gates_without_the_command_line(tmp_path: Path) -> None:
    """``sdk-check --compare`` gates each release in a child process through the library, not through
    the command line: a failure comes back as the child's message, naming the setting."""
    import subprocess

    from graph_contracts.sdk.compare import GATE_CHILD

    out = tmp_path / "findings.yaml"
    done = subprocess.run(
        [sys.executable, "-c", GATE_CHILD, "msgraph", "0", str(out)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 1 and not out.exists()
    assert done.stderr.strip() == "examples: must be at least 1, not 0"


def test_an_error_naming_a_setting_crosses_a_process_boundary_intact() -> None:
    import pickle

    error = InputFileError("big.csv", ("stopped; try again without ", Setting("jobs")), 3)
    back = pickle.loads(pickle.dumps(error))
    assert (back.words, back.detail, back.line, str(back)) == (error.words, error.detail, 3, str(error))
    assert error_text(back) == "big.csv:3: stopped; try again without --jobs"
    plain = pickle.loads(pickle.dumps(InputFileError("a.json", "not JSON", 1, 2)))
    assert (plain.words, str(plain)) == (("not JSON",), "a.json:1:2: not JSON")

"""Library errors name the setting; the CLI says the flag, from one table (``cli.FLAGS``).

``cleanup``, ``graph.endpoints`` and ``sdk.compare`` used to put ``--tag``,
``--graph-endpoint`` and ``--compare`` into their errors, though a program
calling them has no flags. What the CLI prints is unchanged.
"""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from graph_contracts.cleanup import check_tag
from graph_contracts.cli import FLAGS, error_text, main
from graph_contracts.errors import CompareError, ConfigurationError
from graph_contracts.graph.endpoints import open_endpoint
from graph_contracts.sdk.compare import distribution_of
from graph_contracts.validation import csv_to_payloads


def _raised(call: object, *args: object) -> ConfigurationError:
    with pytest.raises(ConfigurationError) as caught:
        call(*args)  # type: ignore[operator]
    return caught.value


def test_library_errors_name_the_setting_not_the_flag(tmp_path: Path) -> None:
    assert _raised(check_tag, "gc").setting == "tag"
    endpoint = _raised(lambda: open_endpoint("nowhere").__enter__())
    assert (endpoint.setting, endpoint.choices) == ("endpoint", ("emulator", "replay", "live"))
    compare = _raised(distribution_of, "requests==2.0")
    assert isinstance(compare, CompareError) and compare.setting == "compare"
    batch = _raised(lambda: csv_to_payloads(tmp_path / "none.csv", tmp_path, batch_size=0))
    assert batch.setting == "batch_size" and isinstance(batch, ValueError)
    for error in (endpoint, compare, batch):
        assert "--" not in str(error).split(":", 1)[0]


def test_no_emulator_at_the_base_url_names_the_setting() -> None:
    """The suite's option is ``--graph-base-url``, a program's argument ``base_url``: the error says the latter."""
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    error = _raised(lambda: open_endpoint("emulator", base_url=f"http://127.0.0.1:{port}").__enter__())
    assert error.setting == "base_url" and "no graph-contracts emulator answers" in error.detail


def test_the_cli_says_the_flag_from_one_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert error_text(ConfigurationError("endpoint", "unknown endpoint 'x'", ("emulator", "live"))) == (
        "--graph-endpoint: unknown endpoint 'x' (valid: emulator, live)"
    )
    assert error_text(ConfigurationError("sdk", "unknown SDK 'x'")) == "sdk: unknown SDK 'x'"  # not in the table
    assert set(FLAGS) >= {"tag", "endpoint", "compare", "batch_size"}
    assert main(["cleanup", "--tag", "gc", "--base-url", "http://127.0.0.1:9"]) == 2
    assert "--tag: the run tag is too short" in capsys.readouterr().err


def test_sdk_check_settings_are_said_as_their_flags(capsys: pytest.CaptureFixture[str]) -> None:
    """``graph_contracts.sdk`` names ``examples``, ``junitxml``, ``shard`` ...; ``sdk-check`` says the flag."""
    for setting in ("examples", "junitxml", "write_baseline", "compare", "matrix", "shard", "last"):
        flag = "--" + setting.replace("_", "-")
        assert error_text(ConfigurationError(setting, "x")) == f"{flag}: x"
    assert main(["sdk-check", "--matrix", "msgraph-sdk==1.65.0", "--shard", "4/3"]) == 2
    assert "--shard: '4/3' is not I/N" in capsys.readouterr().err

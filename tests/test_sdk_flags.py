"""``sdk-check`` flags that could switch the gate off, or fail after a minute's run: each is refused up front.

None of these needs an SDK: every refusal comes before an SDK is imported, so they run in the default suite.
A test names a traffic file that does not exist where the gate would otherwise run, so that a refusal
that stopped working would show as the wrong error instead of a minute-long gate run.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from graph_contracts.cli import main
from graph_contracts.errors import ConfigurationError
from graph_contracts.sdk import run_gate

COMPARE = ["sdk-check", "--compare", "msgraph-beta-sdk==1.65.0", "msgraph-beta-sdk==1.66.0"]


def one_error_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if not line.startswith((" ", "usage:"))]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


@pytest.mark.parametrize("value", ["0", "-5"])
def test_examples_below_1_are_refused(value: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["sdk-check", "--sdk", "msgraph", "--examples", value])
    assert caught.value.code == 2
    assert f"--examples: must be at least 1, not {value}" in one_error_line(capsys)


def test_the_python_api_refuses_examples_below_1_too() -> None:
    with pytest.raises(ConfigurationError, match="must be at least 1") as caught:
        run_gate("msgraph", None, 0, traffic=["missing.har"])
    assert caught.value.setting == "examples"  # the library names the setting; the CLI says --examples


@pytest.mark.parametrize("setting", ["junitxml", "write_baseline"])
def test_the_python_api_names_the_output_setting_not_the_flag(setting: str, tmp_path: Path) -> None:
    paths = {"junitxml": None, "write_baseline": None, setting: str(tmp_path)}
    with pytest.raises(ConfigurationError, match="is a folder; name a file") as caught:
        run_gate("msgraph", paths["junitxml"], 1, write_baseline=paths["write_baseline"], traffic=["missing.har"])
    assert caught.value.setting == setting


@pytest.mark.parametrize(
    ("extra", "flag"),
    [
        (["--junitxml", "sdk.xml"], "--junitxml"),
        (["--baseline", "b.yaml"], "--baseline"),
        (["--write-baseline", "b.yaml"], "--write-baseline"),
        (["--strict-baseline"], "--strict-baseline"),
        (["--traffic", "x.har"], "--traffic"),
    ],
)
def test_compare_refuses_the_options_it_would_not_apply(
    extra: list[str], flag: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*COMPARE, *extra]) == 2  # refused before any environment is made
    line = one_error_line(capsys)
    assert f"--compare: does not apply {flag}" in line


def test_a_junitxml_in_a_missing_folder_is_refused_before_the_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "no-such-dir" / "x.xml"
    assert main(["sdk-check", "--traffic", str(tmp_path / "missing.har"), "--junitxml", str(target)]) == 2
    line = one_error_line(capsys)
    assert "--junitxml: the folder" in line and "does not exist" in line
    assert not target.parent.exists()


def test_a_write_baseline_naming_a_folder_is_refused_before_the_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["sdk-check", "--traffic", str(tmp_path / "missing.har"), "--write-baseline", str(tmp_path)]) == 2
    assert f"--write-baseline: {tmp_path} is a folder; name a file" in one_error_line(capsys)


def har(path: Path, urls: list[str]) -> Path:
    entries = [
        {
            "startedDateTime": "2026-01-01T00:00:00.000Z",
            "time": 5,
            "request": {
                "method": "GET",
                "url": url,
                "httpVersion": "HTTP/1.1",
                "headers": [],
                "queryString": [],
                "cookies": [],
                "headersSize": -1,
                "bodySize": 0,
            },
            "response": {
                "status": 200,
                "statusText": "OK",
                "httpVersion": "HTTP/1.1",
                "headers": [{"name": "Content-Type", "value": "application/json"}],
                "cookies": [],
                "content": {"size": 2, "mimeType": "application/json", "text": "{}"},
                "redirectURL": "",
                "headersSize": -1,
                "bodySize": 2,
            },
            "cache": {},
            "timings": {"send": 0, "wait": 5, "receive": 0},
        }
        for url in urls
    ]
    path.write_text(
        json.dumps({"log": {"version": "1.2", "creator": {"name": "t", "version": "1"}, "entries": entries}}),
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize(
    ("urls", "what"),
    [
        ([], "nothing to check: no requests"),
        (["https://example.com/x"], "nothing to check: 1 request, none of them a contract operation"),
        (
            ["https://graph.microsoft.com/v1.0/me", "https://example.com/x"],
            "nothing to check: 2 requests, none of them a contract operation",
        ),
    ],
)
def test_traffic_with_nothing_to_check_exits_2(
    tmp_path: Path, urls: list[str], what: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = har(tmp_path / "t.har", urls)
    assert main(["sdk-check", "--traffic", str(path)]) == 2
    line = one_error_line(capsys)
    assert str(path) in line and what in line

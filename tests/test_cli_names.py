"""The command line's names: ``--version`` for the package, ``--graph-version`` for the Graph API everywhere."""

from __future__ import annotations

from importlib.metadata import version
from pathlib import Path

import pytest

from graph_contracts.cli import build_parser, main


def test_top_level_version_prints_the_package_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["--version"])
    assert stopped.value.code == 0
    assert capsys.readouterr().out.strip() == f"graph-contracts {version('graph-contracts')}"


@pytest.fixture
def empty_record(tmp_path: Path) -> Path:
    path = tmp_path / "record.json"
    path.write_text("{}", encoding="utf-8")
    return path


def test_validate_takes_the_graph_version_under_its_one_name(
    empty_record: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # importedDeviceIdentity exists in beta only, so the option visibly changes what is checked
    assert main(["validate", "--type", "importedDeviceIdentity", "--graph-version", "beta", str(empty_record)]) == 0
    assert main(["validate", "--type", "importedDeviceIdentity", "--graph-version", "v1.0", str(empty_record)]) == 2
    assert "note:" not in capsys.readouterr().err


def test_the_old_spelling_still_works_with_a_notice(empty_record: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--type", "importedDeviceIdentity", "--version", "beta", str(empty_record)]) == 0
    err = capsys.readouterr().err
    assert err.count("--version is now spelt --graph-version") == 1


@pytest.mark.parametrize(
    "argv",
    [["validate", "x.json"], ["csv", "to-payload", "x.csv"], ["cleanup", "--tag", "gc-12345678"], ["run"]],
)
def test_every_command_names_the_graph_version_the_way_the_pytest_plugin_does(argv: list[str]) -> None:
    args = build_parser().parse_args([*argv, "--graph-version", "beta"])
    assert args.graph_version == "beta"

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


def _usage_error(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    assert main(["validate", *argv]) == 2
    err = capsys.readouterr().err
    assert "schema" not in err and ".json" not in err  # no internal paths
    return err


def test_an_unknown_type_lists_the_valid_names(empty_record: Path, capsys: pytest.CaptureFixture[str]) -> None:
    err = _usage_error(capsys, "--type", "nosuchType", str(empty_record))
    assert "'nosuchType' is not a type in v1.0" in err
    assert "importedWindowsAutopilotDeviceIdentity, importedWindowsAutopilotDeviceIdentityState" in err


def test_a_misspelt_type_gets_the_closest_name(empty_record: Path, capsys: pytest.CaptureFixture[str]) -> None:
    err = _usage_error(capsys, "--type", "windowsAutopilotDeviceIdentiy", str(empty_record))
    assert "did you mean 'windowsAutopilotDeviceIdentity'?" in err


def test_a_beta_only_type_says_which_version_has_it(empty_record: Path, capsys: pytest.CaptureFixture[str]) -> None:
    err = _usage_error(capsys, "--type", "importedDeviceIdentity", str(empty_record))
    assert "it exists in beta (add --graph-version beta)" in err


def test_an_unambiguous_short_operation_name_is_accepted(
    empty_record: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # a body without devices fails the import action's schema only if the short name reached it
    assert main(["validate", "--operation", "import", str(empty_record)]) in (0, 1)
    assert "error:" not in capsys.readouterr().err


def test_an_ambiguous_short_operation_lists_the_candidates(
    empty_record: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    err = _usage_error(capsys, "--operation", "create", str(empty_record))
    assert "'create' is ambiguous in v1.0" in err
    assert "importedWindowsAutopilotDeviceIdentity.create, windowsAutopilotDeviceIdentity.create" in err


def test_a_short_operation_with_its_type_is_accepted(empty_record: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["validate", "--type", "windowsAutopilotDeviceIdentity", "--operation", "create", str(empty_record)])
    assert code in (0, 1) and "error:" not in capsys.readouterr().err


def test_an_unknown_operation_lists_the_operations(empty_record: Path, capsys: pytest.CaptureFixture[str]) -> None:
    err = _usage_error(capsys, "--operation", "upload", str(empty_record))
    assert "'upload' is not an operation in v1.0" in err
    assert "importedWindowsAutopilotDeviceIdentity.import" in err

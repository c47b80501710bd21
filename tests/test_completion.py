"""Shell completion: each script is run by its real shell, and completes what the parser accepts."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from graph_contracts.cli import build_parser, main
from graph_contracts.cli.completion import command_tree, completion_script


def _shell(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        pytest.skip(f"{name} is not installed here; its script is still generated and checked on machines with it")
    return found


def _script(tmp_path: Path, shell: str, capsys: pytest.CaptureFixture[str]) -> Path:
    assert main(["completion", shell]) == 0
    path = tmp_path / f"completion.{shell}"
    path.write_text(capsys.readouterr().out, encoding="utf-8")
    return path


BASH_HARNESS = """
source "$1"; shift
COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); COMPREPLY=()
_graph_contracts
printf '%s\\n' "${COMPREPLY[@]}"
"""

ZSH_HARNESS = """
compdef() { : }
_describe() { print -rl -- "${(@)${(P)4}%%:*}" }
compadd() { shift; print -rl -- "$@" }
_files() { print -r -- '<files>' }
source "$1"; shift
words=("$@"); CURRENT=${#words}
_graph_contracts
"""


def _bash(script: Path, *words: str) -> list[str]:
    result = subprocess.run(
        [_shell("bash"), "-c", BASH_HARNESS, "bash", str(script), "graph-contracts", *words],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return result.stdout.split()


def _zsh(script: Path, *words: str) -> list[str]:
    result = subprocess.run(
        [_shell("zsh"), "-f", "-c", ZSH_HARNESS, "zsh", str(script), "graph-contracts", *words],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return result.stdout.split()


def _fish(script: Path, *words: str) -> list[str]:
    line = " ".join(["graph-contracts", *words])
    result = subprocess.run(
        [_shell("fish"), "--no-config", "-c", f"source {script}; complete -C '{line}'"],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return [row.split("\t")[0] for row in result.stdout.splitlines()]


COMPLETER = {"bash": _bash, "zsh": _zsh, "fish": _fish}


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_commands_complete_at_the_top(shell: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    script = _script(tmp_path, shell, capsys)
    assert {"validate", "cleanup", "csv", "hash", "run", "completion"} <= set(COMPLETER[shell](script, ""))


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_option_choices_and_nested_commands_complete(
    shell: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    script = _script(tmp_path, shell, capsys)
    complete = COMPLETER[shell]
    assert sorted(complete(script, "validate", "--graph-version", "")) == ["beta", "v1.0"]
    assert complete(script, "csv", "") == ["to-payload"]
    assert {"--batch-size", "--graph-version", "--out"} <= set(complete(script, "csv", "to-payload", "--"))
    assert sorted(complete(script, "completion", "")) == ["bash", "fish", "zsh"]


def test_bash_leaves_file_arguments_to_the_shell(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    script = _script(tmp_path, "bash", capsys)
    assert _bash(script, "validate", "") == []  # `complete -o default` then offers file names
    assert "complete -o default -F _graph_contracts graph-contracts" in script.read_text(encoding="utf-8")


def test_zsh_completes_file_arguments_with_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    script = _script(tmp_path, "zsh", capsys)
    assert _zsh(script, "validate", "") == ["<files>"]


def test_old_spellings_are_parsed_but_not_offered() -> None:
    validate = next(c for c in command_tree(build_parser()) if c.path == ("validate",))
    flags = {f for option in validate.options for f in option.flags}
    assert "--graph-version" in flags and "--version" not in flags


def test_a_new_command_in_the_parser_reaches_the_scripts(tmp_path: Path) -> None:
    import argparse

    parser = argparse.ArgumentParser(prog="graph-contracts")
    sub = parser.add_subparsers()
    sub.add_parser("frobnicate", help="it's new").add_argument("--colour", choices=("red", "green"))
    for shell in ("bash", "zsh", "fish"):
        assert "frobnicate" in completion_script(parser, shell)
    script = tmp_path / "tiny.bash"
    script.write_text(completion_script(parser, "bash"), encoding="utf-8")
    assert _bash(script, "") == ["frobnicate"]
    assert _bash(script, "frobnicate", "--colour", "") == ["red", "green"]

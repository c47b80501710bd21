"""Colour for people, plain text for programs: the terminal module and the CLI on a real pseudo-terminal."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

import pytest

from graph_contracts.cli.terminal import Terminal, wants_colour

pty = pytest.importorskip("pty", reason="pseudo-terminals exist on POSIX only")

ESC = "\x1b["


@contextmanager
def pseudo_terminal() -> Iterator[tuple[TextIO, int]]:
    """A text stream on the slave side of a new pty, and the master fd to read what was written."""
    master, slave = pty.openpty()
    stream = open(slave, "w", encoding="utf-8", closefd=True)  # noqa: SIM115 - closed below
    try:
        yield stream, master
    finally:
        stream.close()
        os.close(master)


def test_a_pipe_or_file_gets_plain_text() -> None:
    out = Terminal(io.StringIO())
    assert not out.colour
    assert out.paint("error:", "error") == "error:"


def test_a_terminal_gets_colour_unless_no_color_is_set() -> None:
    with pseudo_terminal() as (stream, _):
        assert wants_colour(stream, {})
        assert not wants_colour(stream, {"NO_COLOR": "1"})
        assert wants_colour(stream, {"NO_COLOR": ""})  # no-color.org: only a non-empty value counts
        assert not wants_colour(stream, {"TERM": "dumb"})
        assert Terminal(stream, colour=True).paint("ok", "ok") == f"{ESC}32mok{ESC}0m"


def test_force_color_colours_even_a_pipe() -> None:
    assert wants_colour(io.StringIO(), {"FORCE_COLOR": "1"})


def _cli_stderr_on_a_pty(env: dict[str, str]) -> str:
    master, slave = pty.openpty()
    try:
        subprocess.run(
            [sys.executable, "-m", "graph_contracts.cli", "cleanup", "--tag", "gc"],
            stdout=subprocess.DEVNULL,
            stderr=slave,
            env=env,
            timeout=60,
            check=False,
        )
        os.close(slave)
        chunks = []
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError:  # EIO: the other side is closed and drained
                break
            if not chunk:
                break
            chunks.append(chunk)
        return b"".join(chunks).decode()
    finally:
        os.close(master)


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "TERM")}
    return {**env, "TERM": "xterm", **extra}


def test_the_cli_colours_its_error_label_on_a_terminal() -> None:
    text = _cli_stderr_on_a_pty(_env())
    assert f"graph-contracts: {ESC}1;31merror:{ESC}0m --tag" in text


def test_the_cli_honours_no_color_on_a_terminal() -> None:
    text = _cli_stderr_on_a_pty(_env(NO_COLOR="1"))
    assert "graph-contracts: error: --tag" in text and ESC not in text


def test_the_cli_is_plain_when_piped() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "graph_contracts.cli", "cleanup", "--tag", "gc"],
        capture_output=True,
        text=True,
        env=_env(),
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.startswith("graph-contracts: error: --tag") and ESC not in result.stderr

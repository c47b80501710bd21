"""What the command line writes to a terminal: colour when a person reads it, plain text when a program does.

Colour follows the conventions tools share (https://no-color.org): none when
the stream is not a terminal (a pipe, a file, CI logs), none when
``NO_COLOR`` is set to anything, none for ``TERM=dumb``; ``FORCE_COLOR``
turns it on regardless, for CI systems that render ANSI. Styles are a
table of SGR codes, so plain output is byte-for-byte the text itself.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from typing import Literal, TextIO

Style = Literal["error", "warning", "ok", "note", "strong", "dim"]

#: ANSI SGR parameters per style; the reset is always ``0``.
STYLES: dict[Style, str] = {
    "error": "1;31",
    "warning": "33",
    "ok": "32",
    "note": "36",
    "strong": "1",
    "dim": "2",
}


def wants_colour(stream: TextIO, environ: Mapping[str, str] | None = None) -> bool:
    """True when ``stream`` is a terminal and nothing in the environment asks for plain text."""
    env = os.environ if environ is None else environ
    if env.get("NO_COLOR"):
        return False
    if env.get("FORCE_COLOR"):
        return True
    if env.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:  # a closed stream
        return False


class Terminal:
    """One output stream and whether it gets colour; ``paint`` is a no-op on plain streams."""

    def __init__(self, stream: TextIO, *, colour: bool | None = None) -> None:
        self.stream = stream
        self.colour = wants_colour(stream) if colour is None else colour

    def paint(self, text: str, style: Style) -> str:
        """``text`` in ``style`` when this stream shows colour, else ``text`` unchanged."""
        if not self.colour or not text:
            return text
        return f"\x1b[{STYLES[style]}m{text}\x1b[0m"

    def line(self, text: str = "", style: Style | None = None) -> None:
        """Write one line, painted whole when ``style`` is given."""
        self.stream.write((self.paint(text, style) if style else text) + "\n")

    @property
    def interactive(self) -> bool:
        """True when a person is probably watching (the stream is a terminal): worth a progress display."""
        isatty = getattr(self.stream, "isatty", None)
        try:
            return bool(isatty and isatty())
        except ValueError:
            return False


def stdout() -> Terminal:
    """The terminal for results (looked up at call time, so tests capturing ``sys.stdout`` see the output)."""
    return Terminal(sys.stdout)


def stderr() -> Terminal:
    """The terminal for errors, notes and progress."""
    return Terminal(sys.stderr)


#: The label of a stderr line and its style: failures and notices look the same in every command.
LABELS: dict[str, Style] = {"error": "error", "warning": "warning", "note": "note"}


def error_line(program: str, message: str, *, label: str = "error") -> None:
    """``program: error: message`` on stderr, the label painted: the CLI's one shape for failures and notes."""
    err = stderr()
    err.line(f"{program}: {err.paint(label + ':', LABELS.get(label, 'error'))} {message}")

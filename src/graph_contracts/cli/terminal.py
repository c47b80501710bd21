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
import time
from collections.abc import Callable, Mapping
from typing import Literal, TextIO

# The CLI's name for the library's one plural rule (the reporters import it from here).
from ..wording import counted as counted

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


class Progress:
    """One self-redrawing line on a terminal: a moving bar, the rows done and rows per second.

    It is redrawn only when ``advance`` is called (at most ``per_second``
    times a second), never from a thread, so report lines written between two
    updates cannot interleave with it: call ``clear`` before writing one. On a
    stream that is not a terminal it does nothing at all. ``after`` seconds
    pass before it first shows, so short inputs never see it.
    """

    WIDTH = 20

    def __init__(
        self,
        term: Terminal,
        *,
        unit: str = "rows",
        after: float = 0.5,
        per_second: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.term = term
        self.unit = unit
        self.enabled = term.interactive
        self._clock = clock
        self._started = clock()
        self._after = after
        self._interval = 1.0 / per_second
        self._drawn_at = 0.0
        self._shown = False
        self.done = 0
        self.label = ""

    def advance(self, count: int = 1, label: str | None = None) -> None:
        """Count ``count`` more rows (and name what is being read); redraw when it is time."""
        self.done += count
        if label is not None:
            self.label = label
        if not self.enabled:
            return
        now = self._clock()
        if now - self._started < self._after or now - self._drawn_at < self._interval:
            return
        self._drawn_at = now
        self.term.stream.write("\r" + self.line(now) + "\x1b[K")
        self.term.stream.flush()
        self._shown = True

    def line(self, now: float | None = None) -> str:
        """The text of the progress line (without the carriage return)."""
        elapsed = max((self._clock() if now is None else now) - self._started, 1e-9)
        rate = self.done / elapsed
        position = int(elapsed * 8) % (2 * self.WIDTH - 8)
        start = position if position < self.WIDTH - 4 else 2 * self.WIDTH - 8 - position
        bar = " " * start + "####" + " " * (self.WIDTH - 4 - start)
        label = f"{self.label} " if self.label else ""
        return f"{label}[{self.term.paint(bar, 'note')}] {self.done:,} {self.unit}, {rate:,.0f} {self.unit}/s"

    def clear(self) -> None:
        """Erase the line, so the next output starts on a clean line."""
        if self._shown:
            self.term.stream.write("\r\x1b[K")
            self.term.stream.flush()
            self._shown = False

"""``Issue``: one thing wrong with a payload, as data a program can act on.

Codes are stable and documented in README.md ("Issue codes"); messages are for
people and may change. ``pointer`` is an RFC 6901 JSON pointer into the payload.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from .errors import Words

Severity = Literal["error", "warning"]

#: The longest bad value quoted in a message before it is shortened.
MAX_QUOTED = 60


@dataclass(frozen=True)
class Location:
    """Where a payload came from: a file and, for CSV, a row (1-based, header is row 1) and column."""

    file: str
    row: int | None = None
    column: str | None = None
    line: int | None = None

    def __str__(self) -> str:
        parts = [self.file]
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.line is not None:
            parts.append(f"line {self.line}")
        if self.column:
            parts.append(f"column {self.column!r}")
        return ", ".join(parts)


@dataclass(frozen=True)
class Issue:
    """A problem found in a payload.

    ``intune_outcome`` is set by the Autopilot rules when the facts say what
    Intune will do with such a record, e.g. ``"806 ZtdDeviceAlreadyAssigned"``
    or ``"ZtdDeviceDuplicated"`` (no numeric code is documented for that one).
    ``words``: the message as ``errors.Words`` when it names a setting to change
    (``Setting("type")``: name the type), so the CLI can say the setting's flag;
    empty otherwise. ``message`` says the same with the setting's own name.
    """

    pointer: str
    code: str
    message: str
    severity: Severity = "error"
    location: Location | None = None
    intune_outcome: str | None = None
    words: Words = field(default=(), compare=False, repr=False)

    def __str__(self) -> str:
        where = f"{self.location}: " if self.location else ""
        ptr = self.pointer or "/"
        outcome = f" [Intune: {self.intune_outcome}]" if self.intune_outcome else ""
        return f"{where}{ptr}: {self.severity} {self.code}: {self.message}{outcome}"


#: What a spreadsheet reads as the start of a formula in a cell (OWASP, "CSV Injection").
FORMULA_STARTS = frozenset("=+-@")
#: After '+', '-' or '@', what makes the value a formula rather than a signed number or a word: a
#: function call '(' (@SUM(1+1), -HYPERLINK(...)), a DDE call '|' (cmd|' /C calc'!A0) or a sheet or
#: DDE reference '!'.
_FORMULA_BODY = re.compile(r"[(|!]")


def is_formula(value: object) -> bool:
    """True for a string a spreadsheet would run as a formula: '=' and anything after it, or '+', '-' or
    '@' followed by a function call, a DDE call or a reference (``_FORMULA_BODY``).

    Precise on purpose: '-123', '+44', '@Home' or '-ABC-1' are a number or text to Excel, and a serial
    or group tag may look like that; '=cmd|' /C calc'!A0' and '@SUM(1+1)' are formulas. (Excel
    computes '+1+1' too, but runs nothing: it is not flagged.)
    """
    if type(value) is not str or value[:1] not in FORMULA_STARTS:
        return False
    return len(value) > 1 if value[0] == "=" else _FORMULA_BODY.search(value) is not None


def formula_safe(value: str) -> str:
    """``value`` escaped as OWASP recommends when it is a formula (``is_formula``): a single quote before
    it, so a spreadsheet shows it as text."""
    return "'" + value if is_formula(value) else value


def quote(value: object) -> str:
    """Render a bad value for a message, shortened so a 4000-character hash stays readable.

    A formula (``is_formula``) is shown escaped (``formula_safe``): reports are opened in spreadsheets
    too, and this is the one place a value enters a message.
    """
    text = repr(formula_safe(value) if type(value) is str else value)
    if len(text) > MAX_QUOTED:
        text = text[: MAX_QUOTED - 15] + f"... ({len(str(value))} chars)"
    return text


def pointer_join(base: str, *tokens: str | int) -> str:
    """Append tokens to an RFC 6901 pointer, escaping ``~`` and ``/``."""
    out = base
    for token in tokens:
        out += "/" + str(token).replace("~", "~0").replace("/", "~1")
    return out

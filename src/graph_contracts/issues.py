"""``Issue``: one thing wrong with a payload, as data a program can act on.

Codes are stable and documented in README.md ("Issue codes"); messages are for
people and may change. ``pointer`` is an RFC 6901 JSON pointer into the payload.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

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
    """

    pointer: str
    code: str
    message: str
    severity: Severity = "error"
    location: Location | None = None
    intune_outcome: str | None = None

    def __str__(self) -> str:
        where = f"{self.location}: " if self.location else ""
        ptr = self.pointer or "/"
        outcome = f" [Intune: {self.intune_outcome}]" if self.intune_outcome else ""
        return f"{where}{ptr}: {self.severity} {self.code}: {self.message}{outcome}"


def quote(value: object) -> str:
    """Render a bad value for a message, shortened so a 4000-character hash stays readable."""
    text = repr(value)
    if len(text) > MAX_QUOTED:
        text = text[: MAX_QUOTED - 15] + f"... ({len(str(value))} chars)"
    return text


def pointer_join(base: str, *tokens: str | int) -> str:
    """Append tokens to an RFC 6901 pointer, escaping ``~`` and ``/``."""
    out = base
    for token in tokens:
        out += "/" + str(token).replace("~", "~0").replace("/", "~1")
    return out

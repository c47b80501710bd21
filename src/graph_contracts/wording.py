"""Counts in words, written once for the library's messages and the command line's reports.

A scan's summary, an SDK gate's findings and the CLI's totals all say "1 file",
"2 files"; one function keeps them saying it the same way. It sits at the bottom
of the library and imports nothing, so any module may use it; the CLI's
``cli.terminal.counted`` is this function.
"""

from __future__ import annotations

__all__ = ["counted"]


def counted(n: int, noun: str) -> str:
    """``n`` and the noun, plural unless ``n`` is 1: ``counted(2, "error")`` is ``"2 errors"``.

    Plural by an added ``s``: every noun our messages count takes it.
    """
    return f"{n} {noun}{'s' * (n != 1)}"

"""The argparse ``type=`` functions: a value the user typed, checked, or ``ArgumentTypeError`` (exit 2)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from ..errors import ConfigurationError

if TYPE_CHECKING:
    from ..graph.emulator import Fault


def _number(text: str, low: int, high: int | None, range_text: str) -> int:
    """A whole number from ``low`` to ``high`` (no upper bound when None), or argparse's usage error."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, not {text!r}") from None
    if value < low or (high is not None and value > high):
        raise argparse.ArgumentTypeError(f"{range_text}, not {value}")
    return value


def positive(text: str) -> int:
    """argparse type: a whole number, 1 or more."""
    return _number(text, 1, None, "must be at least 1")


def batch_size(text: str) -> int:
    """argparse type: 1..500, the most devices one import may carry."""
    from ..autopilot.rules import BATCH_LIMIT

    return _number(text, 1, BATCH_LIMIT, f"must be between 1 and {BATCH_LIMIT}")


def fault(text: str) -> Fault:
    from ..graph.emulator import Fault

    try:
        return Fault.parse(text)
    except ConfigurationError as exc:
        raise argparse.ArgumentTypeError(exc.detail) from None


def port(text: str) -> int:
    """argparse type: a TCP port, 0 (any free one) to 65535."""
    value = whole(text)
    if value > 65535:
        raise argparse.ArgumentTypeError(f"{value} is not a port (0 to 65535)")
    return value


def whole(text: str) -> int:
    """argparse type: a whole number, 0 or more."""
    return _number(text, 0, None, "must be 0 or more")


def _seconds(text: str, low: float, high: float, range_text: str, *, low_included: bool) -> float:
    """A finite number of seconds in the range, or argparse's usage error."""
    import math

    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, not {text!r}") from None
    if not math.isfinite(value) or value > high or value < low or (value == low and not low_included):
        raise argparse.ArgumentTypeError(f"{range_text}, not {text!r}")
    return value


def seconds(text: str) -> float:
    """argparse type: a finite number of seconds, 0 or more."""
    return _seconds(text, 0.0, float("inf"), "must be a finite number of seconds, 0 or more", low_included=True)


def endpoint_choice(text: str) -> str:
    """``emulator``, ``live`` or a Graph base URL (http or https)."""
    if text in ("emulator", "live") or text.startswith(("http://", "https://")):
        return text
    raise argparse.ArgumentTypeError(f"expected emulator, live or an http(s) URL, not {text!r}")


def wait_seconds(text: str) -> float:
    """argparse type: more than 0 and at most an hour (a request's timeout, a throttling budget)."""
    return _seconds(text, 0.0, 3600.0, "must be more than 0 and at most 3600 seconds", low_included=False)

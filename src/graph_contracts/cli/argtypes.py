"""The argparse ``type=`` functions: a value the user typed, checked, or ``ArgumentTypeError`` (exit 2)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from ..errors import ConfigurationError

if TYPE_CHECKING:
    from ..graph.emulator import Fault


def positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, not {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def batch_size(text: str) -> int:
    """argparse type: 1..500, the most devices one import may carry."""
    from ..autopilot.rules import BATCH_LIMIT

    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 1 <= value <= BATCH_LIMIT:
        raise argparse.ArgumentTypeError(f"{value} is not between 1 and {BATCH_LIMIT}")
    return value


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
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, not {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, not {value}")
    return value


def seconds(text: str) -> float:
    """argparse type: a finite number of seconds, 0 or more."""
    import math

    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, not {text!r}") from None
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"must be a finite number of seconds, 0 or more, not {text!r}")
    return value


def endpoint_choice(text: str) -> str:
    """``emulator``, ``live`` or a Graph base URL (http or https)."""
    if text in ("emulator", "live") or text.startswith(("http://", "https://")):
        return text
    raise argparse.ArgumentTypeError(f"expected emulator, live or an http(s) URL, not {text!r}")


def wait_seconds(text: str) -> float:
    """argparse type: more than 0 and at most an hour (a request's timeout, a throttling budget)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected seconds, not {text!r}") from None
    if not 0 < value <= 3600:
        raise argparse.ArgumentTypeError(f"must be more than 0 and at most 3600 seconds, not {text}")
    return value

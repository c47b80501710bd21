"""The words a validator is built with: profiles, directions, and the Autopilot type and collection.

Two profiles. ``contract`` checks what the documented contract says and
nothing more (the emulator and the contract suite use it). ``upload`` adds the
Autopilot rules, predicting what Intune will reject after the upload; it is
the CLI's default, because that is the question an admin is asking.
"""

from __future__ import annotations

from typing import Literal

from ..autopilot.catalog import AUTOPILOT_COLLECTION as AUTOPILOT_COLLECTION  # the Autopilot import's body
from ..autopilot.catalog import AUTOPILOT_TYPE as AUTOPILOT_TYPE  # the type the Autopilot rules apply to
from ..errors import InvalidArgumentError
from ..patterns import Direction as Direction  # one definition, beside def_name that takes it

Profile = Literal["contract", "upload"]
PROFILES: tuple[Profile, ...] = ("contract", "upload")
DIRECTIONS: tuple[Direction, ...] = ("request", "response")


def check_choice(argument: str, value: object, choices: tuple[str, ...]) -> None:
    """Refuse a value outside ``choices``, spelled exactly (``"Response"`` is not ``"response"``): a
    misspelt direction used to select the request schema without a word."""
    if not isinstance(value, str) or value not in choices:
        raise InvalidArgumentError(argument, f"{value!r} is not a {argument}", choices)

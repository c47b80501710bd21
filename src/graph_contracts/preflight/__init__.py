"""``graph-contracts preflight``: will an Autopilot file import into this tenant? Answered read-only.

- ``access``  the token, checked before any request (missing, expired, lacking the read permission)
- ``tenant``  the registered devices and imported identities, read once and paged, kept as digests
- ``check``   the validator's offline checks, then one verdict per device (``preflight``)
- ``model``   the verdicts and the result, as data
- ``output``  text, JSON, CSV (formula-safe) and JUnit renderings

The library prints nothing and writes nothing to Graph: it sends GET requests
only. The CLI (``graph_contracts.cli``) is the thin layer that prints.
"""

from __future__ import annotations

from .access import Access, AccessError, check_token
from .check import preflight, read_devices
from .model import VERDICTS, Device, DeviceVerdict, PreflightResult

__all__ = [
    "VERDICTS",
    "Access",
    "AccessError",
    "Device",
    "DeviceVerdict",
    "PreflightResult",
    "check_token",
    "preflight",
    "read_devices",
]

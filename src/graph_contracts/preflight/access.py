"""Whether a token can run preflight, decided before any request: present, not expired, the read permission.

Graph's access tokens are JWTs whose claims a client can read (not verify):
``exp``, and ``roles`` (an app) or ``scp`` (a user). Preflight reads them so
that a missing, expired or insufficient token is one line and exit 2 before
anything is sent. A token whose claims cannot be read (not a JWT) is let
through: the first answer (401/403) then says it, still before any device is judged.
"""

from __future__ import annotations

import base64
import json
import time
from dataclasses import dataclass
from typing import Any

from ..errors import AccessError as AccessError

#: What preflight needs: either grants reading the Autopilot collections (graph-facts 2.2).
AUTOPILOT_READ = ("DeviceManagementServiceConfig.Read.All", "DeviceManagementServiceConfig.ReadWrite.All")
#: Permissions that let an app or user read other users (Graph's "Get user" page), least privileged first.
USER_READ = (
    "User.ReadBasic.All",
    "User.Read.All",
    "User.ReadWrite.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
)


@dataclass(frozen=True)
class Access:
    """What a token may do, as far as its claims say: ``may_read_users`` is None when they say nothing."""

    may_read_users: bool | None
    permissions: frozenset[str] | None


def claims(token: str) -> dict[str, Any] | None:
    """The payload of a JWT, unverified, or None when the token is not one."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        payload = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (ValueError, UnicodeDecodeError):
        return None
    return payload if isinstance(payload, dict) else None


def check_token(token: str | None, *, now: float | None = None) -> Access:
    """The token's ``Access``, or ``AccessError`` when it is missing, expired or lacks the read permission."""
    if not token or not token.strip():
        raise AccessError(
            "missing",
            "no access token: set GRAPH_TOKEN, or AZURE_TENANT_ID, AZURE_CLIENT_ID and "
            "AZURE_CLIENT_SECRET (preflight needs DeviceManagementServiceConfig.Read.All)",
        )
    found = claims(token.strip())
    if found is None:
        return Access(None, None)
    exp = found.get("exp")
    current = time.time() if now is None else now
    if isinstance(exp, (int, float)) and exp <= current:
        stamp = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(exp))
        raise AccessError("expired", f"the access token expired at {stamp}: get a new one")
    roles = found.get("roles")
    scopes = found.get("scp")
    held: set[str] = set()
    if isinstance(roles, list):
        held |= {r for r in roles if isinstance(r, str)}
    if isinstance(scopes, str):
        held |= set(scopes.split())
    if not any(p in held for p in AUTOPILOT_READ):
        shown = ", ".join(sorted(held)) or "no permission"
        raise AccessError(
            "insufficient",
            f"the access token holds {shown}; preflight needs {AUTOPILOT_READ[0]} (or {AUTOPILOT_READ[1]})",
        )
    return Access(any(p in held for p in USER_READ), frozenset(held))

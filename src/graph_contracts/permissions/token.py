"""Read a bearer token's claims locally: no request, no signature check (and every report says so).

A JWT is three base64url sections; only the second (the claims) is needed to
know which permissions an app holds: ``roles`` for an application token,
``scp`` for a delegated one. The signature is never verified, because only
Entra's keys could and this tool must work offline; a token is therefore
read as a claim about itself, good for predicting 403s, never for trust.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass

from ..errors import TokenError as TokenError
from .data import Kind

#: Said wherever a decoded token is reported: the claims are read, not trusted.
NOT_VERIFIED = "the token was decoded locally and its signature was not verified"

_B64URL = re.compile(r"[A-Za-z0-9_-]*\Z")
_SECTIONS = ("header", "claims", "signature")


@dataclass(frozen=True)
class TokenClaims:
    """What a token says of itself: its kind, permissions, audience, app, tenant and lifetime."""

    kind: Kind
    permissions: frozenset[str]
    audience: str | None
    app_id: str | None
    tenant_id: str | None
    expires: int | None
    not_before: int | None
    algorithm: str | None

    def expired(self, now: float) -> bool:
        return self.expires is not None and self.expires <= now


def _section(text: str, index: int, source: str) -> bytes:
    name = _SECTIONS[index]
    if not _B64URL.match(text) or len(text) % 4 == 1:
        detail = f" ({NOT_VERIFIED}; it must still be base64url)" if index == 2 else ""
        raise TokenError(source, f"not a JWT: section {index + 1} ({name}) is not base64url{detail}")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise TokenError(source, f"not a JWT: section {index + 1} ({name}) is not base64url") from None


def _json_object(raw: bytes, index: int, source: str) -> dict[str, object]:
    name = _SECTIONS[index]
    try:
        value = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise TokenError(source, f"not a JWT: the {name} (section {index + 1}) is not JSON") from None
    if not isinstance(value, dict):
        raise TokenError(source, f"not a JWT: the {name} (section {index + 1}) is not a JSON object")
    return value


def token_text(content: str, source: str) -> str:
    """The token in what a file holds: the token itself, ``Bearer <token>``, or az's JSON (``accessToken``)."""
    text = content.strip()
    if text.startswith("{"):
        try:
            wrapper = json.loads(text)
        except ValueError:
            raise TokenError(source, "not a JWT: the file starts with '{' but is not JSON") from None
        found = wrapper.get("accessToken") or wrapper.get("access_token") if isinstance(wrapper, dict) else None
        if not isinstance(found, str):
            raise TokenError(source, "not a JWT: a JSON file must hold 'accessToken' or 'access_token'")
        text = found.strip()
    if text[:7].lower() == "bearer ":
        text = text[7:].strip()
    return text


def decode_token(content: str, source: str = "<token>") -> TokenClaims:
    """The claims of the JWT in ``content`` (see :func:`token_text`); raises :class:`TokenError` if it is none."""
    text = token_text(content, source)
    parts = text.split(".")
    if len(parts) != 3:
        raise TokenError(source, f"not a JWT: expected three sections separated by '.', found {len(parts)}")
    header = _json_object(_section(parts[0], 0, source), 0, source)
    claims = _json_object(_section(parts[1], 1, source), 1, source)
    _section(parts[2], 2, source)
    roles = claims.get("roles", [])
    scopes = claims.get("scp", "")
    held_roles = frozenset(r for r in roles if isinstance(r, str)) if isinstance(roles, list) else frozenset()
    held_scopes = frozenset(scopes.split()) if isinstance(scopes, str) else frozenset()
    # Graph reads an app token's roles; a token with scp speaks for a user (delegated).
    kind: Kind = "DelegatedWork" if held_scopes and not held_roles else "Application"
    aud = claims.get("aud")
    exp, nbf = claims.get("exp"), claims.get("nbf")
    return TokenClaims(
        kind=kind,
        permissions=held_scopes if kind == "DelegatedWork" else held_roles,
        audience=aud if isinstance(aud, str) else None,
        app_id=next((str(claims[k]) for k in ("appid", "azp") if isinstance(claims.get(k), str)), None),
        tenant_id=str(claims["tid"]) if isinstance(claims.get("tid"), str) else None,
        expires=int(exp) if isinstance(exp, (int, float)) and not isinstance(exp, bool) else None,
        not_before=int(nbf) if isinstance(nbf, (int, float)) and not isinstance(nbf, bool) else None,
        algorithm=str(header["alg"]) if isinstance(header.get("alg"), str) else None,
    )

"""Access tokens: minting and checking Entra-shaped JWTs, who a token speaks for, tenant names.

``TokenIssuer`` signs with the emulator's own key; ``Principal`` is a valid
token's tenant, app and permissions; ``token_failure`` is Graph's 401 for each
way a token can be wrong; ``tenant_id_for`` maps a tenant path segment (GUID or
domain) to the ``tid`` it stands for.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import time
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ...contracts.model import GUID
from .failures import GraphFailure

#: Graph's audience: its application id and its resource URI, as Entra puts them in ``aud``.
GRAPH_AUDIENCES = frozenset({"https://graph.microsoft.com", "00000003-0000-0000-c000-000000000000"})


#: The permission types the contracts name (Graph doc pages' permission table rows).
APPLICATION = "Application"


DELEGATED = "Delegated (work or school account)"


#: Graph's 401 messages, by what is wrong with the token.
TOKEN_PROBLEMS: Mapping[str, str] = {
    "missing": "Access token is empty.",
    "malformed": "IDX14100: JWT is not well formed: the token must have three base64url parts.",
    "signature": "Access token validation failure. Invalid signature.",
    "audience": "Access token validation failure. Invalid audience.",
    "expired": "Lifetime validation failed, the token is expired.",
    "not-yet": "Lifetime validation failed, the token is not yet valid.",
}


def token_failure(problem: str) -> GraphFailure:
    challenge = (
        'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", '
        'client_id="00000003-0000-0000-c000-000000000000"'
    )
    return GraphFailure(
        401, "InvalidAuthenticationToken", TOKEN_PROBLEMS[problem], headers=(("WWW-Authenticate", challenge),)
    )


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    if not re.fullmatch(r"[A-Za-z0-9_-]*", text):
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class Principal:
    """Who a valid token speaks for: tenant, app, and its roles (app) or scopes (delegated)."""

    tenant_id: str
    client_id: str
    roles: frozenset[str]
    scopes: frozenset[str]

    @property
    def permission_type(self) -> str:
        return DELEGATED if self.scopes and not self.roles else APPLICATION

    @property
    def permissions(self) -> frozenset[str]:
        return self.scopes if self.permission_type == DELEGATED else self.roles


class TokenIssuer:
    """Mints and checks JWT-shaped tokens signed with HS256 over the emulator's own key.

    The shape (three base64url parts, Entra's claim names) is what clients and
    SDKs inspect; the signature only has to stop forged or foreign tokens, so
    a symmetric key is enough.
    """

    #: Tokens verified recently, so a client's every request does not pay for the HMAC and JSON again.
    CACHE_SIZE = 4096

    def __init__(self, key: bytes) -> None:
        self._key = key
        self._verified: dict[str, tuple[Principal, int, int]] = {}

    def mint(
        self,
        tenant_id: str,
        client_id: str,
        *,
        roles: Iterable[str] = (),
        scopes: Iterable[str] = (),
        lifetime: float = 3600,
        now: float | None = None,
    ) -> str:
        issued = int(time.time() if now is None else now)
        claims: dict[str, Any] = {
            "aud": "https://graph.microsoft.com",
            "iss": f"https://sts.windows.net/{tenant_id}/",
            "iat": issued,
            "nbf": issued,
            "exp": issued + int(lifetime),
            "appid": client_id,
            "idtyp": "app" if not scopes else "user",
            "tid": tenant_id,
            "ver": "1.0",
        }
        if roles:
            claims["roles"] = sorted(set(roles))
        if scopes:
            claims["scp"] = " ".join(sorted(set(scopes)))
        header = b64url(json.dumps({"typ": "JWT", "alg": "HS256"}).encode())
        payload = b64url(json.dumps(claims, separators=(",", ":")).encode())
        return f"{header}.{payload}.{self._sign(header, payload)}"

    def verify(self, token: str, *, now: float | None = None) -> Principal:
        """The token's principal; raises the 401 ``GraphFailure`` Graph would answer with."""
        current = time.time() if now is None else now
        cached = self._verified.get(token)
        if cached is not None and cached[1] > current and cached[2] <= current + 300:
            return cached[0]
        principal, exp, nbf = self._check(token, current)
        if len(self._verified) >= self.CACHE_SIZE:
            self._verified.clear()
        self._verified[token] = (principal, exp, nbf)
        return principal

    def _check(self, token: str, current: float) -> tuple[Principal, int, int]:
        parts = token.split(".")
        if len(parts) != 3:
            raise token_failure("malformed")
        try:
            header = json.loads(b64url_decode(parts[0]))
            claims = json.loads(b64url_decode(parts[1]))
        except (ValueError, RecursionError):
            raise token_failure("malformed") from None
        if not isinstance(header, dict) or not isinstance(claims, dict):
            raise token_failure("malformed")
        if header.get("alg") != "HS256" or not hmac.compare_digest(parts[2], self._sign(parts[0], parts[1])):
            raise token_failure("signature")
        if claims.get("aud") not in GRAPH_AUDIENCES:
            raise token_failure("audience")
        exp, nbf = claims.get("exp"), claims.get("nbf", 0)
        if not isinstance(exp, int) or exp <= current:
            raise token_failure("expired")
        if not isinstance(nbf, int) or nbf > current + 300:
            raise token_failure("not-yet")
        roles = claims.get("roles", [])
        scopes = claims.get("scp", "")
        principal = Principal(
            tenant_id=str(claims.get("tid", "")),
            client_id=str(claims.get("appid", "")),
            roles=frozenset(r for r in roles if isinstance(r, str)) if isinstance(roles, list) else frozenset(),
            scopes=frozenset(scopes.split()) if isinstance(scopes, str) else frozenset(),
        )
        return principal, exp, nbf

    def _sign(self, header: str, payload: str) -> str:
        return b64url(hmac.new(self._key, f"{header}.{payload}".encode(), hashlib.sha256).digest())


def satisfies(held: frozenset[str], required: str) -> bool:
    """A ``X.ReadWrite.All`` grant also covers an operation documented with ``X.Read.All``."""
    if required in held:
        return True
    if required.endswith(".Read.All"):
        return required[: -len(".Read.All")] + ".ReadWrite.All" in held
    return False


_DOMAIN = re.compile(r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}\Z")


_TENANT_NAMESPACE = uuid.UUID("6f1b0a8e-5f6e-4f0b-9d55-3c1f2a7b9e10")


def tenant_id_for(tenant: str) -> str | None:
    """The ``tid`` a tenant path segment stands for: a GUID as is, a domain mapped to a stable GUID."""
    if GUID.fullmatch(tenant):
        return tenant.lower()
    if _DOMAIN.match(tenant):
        return str(uuid.uuid5(_TENANT_NAMESPACE, tenant.lower()))
    return None

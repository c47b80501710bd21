"""The token endpoint (``/{tenant}/oauth2/v2.0/token``): the client-credentials grant and Entra's errors.

``issue_token`` reads the form as Entra does and answers with a token or with
the ``AADSTS`` error Entra would send (``ENTRA_ERRORS``).
"""

from __future__ import annotations

import hmac
import json
import uuid
from collections.abc import Mapping
from datetime import datetime, timezone
from urllib.parse import parse_qsl

from starlette.responses import Response

from .config import AppRegistration
from .tokens import TokenIssuer, tenant_id_for

#: Entra's error for each token-endpoint failure: status, error, AADSTS number, description.
ENTRA_ERRORS: Mapping[str, tuple[int, str, int, str]] = {
    "missing": (400, "invalid_request", 900144, "The request body must contain the following parameter: '{0}'."),
    "grant": (400, "unsupported_grant_type", 70003, "The app requested an unsupported grant type '{0}'."),
    "client": (
        400,
        "unauthorized_client",
        700016,
        "Application with identifier '{0}' was not found in the directory '{1}'. This can happen if the "
        "application has not been installed by the administrator of the tenant or consented to by any user "
        "in the tenant. You may have sent your authentication request to the wrong tenant.",
    ),
    "secret": (
        401,
        "invalid_client",
        7000215,
        "Invalid client secret provided. Ensure the secret being sent in the request is the client "
        "secret value, not the client secret ID, for a secret added to app '{0}'.",
    ),
    "scope": (
        400,
        "invalid_scope",
        1002012,
        "The provided value for scope {0} is not valid. Client credential flows must have a scope "
        "value with /.default suffixed to the resource identifier (application ID URI).",
    ),
    "tenant": (
        400,
        "invalid_request",
        900023,
        "Specified tenant identifier '{0}' is neither a valid DNS name, nor a valid external domain.",
    ),
    "unknown-tenant": (
        400,
        "invalid_tenant",
        90002,
        "Tenant '{0}' not found. Check to make sure you have the correct tenant ID and are signing "
        "into the correct cloud. Check with your subscription administrator, this may happen if there "
        "are no active subscriptions for the tenant.",
    ),
    "server": (500, "server_error", 50000, "{0}"),
}


def entra_error(kind: str, *args: str) -> Response:
    status, error, number, template = ENTRA_ERRORS[kind]
    trace, correlation = str(uuid.uuid4()), str(uuid.uuid4())
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%SZ")
    description = (
        f"AADSTS{number}: {template.format(*args)}\r\nTrace ID: {trace}\r\n"
        f"Correlation ID: {correlation}\r\nTimestamp: {stamp}"
    )
    body = {
        "error": error,
        "error_description": description,
        "error_codes": [number],
        "timestamp": stamp,
        "trace_id": trace,
        "correlation_id": correlation,
        "error_uri": f"https://login.microsoftonline.com/error?code={number}",
    }
    return Response(json.dumps(body), status_code=status, media_type="application/json; charset=utf-8")


def issue_token(
    issuer: TokenIssuer,
    apps: Mapping[str, AppRegistration],
    tenants: frozenset[str],
    lifetime: int,
    tenant: str,
    body: bytes,
    content_type: str,
) -> Response:
    """Entra's answer to a token request: a token for a known app with the right secret, or the AADSTS error.

    ``tenants`` holds the ``tid`` of every configured tenant; a well-formed
    tenant outside it is one Entra does not know (AADSTS90002).
    """
    tid = tenant_id_for(tenant)
    if tid is None:
        return entra_error("tenant", tenant)
    if tid not in tenants:
        return entra_error("unknown-tenant", tenant)
    if content_type.split(";")[0].strip().lower() != "application/x-www-form-urlencoded":
        return entra_error("missing", "grant_type")
    try:
        form = dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    except UnicodeDecodeError:
        return entra_error("missing", "grant_type")
    for name in ("grant_type", "client_id", "scope"):
        if not form.get(name):
            return entra_error("missing", name)
    if form["grant_type"] != "client_credentials":
        return entra_error("grant", form["grant_type"])
    app = apps.get(form["client_id"])
    if app is None:
        return entra_error("client", form["client_id"], tenant)
    if not form.get("client_secret"):
        return entra_error("missing", "client_assertion' or 'client_secret")
    if not hmac.compare_digest(form["client_secret"].encode(), app.client_secret.encode()):
        return entra_error("secret", app.client_id)
    if not form["scope"].endswith("/.default") or " " in form["scope"].strip():
        return entra_error("scope", form["scope"])
    token = issuer.mint(tid, app.client_id, roles=app.roles, lifetime=lifetime)
    return Response(
        json.dumps({"token_type": "Bearer", "expires_in": lifetime, "ext_expires_in": lifetime, "access_token": token}),
        media_type="application/json; charset=utf-8",
        headers={"Cache-Control": "no-store, no-cache", "Pragma": "no-cache"},
    )

"""Token sources: where the bearer token for a Graph request comes from.

Every source meets the client at one seam, :class:`TokenSource` (``token() ->
str``), so the client never knows whether a token was pasted into GRAPH_TOKEN,
issued by a tenant's token endpoint, by azure-identity, or by the local
emulator (which speaks the same client-credentials protocol).

Failures are always our own exceptions: :class:`~graph_contracts.errors.AuthenticationError`
when a token endpoint refuses, :class:`~graph_contracts.errors.ConfigurationError`
when nothing tells us how to authenticate. Secrets never appear in messages
or reprs.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import os
import ssl
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import httpx

from graph_contracts.errors import AuthenticationError, ConfigurationError, TransportError
from graph_contracts.graph.clouds import Cloud
from graph_contracts.graph.clouds import cloud as cloud_named
from graph_contracts.graph.transport_errors import describe_transport_error

__all__ = [
    "AZURE_INSTALL_HINT",
    "AzureIdentityToken",
    "ClientCredentials",
    "StaticToken",
    "TokenSource",
    "shared_ssl_context",
    "token_source_from_env",
]

AZURE_INSTALL_HINT = 'pip install "graph-contracts[azure]"'

_GRAPH_TOKEN = "GRAPH_TOKEN"
_CLIENT_SECRET_VARS = ("AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET")


@functools.cache
def shared_ssl_context() -> ssl.SSLContext:
    """One TLS context for every client this package builds.

    Loading the CA bundle costs tens of milliseconds, and httpx would load it
    again for each new client; an ``SSLContext`` is safe to share. It is
    built the way httpx builds its default (honouring SSL_CERT_FILE and
    SSL_CERT_DIR).
    """
    return httpx.create_ssl_context()


@runtime_checkable
class TokenSource(Protocol):
    """Anything that can hand out a bearer token for Graph.

    ``token()`` is called before every request attempt (retries included), so
    a source that caches must decide itself when to refresh; it returns the
    bare token, without the ``Bearer`` prefix. It raises
    ``AuthenticationError`` when it cannot get one.
    """

    def token(self) -> str:
        """Return a bearer token valid for at least the next request."""
        ...


@dataclass(frozen=True)
class StaticToken:
    """A token obtained elsewhere (Graph Explorer, ``az account get-access-token``).

    It is never refreshed: when it expires Graph answers 401 and the user
    pastes a new one. The value is kept out of ``repr`` so it cannot leak into
    logs or test reports.
    """

    value: str = field(repr=False)

    def __post_init__(self) -> None:
        # People paste the whole header value; accept it rather than send "Bearer Bearer ...".
        stripped = self.value.strip()
        if stripped[:7].lower() == "bearer ":
            stripped = stripped[7:].strip()
        if not stripped:
            raise ConfigurationError(_GRAPH_TOKEN, "the bearer token is empty")
        object.__setattr__(self, "value", stripped)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> StaticToken:
        """Read the token from the GRAPH_TOKEN environment variable."""
        env = os.environ if environ is None else environ
        value = env.get(_GRAPH_TOKEN, "")
        if not value.strip():
            raise ConfigurationError(_GRAPH_TOKEN, "is not set; export a bearer token for Graph")
        return cls(value)

    def token(self) -> str:
        """Return the token as given."""
        return self.value


class ClientCredentials:
    """OAuth 2.0 client-credentials grant against ``{authority}/{tenant}/oauth2/v2.0/token``.

    This is how an app registration with a client secret gets an
    application token, and also how the local emulator issues tokens (its
    base URL is then the authority). The token is cached until
    ``refresh_margin`` seconds before it expires (at most half its lifetime,
    so short-lived emulator tokens are still reused), because Entra ID
    throttles token requests far harder than Graph throttles API calls.

    A refusal (any non-success answer) raises ``AuthenticationError`` with the
    endpoint's ``error`` code and ``error_description``; the secret is never
    part of the message or the repr. The cache is guarded by a lock so one
    source can be shared by threads.
    """

    def __init__(
        self,
        tenant: str,
        client_id: str,
        client_secret: str,
        *,
        cloud: Cloud | str | None = None,
        authority: str | None = None,
        scope: str | None = None,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 30.0,
        refresh_margin: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        chosen = cloud_named(cloud) if isinstance(cloud, str) else cloud
        chosen = chosen or cloud_named("global")
        self.tenant = tenant
        self.client_id = client_id
        self._secret = client_secret
        self.authority = (authority or chosen.authority).rstrip("/")
        self.scope = scope or chosen.scope
        self.endpoint = f"{self.authority}/{tenant}/oauth2/v2.0/token"
        self._transport = transport
        self._timeout = timeout
        self._refresh_margin = refresh_margin
        self._clock = clock
        self._lock = threading.Lock()
        self._cached: str | None = None
        self._expires_at = 0.0

    def __repr__(self) -> str:
        return (
            f"ClientCredentials(tenant={self.tenant!r}, client_id={self.client_id!r}, "
            f"endpoint={self.endpoint!r}, scope={self.scope!r})"
        )

    def token(self) -> str:
        """Return the cached token, or request a new one when it is (nearly) expired."""
        with self._lock:
            if self._cached is not None and self._clock() < self._expires_at:
                return self._cached
            value, lifetime = self._request_token()
            margin = min(self._refresh_margin, lifetime / 2)
            self._cached = value
            self._expires_at = self._clock() + lifetime - margin
            return value

    def _request_token(self) -> tuple[str, float]:
        form = {
            "grant_type": "client_credentials",
            "client_id": self.client_id,
            "client_secret": self._secret,
            "scope": self.scope,
        }
        try:
            with httpx.Client(transport=self._transport, timeout=self._timeout, verify=shared_ssl_context()) as http:
                response = http.post(self.endpoint, data=form)
        except httpx.TransportError as exc:
            raise TransportError(
                0, type(exc).__name__, f"token endpoint: {describe_transport_error(exc, 'POST', self.endpoint)}"
            ) from None
        except httpx.HTTPError as exc:  # an answer httpx could not read (e.g. a broken compressed body)
            raise TransportError(0, type(exc).__name__, f"token endpoint {self.endpoint}: {exc}") from None
        body = _json_object(response)
        if not response.is_success:
            raise self._refusal(response, body)
        access_token = body.get("access_token")
        if not isinstance(access_token, str) or not access_token:
            raise AuthenticationError(
                response.status_code,
                "invalid_token_response",
                "the token endpoint answered without an access_token",
                endpoint=self.endpoint,
            )
        return access_token, _lifetime(body.get("expires_in"))

    def _refusal(self, response: httpx.Response, body: Mapping[str, Any]) -> AuthenticationError:
        code = str(body.get("error") or f"http_{response.status_code}")
        description = str(body.get("error_description") or response.reason_phrase or "refused")
        # Entra appends trace/correlation ids and a timestamp on extra lines; the
        # ids are kept as structured fields, the first line is the human part.
        description = description.strip().splitlines()[0] if description.strip() else code
        if self._secret:
            description = description.replace(self._secret, "***")
        return AuthenticationError(
            response.status_code,
            code,
            description,
            request_id=str(body.get("trace_id") or ""),
            client_request_id=str(body.get("correlation_id") or ""),
            endpoint=self.endpoint,
        )


def _json_object(response: httpx.Response) -> dict[str, Any]:
    """The response body as a JSON object, or ``{}`` when it is anything else."""
    try:
        parsed = response.json()
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def _lifetime(expires_in: object) -> float:
    """Seconds a token lives; Entra sends an int, older endpoints a string."""
    try:
        seconds = float(expires_in)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 300.0
    return seconds if seconds > 0 else 0.0


def _azure_identity() -> Any:
    """Import azure-identity on first use: it is an optional dependency."""
    try:
        return importlib.import_module("azure.identity")
    except ImportError:
        raise ConfigurationError("azure-identity", f"is not installed; install it with {AZURE_INSTALL_HINT}") from None


def _azure_auth_errors() -> tuple[type[BaseException], ...]:
    """azure-core's authentication error, or nothing when azure-core is absent."""
    try:
        exceptions = importlib.import_module("azure.core.exceptions")
    except ImportError:
        return ()
    error: type[BaseException] = exceptions.ClientAuthenticationError
    return (error,)


def _azure_identity_installed() -> bool:
    try:
        return importlib.util.find_spec("azure.identity") is not None
    except (ImportError, ValueError):
        return False


class AzureIdentityToken:
    """A token from an azure-identity credential, for the cloud's Graph scope.

    azure-identity handles certificates, managed identities, workload
    identity and developer logins, and caches and refreshes tokens itself;
    we only ask for the cloud's scope and pass the cloud's authority, since
    credentials default to the global cloud. Build one with the classmethods
    (which import azure-identity lazily and raise ``ConfigurationError`` with
    an install hint when it is missing), or wrap any object with a
    ``get_token(scope)`` method.
    """

    def __init__(self, credential: Any, scope: str) -> None:
        self.credential = credential
        self.scope = scope

    def __repr__(self) -> str:
        return f"AzureIdentityToken({type(self.credential).__name__}, scope={self.scope!r})"

    @classmethod
    def environment(cls, cloud: Cloud) -> AzureIdentityToken:
        """``EnvironmentCredential``: AZURE_TENANT_ID, AZURE_CLIENT_ID and a secret or certificate."""
        identity = _azure_identity()
        return cls(identity.EnvironmentCredential(authority=cloud.authority), cloud.scope)

    @classmethod
    def client_secret(cls, tenant: str, client_id: str, client_secret: str, cloud: Cloud) -> AzureIdentityToken:
        """``ClientSecretCredential`` for an app registration with a secret."""
        identity = _azure_identity()
        credential = identity.ClientSecretCredential(tenant, client_id, client_secret, authority=cloud.authority)
        return cls(credential, cloud.scope)

    @classmethod
    def certificate(
        cls,
        tenant: str,
        client_id: str,
        certificate_path: str,
        cloud: Cloud,
        password: str | None = None,
    ) -> AzureIdentityToken:
        """``CertificateCredential`` for an app registration with a certificate (PEM or PFX)."""
        identity = _azure_identity()
        credential = identity.CertificateCredential(
            tenant, client_id, certificate_path, password=password, authority=cloud.authority
        )
        return cls(credential, cloud.scope)

    @classmethod
    def default(cls, cloud: Cloud) -> AzureIdentityToken:
        """``DefaultAzureCredential``: environment, workload/managed identity, CLI logins ..."""
        identity = _azure_identity()
        return cls(identity.DefaultAzureCredential(authority=cloud.authority), cloud.scope)

    def token(self) -> str:
        """Ask the credential for a token; its refusal becomes ``AuthenticationError``."""
        try:
            access: Any = self.credential.get_token(self.scope)
        except _azure_auth_errors() as exc:
            message = str(getattr(exc, "message", "") or exc).strip() or "no token"
            status = getattr(exc, "status_code", None)
            raise AuthenticationError(
                status if isinstance(status, int) else 401,
                type(exc).__name__,
                message.splitlines()[0],
                endpoint=type(self.credential).__name__,
            ) from None
        value: str = access.token
        return value


def token_source_from_env(
    cloud: Cloud | str = "global",
    environ: Mapping[str, str] | None = None,
    *,
    transport: httpx.BaseTransport | None = None,
) -> TokenSource:
    """Choose a token source from the environment, most explicit first.

    1. ``GRAPH_TOKEN``: a bearer token used as is.
    2. ``AZURE_TENANT_ID``, ``AZURE_CLIENT_ID`` and ``AZURE_CLIENT_SECRET``
       (azure-identity's own variable names): client credentials against
       the cloud's authority, with no extra dependency.
    3. azure-identity, when installed: ``DefaultAzureCredential`` (covers a
       certificate in ``AZURE_CLIENT_CERTIFICATE_PATH``, managed identity,
       ``az login`` ...).
    4. Otherwise ``ConfigurationError`` saying what to set.
    """
    env = os.environ if environ is None else environ
    chosen = cloud_named(cloud) if isinstance(cloud, str) else cloud
    if env.get(_GRAPH_TOKEN, "").strip():
        return StaticToken.from_env(env)
    present = [name for name in _CLIENT_SECRET_VARS if env.get(name, "").strip()]
    if len(present) == len(_CLIENT_SECRET_VARS):
        tenant, client_id, secret = (env[name].strip() for name in _CLIENT_SECRET_VARS)
        return ClientCredentials(tenant, client_id, secret, cloud=chosen, transport=transport)
    if _azure_identity_installed():
        return AzureIdentityToken.default(chosen)
    missing = [name for name in _CLIENT_SECRET_VARS if name not in present]
    partial = f" ({', '.join(present)} set; missing {', '.join(missing)})" if present else ""
    raise ConfigurationError(
        "credentials",
        "no Graph credentials found: set GRAPH_TOKEN to a bearer token, or "
        f"{', '.join(_CLIENT_SECRET_VARS)} for an app registration{partial}, "
        f"or install azure-identity ({AZURE_INSTALL_HINT}) for certificates, managed identity and az login",
    )

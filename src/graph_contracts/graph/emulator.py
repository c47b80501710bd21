"""The local Graph emulator: every contract operation served over loopback HTTP, with Entra-style auth.

Routes come from the contracts, not from code: each operation of each version
is served at its documented paths, and plain CRUD verbs share one handler per
verb, so a new contract operation is served without new route code. Only
actions (``import``) need a handler, registered in ``ACTION_HANDLERS``.

Behaviour follows Graph and Intune where the reference notes state it
(error envelope, ``request-id``, 429 with ``Retry-After``, 404 ``ResourceNotFound``,
the asynchronous import with DDS error codes) and is documented here where the
emulator has to choose (see ``emulator_state`` for the import error codes).
State is in memory, per tenant (the token's ``tid``), and thread-safe.

Public entry points: ``running_emulator()`` for tests, ``serve()`` and
``run_emulator_cli()`` for ``graph-contracts emulator``.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import logging
import math
import re
import secrets
import signal
import socket
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from types import FrameType
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlencode

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..autopilot import analyse_hardware_hash
from ..contracts import ContractSet, Operation, Property, TypeContract, default_contracts
from ..issues import Issue
from ..validation import Validator
from .emulator_state import (
    DUPLICATED,
    INVALID_HASH,
    DdsError,
    EmulatorStore,
    ImportLifecycle,
    Record,
    RecordedRequest,
)

__all__ = [
    "DEFAULT_APP",
    "DEFAULT_TENANT",
    "AppRegistration",
    "Emulator",
    "EmulatorConfig",
    "EmulatorHandle",
    "Fault",
    "RecordedRequest",
    "run_emulator_cli",
    "running_emulator",
    "serve",
]

log = logging.getLogger("graph_contracts.emulator")

# --------------------------------------------------------------------------- configuration

#: The tenant ``EmulatorHandle.token()`` uses when none is named.
DEFAULT_TENANT = "00000000-0000-4000-8000-00000000e1e1"
#: Graph's audience: its application id and its resource URI, as Entra puts them in ``aud``.
GRAPH_AUDIENCES = frozenset({"https://graph.microsoft.com", "00000003-0000-0000-c000-000000000000"})
#: The permission types the contracts name (Graph doc pages' permission table rows).
APPLICATION = "Application"
DELEGATED = "Delegated (work or school account)"


@dataclass(frozen=True)
class AppRegistration:
    """An app the token endpoint knows: client credentials and its granted application permissions."""

    client_id: str
    client_secret: str
    roles: tuple[str, ...] = ("DeviceManagementServiceConfig.ReadWrite.All",)


#: The app every emulator knows unless the config replaces the list.
DEFAULT_APP = AppRegistration(
    client_id="4c0e5c2a-7d3b-4f4e-9a58-6d1b1e5e0a01",
    client_secret="graph-contracts-emulator-secret",
)

_FAULT_STATUSES = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True)
class Fault:
    """A failure to inject: a status, added latency, or a dropped connection.

    Written as text in the ``x-emulator-fault`` header and on the command line:
    items separated by ``;``, e.g. ``429;retry-after=1.5;count=2``, ``503``,
    ``latency=0.2``, ``drop``. ``count=N`` fails the first N matching requests
    and lets the rest through, which is what a retry test needs. ``method`` and
    ``path`` (a substring of the request path) narrow a configured fault; a
    header fault applies to the request that carries it.
    """

    status: int | None = None
    retry_after: float | None = None
    latency: float = 0.0
    drop: bool = False
    count: int | None = None
    method: str | None = None
    path: str | None = None

    @classmethod
    def parse(cls, text: str) -> Fault:
        """Parse the header/CLI form; raises ``ValueError`` naming the item it cannot read."""
        fields: dict[str, Any] = {}
        for raw in text.split(";"):
            item = raw.strip()
            if not item:
                continue
            name, _, value = item.partition("=")
            name = name.strip().lower()
            try:
                if item.isdigit():
                    status = int(item)
                    if status not in _FAULT_STATUSES:
                        raise ValueError(f"status must be one of {sorted(_FAULT_STATUSES)}")
                    fields["status"] = status
                elif name == "drop" and not value:
                    fields["drop"] = True
                elif name in _FAULT_FIELDS and value:
                    key, convert = _FAULT_FIELDS[name]
                    fields[key] = convert(value.strip())
                else:
                    raise ValueError("unknown item")
            except ValueError as exc:
                raise ValueError(f"cannot read fault item {item!r} in {text!r}: {exc}") from None
        if not fields:
            raise ValueError(f"empty fault {text!r}")
        return cls(**fields)

    def applies_to(self, method: str, path: str) -> bool:
        return (self.method is None or self.method.upper() == method) and (
            self.path is None or self.path in path
        )


def _non_negative(value: str) -> float:
    number = float(value)
    if not math.isfinite(number) or number < 0:
        raise ValueError("must be a non-negative number")
    return number


def _positive_int(value: str) -> int:
    number = int(value)
    if number < 1:
        raise ValueError("must be at least 1")
    return number


_FAULT_FIELDS: Mapping[str, tuple[str, Callable[[str], Any]]] = {
    "retry-after": ("retry_after", _non_negative),
    "latency": ("latency", _non_negative),
    "count": ("count", _positive_int),
    "method": ("method", str.upper),
    "path": ("path", str),
}


@dataclass(frozen=True)
class EmulatorConfig:
    """Everything an emulator is started with; frozen so a running emulator's rules cannot drift.

    ``import_pending_reads``/``import_pending_seconds``: when a pending import
    settles (see ``ImportLifecycle``). ``signing_key`` defaults to a random key
    per emulator, so tokens of one emulator never pass another.
    """

    apps: tuple[AppRegistration, ...] = (DEFAULT_APP,)
    tenant_id: str = DEFAULT_TENANT
    faults: tuple[Fault, ...] = ()
    import_pending_reads: int | None = 1
    import_pending_seconds: float | None = None
    page_size: int = 100
    token_lifetime: int = 3600
    signing_key: bytes | None = None
    contracts: ContractSet | None = field(default=None, compare=False)

    @property
    def lifecycle(self) -> ImportLifecycle:
        return ImportLifecycle(self.import_pending_reads, self.import_pending_seconds)


# --------------------------------------------------------------------------- errors as data


class GraphFailure(Exception):
    """A Graph error answer, raised anywhere in a request and rendered once as the envelope.

    A plain exception rather than a frozen dataclass: Python sets ``__traceback__``
    on an exception as it propagates, which a frozen instance refuses.
    """

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        headers: Sequence[tuple[str, str]] = (),
        details: Sequence[Issue] = (),
        inner: Sequence[tuple[str, str]] = (),
    ) -> None:
        super().__init__(status, code, message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = tuple(headers)
        self.details = tuple(details)
        self.inner = tuple(inner)


class _Drop(Exception):
    """Close the connection without an answer (the ``drop`` fault)."""


def _bad_request(message: str, details: Sequence[Issue] = ()) -> GraphFailure:
    return GraphFailure(400, "BadRequest", message, details=tuple(details))


def _unknown_segment(segment: str) -> GraphFailure:
    return _bad_request(f"Resource not found for the segment '{segment}'.")


#: Graph's error code and message for each status the fault injector can produce.
FAULT_ERRORS: Mapping[int, tuple[str, str]] = {
    429: ("TooManyRequests", "Please retry again later."),
    500: ("generalException", "An internal server error occurred."),
    502: ("BadGateway", "The gateway received an invalid response."),
    503: ("serviceNotAvailable", "The service is temporarily unavailable. Please retry later."),
    504: ("GatewayTimeout", "The gateway timed out waiting for the service."),
}

#: Graph's 401 messages, by what is wrong with the token.
TOKEN_PROBLEMS: Mapping[str, str] = {
    "missing": "Access token is empty.",
    "malformed": "IDX14100: JWT is not well formed: the token must have three base64url parts.",
    "signature": "Access token validation failure. Invalid signature.",
    "audience": "Access token validation failure. Invalid audience.",
    "expired": "Lifetime validation failed, the token is expired.",
    "not-yet": "Lifetime validation failed, the token is not yet valid.",
}


def _token_failure(problem: str) -> GraphFailure:
    challenge = (
        'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", '
        'client_id="00000003-0000-0000-c000-000000000000"'
    )
    return GraphFailure(
        401, "InvalidAuthenticationToken", TOKEN_PROBLEMS[problem], headers=(("WWW-Authenticate", challenge),)
    )


# --------------------------------------------------------------------------- tokens


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64url_decode(text: str) -> bytes:
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

    def __init__(self, key: bytes) -> None:
        self._key = key

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
        header = _b64url(json.dumps({"typ": "JWT", "alg": "HS256"}).encode())
        payload = _b64url(json.dumps(claims, separators=(",", ":")).encode())
        return f"{header}.{payload}.{self._sign(header, payload)}"

    def verify(self, token: str, *, now: float | None = None) -> Principal:
        """The token's principal; raises the 401 ``GraphFailure`` Graph would answer with."""
        parts = token.split(".")
        if len(parts) != 3:
            raise _token_failure("malformed")
        try:
            header = json.loads(_b64url_decode(parts[0]))
            claims = json.loads(_b64url_decode(parts[1]))
        except ValueError:
            raise _token_failure("malformed") from None
        if not isinstance(header, dict) or not isinstance(claims, dict):
            raise _token_failure("malformed")
        if header.get("alg") != "HS256" or not hmac.compare_digest(parts[2], self._sign(parts[0], parts[1])):
            raise _token_failure("signature")
        if claims.get("aud") not in GRAPH_AUDIENCES:
            raise _token_failure("audience")
        current = time.time() if now is None else now
        exp, nbf = claims.get("exp"), claims.get("nbf", 0)
        if not isinstance(exp, int) or exp <= current:
            raise _token_failure("expired")
        if not isinstance(nbf, int) or nbf > current + 300:
            raise _token_failure("not-yet")
        roles = claims.get("roles", [])
        scopes = claims.get("scp", "")
        return Principal(
            tenant_id=str(claims.get("tid", "")),
            client_id=str(claims.get("appid", "")),
            roles=frozenset(r for r in roles if isinstance(r, str)) if isinstance(roles, list) else frozenset(),
            scopes=frozenset(scopes.split()) if isinstance(scopes, str) else frozenset(),
        )

    def _sign(self, header: str, payload: str) -> str:
        return _b64url(hmac.new(self._key, f"{header}.{payload}".encode(), hashlib.sha256).digest())


def _satisfies(held: frozenset[str], required: str) -> bool:
    """A ``X.ReadWrite.All`` grant also covers an operation documented with ``X.Read.All``."""
    if required in held:
        return True
    if required.endswith(".Read.All"):
        return required[: -len(".Read.All")] + ".ReadWrite.All" in held
    return False


_GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\Z")
_DOMAIN = re.compile(r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}\Z")
_TENANT_NAMESPACE = uuid.UUID("6f1b0a8e-5f6e-4f0b-9d55-3c1f2a7b9e10")


def tenant_id_for(tenant: str) -> str | None:
    """The ``tid`` a tenant path segment stands for: a GUID as is, a domain mapped to a stable GUID."""
    if _GUID.match(tenant):
        return tenant.lower()
    if _DOMAIN.match(tenant):
        return str(uuid.uuid5(_TENANT_NAMESPACE, tenant.lower()))
    return None


# --------------------------------------------------------------------------- routes from contracts


@dataclass(frozen=True)
class Endpoint:
    """One path and method of one version, and the operations documented there.

    Beta documents importedDeviceIdentity and its derived importedDeviceIdentityResult
    at the same paths; ``operation`` is the base type's, whose request schema
    admits the derived type by ``@odata.type``, and ``operations`` keeps all of
    them so authorization honours every documented permission.
    """

    version: str
    template: str
    segments: tuple[str | None, ...]
    method: str
    operation: Operation
    operations: tuple[Operation, ...]
    collection: str

    @property
    def literal_count(self) -> int:
        return sum(1 for s in self.segments if s is not None)

    def fits(self, segments: Sequence[str]) -> bool:
        return len(segments) == len(self.segments) and all(
            want is None or want == got.casefold() for want, got in zip(self.segments, segments, strict=True)
        )


_PARAM = re.compile(r"\{[^}]+\}\Z")


def _segments(template: str) -> tuple[str | None, ...]:
    return tuple(None if _PARAM.match(s) else s.casefold() for s in template.strip("/").split("/"))


def _collection(template: str, verb: str) -> str:
    """The entity collection a path addresses: the segment before the id, or before the action name."""
    parts = template.strip("/").split("/")
    if _PARAM.match(parts[-1]) or verb not in ("list", "create"):
        return parts[-2]
    return parts[-1]


def _serving_operation(contracts: ContractSet, version: str, ops: Sequence[Operation]) -> Operation:
    for op in ops:
        derived = set(contracts.derived_types(version, op.type))
        if all(o is op or o.type in derived for o in ops):
            return op
    return ops[0]


class RouteTable:
    """Every (version, path, method) the contracts document, and Graph's answer when none fits."""

    def __init__(self, contracts: ContractSet) -> None:
        grouped: dict[tuple[str, str, str], list[Operation]] = {}
        for version in contracts.versions():
            for op in contracts.operations_in(version):
                for path in op.paths:
                    grouped.setdefault((version, path, op.method.upper()), []).append(op)
        self.endpoints: dict[str, list[Endpoint]] = {v: [] for v in contracts.versions()}
        for (version, path, method), ops in grouped.items():
            serving = _serving_operation(contracts, version, ops)
            self.endpoints[version].append(
                Endpoint(version, path, _segments(path), method, serving, tuple(ops), _collection(path, serving.verb))
            )

    @property
    def versions(self) -> tuple[str, ...]:
        return tuple(self.endpoints)

    def match(self, version: str, segments: Sequence[str], method: str) -> tuple[Endpoint, dict[str, str]]:
        endpoints = self.endpoints[version]
        fitting = [e for e in endpoints if e.fits(segments)]
        if not fitting:
            raise _unknown_segment(self._first_unknown(endpoints, segments))
        # Prefer literal segments, so POST .../import is the action and GET .../import an id.
        allowed = sorted((e for e in fitting if e.method == method), key=lambda e: -e.literal_count)
        if not allowed:
            methods = ", ".join(sorted({e.method for e in fitting}))
            raise GraphFailure(
                405, "MethodNotAllowed",
                f"The HTTP method '{method}' is not allowed for the request URI; allowed: {methods}.",
                headers=(("Allow", methods),),
            )
        endpoint = allowed[0]
        params = {
            name.strip("{}"): value
            for name, value in zip(endpoint.template.strip("/").split("/"), segments, strict=True)
            if _PARAM.match(name)
        }
        return endpoint, params

    @staticmethod
    def _first_unknown(endpoints: Sequence[Endpoint], segments: Sequence[str]) -> str:
        if not segments:
            return ""
        for depth in range(1, len(segments) + 1):
            prefix = segments[:depth]
            if not any(
                len(e.segments) >= depth
                and all(w is None or w == g.casefold() for w, g in zip(e.segments[:depth], prefix, strict=True))
                for e in endpoints
            ):
                return segments[depth - 1]
        # The path is a prefix of served paths (e.g. the deviceManagement singleton), not served itself.
        return segments[-1]


# --------------------------------------------------------------------------- rendering entities

NEVER = "0001-01-01T00:00:00Z"

#: A default for each primitive Graph type, used for non-nullable properties nobody set.
PRIMITIVE_DEFAULTS: Mapping[str, Any] = {
    "String": "",
    "Binary": "",
    "DateTimeOffset": NEVER,
    "Date": "0001-01-01",
    "TimeOfDay": "00:00:00",
    "Duration": "PT0S",
    "Guid": "00000000-0000-0000-0000-000000000000",
    "Int16": 0,
    "Int32": 0,
    "Int64": 0,
    "Byte": 0,
    "Double": 0.0,
    "Single": 0.0,
    "Decimal": 0.0,
    "Boolean": False,
}

#: Enum defaults that say more than the first member: a device imported but never seen is notContacted.
ENUM_DEFAULTS: Mapping[str, str] = {
    "enrollmentState": "notContacted",
    "deploymentProfileAssignmentStatus": "notAssigned",
    "deploymentProfileAssignmentDetailedStatus": "none",
    "remediationState": "unknown",
}

#: Timestamps the service sets on create (and, for lastModifiedDateTime, on update).
CREATED_STAMPS = frozenset({"createdDateTime", "createdDateTimeUtc", "lastModifiedDateTime"})
MODIFIED_STAMPS = frozenset({"lastModifiedDateTime"})

#: Properties the service owns on each type beyond read-only ones: a request's value is ignored.
SERVER_OWNED: Mapping[str, frozenset[str]] = {
    "importedWindowsAutopilotDeviceIdentity": frozenset({"state"}),
}

_MISSING = object()


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


class Renderer:
    """Stored entities as a version's response shape: every property, defaults where non-nullable."""

    def __init__(self, contracts: ContractSet) -> None:
        self.contracts = contracts

    def actual_type(self, version: str, declared: str, odata_type: Any) -> str:
        """The type an ``@odata.type`` names, when it is the declared type or derived from it."""
        if isinstance(odata_type, str):
            name = odata_type.lstrip("#").rsplit(".", 1)[-1]
            if name in self.contracts.derived_types(version, declared):
                return name
        return declared

    def entity(self, version: str, declared: str, data: Mapping[str, Any]) -> dict[str, Any]:
        actual = self.actual_type(version, declared, data.get("@odata.type"))
        out: dict[str, Any] = {"@odata.type": f"#microsoft.graph.{actual}"}
        out.update(self._object(version, actual, data))
        return out

    def _object(self, version: str, type_name: str, data: Mapping[str, Any]) -> dict[str, Any]:
        return {
            p.name: self._value(version, p, data.get(p.name, _MISSING))
            for p in self.contracts.all_properties(version, type_name)
        }

    def _value(self, version: str, p: Property, value: Any) -> Any:
        if value is _MISSING or value is None:
            return None if p.nullable else self.default(version, p)
        t = self._type(version, p.type)
        if t is not None and t.category == "complex" and isinstance(value, dict) and not p.collection:
            return self._object(version, t.name, value)
        return value

    def default(self, version: str, p: Property) -> Any:
        if p.collection:
            return []
        if p.type in PRIMITIVE_DEFAULTS:
            return PRIMITIVE_DEFAULTS[p.type]
        t = self._type(version, p.type)
        if t is None:
            return None
        if t.category == "enum":
            members = [m.name for m in t.members]
            preferred = ENUM_DEFAULTS.get(p.name)
            return preferred if preferred in members else members[0]
        return self._object(version, t.name, {})

    def _type(self, version: str, name: str) -> TypeContract | None:
        return self.contracts.types.get((version, name))

    def properties(self, version: str, type_name: str) -> dict[str, Property]:
        """Properties of a type and of the types derived from it ($select and $filter may name either)."""
        out = {p.name: p for p in self.contracts.all_properties(version, type_name)}
        for derived in self.contracts.derived_types(version, type_name):
            for p in self.contracts.all_properties(version, derived):
                out.setdefault(p.name, p)
        return out

    def property_path(self, version: str, type_name: str, path: str) -> Property:
        """Resolve ``state/deviceImportStatus``; raises Graph's 400 for a name the type lacks."""
        current = type_name
        prop: Property | None = None
        for name in path.split("/"):
            if prop is not None:
                t = self._type(version, prop.type)
                if t is None or t.category != "complex":
                    raise _bad_request(f"Property '{prop.name}' is not a complex type; cannot navigate to '{name}'.")
                current = t.name
            prop = self.properties(version, current).get(name)
            if prop is None:
                raise _bad_request(f"Could not find a property named '{name}' on type 'microsoft.graph.{current}'.")
        assert prop is not None
        return prop


# --------------------------------------------------------------------------- query options


_NUMERIC = frozenset({"Int16", "Int32", "Int64", "Byte", "Double", "Single", "Decimal"})
_TOKEN = re.compile(
    r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<num>-?\d+(?:\.\d+)?)(?![\w/])"
    r"|(?P<word>[A-Za-z_]\w*(?:/[A-Za-z_]\w*)*)|(?P<punct>[(),]))"
)
_NO_LITERAL = object()
Predicate = Callable[[Mapping[str, Any]], bool]


def _lookup(entity: Mapping[str, Any], path: str) -> Any:
    value: Any = entity
    for name in path.split("/"):
        value = value.get(name) if isinstance(value, dict) else None
    return value


class FilterParser:
    """``$filter`` over the subset cleanup and polling scripts use.

    ``prop eq|ne literal``, ``startswith(prop,'text')``, joined with ``and``;
    ``prop`` may be a path into a complex property (``state/deviceImportStatus``).
    Anything else is Graph's 400, never a guess.
    """

    def __init__(self, renderer: Renderer, version: str, type_name: str) -> None:
        self.renderer = renderer
        self.version = version
        self.type_name = type_name

    def parse(self, text: str) -> Predicate:
        self.tokens = self._tokenize(text)
        self.pos = 0
        terms = [self._term()]
        while self._peek() == ("word", "and"):
            self.pos += 1
            terms.append(self._term())
        if self.pos != len(self.tokens):
            raise self._error(f"unexpected '{self.tokens[self.pos][1]}'")
        return lambda entity: all(term(entity) for term in terms)

    def _tokenize(self, text: str) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        pos = 0
        while pos < len(text):
            if text[pos:].strip() == "":
                break
            m = _TOKEN.match(text, pos)
            if m is None or m.lastgroup is None:
                raise _bad_request(f"Invalid filter clause: syntax error at position {pos} in '{text}'.")
            out.append((m.lastgroup, m.group(m.lastgroup)))
            pos = m.end()
        if not out:
            raise _bad_request("Invalid filter clause: the $filter expression is empty.")
        return out

    def _peek(self) -> tuple[str, str] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def _take(self, kind: str, value: str | None = None) -> str:
        token = self._peek()
        if token is None or token[0] != kind or (value is not None and token[1] != value):
            found = token[1] if token else "the end"
            raise self._error(f"expected {value or kind}, found '{found}'")
        self.pos += 1
        return token[1]

    def _error(self, what: str) -> GraphFailure:
        return _bad_request(f"Invalid filter clause: {what}.")

    def _term(self) -> Predicate:
        if self._peek() == ("word", "startswith"):
            self.pos += 1
            self._take("punct", "(")
            path = self._take("word")
            self._take("punct", ",")
            prefix = self._literal()
            self._take("punct", ")")
            prop = self.renderer.property_path(self.version, self.type_name, path)
            if not isinstance(prefix, str) or prop.type in _NUMERIC or prop.type == "Boolean":
                raise self._error("startswith needs a string property and a string literal")
            return lambda e: isinstance(v := _lookup(e, path), str) and v.startswith(prefix)
        path = self._take("word")
        op = self._take("word")
        if op not in ("eq", "ne"):
            raise self._error(f"operator '{op}' is not supported; use eq, ne or startswith")
        literal = self._literal()
        prop = self.renderer.property_path(self.version, self.type_name, path)
        self._check_type(prop, literal)
        if op == "eq":
            return lambda e: _lookup(e, path) == literal
        return lambda e: _lookup(e, path) != literal

    def _literal(self) -> Any:
        token = self._peek()
        if token is None:
            raise self._error("expected a literal, found the end")
        self.pos += 1
        kind, text = token
        if kind == "str":
            return text[1:-1].replace("''", "'")
        if kind == "num":
            return float(text) if "." in text else int(text)
        if kind == "word" and text in ("true", "false", "null"):
            return {"true": True, "false": False, "null": None}[text]
        raise self._error(f"'{text}' is not a literal")

    def _check_type(self, prop: Property, literal: Any) -> None:
        if literal is None:
            return
        numeric = prop.type in _NUMERIC
        boolean = prop.type == "Boolean"
        ok = (
            (numeric and isinstance(literal, (int, float)) and not isinstance(literal, bool))
            or (boolean and isinstance(literal, bool))
            or (not numeric and not boolean and isinstance(literal, str))
        )
        if not ok:
            raise _bad_request(
                f"A binary operator with incompatible types was detected: property '{prop.name}' "
                f"of type '{prop.type}' compared with {json.dumps(literal)}."
            )


#: The query options each verb accepts; Graph rejects a system query option it does not support.
QUERY_OPTIONS: Mapping[str, frozenset[str]] = {
    "list": frozenset({"$top", "$select", "$filter", "$skiptoken"}),
    "get": frozenset({"$select"}),
}
_SELECT = re.compile(r"[A-Za-z@.]+(?:,[A-Za-z@.]+)*\Z")
_TOP = re.compile(r"[0-9]{1,9}\Z")
MAX_TOP = 999


@dataclass(frozen=True)
class Query:
    """The parsed system query options of one request."""

    top: int | None = None
    select: tuple[str, ...] | None = None
    predicate: Predicate | None = None
    offset: int = 0
    raw: tuple[tuple[str, str], ...] = ()


def _skiptoken(offset: int) -> str:
    return _b64url(json.dumps({"o": offset}).encode())


def _read_skiptoken(text: str) -> int:
    try:
        data = json.loads(_b64url_decode(text))
    except ValueError:
        data = None
    offset = data.get("o") if isinstance(data, dict) else None
    if not isinstance(offset, int) or isinstance(offset, bool) or offset < 0:
        raise _bad_request("The $skiptoken value is not valid: use the @odata.nextLink the service returned.")
    return offset


# --------------------------------------------------------------------------- the application


GRAPH_JSON = "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8"
_HTTP_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]


@dataclass(frozen=True)
class Call:
    """One authorized Graph request, as a handler sees it."""

    version: str
    endpoint: Endpoint
    params: Mapping[str, str]
    query: Query
    body: Any
    principal: Principal
    base_url: str
    url: str

    @property
    def tenant(self) -> str:
        return self.principal.tenant_id

    @property
    def op(self) -> Operation:
        return self.endpoint.operation

    def entity_id(self) -> str:
        return next(iter(self.params.values()))


Handler = Callable[["Emulator", Call], Response]


def _json_response(status: int, body: Any, headers: Mapping[str, str] | None = None) -> Response:
    return Response(
        json.dumps(body, ensure_ascii=False).encode("utf-8"), status_code=status, headers=dict(headers or {}),
        media_type=GRAPH_JSON,
    )


class Emulator:
    """The emulator's state, rules and Starlette app; a server (thread or CLI) serves ``.app``."""

    def __init__(self, config: EmulatorConfig | None = None) -> None:
        self.config = config or EmulatorConfig()
        self.contracts = self.config.contracts or default_contracts()
        self.store = EmulatorStore(self.config.lifecycle)
        self.issuer = TokenIssuer(self.config.signing_key or secrets.token_bytes(32))
        self.routes = RouteTable(self.contracts)
        self.renderer = Renderer(self.contracts)
        self._validators: dict[tuple[str, str], Validator] = {}
        self._apps = {app.client_id: app for app in self.config.apps}
        #: Set by the server that runs the app; closes a client's connection (the ``drop`` fault).
        self.drop_connection: Callable[[tuple[str, int] | None], bool] | None = None
        self.app = Starlette(
            routes=[
                Route("/{tenant}/oauth2/v2.0/token", self._token_endpoint, methods=["POST"]),
                Route("/_emulator/reset", self._reset_endpoint, methods=["POST"]),
                Route("/_emulator/settle", self._settle_endpoint, methods=["POST"]),
                Route("/{path:path}", self._graph_endpoint, methods=_HTTP_METHODS),
            ]
        )

    # -- tokens

    def mint_token(
        self,
        *,
        tenant: str | None = None,
        roles: Iterable[str] = (),
        scopes: Iterable[str] = (),
        lifetime: float | None = None,
        client_id: str | None = None,
    ) -> str:
        tid = tenant_id_for(tenant or self.config.tenant_id) or self.config.tenant_id
        return self.issuer.mint(
            tid, client_id or DEFAULT_APP.client_id, roles=roles, scopes=scopes,
            lifetime=self.config.token_lifetime if lifetime is None else lifetime,
        )

    async def _token_endpoint(self, request: Request) -> Response:
        body = await request.body()
        self._record(request, body, str(uuid.uuid4()))
        try:
            return self._issue_token(request.path_params["tenant"], body, request.headers.get("content-type", ""))
        except Exception:
            log.exception("emulator token endpoint failed")
            return _entra_error("server", "an unexpected error occurred in the emulator")

    def _issue_token(self, tenant: str, body: bytes, content_type: str) -> Response:
        tid = tenant_id_for(tenant)
        if tid is None:
            return _entra_error("tenant", tenant)
        if content_type.split(";")[0].strip().lower() != "application/x-www-form-urlencoded":
            return _entra_error("missing", "grant_type")
        try:
            form = dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
        except UnicodeDecodeError:
            return _entra_error("missing", "grant_type")
        for name in ("grant_type", "client_id", "scope"):
            if not form.get(name):
                return _entra_error("missing", name)
        if form["grant_type"] != "client_credentials":
            return _entra_error("grant", form["grant_type"])
        app = self._apps.get(form["client_id"])
        if app is None:
            return _entra_error("client", form["client_id"], tenant)
        if not form.get("client_secret"):
            return _entra_error("missing", "client_assertion' or 'client_secret")
        if not hmac.compare_digest(form["client_secret"].encode(), app.client_secret.encode()):
            return _entra_error("secret", app.client_id)
        if not form["scope"].endswith("/.default") or " " in form["scope"].strip():
            return _entra_error("scope", form["scope"])
        lifetime = self.config.token_lifetime
        token = self.issuer.mint(tid, app.client_id, roles=app.roles, lifetime=lifetime)
        return Response(
            json.dumps({"token_type": "Bearer", "expires_in": lifetime, "ext_expires_in": lifetime,
                        "access_token": token}),
            media_type="application/json; charset=utf-8",
            headers={"Cache-Control": "no-store, no-cache", "Pragma": "no-cache"},
        )

    # -- admin routes (not Graph: test plumbing)

    async def _reset_endpoint(self, request: Request) -> Response:
        tenant = request.query_params.get("tenant")
        self.store.reset(tenant_id_for(tenant) if tenant else None)
        return Response(status_code=204)

    async def _settle_endpoint(self, request: Request) -> Response:
        tenant = request.query_params.get("tenant") or self.config.tenant_id
        self.store.settle_now(tenant_id_for(tenant) or tenant)
        return Response(status_code=204)

    # -- Graph

    def _record(self, request: Request, body: bytes, request_id: str) -> None:
        self.store.record_request(RecordedRequest(
            method=request.method,
            path=request.url.path,
            query=request.url.query,
            headers=tuple((k, v) for k, v in request.headers.items()),
            body=body,
            request_id=request_id,
            received_at=time.time(),
        ))

    async def _graph_endpoint(self, request: Request) -> Response:
        request_id = str(uuid.uuid4())
        client_request_id = request.headers.get("client-request-id") or request_id
        try:
            body = await request.body()
            self._record(request, body, request_id)
            response = await self._graph(request, body)
        except _Drop:
            return await self._drop(request)
        except GraphFailure as failure:
            response = self._envelope(failure, request_id, client_request_id)
        except Exception as exc:
            # Never a traceback to the client: an emulator bug still answers with Graph's envelope.
            log.exception("emulator failed on %s %s", request.method, request.url.path)
            unexpected = GraphFailure(500, "generalException", f"Unexpected emulator error: {type(exc).__name__}.")
            response = self._envelope(unexpected, request_id, client_request_id)
        response.headers["request-id"] = request_id
        response.headers["client-request-id"] = client_request_id
        return response

    async def _drop(self, request: Request) -> Response:
        client = (request.client.host, request.client.port) if request.client else None
        if self.drop_connection is None or not self.drop_connection(client):
            failure = GraphFailure(500, "generalException", "The drop fault needs the emulator's own server.")
            return self._envelope(failure, "", "")
        # Let the aborted transport report connection_lost, so the server sends nothing more.
        for _ in range(3):
            await asyncio.sleep(0)
        return Response(status_code=500)

    def _envelope(self, failure: GraphFailure, request_id: str, client_request_id: str) -> Response:
        inner: dict[str, Any] = {
            "date": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S"),
            "request-id": request_id,
            "client-request-id": client_request_id,
        }
        inner.update(dict(failure.inner))
        error: dict[str, Any] = {"code": failure.code, "message": failure.message, "innerError": inner}
        if failure.details:
            error["details"] = [
                {"code": i.code, "message": i.message, "target": i.pointer or "/"} for i in failure.details
            ]
        return _json_response(failure.status, {"error": error}, dict(failure.headers))

    async def _graph(self, request: Request, body: bytes) -> Response:
        raw_path = request.scope.get("raw_path") or request.url.path.encode()
        segments = [unquote(s) for s in raw_path.decode("latin-1").split("?")[0].strip("/").split("/")]
        await self._inject_faults(request)
        version = segments[0]
        if version not in self.routes.versions:
            raise _bad_request(f"Invalid version: {version}")
        principal = self._authenticate(request)
        endpoint, params = self.routes.match(version, segments[1:], request.method.upper())
        self._authorize(endpoint, principal)
        query = self._query(request, endpoint)
        payload = self._body(request, body, endpoint) if endpoint.operation.has_request_body else None
        call = Call(
            version, endpoint, params, query, payload, principal, str(request.base_url).rstrip("/"), str(request.url)
        )
        handler = ACTION_HANDLERS.get(endpoint.operation.id) or VERB_HANDLERS.get(endpoint.operation.verb)
        if handler is None:
            raise GraphFailure(501, "NotImplemented",
                               f"The emulator has no handler for the action '{endpoint.operation.id}'.")
        return handler(self, call)

    async def _inject_faults(self, request: Request) -> None:
        faults: list[tuple[str, Fault]] = [
            (f"config:{i}", f) for i, f in enumerate(self.config.faults)
            if f.applies_to(request.method, request.url.path)
        ]
        header = request.headers.get("x-emulator-fault")
        if header:
            try:
                faults.append((f"header:{header}", Fault.parse(header)))
            except ValueError as exc:
                raise _bad_request(f"x-emulator-fault: {exc}") from None
        for key, fault in faults:
            if fault.count is not None and self.store.count_fault(key) > fault.count:
                continue
            if fault.latency:
                await asyncio.sleep(fault.latency)
            if fault.drop:
                raise _Drop()
            if fault.status is not None:
                raise _fault_failure(fault)

    def _authenticate(self, request: Request) -> Principal:
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise _token_failure("missing")
        return self.issuer.verify(token.strip())

    def _authorize(self, endpoint: Endpoint, principal: Principal) -> None:
        kind = principal.permission_type
        required = {p for op in endpoint.operations for p in op.permissions_for(kind)}
        if not any(_satisfies(principal.permissions, r) for r in required):
            raise GraphFailure(403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")

    def _query(self, request: Request, endpoint: Endpoint) -> Query:
        pairs = parse_qsl(request.url.query, keep_blank_values=True)
        allowed = QUERY_OPTIONS.get(endpoint.operation.verb, frozenset())
        seen: dict[str, str] = {}
        for name, value in pairs:
            if not name.strip():
                raise _bad_request("A query parameter has no name; give it as name=value.")
            if not name.startswith("$"):
                continue  # Graph ignores custom query parameters
            if name not in allowed:
                raise _bad_request(f"Query option '{name}' is not allowed on this request.")
            if name in seen:
                raise _bad_request(f"Query option '{name}' was specified more than once; give it at most once.")
            seen[name] = value
        type_name = endpoint.operation.response_type or endpoint.operation.type
        version = endpoint.version
        top = select = predicate = None
        offset = 0
        if "$top" in seen:
            if not _TOP.match(seen["$top"]) or not 1 <= int(seen["$top"]) <= MAX_TOP:
                raise _bad_request(f"Invalid value '{seen['$top']}' for $top: give an integer from 1 to {MAX_TOP}.")
            top = int(seen["$top"])
        if "$select" in seen:
            if not _SELECT.match(seen["$select"]):
                raise _bad_request(f"Invalid $select '{seen['$select']}': give property names separated by commas.")
            select = tuple(seen["$select"].split(","))
            props = self.renderer.properties(version, type_name)
            for name in select:
                if name not in props:
                    raise _bad_request(
                        f"Could not find a property named '{name}' on type 'microsoft.graph.{type_name}'."
                    )
        if "$filter" in seen:
            predicate = FilterParser(self.renderer, version, type_name).parse(seen["$filter"])
        if "$skiptoken" in seen:
            offset = _read_skiptoken(seen["$skiptoken"])
        return Query(top, select, predicate, offset, tuple(pairs))

    def _body(self, request: Request, body: bytes, endpoint: Endpoint) -> Any:
        content_type = request.headers.get("content-type", "")
        if content_type.split(";")[0].strip().lower() != "application/json":
            shown = content_type or "none"
            raise _bad_request(f"The Content-Type '{shown}' is not supported for this request; send application/json.")
        try:
            payload = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise _bad_request(f"The request body is not valid JSON: {exc}.") from None
        issues = [i for i in self._validator(endpoint).validate(payload) if i.severity == "error"]
        if issues:
            first = issues[0]
            raise _bad_request(f"Invalid request body: {first.pointer or '/'}: {first.message}", issues)
        return payload

    def _validator(self, endpoint: Endpoint) -> Validator:
        key = (endpoint.version, endpoint.operation.id)
        if key not in self._validators:
            self._validators[key] = Validator.for_operation(
                endpoint.operation.id, version=endpoint.version, direction="request", profile="contract"
            )
        return self._validators[key]

    # -- entity helpers used by the handlers

    def new_record(self, call: Call, declared: str, body: Mapping[str, Any]) -> Record:
        """A stored entity from a request body: server-owned values dropped, id and stamps set."""
        actual = self.renderer.actual_type(call.version, declared, body.get("@odata.type"))
        props = self.renderer.properties(call.version, actual)
        owned = SERVER_OWNED.get(declared, frozenset())
        data: dict[str, Any] = {
            k: v for k, v in body.items()
            if k in props and not props[k].read_only and k not in owned
        }
        if actual != declared:
            data["@odata.type"] = f"#microsoft.graph.{actual}"
        data["id"] = str(uuid.uuid4())
        now = _now()
        for stamp in CREATED_STAMPS & props.keys():
            data[stamp] = now
        return Record(data=data, created=time.monotonic())

    def admit(self, record: Record, declared: str, seen_hashes: set[str]) -> None:
        """Run what creating an entity of ``declared`` sets in motion (``CREATE_HOOKS``)."""
        hook = CREATE_HOOKS.get(declared)
        if hook is not None:
            hook(self, record, seen_hashes)


def _fault_failure(fault: Fault) -> GraphFailure:
    assert fault.status is not None
    code, message = FAULT_ERRORS[fault.status]
    headers: list[tuple[str, str]] = []
    retry_after = fault.retry_after if fault.retry_after is not None else (1.0 if fault.status == 429 else None)
    if retry_after is not None:
        headers.append(("Retry-After", _seconds(retry_after)))
    inner: tuple[tuple[str, str], ...] = ()
    if fault.status == 429:
        inner = (("code", "429"), ("message", "Please retry after"), ("status", "429"))
    return GraphFailure(fault.status, code, message, headers=tuple(headers), inner=inner)


def _seconds(value: float) -> str:
    """``Retry-After`` as Graph writes it: an integer when whole, else decimal seconds (``2.128``)."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


#: Entra's error for each token-endpoint failure: status, error, AADSTS number, description.
ENTRA_ERRORS: Mapping[str, tuple[int, str, int, str]] = {
    "missing": (400, "invalid_request", 900144,
                "The request body must contain the following parameter: '{0}'."),
    "grant": (400, "unsupported_grant_type", 70003,
              "The app requested an unsupported grant type '{0}'."),
    "client": (400, "unauthorized_client", 700016,
               "Application with identifier '{0}' was not found in the directory '{1}'."),
    "secret": (401, "invalid_client", 7000215,
               "Invalid client secret provided. Ensure the secret being sent in the request is the client "
               "secret value, not the client secret ID, for a secret added to app '{0}'."),
    "scope": (400, "invalid_scope", 1002012,
              "The provided value for scope {0} is not valid. Client credential flows must have a scope "
              "value with /.default suffixed to the resource identifier (application ID URI)."),
    "tenant": (400, "invalid_request", 900023,
               "Specified tenant identifier '{0}' is neither a valid DNS name, nor a valid external domain."),
    "server": (500, "server_error", 50000, "{0}"),
}


def _entra_error(kind: str, *args: str) -> Response:
    status, error, number, template = ENTRA_ERRORS[kind]
    trace, correlation = str(uuid.uuid4()), str(uuid.uuid4())
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%SZ")
    description = (f"AADSTS{number}: {template.format(*args)} Trace ID: {trace} "
                   f"Correlation ID: {correlation} Timestamp: {stamp}")
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


# --------------------------------------------------------------------------- handlers


def _not_found(call: Call) -> GraphFailure:
    # Intune wraps its own error object in the message; clients branch on the code.
    inner = json.dumps({
        "_version": 3,
        "Message": f"No {call.op.type} with id '{call.entity_id()}' exists. - Url: {call.url}",
        "CustomApiErrorPhrase": "",
        "RetryAfter": None,
        "ErrorSourceService": "",
        "HttpHeaders": "{}",
    })
    return GraphFailure(404, "ResourceNotFound", inner)


def _context(call: Call, suffix: str) -> str:
    return f"{call.base_url}/{call.version}/$metadata#{suffix}"


def _select(entity: dict[str, Any], select: tuple[str, ...] | None) -> dict[str, Any]:
    if select is None:
        return entity
    return {k: v for k, v in entity.items() if k in select or k == "@odata.type"}


def _handle_get(emulator: Emulator, call: Call) -> Response:
    with emulator.store.tenant(call.tenant) as state:
        record = state.collection(call.endpoint.collection).get(call.entity_id())
        if record is None:
            raise _not_found(call)
        entity = emulator.renderer.entity(call.version, call.op.type, record.data)
        emulator.store.read(record)
    body = {"@odata.context": _context(call, f"deviceManagement/{call.endpoint.collection}/$entity")}
    body.update(_select(entity, call.query.select))
    return _json_response(call.op.success_status, body)


def _handle_list(emulator: Emulator, call: Call) -> Response:
    query = call.query
    page_size = query.top or emulator.config.page_size
    with emulator.store.tenant(call.tenant) as state:
        rendered = [
            (record, emulator.renderer.entity(call.version, call.op.type, record.data))
            for record in state.collection(call.endpoint.collection).values()
        ]
        matching = [(r, e) for r, e in rendered if query.predicate is None or query.predicate(e)]
        page = matching[query.offset: query.offset + page_size]
        for record, _ in page:
            emulator.store.read(record)
    body: dict[str, Any] = {
        "@odata.context": _context(call, f"deviceManagement/{call.endpoint.collection}"),
        "value": [_select(e, query.select) for _, e in page],
    }
    if query.offset + page_size < len(matching):
        kept = [(k, v) for k, v in query.raw if k != "$skiptoken"]
        kept.append(("$skiptoken", _skiptoken(query.offset + page_size)))
        body["@odata.nextLink"] = (
            f"{call.base_url}/{call.version}{call.endpoint.template}?{urlencode(kept, quote_via=quote, safe='$')}"
        )
    return _json_response(call.op.success_status, body)


def _handle_create(emulator: Emulator, call: Call) -> Response:
    declared = call.op.body_type or call.op.type
    record = emulator.new_record(call, declared, call.body)
    with emulator.store.tenant(call.tenant) as state:
        emulator.admit(record, declared, set())
        state.collection(call.endpoint.collection)[record.data["id"]] = record
        entity = emulator.renderer.entity(call.version, declared, record.data)
    body = {"@odata.context": _context(call, f"deviceManagement/{call.endpoint.collection}/$entity")}
    body.update(entity)
    return _json_response(call.op.success_status, body)


def _handle_update(emulator: Emulator, call: Call) -> Response:
    declared = call.op.body_type or call.op.type
    with emulator.store.tenant(call.tenant) as state:
        record = state.collection(call.endpoint.collection).get(call.entity_id())
        if record is None:
            raise _not_found(call)
        changes = emulator.new_record(call, declared, call.body).data
        changes.pop("id")
        for stamp in CREATED_STAMPS - MODIFIED_STAMPS:
            changes.pop(stamp, None)
        record.data.update(changes)
        entity = emulator.renderer.entity(call.version, declared, record.data)
    if call.op.response_kind == "none":
        return Response(status_code=call.op.success_status)
    return _json_response(call.op.success_status, entity)


def _handle_delete(emulator: Emulator, call: Call) -> Response:
    # Deleting an imported identity leaves the registered device alone, as in Intune.
    with emulator.store.tenant(call.tenant) as state:
        if state.collection(call.endpoint.collection).pop(call.entity_id(), None) is None:
            raise _not_found(call)
    return Response(status_code=call.op.success_status)


def _handle_import(emulator: Emulator, call: Call) -> Response:
    """The import action: every record created pending, in one batch for duplicate detection."""
    records_in = call.body.get(call.op.parameters[0].name) if call.op.parameters else None
    declared = call.op.parameters[0].type if call.op.parameters else call.op.type
    seen: set[str] = set()
    out = []
    with emulator.store.tenant(call.tenant) as state:
        for item in records_in or []:
            record = emulator.new_record(call, declared, item)
            emulator.admit(record, declared, seen)
            state.collection(call.endpoint.collection)[record.data["id"]] = record
            out.append(emulator.renderer.entity(call.version, declared, record.data))
    body = {"@odata.context": _context(call, f"Collection(microsoft.graph.{declared})"), "value": out}
    return _json_response(call.op.success_status, body)


def _admit_autopilot_import(emulator: Emulator, record: Record, seen_hashes: set[str]) -> None:
    """Decide now what DDS will say later: a repeated hash in the batch, or a hash that fails the rule.

    Whether the serial is already registered (806/808) is decided when the
    import settles, because another import may register it meanwhile.
    """
    hardware = record.data.get("hardwareIdentifier")
    planned: DdsError | None = None
    if isinstance(hardware, str) and hardware:
        decoded, issues = analyse_hardware_hash(hardware, "/hardwareIdentifier")
        if hardware in seen_hashes:
            planned = DUPLICATED
        elif any(i.intune_outcome == INVALID_HASH.name for i in issues):
            planned = INVALID_HASH
        seen_hashes.add(hardware)
        if decoded is not None:
            facts = {"manufacturer": decoded.manufacturer, "model": decoded.model}
            record.device_facts = {k: v for k, v in facts.items() if v}
    emulator.store.admit_import(record, planned)


#: Plain CRUD, by the operation's verb: served for any contract operation with that verb.
VERB_HANDLERS: Mapping[str, Handler] = {
    "get": _handle_get,
    "list": _handle_list,
    "create": _handle_create,
    "update": _handle_update,
    "delete": _handle_delete,
}

#: Actions, by operation id: the only operations that need code of their own.
ACTION_HANDLERS: Mapping[str, Handler] = {
    "importedWindowsAutopilotDeviceIdentity.import": _handle_import,
}

#: What creating an entity of a type sets in motion (the asynchronous Autopilot import).
CREATE_HOOKS: Mapping[str, Callable[[Emulator, Record, set[str]], None]] = {
    "importedWindowsAutopilotDeviceIdentity": _admit_autopilot_import,
}


# --------------------------------------------------------------------------- serving


class _Server(uvicorn.Server):
    """uvicorn, plus what the emulator needs from the server: drop a connection, report readiness,
    and stop on SIGINT/SIGTERM without re-raising the signal (uvicorn's default), so the CLI exits 0."""

    def __init__(self, config: uvicorn.Config, on_ready: Callable[[], None] | None = None) -> None:
        super().__init__(config)
        self._on_ready = on_ready

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if self.started and self._on_ready is not None:
            self._on_ready()

    @contextmanager
    def capture_signals(self) -> Iterator[None]:
        if threading.current_thread() is not threading.main_thread():
            yield
            return

        def stop(sig: int, frame: FrameType | None) -> None:
            if self.should_exit and sig == signal.SIGINT:
                self.force_exit = True
            self.should_exit = True

        original = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield
        finally:
            for sig, handler in original.items():
                signal.signal(sig, handler)

    def drop(self, client: tuple[str, int] | None) -> bool:
        for connection in list(self.server_state.connections):
            if client is not None and getattr(connection, "client", None) == client:
                transport = getattr(connection, "transport", None)
                if transport is not None:
                    transport.abort()
                    return True
        return False


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def _uvicorn_config(emulator: Emulator, host: str, port: int) -> uvicorn.Config:
    return uvicorn.Config(
        emulator.app, host=host, port=port, log_level="warning", access_log=False, lifespan="off",
        http="h11", loop="asyncio",
    )


def _base_url(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


class EmulatorHandle:
    """A running emulator, as tests use it: URLs, tokens, the request log, reset."""

    def __init__(self, emulator: Emulator, base_url: str) -> None:
        self.emulator = emulator
        self.base_url = base_url

    @property
    def config(self) -> EmulatorConfig:
        return self.emulator.config

    @property
    def tenant_id(self) -> str:
        return self.emulator.config.tenant_id

    def graph_url(self, version: str = "v1.0") -> str:
        """The Graph root of a version, e.g. ``http://127.0.0.1:PORT/v1.0``."""
        return f"{self.base_url}/{version}"

    def token_url(self, tenant: str | None = None) -> str:
        return f"{self.base_url}/{tenant or self.tenant_id}/oauth2/v2.0/token"

    def token(
        self,
        roles: Iterable[str] | None = None,
        *,
        scopes: Iterable[str] = (),
        tenant: str | None = None,
        lifetime: float | None = None,
    ) -> str:
        """A token as the token endpoint would issue it, without the round trip.

        ``roles=None`` (and no ``scopes``) gives the default app's roles; pass
        ``roles=()`` for a valid token with no permission (the 403 case), or
        ``scopes`` for a delegated token. A ``lifetime`` <= 0 gives an expired token.
        """
        scopes = tuple(scopes)
        if roles is None:
            roles = () if scopes else DEFAULT_APP.roles
        return self.emulator.mint_token(tenant=tenant, roles=roles, scopes=scopes, lifetime=lifetime)

    def headers(self, roles: Iterable[str] | None = None, **token_options: Any) -> dict[str, str]:
        """``Authorization`` and ``Accept`` headers for a request with ``token(...)``."""
        return {"Authorization": f"Bearer {self.token(roles, **token_options)}", "Accept": "application/json"}

    @property
    def received(self) -> tuple[RecordedRequest, ...]:
        """Every request the emulator received since start or the last reset, in arrival order."""
        return self.emulator.store.received

    def reset(self, tenant: str | None = None) -> None:
        """Forget entities (of one tenant, or all together with the request log and fault counters)."""
        self.emulator.store.reset(tenant_id_for(tenant) if tenant else None)

    def settle_imports(self, tenant: str | None = None) -> None:
        """Settle every pending import now instead of polling."""
        self.emulator.store.settle_now(tenant_id_for(tenant or self.tenant_id) or self.tenant_id)

    def snapshot(self, tenant: str | None = None) -> Mapping[str, list[dict[str, Any]]]:
        return self.emulator.store.snapshot(tenant_id_for(tenant or self.tenant_id) or self.tenant_id)


@contextmanager
def running_emulator(config: EmulatorConfig | None = None, *, host: str = "127.0.0.1") -> Iterator[EmulatorHandle]:
    """Run an emulator on a free loopback port in a background thread for the ``with`` block."""
    emulator = Emulator(config)
    sock = _bind(host, 0)
    port = sock.getsockname()[1]
    server = _Server(_uvicorn_config(emulator, host, port))
    emulator.drop_connection = server.drop
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="graph-emulator", daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            sock.close()
            raise RuntimeError("the Graph emulator did not start")
        time.sleep(0.01)
    try:
        yield EmulatorHandle(emulator, _base_url(host, port))
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def serve(
    host: str = "127.0.0.1",
    port: int = 0,
    config: EmulatorConfig | None = None,
    *,
    out: Any = None,
) -> None:
    """Serve in the foreground until Ctrl-C or SIGTERM; prints the base URL, then a ready line."""
    stream = out or sys.stdout
    emulator = Emulator(config)
    sock = _bind(host, port)
    base = _base_url(host, sock.getsockname()[1])
    app = emulator.config.apps[0] if emulator.config.apps else None

    def ready() -> None:
        print(f"graph-contracts emulator: {base}", file=stream)
        print(f"  Graph:  {base}/v1.0  {base}/beta", file=stream)
        print(f"  tokens: POST {base}/{emulator.config.tenant_id}/oauth2/v2.0/token", file=stream)
        if app is not None:
            print(f"  client: id {app.client_id}  secret {app.client_secret}", file=stream)
        print("ready (Ctrl-C to stop)", file=stream, flush=True)

    server = _Server(_uvicorn_config(emulator, host, sock.getsockname()[1]), on_ready=ready)
    emulator.drop_connection = server.drop
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
    print("graph-contracts emulator: stopped", file=stream, flush=True)


#: CLI option name -> how to turn its value into an ``EmulatorConfig`` field.
CLI_OPTIONS: Mapping[str, tuple[str, Callable[[Any], Any]]] = {
    "fault": ("faults", lambda v: tuple(Fault.parse(f) for f in ([v] if isinstance(v, str) else v))),
    "faults": ("faults", lambda v: tuple(Fault.parse(f) if isinstance(f, str) else f for f in v)),
    "tenant_id": ("tenant_id", str),
    "import_pending_reads": ("import_pending_reads", lambda v: None if v is None else int(v)),
    "import_pending_seconds": ("import_pending_seconds", lambda v: None if v is None else float(v)),
    "page_size": ("page_size", int),
    "token_lifetime": ("token_lifetime", int),
    "client_id": ("client_id", str),
    "client_secret": ("client_secret", str),
}


def config_from_options(**options: Any) -> EmulatorConfig:
    """An ``EmulatorConfig`` from CLI-style options; ``None`` values keep the default.

    ``client_id``/``client_secret`` replace the default app's credentials;
    ``fault`` takes one or more fault strings (``"429;retry-after=1.5;count=2"``).
    Raises ``ValueError`` naming the option it cannot use.
    """
    fields: dict[str, Any] = {}
    for name, value in options.items():
        if name not in CLI_OPTIONS:
            raise ValueError(f"unknown emulator option {name!r}; known: {', '.join(sorted(CLI_OPTIONS))}")
        if value is None or value == ():
            continue
        key, convert = CLI_OPTIONS[name]
        fields[key] = convert(value)
    client_id = fields.pop("client_id", None)
    client_secret = fields.pop("client_secret", None)
    if client_id or client_secret:
        app = replace(DEFAULT_APP, client_id=client_id or DEFAULT_APP.client_id,
                      client_secret=client_secret or DEFAULT_APP.client_secret)
        fields["apps"] = (app,)
    return EmulatorConfig(**fields)


def run_emulator_cli(host: str = "127.0.0.1", port: int = 0, **options: Any) -> int:
    """What ``graph-contracts emulator [--host H] [--port N]`` runs; returns the exit status.

    Options are those of ``config_from_options``. Bad options and a port that
    cannot be bound are reported on stderr with exit status 2, never a traceback.
    """
    try:
        config = config_from_options(**options)
    except ValueError as exc:
        print(f"graph-contracts emulator: {exc}", file=sys.stderr)
        return 2
    try:
        serve(host, port, config)
    except OSError as exc:
        print(f"graph-contracts emulator: cannot listen on {host}:{port}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    return 0



"""The local Graph emulator: every contract operation served over loopback HTTP, with Entra-style auth.

Routes come from the contracts, not from code, so a new contract operation is
served without new route code; only actions (``import``) need a handler.
Behaviour follows Graph and Intune where the reference notes state it (error
envelope, ``request-id``, 429 with ``Retry-After``, the asynchronous import
with DDS error codes). State is in memory, per tenant (the token's ``tid``).

The package, one job per module, in the order a request meets them:

- ``config``      what an emulator is started with (``EmulatorConfig``, ``Limits``, apps, tenants)
- ``server``      uvicorn on a loopback socket; ``running_emulator()`` and ``serve()``
- ``connection``  one client connection: TCP_NODELAY, one write per answer, the header deadline
- ``app``         one request's way through limits, faults, auth, routing, query, body, handler
- ``limits``      reading a body under a cap and a deadline; JSON fit to store
- ``faults``      injected failures (status, latency, dropped connection)
- ``entra``       the token endpoint and Entra's ``AADSTS`` errors
- ``tokens``      minting and checking tokens; who a token speaks for
- ``routes``      (version, path, method) from the contracts, matched to a request
- ``odata``       ``$filter``, ``$select``, ``$top`` and paging
- ``handlers``    what each operation does to the store
- ``render``      entities in a version's shape, JSON answers, the error envelope
- ``failures``    Graph's error answers as data
- ``state``       per-tenant entities, the import lifecycle, the request log
- ``seed``        a tenant's state to start with (``--state FILE``), checked with JSON pointers
- ``users``       ``GET /users/{id | userPrincipalName}``, the one directory route
- ``conditions``  whether a request's query meets a service fact's ``when`` ($select, contains with a hyphen)

``graph-contracts emulator`` (in ``graph_contracts.cli``) serves it from the command line.
"""

from __future__ import annotations

from .app import Emulator, RequestLine
from .config import (
    ADMIN_ROLE,
    DEFAULT_APP,
    DEFAULT_TENANT,
    NO_PERMISSION_APP,
    READ_ONLY_APP,
    AppRegistration,
    EmulatorConfig,
    Limits,
)
from .faults import Fault
from .server import EmulatorHandle, running_emulator, serve
from .state import RecordedRequest

__all__ = [
    "ADMIN_ROLE",
    "DEFAULT_APP",
    "DEFAULT_TENANT",
    "NO_PERMISSION_APP",
    "READ_ONLY_APP",
    "AppRegistration",
    "Emulator",
    "EmulatorConfig",
    "EmulatorHandle",
    "Fault",
    "Limits",
    "RecordedRequest",
    "RequestLine",
    "running_emulator",
    "serve",
]

"""What an emulator is started with: tenants, the apps the token endpoint knows, faults, limits.

``EmulatorConfig`` is frozen so a running emulator's rules cannot drift; a
test that wants other rules starts another emulator. ``Limits`` bounds what
one request or one client can cost (body size, time, the request log).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ...contracts import ContractSet
from .faults import Fault
from .seed import TenantSeed
from .state import ImportLifecycle

#: The tenant ``EmulatorHandle.token()`` uses when none is named.
DEFAULT_TENANT = "00000000-0000-4000-8000-00000000e1e1"


@dataclass(frozen=True)
class AppRegistration:
    """An app the token endpoint knows: client credentials and its granted application permissions."""

    client_id: str
    client_secret: str
    roles: tuple[str, ...] = ("DeviceManagementServiceConfig.ReadWrite.All",)


#: The app role the emulator's own admin routes (``/_emulator/reset``, ``/_emulator/settle``) require.
ADMIN_ROLE = "Emulator.Admin"

#: The app every emulator knows unless the config replaces the list: the emulator's own client,
#: which may also call the admin routes.
DEFAULT_APP = AppRegistration(
    client_id="4c0e5c2a-7d3b-4f4e-9a58-6d1b1e5e0a01",
    client_secret="graph-contracts-emulator-secret",
    roles=("DeviceManagementServiceConfig.ReadWrite.All", ADMIN_ROLE),
)

#: An app with only the read permission: its token is the suite's "read" token (a write is a 403).
READ_ONLY_APP = AppRegistration(
    client_id="4c0e5c2a-7d3b-4f4e-9a58-6d1b1e5e0a02",
    client_secret="graph-contracts-emulator-read-only-secret",
    roles=("DeviceManagementServiceConfig.Read.All",),
)

#: An app without any permission: its token is valid, and every Graph operation is a 403.
NO_PERMISSION_APP = AppRegistration(
    client_id="4c0e5c2a-7d3b-4f4e-9a58-6d1b1e5e0a03",
    client_secret="graph-contracts-emulator-no-permission-secret",
    roles=(),
)

#: Graph's documented limit on a request's size (graph-facts: "Request size limit: 4 MB").
MAX_BODY_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """What one request or connection may cost, so no client can exhaust memory or hold the server.

    ``max_body_bytes``: a larger body is answered 413 and not read past the cap.
    ``request_log_size``/``request_log_bytes``: the request log is a ring that
    forgets its oldest entries past either bound. ``header_timeout``: a
    request's headers must arrive within this many seconds of the connection
    opening or of the previous answer; ``keep_alive_timeout`` closes an idle
    connection; ``body_timeout``: the whole body must arrive within this many
    seconds of the headers (408 otherwise). ``shutdown_timeout``: how long a
    stopping server waits for answers in flight before it cancels them.
    ``max_json_depth``: deeper request bodies are a 400, not a stack overflow.
    """

    max_body_bytes: int = MAX_BODY_BYTES
    request_log_size: int = 10_000
    request_log_bytes: int = 64 * 1024 * 1024
    header_timeout: float = 10.0
    keep_alive_timeout: float = 5.0
    body_timeout: float = 30.0
    shutdown_timeout: float = 1.0
    max_json_depth: int = 64


@dataclass(frozen=True)
class EmulatorConfig:
    """Everything an emulator is started with; frozen so a running emulator's rules cannot drift.

    ``apps``: the emulator's own client (``DEFAULT_APP``, first: it is the one
    ``graph-contracts emulator`` prints), and an app with only the read
    permission and one with none, so a client of a running emulator can get
    each kind of token the contract suite uses from the token endpoint.
    ``tenant_id`` is the default tenant and ``tenants`` (GUIDs or domain names)
    the others the token endpoint serves; any other tenant gets Entra's
    "tenant not found". ``import_pending_reads``/``import_pending_seconds``:
    when a pending import settles (see ``ImportLifecycle``). ``signing_key``
    defaults to a random key per emulator, so tokens of one emulator never
    pass another. ``admin_routes=False`` answers the ``/_emulator/*`` routes
    with 404, as if they did not exist. A token with ``ADMIN_ROLE`` acts on its
    own tenant only; ``emulator_admins`` names the apps (client ids) whose
    admin tokens may act on any tenant, or reset every tenant at once. ``as_documented=True`` serves the
    operations the service refuses (the overlay's service facts) as their pages
    document them; by default the emulator answers as the service does.
    ``seed``: a tenant's state to start with (``--state FILE``, see ``seed.py``).
    """

    apps: tuple[AppRegistration, ...] = (DEFAULT_APP, READ_ONLY_APP, NO_PERMISSION_APP)
    tenant_id: str = DEFAULT_TENANT
    tenants: tuple[str, ...] = ()
    faults: tuple[Fault, ...] = ()
    import_pending_reads: int | None = 1
    import_pending_seconds: float | None = None
    page_size: int = 100
    token_lifetime: int = 3600
    signing_key: bytes | None = None
    admin_routes: bool = True
    emulator_admins: tuple[str, ...] = ()
    as_documented: bool = False
    limits: Limits = Limits()
    contracts: ContractSet | None = field(default=None, compare=False)
    seed: TenantSeed | None = field(default=None, compare=False)

    @property
    def lifecycle(self) -> ImportLifecycle:
        return ImportLifecycle(self.import_pending_reads, self.import_pending_seconds)

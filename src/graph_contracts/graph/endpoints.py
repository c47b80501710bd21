"""The seam where the emulator, recorded cassettes and a live tenant meet: an ``Endpoint``.

The suite and the CLI only ever ask an endpoint three things: where Graph is,
a token with or without the documented permission, and whether writes are
allowed. Everything else (retries, recording, scrubbing) sits in the client
and the recording layer, identical for all three.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Literal, Protocol

from ..errors import ConfigurationError, GraphContractsError
from .auth import ClientCredentials, TokenSource, token_source_from_env
from .clouds import cloud as cloud_named

EndpointKind = Literal["emulator", "replay", "live"]
TokenKind = Literal["write", "read", "none", "scratch"]

#: Where replayed requests appear to go; cassettes match without the host, so any URL works.
REPLAY_BASE_URL = "https://graph.replay.invalid"
#: What a replayed request carries instead of a token; scrubbed cassettes hold the same placeholder.
REPLAY_TOKEN = "replay-token"
#: The emulator tenant behind ``token("scratch")``: one no other test writes to.
SCRATCH_TENANT = "5c7a7c4e-0000-4000-8000-00000000a5c7"


class Endpoint(Protocol):
    """A Graph endpoint the suite can talk to.

    ``token(kind)`` returns a bearer token: ``"write"`` holds the documented
    write permission, ``"read"`` only a read permission, ``"none"`` is valid
    but holds no permission (None when the endpoint cannot issue such a token,
    as a live tenant usually cannot). ``"scratch"`` writes in a tenant of its
    own that nothing else touches, so a test can start from a known state (the
    emulator's ``SCRATCH_TENANT``; None on a live tenant). ``allows_writes`` is
    False for a live tenant unless the user said otherwise.
    """

    @property
    def kind(self) -> EndpointKind: ...

    @property
    def base_url(self) -> str: ...

    @property
    def allows_writes(self) -> bool: ...

    def token(self, kind: TokenKind = "write") -> str | None: ...


@dataclass
class EmulatorEndpoint:
    """The embedded emulator, started on a free loopback port for as long as the context lasts."""

    base_url: str
    handle: object
    kind: EndpointKind = "emulator"
    allows_writes: bool = True
    _sources: dict[TokenKind, TokenSource] = field(default_factory=dict)

    def token(self, kind: TokenKind = "write") -> str | None:
        from .emulator import EmulatorHandle

        handle = self.handle
        assert isinstance(handle, EmulatorHandle)
        if kind == "write" and "write" not in self._sources:
            app = handle.config.apps[0]
            # The real token endpoint round trip, as a client-credentials app does it.
            self._sources["write"] = ClientCredentials(
                handle.tenant_id,
                app.client_id,
                app.client_secret,
                authority=handle.base_url,
                scope="https://graph.microsoft.com/.default",
            )
        if kind == "write":
            return self._sources["write"].token()
        if kind == "read":
            return handle.token(["DeviceManagementServiceConfig.Read.All"])
        if kind == "scratch":
            return handle.token(tenant=SCRATCH_TENANT)
        return handle.token(())


@dataclass
class RunningEmulatorEndpoint:
    """An emulator started elsewhere (``graph-contracts emulator``), reached at its URL.

    Emulator semantics (writes allowed, no live-mode waits) with every token
    from the emulator's own token endpoint, as a client of it gets them: the
    emulator's client in the default tenant (``write``) and in the suite's
    scratch tenant (``scratch``), and the apps it registers with only the read
    permission (``read``) or none (``none``). Its rules (faults, tenants,
    ``--as-documented``) are the ones it was started with.
    """

    base_url: str
    kind: EndpointKind = "emulator"
    allows_writes: bool = True
    _sources: dict[TokenKind, TokenSource] = field(default_factory=dict)

    def token(self, kind: TokenKind = "write") -> str | None:
        if kind not in self._sources:
            from .emulator import DEFAULT_APP, DEFAULT_TENANT, NO_PERMISSION_APP, READ_ONLY_APP

            tenant, app = {
                "write": (DEFAULT_TENANT, DEFAULT_APP),
                "read": (DEFAULT_TENANT, READ_ONLY_APP),
                "none": (DEFAULT_TENANT, NO_PERMISSION_APP),
                "scratch": (SCRATCH_TENANT, DEFAULT_APP),
            }[kind]
            self._sources[kind] = ClientCredentials(
                tenant,
                app.client_id,
                app.client_secret,
                authority=self.base_url,
                scope="https://graph.microsoft.com/.default",
            )
        return self._sources[kind].token()


@dataclass(frozen=True)
class ReplayEndpoint:
    """Recorded cassettes: nothing is contacted, every request must be in a cassette."""

    base_url: str = REPLAY_BASE_URL
    kind: EndpointKind = "replay"
    allows_writes: bool = True

    def token(self, kind: TokenKind = "write") -> str | None:
        return REPLAY_TOKEN


@dataclass
class LiveEndpoint:
    """A real tenant. Tokens come from GRAPH_TOKEN or azure-identity's environment variables.

    ``GRAPH_TOKEN_NO_PERMISSION`` (an app without the Autopilot permissions)
    and ``GRAPH_TOKEN_READ_ONLY`` (an app with only the read permission), when
    set, let the 403 checks run against the tenant too.
    """

    base_url: str
    source: TokenSource
    allows_writes: bool = False
    kind: EndpointKind = "live"

    def token(self, kind: TokenKind = "write") -> str | None:
        if kind == "scratch":
            return None  # a live tenant is shared: there is no tenant of the test's own
        if kind == "none":
            return os.environ.get("GRAPH_TOKEN_NO_PERMISSION") or None
        if kind == "read":
            return os.environ.get("GRAPH_TOKEN_READ_ONLY") or None
        return self.source.token()


@contextmanager
def open_endpoint(
    kind: EndpointKind,
    *,
    cloud: str = "global",
    base_url: str | None = None,
    allow_writes: bool = False,
    as_documented: bool = False,
    emulator_tenants: tuple[str, ...] = (),
) -> Iterator[Endpoint]:
    """Start or connect to the endpoint of ``kind`` and stop it when the block ends.

    ``as_documented`` makes the emulator serve what the service refuses as the pages document it.
    ``emulator_tenants``: tenants besides the default one that the embedded
    emulator's token endpoint serves (any other gets Entra's "tenant not found").
    An ``emulator`` with a ``base_url`` is one already running there (started
    with ``graph-contracts emulator``): nothing is started, and its own options apply.
    """
    if kind == "emulator" and base_url is not None:
        running = RunningEmulatorEndpoint(base_url.rstrip("/"))
        try:
            running.token("write")  # one clear message now, rather than a failure in every test
        except GraphContractsError as exc:
            raise ConfigurationError("base_url", f"no graph-contracts emulator answers at {base_url}: {exc}") from None
        yield running
        return
    if kind == "emulator":
        from .emulator import EmulatorConfig, running_emulator

        with ExitStack() as stack:
            config = EmulatorConfig(tenants=emulator_tenants, as_documented=as_documented)
            handle = stack.enter_context(running_emulator(config))
            yield EmulatorEndpoint(base_url=handle.base_url, handle=handle)
        return
    if kind == "replay":
        yield ReplayEndpoint(base_url=base_url or REPLAY_BASE_URL)
        return
    if kind == "live":
        chosen = cloud_named(cloud)
        yield LiveEndpoint(
            base_url=base_url or chosen.graph_base, source=token_source_from_env(cloud), allows_writes=allow_writes
        )
        return
    raise ConfigurationError("endpoint", f"unknown endpoint {kind!r}", ("emulator", "replay", "live"))

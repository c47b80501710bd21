"""What an emulator is started with: the tenant, the apps the token endpoint knows, faults, lifecycle.

``EmulatorConfig`` is frozen so a running emulator's rules cannot drift; a
test that wants other rules starts another emulator.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ...contracts import ContractSet
from .faults import Fault
from .state import ImportLifecycle

#: The tenant ``EmulatorHandle.token()`` uses when none is named.
DEFAULT_TENANT = "00000000-0000-4000-8000-00000000e1e1"


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

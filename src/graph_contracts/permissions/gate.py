"""Before a live run: does the token hold what the selected operations need? Answered before any request.

The token is decoded locally (never verified: see :mod:`.token`); each
operation's accepted permissions come from :func:`.needs.requirement`, the
same rule the emulator follows. A missing permission is named with the ``az``
line that adds it, so the refusal says how to fix it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .data import PermissionData
from .needs import az_commands, requirement
from .token import NOT_VERIFIED, TokenClaims

if TYPE_CHECKING:
    from ..contracts import ContractSet, Operation


@dataclass(frozen=True)
class MissingPermission:
    """A permission the token lacks, the operations that need it, and the command that adds it."""

    permission: str
    operations: tuple[str, ...]
    command: str | None


def missing_permissions(
    claims: TokenClaims, operations: Iterable[Operation], contracts: ContractSet, data: PermissionData
) -> tuple[MissingPermission, ...]:
    """The least permissions the token lacks for ``operations`` (each once, with the operations needing it)."""
    needed: dict[str, list[str]] = {}
    for op in operations:
        need = requirement(contracts, op, claims.kind, data)
        if need.least is not None and not claims.permissions & set(need.accepted):
            needed.setdefault(need.least, []).append(f"{op.version} {op.id}")
    out = []
    for name, ops in sorted(needed.items()):
        info = data.info(name, claims.kind)
        commands, _ = az_commands(info) if info is not None else ((), ())
        out.append(MissingPermission(name, tuple(dict.fromkeys(ops)), commands[0].command if commands else None))
    return tuple(out)


def refusal_line(missing: tuple[MissingPermission, ...], kind: str) -> str:
    """One line: what is missing, for what, and how to add it (the first missing permission's command)."""
    first = missing[0]
    more = f" (and {', '.join(m.permission for m in missing[1:])})" if len(missing) > 1 else ""
    how = f"add it: {first.command}, then grant admin consent" if first.command else "add it to the app registration"
    return (
        f"the token ({kind}) lacks {first.permission}{more}, which {len(first.operations)} selected operations need "
        f"(e.g. {first.operations[0]}); {how}; no request was sent ({NOT_VERIFIED})"
    )

"""What operations, requests and tokens need: least permissions, covering sets, predicted 403s, over-grants.

Everything here is answered from :class:`~.data.PermissionData` alone (and,
for the emulator's rule, the operation's page table), offline, and returned
as frozen dataclasses for the CLI to print and the suite, emulator and SDK
gate to use. A request the data does not know is reported as unknown and
never given a guessed permission.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..errors import ConfigurationError
from .check import page_permissions
from .data import KINDS, Kind, Match, OperationRef, PermissionData, PermissionInfo, RouteRule
from .token import NOT_VERIFIED, TokenClaims

if TYPE_CHECKING:
    from ..contracts import ContractSet, Operation

#: Microsoft Graph's application id: the ``--api`` of every ``az ad app permission add`` for Graph.
GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"

#: ``provisioningInfo.json`` environments and the ``az cloud set --name`` of each; others have no public az cloud.
AZ_CLOUDS: Mapping[str, str] = {
    "public": "AzureCloud",
    "fairfax": "AzureUSGovernment",
    "mooncake": "AzureChinaCloud",
}

#: How ``az ad app permission add`` names a permission of each kind.
AZ_TYPES: Mapping[Kind, str] = {"Application": "Role", "DelegatedWork": "Scope"}

#: How many request locations a route keeps as examples: memory stays bounded whatever the traffic's size.
EXAMPLES_KEPT = 3
#: How many distinct unknown paths are told apart; the rest are counted together.
UNKNOWN_ROUTES_KEPT = 200

_KEYLIKE = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|[0-9]+|\{id\}")


def _shape(path: str) -> str:
    """An unknown path with GUID and number segments as ``{id}``, so one unknown route is one tally."""
    return "/".join("{id}" if _KEYLIKE.fullmatch(s) else s for s in path.split("/"))


@dataclass(frozen=True)
class AzCommand:
    """The ``az`` line that adds one permission to an app registration, in one cloud."""

    environment: str
    az_cloud: str
    command: str


@dataclass(frozen=True)
class KindPermission:
    """One kind's answer for a route: the least permission, its details, everything accepted, the az lines."""

    kind: Kind
    least: str | None
    info: PermissionInfo | None
    accepted: tuple[str, ...]
    az: tuple[AzCommand, ...] = ()
    not_in_az_clouds: tuple[str, ...] = ()


@dataclass(frozen=True)
class OperationPermissions:
    """An operation of the contracts and what the data says it needs, per kind (empty when the data lists none)."""

    version: str
    operation: str
    method: str
    path: str
    kinds: tuple[KindPermission, ...]

    @property
    def listed(self) -> bool:
        return any(k.least for k in self.kinds)

    def kind(self, kind: Kind) -> KindPermission | None:
        return next((k for k in self.kinds if k.kind == kind), None)


def az_commands(info: PermissionInfo) -> tuple[tuple[AzCommand, ...], tuple[str, ...]]:
    """The az lines per cloud the permission is deployed in, and the environments az has no cloud for."""
    if info.id is None:
        return (), info.clouds
    api = info.resource or GRAPH_APP_ID
    commands = []
    others = []
    for env in info.clouds:
        az_cloud = AZ_CLOUDS.get(env.lower())
        if az_cloud is None:
            others.append(env)
            continue
        commands.append(
            AzCommand(
                env,
                az_cloud,
                f"az ad app permission add --id <app-id> --api {api} --api-permissions {info.id}={AZ_TYPES[info.kind]}",
            )
        )
    return tuple(commands), tuple(others)


def _kind_permission(data: PermissionData, rule: RouteRule | None, kind: Kind) -> KindPermission:
    if rule is None:
        return KindPermission(kind, None, None, ())
    least = rule.least_one(kind)
    info = data.info(least, kind) if least else None
    az, others = az_commands(info) if info else ((), ())
    return KindPermission(kind, least, info, rule.allowed(kind), az, others)


def _resolve(data: PermissionData, name: str | None) -> list[OperationRef]:
    if name is None:
        return list(data.operations)
    wanted = name.casefold()
    found = [
        o for o in data.operations if wanted in (o.id.casefold(), o.verb.casefold(), f"{o.version}:{o.id}".casefold())
    ]
    if not found:
        choices = tuple(sorted({o.verb for o in data.operations}))
        raise ConfigurationError("operation", f"no operation {name!r} in the contracts (an id or a verb)", choices)
    return found


def operation_permissions(data: PermissionData, name: str | None = None) -> tuple[OperationPermissions, ...]:
    """Each contract operation named ``name`` (id, ``version:id`` or verb such as ``import``; None: all).

    Reads the operations the index recorded, not the contracts, so a lookup
    starts fast. Raises ``ConfigurationError`` listing the verbs for an unknown name.
    """
    out = []
    for ref in _resolve(data, name):
        path = ref.paths[0]
        rule = data.rule(path, ref.method)
        out.append(
            OperationPermissions(
                ref.version, ref.id, ref.method, path, tuple(_kind_permission(data, rule, k) for k in KINDS)
            )
        )
    return tuple(sorted(out, key=lambda o: (o.version != "v1.0", o.version, o.operation)))


# -- the emulator's rule


@dataclass(frozen=True)
class Requirement:
    """The permissions the emulator accepts for one operation and kind (any one is enough), and why.

    ``source`` names what the decision follows: the page and the data where
    they agree; the contracts' table as the overlay corrected it, naming the
    overlay's source, where they disagree; the page alone where the data
    lists nothing for the route.
    """

    operation: str
    kind: Kind
    accepted: tuple[str, ...]
    least: str | None
    source: str


def requirement(contracts: ContractSet, op: Operation, kind: Kind, data: PermissionData) -> Requirement:
    """What the emulator accepts for ``op`` with a token of ``kind`` (see :class:`Requirement`)."""
    page = page_permissions(op, kind)
    overlay = next((f for f in contracts.findings if f.id == f"{op.version}:{op.id}:permissions"), None)
    rule = data.rule(op.path, op.method)
    if rule is None:
        why = f"the doc page ({op.source}); the permissions data lists nothing for {op.method} {op.path}"
        return Requirement(
            op.id, kind, page, page[0] if page else None, f"{why}; {overlay.second_source}" if overlay else why
        )
    allowed = rule.allowed(kind)
    if set(page) == set(allowed):
        agreed = f"the doc page and the permissions data ({data.source}) agree"
        return Requirement(
            op.id,
            kind,
            allowed,
            rule.least_one(kind),
            f"{agreed}; the page as the {overlay.second_source}" if overlay else agreed,
        )
    if overlay is not None:
        return Requirement(
            op.id,
            kind,
            page,
            next((n for n in allowed if n in page), page[0] if page else None),
            f"the service's behaviour per the {overlay.second_source}",
        )
    # No overlay settles the disagreement (check-permissions reports it): accept only what both accept.
    both = tuple(n for n in allowed if n in page)
    return Requirement(
        op.id,
        kind,
        both,
        both[0] if both else None,
        f"what both the doc page ({op.source}) and the permissions data accept (they disagree)",
    )


def next_permission_down(name: str) -> str | None:
    """The permission one step below ``name`` in its family (``X.ReadWrite.All`` -> ``X.Read.All``), or None."""
    if ".ReadWrite." in f"{name}.":
        return name.replace(".ReadWrite", ".Read", 1)
    return None


# -- traffic and tokens


@dataclass(frozen=True)
class RouteNeed:
    """One route that recorded requests (or operations) reached, what it needs, and a few of them as examples."""

    method: str
    template: str
    rule: RouteRule
    requests: int
    examples: tuple[str, ...]

    def least(self, kind: Kind) -> str | None:
        return self.rule.least_one(kind)

    def accepted(self, kind: Kind) -> tuple[str, ...]:
        return self.rule.allowed(kind)


@dataclass(frozen=True)
class UnknownRequest:
    """Requests the data has no permission for: ``reason`` says whether the path or the method is unknown."""

    method: str
    path: str
    reason: str
    requests: int
    examples: tuple[str, ...]


@dataclass(frozen=True)
class Needs:
    """What a set of requests needs: each known route, the unknown ones, and the least covering sets."""

    routes: tuple[RouteNeed, ...]
    unknown: tuple[UnknownRequest, ...]
    data: PermissionData = field(compare=False, repr=False)

    @property
    def requests(self) -> int:
        return sum(r.requests for r in self.routes) + sum(u.requests for u in self.unknown)

    def covering(self, kind: Kind) -> tuple[str, ...]:
        """A least set of permissions of ``kind`` that every known route accepts one of.

        Start from each route's least permission, then drop one whenever the
        others still cover every route (lowest privilege first, so a read
        permission goes when the write permission a route needs covers its
        reads too). Routes the data lists nothing of ``kind`` for are left out.
        """
        routes = [r for r in self.routes if r.accepted(kind)]
        chosen = {least for r in routes if (least := r.least(kind))}

        def level(name: str) -> int:
            info = self.data.info(name, kind)
            return info.privilege_level if info and info.privilege_level is not None else 99

        for name in sorted(chosen, key=lambda n: (level(n), n)):
            rest = chosen - {name}
            if rest and all(set(r.accepted(kind)) & rest for r in routes):
                chosen = rest
        return tuple(sorted(chosen, key=lambda n: (level(n), n)))


class _Tally:
    """Requests on one route: how many, and the first few locations."""

    __slots__ = ("count", "examples", "rule")

    def __init__(self, rule: RouteRule | None) -> None:
        self.rule = rule
        self.count = 0
        self.examples: list[str] = []


class NeedsBuilder:
    """Collects requests one at a time into a :class:`Needs`; memory grows with distinct routes, not requests."""

    def __init__(self, data: PermissionData) -> None:
        self._data = data
        self._known: dict[tuple[str, str], _Tally] = {}
        self._unknown: dict[tuple[str, str, str], _Tally] = {}

    def add(self, method: str, url: str, where: str) -> Match:
        match = self._data.match(url, method)
        if match.rule is not None and match.template is not None:
            key = (match.method, match.template)
            tally = self._known.get(key) or self._known.setdefault(key, _Tally(match.rule))
        else:
            reason = (
                "the data lists no permission for this method on this path"
                if match.status == "method"
                else "the data knows no such path"
            )
            key3 = (match.method, match.template or _shape(match.path), reason)
            if key3 not in self._unknown and len(self._unknown) >= UNKNOWN_ROUTES_KEPT:
                # bounded: paths beyond the first UNKNOWN_ROUTES_KEPT share one tally
                key3 = ("*", "(other paths)", f"more than {UNKNOWN_ROUTES_KEPT} unknown paths")
            tally = self._unknown.get(key3) or self._unknown.setdefault(key3, _Tally(None))
        tally.count += 1
        if len(tally.examples) < EXAMPLES_KEPT:
            tally.examples.append(where)
        return match

    def result(self) -> Needs:
        routes = tuple(
            RouteNeed(method, template, t.rule, t.count, tuple(t.examples))
            for (method, template), t in sorted(self._known.items())
            if t.rule is not None
        )
        unknown = tuple(
            UnknownRequest(method, path, reason, t.count, tuple(t.examples))
            for (method, path, reason), t in sorted(self._unknown.items())
        )
        return Needs(routes, unknown, self._data)


def needs_of_requests(data: PermissionData, requests: Iterable[tuple[str, str, str]]) -> Needs:
    """What ``(method, url, where)`` requests need (``where`` names each in reports, e.g. ``file#3``)."""
    builder = NeedsBuilder(data)
    for method, url, where in requests:
        builder.add(method, url, where)
    return builder.result()


def needs_of_operations(data: PermissionData) -> Needs:
    """What every operation of the contracts needs (each route once, named by its operations)."""
    return needs_of_requests(data, ((o.method, o.paths[0], f"{o.version}:{o.id}") for o in data.operations))


@dataclass(frozen=True)
class Denied:
    """A route the token cannot call: the predicted 403, and the least permission that would allow it."""

    method: str
    template: str
    missing: str | None
    accepted: tuple[str, ...]
    examples: tuple[str, ...]


@dataclass(frozen=True)
class TokenReport:
    """A decoded token against what requests need: expiry, predicted 403s, over-granted permissions.

    ``over_granted`` are granted permissions no known route accepts. When
    some requests are unknown to the data (``unknown``), a permission may be
    needed by them, which ``over_granted`` cannot see: reports say so.
    """

    claims: TokenClaims
    expired: bool
    audience_is_graph: bool
    denied: tuple[Denied, ...]
    over_granted: tuple[str, ...]
    unknown: tuple[UnknownRequest, ...]
    verified: bool = False
    note: str = NOT_VERIFIED

    @property
    def ok(self) -> bool:
        return not self.expired and not self.denied and not self.over_granted


GRAPH_AUDIENCES = frozenset(
    {
        "https://graph.microsoft.com",
        "https://graph.microsoft.com/",
        GRAPH_APP_ID,
        "https://graph.microsoft.us",
        "https://dod-graph.microsoft.us",
        "https://microsoftgraph.chinacloudapi.cn",
    }
)


def token_report(claims: TokenClaims, needs: Needs, now: float) -> TokenReport:
    """Which routes of ``needs`` the token cannot call and which of its permissions none of them needs."""
    kind = claims.kind
    held = claims.permissions
    denied = tuple(
        Denied(r.method, r.template, r.least(kind), r.accepted(kind), r.examples)
        for r in needs.routes
        if not held & set(r.accepted(kind))
    )
    used = {n for r in needs.routes for n in r.accepted(kind)}
    return TokenReport(
        claims=claims,
        expired=claims.expired(now),
        audience_is_graph=claims.audience in GRAPH_AUDIENCES,
        denied=denied,
        over_granted=tuple(sorted(held - used)),
        unknown=needs.unknown,
    )

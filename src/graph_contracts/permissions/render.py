"""The permissions reports as text lines, for the CLI to print (the library's answers stay data)."""

from __future__ import annotations

import time
from collections.abc import Iterator

from .data import KINDS, DataSource, Kind, PermissionData
from .needs import KindPermission, Needs, OperationPermissions, TokenReport
from .token import NOT_VERIFIED

KIND_NAMES: dict[Kind, str] = {"DelegatedWork": "delegated (work or school)", "Application": "application"}


def source_line(source: DataSource) -> str:
    return f"permissions data: {source}"


def _kind_lines(k: KindPermission) -> Iterator[str]:
    name = KIND_NAMES[k.kind]
    if k.least is None:
        yield f"  {name}: the permissions data lists no permission"
        return
    info = k.info
    level = info.privilege_level if info and info.privilege_level is not None else "?"
    guid = info.id if info and info.id else "(no GUID in provisioningInfo.json)"
    others = [n for n in k.accepted if n != k.least]
    yield f"  {name}: {k.least} (privilege level {level}, id {guid})" + (
        f"; also accepted: {', '.join(others)}" if others else ""
    )
    for az in k.az:
        yield f"    {az.az_cloud} ({az.environment}): {az.command}"
    if k.not_in_az_clouds:
        yield f"    deployed also in {', '.join(k.not_in_az_clouds)} (no public az cloud)"
    if info and not info.clouds:
        yield "    provisioningInfo.json names no cloud it is deployed in: no az line"


def operation_lines(ops: tuple[OperationPermissions, ...], data: PermissionData) -> Iterator[str]:
    yield source_line(data.source)
    for op in ops:
        yield f"{op.version} {op.operation}: {op.method} {op.path}"
        for k in op.kinds:
            yield from _kind_lines(k)


def needs_lines(needs: Needs, data: PermissionData) -> Iterator[str]:
    yield source_line(data.source)
    yield f"{needs.requests} requests, {len(needs.routes)} known routes, {len(needs.unknown)} unknown"
    for kind in KINDS:
        covering = needs.covering(kind)
        yield f"least covering set ({KIND_NAMES[kind]}): {', '.join(covering) if covering else '(none)'}"
    yield "which request needs which (least permission, application / delegated):"
    for r in needs.routes:
        app, dele = r.least("Application") or "-", r.least("DelegatedWork") or "-"
        shown = app if app == dele else f"{app} / {dele}"
        yield f"  {r.method} {r.template}: {shown} ({r.requests} requests, e.g. {', '.join(r.examples)})"
    if needs.unknown:
        yield "unknown to the permissions data (not guessed):"
        for u in needs.unknown:
            yield f"  {u.method} {u.path}: {u.reason} ({u.requests} requests, e.g. {', '.join(u.examples)})"


def token_lines(report: TokenReport, now: float | None = None) -> Iterator[str]:
    claims = report.claims
    current = time.time() if now is None else now
    yield f"{NOT_VERIFIED}; nothing was sent anywhere"
    held = ", ".join(sorted(claims.permissions)) or "(no permission)"
    yield f"token: {KIND_NAMES[claims.kind]} ({'roles' if claims.kind == 'Application' else 'scp'}): {held}"
    if not report.audience_is_graph:
        yield f"warning: the audience is {claims.audience!r}, not Microsoft Graph: Graph would answer 401"
    if report.expired and claims.expires is not None:
        minutes = int((current - claims.expires) // 60)
        stamp = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(claims.expires))
        yield f"expired: the token expired at {stamp} ({minutes} minutes ago); Graph would answer 401"
    for d in report.denied:
        missing = d.missing or "(the data lists no permission of this kind)"
        yield f"403 predicted: {d.method} {d.template} needs {missing} (e.g. {', '.join(d.examples)})"
    if report.over_granted:
        caveat = (
            f" (not counting {sum(u.requests for u in report.unknown)} requests unknown to the data)"
            if report.unknown
            else ""
        )
        yield f"over-granted: no request needs {', '.join(report.over_granted)}{caveat}"
    if report.ok:
        yield "the token holds what every request needs, and nothing more"

"""Routes from the contracts: every (version, path, method) documented, matched against a request path.

``GraphRoute`` is one path and method of one version with the operations
documented there; ``RouteTable.match`` finds it or raises Graph's 400 (unknown
segment) or 405 (method not allowed).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ...contracts import ContractSet, Operation, ServiceFact
from .conditions import holds
from .failures import GraphFailure, unknown_segment


@dataclass(frozen=True)
class GraphRoute:
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
        return _fits(self.segments, segments)


def _fits(template: Sequence[str | None], segments: Sequence[str]) -> bool:
    return len(segments) == len(template) and all(
        want is None or want == got.casefold() for want, got in zip(template, segments, strict=True)
    )


_PARAM = re.compile(r"\{[^}]+\}\Z")


def _segments(template: str) -> tuple[str | None, ...]:
    return tuple(None if _PARAM.match(s) else s.casefold() for s in template.strip("/").split("/"))


def _collection(template: str, verb: str) -> str:
    """The entity collection a path addresses: the segment before the id, or before the action name."""
    parts = template.strip("/").split("/")
    if _PARAM.match(parts[-1]) or verb not in ("list", "create"):
        # .../things/{id}/action acts on one of "things"
        return parts[-3] if len(parts) >= 3 and _PARAM.match(parts[-2]) else parts[-2]
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
        self.facts = contracts.service_facts
        self.by_version: dict[str, list[GraphRoute]] = {v: [] for v in contracts.versions()}
        for (version, path, method), ops in grouped.items():
            serving = _serving_operation(contracts, version, ops)
            self.by_version[version].append(
                GraphRoute(version, path, _segments(path), method, serving, tuple(ops), _collection(path, serving.verb))
            )

    @property
    def versions(self) -> tuple[str, ...]:
        return tuple(self.by_version)

    def match(self, version: str, segments: Sequence[str], method: str) -> tuple[GraphRoute, dict[str, str]]:
        routes = self.by_version[version]
        fitting = [e for e in routes if e.fits(segments)]
        if not fitting:
            raise unknown_segment(self._first_unknown(routes, segments))
        # Prefer literal segments, so POST .../import is the action and GET .../import an id.
        allowed = sorted((e for e in fitting if e.method == method), key=lambda e: -e.literal_count)
        if not allowed:
            methods = ", ".join(sorted({e.method for e in fitting}))
            raise GraphFailure(
                405,
                "MethodNotAllowed",
                f"The HTTP method '{method}' is not allowed for the request URI; allowed: {methods}.",
                headers=(("Allow", methods),),
            )
        route = allowed[0]
        params = {
            name.strip("{}"): value
            for name, value in zip(route.template.strip("/").split("/"), segments, strict=True)
            if _PARAM.match(name)
        }
        return route, params

    def refusal(self, version: str, segments: Sequence[str], method: str, query: str = "") -> ServiceFact | None:
        """The service fact for a request, when the service refuses it (route template, and query if the fact says)."""
        for fact in self.facts:
            if (
                (fact.version, fact.method) == (version, method)
                and _fits(_segments(fact.path), segments)
                and holds(fact.when, query)
            ):
                return fact
        return None

    @staticmethod
    def _first_unknown(routes: Sequence[GraphRoute], segments: Sequence[str]) -> str:
        if not segments:
            return ""
        for depth in range(1, len(segments) + 1):
            prefix = segments[:depth]
            if not any(
                len(e.segments) >= depth
                and all(w is None or w == g.casefold() for w, g in zip(e.segments[:depth], prefix, strict=True))
                for e in routes
            ):
                return segments[depth - 1]
        # The path is a prefix of served paths (e.g. the deviceManagement singleton), not served itself.
        return segments[-1]

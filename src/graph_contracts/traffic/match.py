"""Which contract operation a recorded request is: method and path template, on any host.

Recorded traffic comes from graph.microsoft.com, the national clouds
(graph.microsoft.us, dod-graph.microsoft.us, microsoftgraph.chinacloudapi.cn),
the emulator on loopback and proxies that add a prefix, so the host is never
looked at: the API version is the first path segment that names one
(``v1.0``, ``beta``), and the rest of the path is matched against the
contracts' path templates, case-insensitively as Graph does. A Dev Proxy
mock URL may hold ``*``: a segment that is ``*`` matches any one segment, a
segment with ``*`` inside matches like a shell pattern.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import unquote, urlsplit

from ..contracts import VERSIONS, ContractSet, Operation, default_contracts

__all__ = ["Match", "RouteTable", "coverage_key", "default_routes"]

_PARAM = re.compile(r"^\{[^}]+\}$")
#: Segments folded to ``{id}`` when counting uncovered paths: GUIDs, numbers, wildcards, long keys with a digit.
_ID_LIKE = re.compile(
    r"^(?:[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}|\d+|.*\*.*|(?=[^\d]*\d)[A-Za-z0-9_-]{16,})$"
)


@dataclass(frozen=True)
class Match:
    """A request matched to ``operation`` of ``version``."""

    operation: Operation
    version: str


def _split(url: str) -> tuple[str | None, tuple[str, ...]]:
    """(API version, the path segments after it) of a URL on any host; version None when there is none."""
    path = urlsplit(url).path if "://" in url else url.split("?", 1)[0]
    segments = [unquote(s) for s in path.split("/") if s]
    lowered = [s.lower() for s in segments]
    for index, segment in enumerate(lowered):
        if segment in VERSIONS:
            return segment, tuple(segments[index + 1 :])
    return None, tuple(segments)


def _segment_matches(template: str, actual: str) -> bool:
    if _PARAM.match(template):
        return bool(actual)
    if "*" in actual:
        return fnmatch.fnmatchcase(template.lower(), actual.lower())
    return template.lower() == actual.lower()


class RouteTable:
    """Every (method, path template) of a contract set, ready to match recorded requests."""

    def __init__(self, contracts: ContractSet) -> None:
        self._routes: dict[tuple[str, str], list[tuple[tuple[str, ...], Operation]]] = {}
        for (version, _), op in sorted(contracts.operations.items()):
            for path in op.paths:
                segments = tuple(s for s in path.split("/") if s)
                self._routes.setdefault((version, op.method.upper()), []).append((segments, op))

    def match(self, method: str, url: str) -> Match | None:
        """The operation ``method url`` performs, or None when no contract covers it.

        A literal template segment beats a parameter (``.../import`` is the
        import action, not an item whose id is "import").
        """
        version, segments = _split(url)
        if version is None:
            return None
        best: tuple[int, Operation] | None = None
        for template, op in self._routes.get((version, method.upper()), []):
            if len(template) != len(segments):
                continue
            if all(_segment_matches(t, a) for t, a in zip(template, segments, strict=True)):
                literal = sum(not _PARAM.match(t) for t in template)
                if best is None or literal > best[0]:
                    best = (literal, op)
        return Match(best[1], version) if best else None


@lru_cache(maxsize=1)
def default_routes() -> RouteTable:
    """The route table of the shipped contracts, built once per process."""
    return RouteTable(default_contracts())


def coverage_key(method: str, url: str) -> str:
    """``GET /v1.0/things/{id}`` for an exchange no contract covers: ids folded so counts add up per path."""
    parts = urlsplit(url) if "://" in url else None
    path = parts.path if parts else url.split("?", 1)[0]
    segments: Iterable[str] = ("{id}" if _ID_LIKE.match(s) else s for s in path.split("/") if s)
    return f"{method.upper()} /{'/'.join(segments)}"

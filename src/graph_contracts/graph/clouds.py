"""The national clouds Microsoft Graph runs in: where each one's API and token endpoint live.

A tenant lives in exactly one cloud, and a token from one cloud's authority is
useless against another cloud's Graph, so the base URL, the authority and the
token scope always travel together as one :class:`Cloud`.
Source: Microsoft Graph docs, "National cloud deployments".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from graph_contracts.errors import ConfigurationError

__all__ = ["CLOUDS", "Cloud", "cloud"]


@dataclass(frozen=True)
class Cloud:
    """One national cloud deployment of Microsoft Graph.

    ``graph_base`` has no trailing slash and no API version; ``authority`` is
    the Microsoft Entra login host the tenant's tokens come from; ``scope`` is
    what a client-credentials token request asks for (``graph_base/.default``:
    every application permission the app was granted in that cloud).
    """

    name: str
    graph_base: str
    authority: str
    scope: str


def _cloud(name: str, graph_base: str, authority: str) -> Cloud:
    return Cloud(name, graph_base, authority, graph_base + "/.default")


# US Gov L4 and L5 (DoD) share one login authority but not one Graph host.
CLOUDS: Mapping[str, Cloud] = MappingProxyType(
    {
        "global": _cloud("global", "https://graph.microsoft.com", "https://login.microsoftonline.com"),
        "usgov": _cloud("usgov", "https://graph.microsoft.us", "https://login.microsoftonline.us"),
        "usgov-dod": _cloud("usgov-dod", "https://dod-graph.microsoft.us", "https://login.microsoftonline.us"),
        "china": _cloud("china", "https://microsoftgraph.chinacloudapi.cn", "https://login.chinacloudapi.cn"),
    }
)


def cloud(name: str) -> Cloud:
    """Return the cloud called ``name`` (``global``, ``usgov``, ``usgov-dod`` or ``china``).

    Names are matched case-insensitively because they usually come from a
    command line or an environment variable.
    """
    try:
        return CLOUDS[name.strip().lower()]
    except KeyError:
        raise ConfigurationError("cloud", f"unknown national cloud {name!r}", tuple(CLOUDS)) from None

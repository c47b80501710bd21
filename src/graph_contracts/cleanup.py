"""``graph-contracts cleanup --tag PREFIX``: delete what a suite run left behind, and nothing else.

Everything the suite creates carries its run tag as a prefix of ``groupTag``
(``description`` for importedDeviceIdentity). Cleanup asks the endpoint for
objects with that prefix and checks the prefix again on each one before
deleting it, so a server that ignores ``$filter`` cannot widen the deletion.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from .contracts import ContractSet
from .errors import ConfigurationError
from .graph.client import GraphClient

#: The property that carries the run tag, per type: what the suite sets and cleanup filters on.
TAG_PROPERTY: dict[str, str] = {
    "importedWindowsAutopilotDeviceIdentity": "groupTag",
    "windowsAutopilotDeviceIdentity": "groupTag",
    "importedDeviceIdentity": "description",
    "importedDeviceIdentityResult": "description",
}

#: Shorter prefixes could match objects an admin made by hand.
MIN_TAG_LENGTH = 6


@dataclass(frozen=True)
class Deletion:
    version: str
    path: str
    tag: str
    status: int


def tagged_objects(contracts: ContractSet, client: GraphClient, version: str, tag: str) -> Iterator[tuple[str, str]]:
    """(item path, tag value) of every object in ``version`` whose tag property starts with ``tag``."""
    seen_sets: set[str] = set()
    for op in contracts.operations_in(version):
        if op.verb != "list" or op.path in seen_sets:
            continue
        seen_sets.add(op.path)
        prop = TAG_PROPERTY.get(op.type)
        get = contracts.operations.get((version, f"{op.type}.get"))
        if prop is None or get is None:
            continue
        escaped = tag.replace("'", "''")
        for item in client.list_all(op.path, params={"$filter": f"startswith({prop},'{escaped}')"}):
            value = item.get(prop)
            if isinstance(value, str) and value.startswith(tag) and isinstance(item.get("id"), str):
                yield get.item_path(item["id"]), value


def cleanup(
    contracts: ContractSet, clients: dict[str, GraphClient], tag: str, *, dry_run: bool = False
) -> list[Deletion]:
    if len(tag) < MIN_TAG_LENGTH:
        raise ConfigurationError("--tag", f"a tag prefix needs at least {MIN_TAG_LENGTH} characters, not {tag!r}")
    done = []
    for version, client in clients.items():
        for path, value in list(tagged_objects(contracts, client, version, tag)):
            status = 0 if dry_run else client.request("DELETE", path, check=False).status_code
            done.append(Deletion(version, path, value, status))
    return done

"""``graph-contracts cleanup --tag TAG``: delete what a suite run left behind, and nothing else.

Everything the suite creates carries its run tag in ``groupTag``
(``description`` for importedDeviceIdentity): the tag itself, or the tag, a
``-`` and more. Cleanup asks the endpoint for objects whose property starts
with the tag and then trusts nothing it answers: the tag must match again as
a whole segment on each object (``gc-1234`` is not a prefix of
``gc-12345``), and an id is used only as one percent-encoded path segment;
an id that could address something else (``/``, a dot segment, control
characters) is refused, not deleted.

Listing comes first and must finish: every collection of every version is
read to its end (``graph.paging``, with its caps and loop detection) before
the first DELETE, so a server that pages forever or loops stops the run with
nothing deleted. v1.0 and beta show the same objects, so each is counted and
deleted once, by its collection and id.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace

from .contracts import ContractSet, Operation
from .errors import ConfigurationError
from .graph.client import GraphClient
from .graph.paging import DEFAULT_LIMITS, PageLimits, iter_items

#: The property that carries the run tag, per type: what the suite sets and cleanup filters on.
TAG_PROPERTY: dict[str, str] = {
    "importedWindowsAutopilotDeviceIdentity": "groupTag",
    "windowsAutopilotDeviceIdentity": "groupTag",
    "importedDeviceIdentity": "description",
    "importedDeviceIdentityResult": "description",
}

#: Shorter tags could match objects an admin made by hand.
MIN_TAG_LENGTH = 6
#: What follows the run tag in a value the suite writes (``gc-1a2b3c4d-import``).
TAG_SEPARATOR = "-"


@dataclass(frozen=True)
class Deletion:
    """One tagged object cleanup found.

    ``status`` is the DELETE's HTTP status, 0 when nothing was sent (a dry
    run, or a refusal). ``refused`` says why the server's id was not used;
    ``path`` is then empty.
    """

    version: str
    path: str
    tag: str
    status: int
    type: str = ""
    id: str = ""
    tag_property: str = ""
    refused: str = ""


def check_tag(tag: str) -> None:
    """Raise ``ConfigurationError`` unless ``tag`` is safe to delete by; called before any credential is read."""
    problem = ""
    if not tag.strip():
        problem = "is blank"
    elif tag != tag.strip():
        problem = f"has spaces around it ({tag!r})"
    elif not tag.isprintable():
        problem = f"holds control characters ({tag!r})"
    elif len(tag) < MIN_TAG_LENGTH:
        problem = f"is too short: a tag needs at least {MIN_TAG_LENGTH} characters, not {tag!r}"
    if problem:
        raise ConfigurationError("tag", f"the run tag {problem} (the suite prints it, e.g. gc-1a2b3c4d)")


def tag_matches(value: str, tag: str) -> bool:
    """True when ``value`` carries ``tag`` as a whole segment: the tag alone, or the tag, ``-`` and more."""
    if not value.startswith(tag):
        return False
    rest = value[len(tag) :]
    return not rest or rest.startswith(TAG_SEPARATOR) or tag.endswith(TAG_SEPARATOR)


def id_refusal(entity_id: object) -> str:
    """Why an id sent by the server cannot be used in a DELETE path, or ``""`` when it can."""
    if not isinstance(entity_id, str) or not entity_id:
        return "the object has no id string"
    if "/" in entity_id:
        return "the id contains '/'"
    if entity_id in (".", ".."):
        return "the id is a dot segment"
    if not entity_id.isprintable():
        return "the id contains control characters"
    return ""


def collections(contracts: ContractSet, version: str) -> Iterator[tuple[Operation, Operation]]:
    """Each collection ``version`` lists, once, as its list operation and the get of its items.

    Two types may list one path (a derived type's list is its base collection's);
    the first listed is the one used.
    """
    listed: set[str] = set()
    for op in contracts.operations_in(version):
        if op.verb != "list" or op.path in listed:
            continue
        listed.add(op.path)
        get = contracts.operations.get((version, f"{op.type}.get"))
        if get is not None:
            yield op, get


def tagged_objects(
    contracts: ContractSet, client: GraphClient, version: str, tag: str, *, limits: PageLimits = DEFAULT_LIMITS
) -> Iterator[Deletion]:
    """Every object in ``version`` carrying ``tag``, as a ``Deletion`` not yet sent (status 0).

    Raises ``PagingError`` (a cap or a loop) or an ``EndpointError`` when a collection cannot be read to its end.
    """
    for op, get in collections(contracts, version):
        prop = TAG_PROPERTY.get(op.type)
        if prop is None:
            continue
        escaped = tag.replace("'", "''")
        for item in iter_items(client, op.path, {"$filter": f"startswith({prop},'{escaped}')"}, limits=limits):
            value = item.get(prop)
            if not isinstance(value, str) or not tag_matches(value, tag):
                continue  # a server that ignores $filter cannot widen the deletion
            entity_id = item.get("id")
            refused = id_refusal(entity_id)
            shown = entity_id if isinstance(entity_id, str) else repr(entity_id)
            path = "" if refused else get.item_path(shown)
            yield Deletion(version, path, value, 0, op.type, shown, prop, refused)


def cleanup(
    contracts: ContractSet,
    clients: dict[str, GraphClient],
    tag: str,
    *,
    dry_run: bool = False,
    limits: PageLimits = DEFAULT_LIMITS,
) -> list[Deletion]:
    """Delete every object carrying ``tag`` (or only list them, with ``dry_run``); refused ids are reported.

    Every version is listed to its end before anything is deleted: a listing
    that stops (``PagingError`` for a cap or a looping next link, or any
    ``EndpointError``) raises with nothing deleted. An object listed under
    several versions (v1.0 and beta share the store) is reported and deleted
    once, under the first version listed.
    """
    check_tag(tag)
    found: dict[tuple[str, str], Deletion] = {}
    refused: dict[tuple[str, str], Deletion] = {}
    for version, client in clients.items():
        for item in tagged_objects(contracts, client, version, tag, limits=limits):
            if item.refused:
                refused.setdefault((item.type, item.id), item)
            else:
                found.setdefault((item.path.rsplit("/", 1)[0], item.id), item)
    if dry_run:
        return [*found.values(), *refused.values()]
    done = []
    for item in found.values():
        status = clients[item.version].request("DELETE", item.path, check=False).status_code
        done.append(replace(item, status=status))
    return [*done, *refused.values()]

"""Reading a Graph collection page by page: the one place that follows ``@odata.nextLink``.

Every reader of collections (cleanup, the suite, preflight) goes through
here, so the rules hold everywhere at once:

- the page size and ``@odata.nextLink`` are the service's: the link is
  followed as given (on the client's own origin, see
  ``GraphClient.same_origin``), never rebuilt or guessed;
- a server that never stops sending next links is stopped by caps on pages
  and on items (``PageLimits``, with defaults far above any real tenant: Intune
  pages at about 1,000 items, so 2,000 pages are two million devices);
- a next link seen before is a loop, stopped at once;
- throttling (429, 503 with ``Retry-After``) and transport failures are the
  client's business: each page is one ``GraphClient`` GET, which retries as its
  ``RetryPolicy`` says. Retries are written once, there.

Each stop raises ``PagingError`` naming the limit, the collection and how far
it got, so a caller can refuse to act on a partial listing (cleanup deletes
nothing) or report what it could not check (preflight).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..errors import PagingError

if TYPE_CHECKING:  # annotations only: the CLI reads DEFAULT_LIMITS for every command, httpx is not needed
    from .client import GraphClient

__all__ = ["DEFAULT_LIMITS", "Page", "PageLimits", "iter_items", "iter_pages", "read_all"]

_Params = Mapping[str, str | int | float | bool] | None


@dataclass(frozen=True)
class PageLimits:
    """How far one collection may be read before the reader stops with ``PagingError``.

    ``max_pages`` counts every page, the first included; ``max_items`` the
    items of all pages. The defaults are generous for a real tenant (about two
    million Autopilot devices at Intune's page size) and small enough that a
    server answering with endless next links is stopped within a minute or so.
    """

    max_pages: int = 2_000
    max_items: int = 2_000_000

    def __post_init__(self) -> None:
        if self.max_pages < 1 or self.max_items < 1:
            raise ValueError("paging limits must be at least 1")


DEFAULT_LIMITS = PageLimits()


@dataclass(frozen=True)
class Page:
    """One page of a collection: its 1-based number, its items, and the next link it gave (or "")."""

    number: int
    items: list[dict[str, Any]]
    next_link: str


def iter_pages(
    client: GraphClient,
    path: str,
    params: _Params = None,
    *,
    limits: PageLimits = DEFAULT_LIMITS,
    on_page: Callable[[Page], None] | None = None,
) -> Iterator[Page]:
    """Yield each page of the collection at ``path`` until a page has no ``@odata.nextLink``.

    Raises ``PagingError`` for a page without a ``value`` array, a next link seen
    before, or a cap of ``limits`` (checked before the page past the cap is
    requested, so the cap is also the number of requests); ``GraphError`` and
    ``TransportError`` from the client as they come (after its retries).
    ``on_page`` is called with each page as it arrives (a progress line).
    """
    seen: set[str] = set()
    items = 0
    number = 1
    body = client.get_json(path, params=params)
    while True:
        if not isinstance(body, Mapping) or not isinstance(body.get("value"), list):
            raise PagingError(
                "not-a-collection", path, f"{path}: page {number} has no 'value' array", pages=number, items=items
            )
        values = [v for v in body["value"] if isinstance(v, dict)]
        items += len(values)
        raw_link = body.get("@odata.nextLink")
        link = client.same_origin(str(raw_link)) if raw_link else ""
        page = Page(number, values, link)
        if on_page is not None:
            on_page(page)
        yield page
        if not link:
            return
        if link in seen:
            raise PagingError(
                "loop",
                path,
                f"{path}: @odata.nextLink loops: page {number} links to {link}, seen before; stopped after "
                f"{number} pages and {items} items",
                pages=number,
                items=items,
            )
        if number >= limits.max_pages:
            raise PagingError(
                "pages",
                path,
                f"{path}: more than {limits.max_pages} pages (the page cap), each with a new @odata.nextLink; "
                f"stopped after {items} items",
                pages=number,
                items=items,
                cap=limits.max_pages,
            )
        if items >= limits.max_items:
            raise PagingError(
                "items",
                path,
                f"{path}: more than {limits.max_items} items (the item cap) and still an @odata.nextLink; "
                f"stopped after {number} pages",
                pages=number,
                items=items,
                cap=limits.max_items,
            )
        seen.add(link)
        number += 1
        body = client.get_json(link)


def iter_items(
    client: GraphClient, path: str, params: _Params = None, *, limits: PageLimits = DEFAULT_LIMITS
) -> Iterator[dict[str, Any]]:
    """Every item of the collection, page after page (see ``iter_pages``)."""
    for page in iter_pages(client, path, params, limits=limits):
        yield from page.items


def read_all(
    client: GraphClient, path: str, params: _Params = None, *, limits: PageLimits = DEFAULT_LIMITS
) -> list[dict[str, Any]]:
    """Every item of the collection, all pages read; nothing is returned unless the listing finished."""
    return list(iter_items(client, path, params, limits=limits))

"""The one paging helper (graph.paging) and cleanup's use of it, over real HTTP on loopback.

The scripted server answers every page with a new ``@odata.nextLink`` (or the
same one, for the loop), as a broken or hostile endpoint might: the reader
must stop at its cap, and cleanup must delete nothing when listing did not finish.
"""

from __future__ import annotations

import itertools

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from graph_contracts.cli import main
from graph_contracts.errors import PagingError
from graph_contracts.graph.auth import StaticToken
from graph_contracts.graph.client import GraphClient, RetryPolicy
from graph_contracts.graph.paging import PageLimits, iter_pages, read_all
from loopback import serve

TAG = "gc-beef0001"


class EndlessGraph:
    """v1.0 lists one tagged device and ends; beta pages forever (or loops), each page a new link."""

    def __init__(self, *, loop: bool = False, throttle_first: int = 0) -> None:
        self.loop = loop
        self.throttle_first = throttle_first
        self.requests: list[tuple[str, str]] = []
        self.counter = itertools.count()
        self.app = Starlette(routes=[Route("/{path:path}", self.answer, methods=["GET", "DELETE"])])

    async def answer(self, request: Request) -> Response:
        self.requests.append((request.method, request.url.path))
        if request.method == "DELETE":
            return Response(status_code=204)
        if self.throttle_first > 0:
            self.throttle_first -= 1
            return JSONResponse(
                {"error": {"code": "TooManyRequests", "message": "slow down"}}, 429, headers={"Retry-After": "0.01"}
            )
        path = request.url.path
        if path.startswith("/v1.0/") and "windowsAutopilotDeviceIdentities" in path:
            return JSONResponse({"value": [{"id": "dev-1", "groupTag": f"{TAG}-x"}]})
        if path.startswith("/v1.0/"):
            return JSONResponse({"value": []})
        page = 1 if self.loop else next(self.counter)
        base = str(request.base_url).rstrip("/")
        return JSONResponse(
            {
                "value": [{"id": f"b-{page}", "groupTag": f"{TAG}-{page}"}],
                "@odata.nextLink": f"{base}{path}?$skiptoken={page}",
            }
        )

    def deletes(self) -> list[str]:
        return [p for m, p in self.requests if m == "DELETE"]


@pytest.fixture
def no_tokens(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("GRAPH_TOKEN_NO_PERMISSION", "GRAPH_TOKEN_READ_ONLY", "AZURE_CLIENT_SECRET"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GRAPH_TOKEN", "test-token")


def _client(base: str, version: str = "beta") -> GraphClient:
    return GraphClient(base, StaticToken("t"), version=version, retry=RetryPolicy(backoff_base=0.01), timeout=5)


def test_endless_next_links_stop_at_the_page_cap_with_the_limit_named() -> None:
    graph = EndlessGraph()
    with serve(graph.app) as base, _client(base) as client, pytest.raises(PagingError) as caught:
        read_all(client, "/deviceManagement/x", limits=PageLimits(max_pages=7))
    assert caught.value.limit == "pages" and caught.value.cap == 7 and caught.value.pages == 7
    assert "more than 7 pages" in str(caught.value)
    assert len(graph.requests) == 7  # the cap is also the number of requests


def test_the_item_cap_stops_too() -> None:
    graph = EndlessGraph()
    with serve(graph.app) as base, _client(base) as client, pytest.raises(PagingError) as caught:
        read_all(client, "/deviceManagement/x", limits=PageLimits(max_items=3))
    assert (caught.value.limit, caught.value.items) == ("items", 3)


def test_a_next_link_seen_before_is_a_loop_stopped_at_once() -> None:
    graph = EndlessGraph(loop=True)
    with serve(graph.app) as base, _client(base) as client, pytest.raises(PagingError) as caught:
        read_all(client, "/deviceManagement/x")
    assert caught.value.limit == "loop" and "seen before" in str(caught.value)
    assert len(graph.requests) == 2


def test_each_page_honours_retry_after_through_the_client() -> None:
    graph = EndlessGraph(throttle_first=2)
    with serve(graph.app) as base, _client(base) as client:
        pages = iter_pages(client, "/deviceManagement/x")
        first = next(pages)
        assert client.last_retry_waits == (0.01, 0.01)
    assert first.number == 1 and first.items[0]["id"] == "b-0"


def test_cleanup_against_endless_pages_stops_with_exit_2_one_line_and_deletes_nothing(
    no_tokens: None, capsys: pytest.CaptureFixture[str]
) -> None:
    graph = EndlessGraph()
    with serve(graph.app) as base:
        status = main(["cleanup", "--base-url", base, "--tag", TAG, "--max-pages", "20"])
    assert status == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "more than 20 pages" in err[0], err
    # v1.0 listed a tagged device before beta paged forever: it must not have been deleted
    assert graph.deletes() == []


def test_cleanup_against_a_looping_next_link_deletes_nothing(
    no_tokens: None, capsys: pytest.CaptureFixture[str]
) -> None:
    graph = EndlessGraph(loop=True)
    with serve(graph.app) as base:
        assert main(["cleanup", "--base-url", base, "--tag", TAG]) == 2
    assert "loops" in capsys.readouterr().err and graph.deletes() == []

"""Fixtures the suite's modules share: cassettes per test, and cleanup of what a test created."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from ..contracts import ContractSet
from ..graph.client import GraphClient
from ..graph.endpoints import Endpoint
from ..pytest_plugin import graph_versions
from ..strategies import SerialSource
from .checks import lifecycle
from .drawing import install as install_drawing
from .support import Created, http_session

#: A full collection after this many young ones (CPython: 10). The run's strategies, schemas and
#: contracts live to its end; with the default every full collection walked them again: 13 of them,
#: 1.4 s of a 22 s one-process run, against 4 and 0.7 s with this (gc.callbacks; peak RSS 137 -> 152 MB).
FULL_COLLECTION_AFTER = 100
_thresholds: list[tuple[int, int, int]] = []


def pytest_configure(config: pytest.Config) -> None:
    """schemathesis builds one object strategy per shape, not per drawn value (``drawing``: the same draws).

    Full garbage collections come ten times rarer while the suite runs (``FULL_COLLECTION_AFTER``).
    """
    install_drawing()
    young, middle, _ = gc.get_threshold()
    _thresholds.append(gc.get_threshold())
    gc.set_threshold(young, middle, FULL_COLLECTION_AFTER)


def pytest_unconfigure(config: pytest.Config) -> None:
    """The process's own collection thresholds again, for whatever runs after the suite."""
    if _thresholds:
        gc.set_threshold(*_thresholds.pop())


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    """One full collection when the tests are done, then what survives it is frozen (``gc.freeze``).

    Three more full collections follow in every process of a run: pytest's
    unraisable-exception check (at unconfigure and again at cleanup) and the
    interpreter's at exit, each walking every object the run still holds
    (~200,000: strategies, schemas, contracts, hypothesis's caches) to free
    nothing, since the process ends next (the CLI, an xdist worker, a pytest
    command): 0.6 s of CPU per process (benchmarks/README.md, round 4). The
    collection here runs while pytest's unraisable hook still listens, so a
    finalizer that fails in the run's garbage is still reported; what is made
    after it (the report) stays young and is collected as before. A process
    that goes on after the suite keeps the frozen objects' cycles to its end.
    """
    gc.collect()
    gc.freeze()


@pytest.fixture(autouse=True)
def _cassette(graph_cassette: None) -> None:
    """Every suite test records or replays its own cassette when the run uses cassettes."""


@pytest.fixture(scope="session", autouse=True)
def _sweep_tagged(
    pytestconfig: pytest.Config,
    graph_endpoint: Endpoint,
    graph_client: Callable[..., GraphClient],
    graph_contracts: ContractSet,
    graph_run_tag: str,
) -> Iterator[None]:
    """At the end of the run, delete what still carries the run tag.

    An import completes in the background: the device it registers (with the
    import's groupTag) can appear after the test deleted the imported identity.
    Those devices are the run's own creation, found by its tag.
    """
    yield
    if graph_endpoint.kind == "replay" or not graph_endpoint.allows_writes:
        return
    from ..cleanup import cleanup

    clients = {v: graph_client(v) for v in graph_versions(pytestconfig)}
    failed = [d for d in cleanup(graph_contracts, clients, graph_run_tag) if d.status not in (204, 404)]
    lifecycle("the run's tagged leftovers are deleted", failed, [])


@pytest.fixture
def graph_http_session(graph_endpoint: Endpoint) -> Iterator[Any]:
    """One ``requests`` session for a test's schemathesis calls (``support.http_session``).

    One per test, not per run: a recorded connection belongs to the test's cassette.
    """
    with http_session(graph_endpoint) as session:
        yield session


@pytest.fixture
def created(graph_client: Callable[..., GraphClient]) -> Iterator[Created]:
    """Register what a test creates; it is deleted in teardown, also when the test fails."""
    registry = Created(graph_client)
    yield registry
    lifecycle("what the test created is deleted", list(registry.delete_all()), [])


@pytest.fixture
def graph_serials(request: pytest.FixtureRequest, graph_run_tag: str) -> SerialSource:
    """Serials (and so hardware hashes) unique to this run and this test, the same on every replay.

    Named by the test's module and name, not its file path, so a run from an
    installed package draws the serials a run from the checkout recorded.
    """
    return SerialSource(f"{graph_run_tag}/{request.node.module.__name__}::{request.node.name}")


#: The suite's longest tests (the state machine: seconds each, 160 scenarios at ``--graph-examples 40``).
#: They run first: at the end of the collection two of them could be the last work of one xdist
#: worker while the other waits; at the start the other worker takes the rest meanwhile.
LONGEST_FIRST = ("test_stateful_chains_follow_the_openapi_links",)


def item_version(item: pytest.Item) -> str | None:
    """The API version a suite test exercises, from its parameters; None for a test of no one version.

    An operation (``op``) or a service fact (``fact``) carries its version; the
    OpenAPI and stateful tests take it as a plain ``version`` parameter.
    """
    callspec = getattr(item, "callspec", None)
    params = callspec.params if callspec is not None else {}
    version = params.get("version")
    if isinstance(version, str):
        return version
    for name in ("op", "fact"):
        version = getattr(params.get(name), "version", None)
        if isinstance(version, str):
            return version
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Drop the tests of versions the run did not ask for; put the longest tests first."""
    items.sort(key=lambda item: getattr(item, "originalname", item.name) not in LONGEST_FIRST)
    versions = graph_versions(config)
    keep: list[pytest.Item] = []
    drop: list[pytest.Item] = []
    for item in items:
        version = item_version(item)
        (drop if version is not None and version not in versions else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep

"""Fixtures the suite's modules share: cassettes per test, and cleanup of what a test created."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from ..graph.client import GraphClient
from ..pytest_plugin import graph_versions
from .support import Created


@pytest.fixture(autouse=True)
def _cassette(graph_cassette: None) -> None:
    """Every suite test records or replays its own cassette when the run uses cassettes."""


@pytest.fixture
def created(graph_client: Callable[..., GraphClient]) -> Iterator[Created]:
    """Register what a test creates; it is deleted in teardown, also when the test fails."""
    registry = Created(graph_client)
    yield registry
    leftovers = list(registry.delete_all())
    assert not leftovers, f"could not delete what the test created: {leftovers}"


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Drop operations of API versions the run did not ask for (--graph-version)."""
    if "op" in metafunc.fixturenames:
        return  # parametrized in the module; filtered below
    del metafunc


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    versions = graph_versions(config)
    keep: list[pytest.Item] = []
    drop: list[pytest.Item] = []
    for item in items:
        callspec = getattr(item, "callspec", None)
        op = callspec.params.get("op") if callspec is not None else None
        version = getattr(op, "version", None)
        (drop if version is not None and version not in versions else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep

"""The pytest plugin (``pytest11`` entry point): the ``--graph-*`` options, markers and endpoint fixtures.

Safe defaults, as pytest-recording has them: the embedded emulator, no
recording, and no writes to a live tenant unless ``--graph-allow-writes``.
"""

from __future__ import annotations

import pytest

ENDPOINTS = ("emulator", "replay", "live")
MARKERS = {
    "graph_live": "needs a live tenant (--graph-endpoint live)",
    "graph_write": "creates or deletes objects; on a live tenant only with --graph-allow-writes",
    "graph_beta": "exercises the beta API version",
}


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("graph-contracts", "graph-contracts contract suite")
    group.addoption(
        "--graph-endpoint", choices=ENDPOINTS, default="emulator",
        help="where the suite sends requests: the embedded emulator (default), recorded cassettes, or a live tenant",
    )
    group.addoption("--graph-cloud", default="global", help="national cloud for live runs: global, usgov, usgov-dod, china")
    group.addoption("--graph-base-url", default=None, help="override the Graph base URL (e.g. a proxy)")
    group.addoption("--graph-version", choices=("v1.0", "beta", "all"), default="all", help="API versions to test")
    group.addoption(
        "--graph-record", action="store_true", default=False,
        help="write scrubbed cassettes from this run (emulator or live) into cassettes/",
    )
    group.addoption(
        "--graph-allow-writes", action="store_true", default=False,
        help="allow creating and deleting objects on a live tenant (tagged, and deleted in teardown)",
    )
    group.addoption("--graph-examples", type=int, default=None, help="hypothesis examples per property-based test")


def pytest_configure(config: pytest.Config) -> None:
    for name, text in MARKERS.items():
        config.addinivalue_line("markers", f"{name}: {text}")

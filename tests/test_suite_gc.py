"""The suite's run collects garbage fully ten times rarer, and leaves the process's thresholds as it found them."""

from __future__ import annotations

import gc
from typing import Any

from graph_contracts.suite import conftest


def test_full_collections_come_rarer_during_the_run_and_the_thresholds_come_back_after() -> None:
    before = gc.get_threshold()
    config: Any = None  # the hooks do not read the configuration
    try:
        conftest.pytest_configure(config)
        assert gc.get_threshold() == (before[0], before[1], conftest.FULL_COLLECTION_AFTER)
        assert before[2] < conftest.FULL_COLLECTION_AFTER
    finally:
        conftest.pytest_unconfigure(config)
    assert gc.get_threshold() == before

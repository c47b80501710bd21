"""The suite's run collects garbage fully ten times rarer, and leaves the process's thresholds as it found them."""

from __future__ import annotations

import gc
import sys
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


class _Cycle:
    """An object in a reference cycle, which only the cyclic collector can free."""

    def __init__(self, on_del: list[str], fail: bool) -> None:
        self.me = self
        self.on_del = on_del
        self.fail = fail

    def __del__(self) -> None:
        self.on_del.append("freed")
        if self.fail:
            raise RuntimeError("a finalizer that fails")


def test_the_run_end_collects_the_garbage_then_freezes_the_survivors() -> None:
    """The collection comes first, so a failing finalizer still reaches the unraisable hook pytest listens with."""
    freed: list[str] = []
    reported: list[BaseException | None] = []
    previous_hook = sys.unraisablehook
    survivor = _Cycle([], fail=False)
    _Cycle(freed, fail=False)
    _Cycle(freed, fail=True)
    gc.unfreeze()
    sys.unraisablehook = lambda unraisable: reported.append(unraisable.exc_value)
    session: Any = None  # the hook does not read the session
    try:
        conftest.pytest_sessionfinish(session)
        assert freed == ["freed", "freed"]
        assert [type(e) for e in reported] == [RuntimeError]
        assert gc.get_freeze_count() > 0
        assert gc.is_tracked(survivor)
        assert not any(o is survivor for o in gc.get_objects())  # frozen: no generation holds it
    finally:
        gc.unfreeze()
        gc.collect()  # whatever the hook left, with the test's own unraisable hook still listening
        sys.unraisablehook = previous_hook
    assert any(o is survivor for o in gc.get_objects())

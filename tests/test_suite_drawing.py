"""schemathesis with the suite's cached ``fixed_dictionaries`` draws exactly what it draws without (``suite.drawing``).

The speed-up must not move a single derandomized example: the suite's
cassettes hold the requests those examples make.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

from graph_contracts.resources import schemas_dir
from graph_contracts.suite import drawing

strategy_module = pytest.importorskip("schemathesis.generation.jsonschema.strategy")


def _cases(path: str, method: str, mode: GenerationMode) -> list[tuple[Any, ...]]:
    """What 25 derandomized draws of one operation send: path parameters, query, headers and body."""
    document = json.loads((schemas_dir() / "v1.0" / "openapi.json").read_text(encoding="utf-8"))
    operation = schemathesis.openapi.from_dict(document)[path][method]
    drawn: list[tuple[Any, ...]] = []

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=25, database=None, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
    def run(case: Any) -> None:
        drawn.append((case.path_parameters, case.query, case.headers, repr(case.body)))

    run()
    return drawn


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=lambda m: m.value)
@pytest.mark.parametrize(
    ("path", "method"),
    [
        ("/deviceManagement/windowsAutopilotDeviceIdentities", "POST"),
        ("/deviceManagement/importedWindowsAutopilotDeviceIdentities/import", "POST"),
        (
            "/deviceManagement/windowsAutopilotDeviceIdentities/{windowsAutopilotDeviceIdentityId}/updateDeviceProperties",
            "POST",
        ),
    ],
)
def test_cached_strategies_draw_the_same_cases_and_are_reused(
    path: str, method: str, mode: GenerationMode, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(strategy_module, "st", st)
    plain = _cases(path, method, mode)
    built: list[int] = []
    original = st.fixed_dictionaries

    def counted(*args: Any, **kwargs: Any) -> Any:
        built.append(1)
        return original(*args, **kwargs)

    asked: list[int] = []

    class Counting(drawing.CachingStrategies):
        def fixed_dictionaries(self, mapping: Any, *, optional: Any = None) -> Any:
            asked.append(1)
            return super().fixed_dictionaries(mapping, optional=optional)

    monkeypatch.setattr(st, "fixed_dictionaries", counted)
    monkeypatch.setattr(strategy_module, "st", Counting())
    cached = _cases(path, method, mode)
    assert cached == plain
    assert len({c[3] for c in plain}) > 5, "the bodies vary: the comparison means something"
    assert 0 < len(built) < len(asked), "a mapping asked for again got the strategy built before"


def test_the_same_mapping_gives_the_same_strategy_and_a_different_one_does_not() -> None:
    caching = drawing.CachingStrategies()
    a, b = st.integers(), st.text()
    first = caching.fixed_dictionaries({"x": a, "y": b})
    assert caching.fixed_dictionaries({"x": a, "y": b}) is first
    assert caching.fixed_dictionaries({"y": b, "x": a}) is not first  # key order is draw order
    assert caching.fixed_dictionaries({"x": a, "y": st.text(min_size=1)}) is not first  # another strategy
    assert caching.fixed_dictionaries({"x": a}, optional={"y": b}) is not first
    assert caching.sampled_from is st.sampled_from  # the rest passes through


def test_install_changes_schemathesis_s_strategies_module_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(strategy_module, "st", st)
    assert drawing.install()
    installed = strategy_module.st
    assert isinstance(installed, drawing.CachingStrategies)
    assert drawing.install() and strategy_module.st is installed
    monkeypatch.setattr(strategy_module, "st", object())  # a layout it does not know: left alone
    assert not drawing.install()

"""One strategy per object shape while schemathesis draws, instead of one per drawn value.

schemathesis's JSON-schema strategies draw an object in two steps: a pick of
its optional keys, then ``st.fixed_dictionaries`` over the required keys and
the picked ones (``generation/jsonschema/strategy.py``, ``_drawn_object`` and
``_named_object``). That second strategy is built anew for every drawn value,
so hypothesis validates it anew every time (``SearchStrategy.validate``, its
emptiness and reusability, walked over the value strategies): about 5% of the
CPU of ``graph-contracts run`` (py-spy, one process, issue 24).

hypothesis caches the strategies its functions build when their arguments are
hashable (``@cacheable``); ``fixed_dictionaries`` takes a dict, so it is never
cached. :func:`install` gives that one module a ``fixed_dictionaries`` that is:
the same mapping (the same keys in the same order, each to the same strategy
object) gets the same strategy object back. A strategy is an immutable
description of what to draw, so the draws, and with them the derandomized
examples and their cassettes, are exactly those of a fresh strategy
(``tests/test_suite_drawing.py`` compares them). Everything else the module
asks of ``hypothesis.strategies`` is passed through untouched.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any

from hypothesis import strategies

#: Entries kept before the cache starts again: far above the object shapes of the shipped documents.
MAX_ENTRIES = 4096


class CachingStrategies:
    """``hypothesis.strategies`` with ``fixed_dictionaries`` cached by the identity of its value strategies.

    Each entry holds its value strategies, so an ``id`` in a key cannot be
    reused by another object while the entry lives.
    """

    def __init__(self) -> None:
        self._cache: dict[tuple[Any, ...], tuple[Any, Any]] = {}

    def __getattr__(self, name: str) -> Any:
        return getattr(strategies, name)

    def fixed_dictionaries(
        self, mapping: Mapping[Any, Any], *, optional: Mapping[Any, strategies.SearchStrategy[Any]] | None = None
    ) -> strategies.SearchStrategy[Any]:
        """``st.fixed_dictionaries(mapping, optional=optional)``, the same object for the same strategies."""
        key = (
            tuple((name, id(value)) for name, value in mapping.items()),
            None if optional is None else tuple((name, id(value)) for name, value in optional.items()),
        )
        hit = self._cache.get(key)
        if hit is not None:
            return hit[1]  # type: ignore[no-any-return]
        built = (
            strategies.fixed_dictionaries(mapping)
            if optional is None
            else strategies.fixed_dictionaries(mapping, optional=optional)
        )
        if len(self._cache) >= MAX_ENTRIES:
            self._cache.clear()
        self._cache[key] = ((tuple(mapping.values()), None if optional is None else tuple(optional.values())), built)
        return built


def install() -> bool:
    """Give schemathesis's JSON-schema strategies the caching ``fixed_dictionaries``; False when they cannot take it.

    Only a module that imports ``hypothesis.strategies`` as ``st`` (as
    schemathesis 4 does) is changed; any other layout, or no schemathesis at
    all, leaves everything as it is (the run is then only slower).
    """
    try:
        module = importlib.import_module("schemathesis.generation.jsonschema.strategy")
    except ImportError:
        return False
    current = getattr(module, "st", None)
    if isinstance(current, CachingStrategies):
        return True
    if current is not strategies:
        return False
    setattr(module, "st", CachingStrategies())  # noqa: B010 (a module attribute mypy does not know)
    return True

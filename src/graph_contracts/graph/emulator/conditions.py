"""Whether a request's query meets a service fact's condition (``QueryCondition``, an overlay's ``when``).

The service refuses some queries of operations that otherwise work: ``$select``
on windowsAutopilotDeviceIdentities answers 500, ``contains(serialNumber,
'...')`` with a hyphen in the value answers 400 (graph-facts 6.1). One
predicate per condition kind, read from the raw query as the service gets it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from urllib.parse import parse_qsl

from ...contracts import QueryCondition


def _options(query: str) -> dict[str, str]:
    """System query options by name (case-insensitive, ``$`` optional as Graph allows), the last value kept."""
    out: dict[str, str] = {}
    for name, value in parse_qsl(query, keep_blank_values=True):
        key = name.casefold()
        out[key if key.startswith("$") else f"${key}"] = value
    return out


def _has_option(query: str, option: str) -> bool:
    return option.casefold() in _options(query)


def _contains_with_hyphen(query: str, prop: str) -> bool:
    text = _options(query).get("$filter", "")
    pattern = rf"contains\s*\(\s*{re.escape(prop)}\s*,\s*'((?:[^']|'')*)'\s*\)"
    return any("-" in found for found in re.findall(pattern, text, flags=re.IGNORECASE))


#: condition kind -> (raw query, argument) -> whether the fact applies
CONDITIONS: Mapping[str, Callable[[str, str], bool]] = {
    "query_option": _has_option,
    "contains_with_hyphen": _contains_with_hyphen,
}


def holds(condition: QueryCondition | None, query: str) -> bool:
    """True when the fact applies to a request with this raw query (always, without a condition)."""
    return condition is None or CONDITIONS[condition.kind](query, condition.argument)

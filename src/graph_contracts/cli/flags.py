"""The one table from library settings to the flags that set them, and errors as the CLI says them."""

from __future__ import annotations

from ..errors import ConfigurationError, GraphContractsError

#: Library setting -> the flag that sets it. Library errors name the setting (``ConfigurationError.setting``,
#: e.g. ``tag``); the CLI says the flag the user typed. Settings not listed are said as they are.
FLAGS = {
    "batch_size": "--batch-size",
    "compare": "--compare",
    "endpoint": "--graph-endpoint",
    "state": "--state",
    "tag": "--tag",
    # sdk-check (graph_contracts.sdk: run_gate, compare, matrix)
    "baseline": "--baseline",
    "examples": "--examples",
    "junitxml": "--junitxml",
    "last": "--last",
    "matrix": "--matrix",
    "shard": "--shard",
    "strict_baseline": "--strict-baseline",
    "traffic": "--traffic",
    "write_baseline": "--write-baseline",
}


def error_text(exc: GraphContractsError) -> str:
    """An error as the CLI says it: a ``ConfigurationError``'s setting named by its flag (``FLAGS``)."""
    if isinstance(exc, ConfigurationError) and exc.setting in FLAGS:
        valid = f" (valid: {', '.join(exc.choices)})" if exc.choices else ""
        return f"{FLAGS[exc.setting]}: {exc.detail}{valid}"
    return str(exc)

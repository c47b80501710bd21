"""The one table from library settings to the flags that set them, and errors as the CLI says them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import ConfigurationError, GraphContractsError, InputFileError, Setting, Words, say

if TYPE_CHECKING:
    from ..issues import Issue

#: Library setting -> the flag that sets it. Library errors name the setting (``ConfigurationError.setting``,
#: e.g. ``tag``, and the ``Setting`` parts of their ``words``); the CLI says the flag the user typed.
#: Settings not listed are said as they are.
FLAGS = {
    "batch_size": "--batch-size",
    "compare": "--compare",
    "endpoint": "--graph-endpoint",
    "state": "--state",
    "tag": "--tag",
    # validate (graph_contracts.validation: Run, resolve_target)
    "jobs": "--jobs",
    "operation": "--operation",
    "type": "--type",
    "version": "--graph-version",
    # emulator (graph_contracts.graph.emulator.EmulatorConfig)
    "emulator_admins": "--emulator-admin",
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


def flag(setting: str) -> str:
    """The flag that sets ``setting`` (``FLAGS``), or the setting itself when no flag does."""
    return FLAGS.get(setting, setting)


def said(words: str | Words) -> str:
    """A library message as the CLI says it: each ``Setting`` in it named by its flag."""
    return say(words, flag)


def issue_message(issue: Issue) -> str:
    """An issue's message as the CLI says it: a setting it names (``Issue.words``) said as its flag.

    The words are used only while they still say the message (a ``replace`` of the message alone
    leaves them behind): a stale copy must never replace what the library said.
    """
    if issue.words and say(issue.words) == issue.message:
        return said(issue.words)
    return issue.message


def error_text(exc: GraphContractsError) -> str:
    """An error as the CLI says it: the settings a ``ConfigurationError`` or ``InputFileError`` names said
    as their flags (``FLAGS``); any other error as it is."""
    if isinstance(exc, ConfigurationError):
        valid = f" (valid: {', '.join(exc.choices)})" if exc.choices else ""
        return f"{flag(exc.setting)}: {said(exc.words)}{valid}"
    if isinstance(exc, InputFileError) and any(isinstance(word, Setting) for word in exc.words):
        return f"{exc.where}: {said(exc.words)}"
    return str(exc)

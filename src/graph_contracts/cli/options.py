"""Options that several commands share: ``--graph-version`` (and its old spelling), ``--max-pages``/``--max-items``."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from ..resources import VERSIONS
from .argtypes import positive
from .terminal import error_line


class _OldSpelling(argparse.Action):
    """Store the value as the option's new name does, and say once on stderr which name to use."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: str | Sequence[object] | None,
        option_string: str | None = None,
    ) -> None:
        if option_string in OLD_SPELLINGS:
            new = OLD_SPELLINGS[option_string]
            error_line(parser.prog, f"{option_string} is now spelt {new}; the old spelling still works", label="note")
        setattr(namespace, self.dest, values)


#: Old option spelling -> the one name it now has everywhere (the pytest plugin says --graph-version too).
OLD_SPELLINGS = {"--version": "--graph-version"}


def graph_version_option(parser: argparse.ArgumentParser, *, default: str, choices: tuple[str, ...] = VERSIONS) -> None:
    parser.add_argument(
        "--graph-version", default=default, choices=choices, help=f"Graph API version (default: {default})"
    )
    for old, new in OLD_SPELLINGS.items():
        if new == "--graph-version":  # hidden from help and completion; still parsed, with a notice
            parser.add_argument(
                old,
                dest="graph_version",
                action=_OldSpelling,
                choices=choices,
                default=argparse.SUPPRESS,
                help=argparse.SUPPRESS,
            )


def paging_options(parser: argparse.ArgumentParser) -> None:
    """``--max-pages`` and ``--max-items``: where reading one collection stops (``graph.paging.PageLimits``)."""
    from ..graph.paging import DEFAULT_LIMITS

    parser.add_argument(
        "--max-pages",
        type=positive,
        default=DEFAULT_LIMITS.max_pages,
        metavar="N",
        help=f"stop with exit 2 when a collection has more than N pages (default {DEFAULT_LIMITS.max_pages})",
    )
    parser.add_argument(
        "--max-items",
        type=positive,
        default=DEFAULT_LIMITS.max_items,
        metavar="N",
        help=f"stop with exit 2 when a collection has more than N items (default {DEFAULT_LIMITS.max_items:,})",
    )

"""``graph-contracts``: the command line, a thin layer over the library: the only code that parses
arguments, prints, or knows flag names and exit codes.

One module a command group (``validate``, ``contracts``, ``emulator`` ...), each adding its own
subcommand to the tree that :mod:`.parser` builds; the settings -> flags table is :mod:`.flags`.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence

from ..errors import GraphContractsError
from .flags import FLAGS, error_text
from .parser import build_parser, package_version
from .terminal import error_line

__all__ = [
    "BROKEN_PIPE_STATUS",
    "FLAGS",
    "build_parser",
    "error_text",
    "main",
    "package_version",
]

Handler = Callable[[argparse.Namespace], int]


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler = args.handler
    try:
        return handler(args)
    except GraphContractsError as exc:
        error_line("graph-contracts", error_text(exc))
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return _output_closed()


#: The status a shell reports for a program stopped by SIGPIPE (128 + 13): never "all valid".
BROKEN_PIPE_STATUS = 141


def _output_closed() -> int:
    """Stop quietly, as Unix tools do, when the reader of our output (``| head -1``) has gone.

    Whatever is still buffered for stdout is dropped: pointing stdout at the
    null device keeps Python's flush at exit from failing a second time.
    """
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # stdout without a file descriptor (captured in tests)
        pass
    return BROKEN_PIPE_STATUS

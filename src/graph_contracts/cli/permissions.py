"""``graph-contracts permissions``: least permissions per operation, for traffic, or what a token lacks."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from pathlib import Path

from ..errors import ConfigurationError, InputFileError


def _permissions(args: argparse.Namespace) -> int:
    """Exit 0 when answered; with --token, 1 when it is expired, would get a 403, or is over-granted."""
    import time

    from ..permissions import load_permission_data
    from ..permissions import render as show
    from ..permissions.needs import needs_of_operations, operation_permissions, token_report

    if (args.operation is not None or args.all) == bool(args.traffic or args.token):
        raise ConfigurationError(
            "permissions", "give one of --operation NAME, --all, --traffic FILE..., --token FILE (with --traffic)"
        )
    data = load_permission_data(args.data)
    lines: Iterable[str]
    if args.operation is not None or args.all:
        lines = show.operation_lines(operation_permissions(data, args.operation), data)
        ok = True
    else:
        needs = None
        if args.traffic:
            from ..traffic.permissions import traffic_needs

            needs = traffic_needs(data, args.traffic)
        if args.token is None:
            assert needs is not None
            lines, ok = show.needs_lines(needs, data), True
        else:
            from ..permissions.token import decode_token

            source = "<stdin>" if args.token == "-" else args.token
            try:
                content = sys.stdin.read() if args.token == "-" else Path(args.token).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise InputFileError(source, getattr(exc, "strerror", None) or "cannot be read as text") from None
            now = time.time()
            report = token_report(decode_token(content, source), needs or needs_of_operations(data), now)
            lines, ok = show.token_lines(report, now), report.ok
    for line in lines:
        print(line)
    return 0 if ok else 1


def add_permissions(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``permissions --operation|--all|--traffic|--token``."""
    need = sub.add_parser(
        "permissions", help="least permissions per operation, for recorded traffic, or what a token lacks (offline)"
    )
    need.add_argument("--operation", metavar="NAME", help="an operation id or verb, e.g. import")
    need.add_argument("--all", action="store_true", help="every operation of the contracts")
    need.add_argument("--traffic", nargs="+", metavar="FILE", help="HAR, vcrpy cassettes, Dev Proxy mocks, NDJSON")
    need.add_argument(
        "--token",
        metavar="FILE",
        help="a JWT file or - (stdin), decoded locally and never verified; "
        "judged against --traffic, or else every operation of the contracts",
    )
    need.add_argument("--data", help="permissions data (default: the shipped index)")
    need.set_defaults(handler=_permissions)

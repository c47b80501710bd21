"""``graph-contracts traffic check|scan|scrub``: recorded traffic checked, or searched and scrubbed of secrets."""

from __future__ import annotations

import argparse
import sys

from ..errors import InputFileError


def add_traffic(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``graph-contracts traffic check|scan|scrub``: recorded traffic (HAR, cassettes, Dev Proxy mocks, NDJSON)."""
    traffic = sub.add_parser("traffic", help="check recorded traffic against the contracts; find and scrub secrets")
    tsub = traffic.add_subparsers(dest="action", required=True)
    check = tsub.add_parser("check", help="check HAR files, cassettes, Dev Proxy mock files or NDJSON exchanges")
    check.add_argument(
        "files",
        nargs="+",
        help="traffic files or folders (format read from the content; a folder's "
        ".har, .json, .yaml, .yml, .ndjson and .jsonl files, gzipped or not, recursively)",
    )
    check.add_argument(
        "--profile",
        default="contract",
        choices=("contract", "upload"),
        help="contract (default): request bodies against the documented contract; upload: also the Autopilot rules",
    )
    check.add_argument("--format", default="text", choices=("text", "json", "junit", "github"))
    check.add_argument(
        "--expect-refusals",
        action="store_true",
        help="the traffic sends invalid bodies on purpose (a contract suite's negative tests, as in the shipped "
        "cassettes): a request body Graph answered 400 is not a finding; one it accepted still is",
    )
    check.set_defaults(handler=_traffic_check)
    scan = tsub.add_parser("scan", help="find credentials in files and folders (file:line); exit 1 on a finding")
    scan.add_argument("paths", nargs="+", help="files or folders (searched recursively)")
    scan.set_defaults(handler=_traffic_scan)
    scrub = tsub.add_parser("scrub", help="write a copy of a traffic file with every credential replaced")
    scrub.add_argument("file")
    scrub.add_argument("-o", "--out", required=True, help="where to write the scrubbed copy")
    scrub.set_defaults(handler=_traffic_scrub)


def _cannot_read(exc: InputFileError) -> int:
    print(f"graph-contracts: cannot read {exc}", file=sys.stderr)
    return 2


def _traffic_scan(args: argparse.Namespace) -> int:
    """``traffic scan PATH...``: one line per credential found, exit 1 when there is any."""
    from ..traffic.scan import scan_files

    try:
        report = scan_files(args.paths)
    except InputFileError as exc:
        return _cannot_read(exc)
    for finding in report.findings:
        print(f"{finding.file}:{finding.line}: {finding.kind}")
    print(report.summary(), file=sys.stderr)
    return 1 if report.findings else 0


def _traffic_scrub(args: argparse.Namespace) -> int:
    """``traffic scrub FILE -o OUT``: write the scrubbed copy; exit 1 if the scanner still sees something."""
    from ..traffic.scrub import scrub_file

    try:
        result = scrub_file(args.file, args.out)
    except InputFileError as exc:
        return _cannot_read(exc)
    for finding in result.remaining:
        print(f"{finding.file}:{finding.line}: {finding.kind} (still there after scrubbing)")
    print(
        f"wrote {result.out}" + (f"; {len(result.remaining)} possible secrets remain" if result.remaining else ""),
        file=sys.stderr,
    )
    return 1 if result.remaining else 0


def _traffic_check(args: argparse.Namespace) -> int:
    """``traffic check FILE...``: each exchange against its contract operation, reported like ``validate``."""
    from .traffic_check import check_files

    return check_files(
        args.files,
        fmt=args.format,
        profile=args.profile,
        out=sys.stdout,
        err=sys.stderr,
        expect_refusals=args.expect_refusals,
    )

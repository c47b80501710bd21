"""The ``graph-contracts traffic`` sub-commands: argument handling and exit codes, nothing else.

Exit codes are the project's: 0 clean, 1 findings, 2 unreadable input or a
usage error (the message names the file and, where known, the entry or line).
"""

from __future__ import annotations

import argparse
import sys

from ..errors import InputFileError


def _cannot_read(exc: InputFileError) -> int:
    print(f"graph-contracts: cannot read {exc}", file=sys.stderr)
    return 2


def run_scan(args: argparse.Namespace) -> int:
    """``traffic scan PATH...``: one line per credential found, exit 1 when there is any."""
    from .scan import scan_paths

    try:
        findings = scan_paths(args.paths)
    except InputFileError as exc:
        return _cannot_read(exc)
    for finding in findings:
        print(f"{finding.file}:{finding.line}: {finding.kind}")
    files = len({f.file for f in findings})
    print(f"{len(findings)} possible secret{'s' * (len(findings) != 1)} in {files} file{'s' * (files != 1)}",
          file=sys.stderr)
    return 1 if findings else 0


def run_scrub(args: argparse.Namespace) -> int:
    """``traffic scrub FILE -o OUT``: write the scrubbed copy; exit 1 if the scanner still sees something."""
    from .scrub import scrub_file

    try:
        result = scrub_file(args.file, args.out)
    except InputFileError as exc:
        return _cannot_read(exc)
    for finding in result.remaining:
        print(f"{finding.file}:{finding.line}: {finding.kind} (still there after scrubbing)")
    print(f"wrote {result.out}" + (f"; {len(result.remaining)} possible secrets remain" if result.remaining else ""),
          file=sys.stderr)
    return 1 if result.remaining else 0


def run_check(args: argparse.Namespace) -> int:
    """``traffic check FILE...``: each exchange against its contract operation, reported like ``validate``."""
    from .check import check_files

    return check_files(args.files, fmt=args.format, profile=args.profile, out=sys.stdout, err=sys.stderr)

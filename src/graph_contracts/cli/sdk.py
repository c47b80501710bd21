"""``graph-contracts sdk-check``: the msgraph SDK gate's verdict, printed."""

from __future__ import annotations

import argparse
import sys


def _sdk_check(args: argparse.Namespace) -> int:
    from ..sdk import run_gate

    if args.compare:
        from ..sdk.compare import run_compare

        old, new = args.compare
        return run_compare(old, new, args.examples)
    done = run_gate(
        args.sdk, args.junitxml, args.examples,
        baseline=args.baseline, write_baseline=args.write_baseline, strict_baseline=args.strict_baseline,
        traffic=args.traffic or (),
    )
    if done.missing:
        print(f"graph-contracts sdk-check: {done.missing_text}", file=sys.stderr)
    for paragraph in done.report:
        print(paragraph)
    return done.code


def add_sdk_check(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``sdk-check``."""
    sdk = sub.add_parser("sdk-check", help="gate an msgraph SDK release on the contracts")
    sdk.add_argument("--sdk", default="both", choices=("msgraph", "msgraph-beta", "both"))
    sdk.add_argument("--junitxml", default=None, help="also write the results as JUnit XML")
    sdk.add_argument("--examples", type=int, default=25, help="generated bodies per type")
    sdk.add_argument(
        "--baseline", metavar="FILE", help="YAML of acknowledged breaks: known ones pass, new or expired ones fail"
    )
    sdk.add_argument(
        "--strict-baseline", action="store_true", help="also fail when a baseline entry is no longer observed"
    )
    sdk.add_argument("--write-baseline", metavar="FILE", help="write this run's breaks as a baseline file")
    sdk.add_argument(
        "--traffic", nargs="+", metavar="FILE",
        help="instead of running the Python SDKs, check the requests in traffic any SDK recorded (HAR, vcrpy "
        "cassette, NDJSON): bodies against the contract, type tags, date-time offsets, enum spelling",
    )
    sdk.add_argument(
        "--compare", nargs=2, metavar=("OLD", "NEW"),
        help="gate two releases (e.g. 'msgraph-beta-sdk==1.65.0' 'msgraph-beta-sdk==1.66.0'), each in a throwaway "
        "virtual environment, and print the breaks that are new, fixed and unchanged; exit 1 on a new one",
    )
    sdk.set_defaults(handler=_sdk_check)

"""``graph-contracts sdk-check``: the msgraph SDK gate's verdict, printed."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from ..errors import CompareError, ConfigurationError, MatrixError
from .argtypes import positive
from .flags import FLAGS

if TYPE_CHECKING:
    from ..sdk import Verdict


def exit_status(verdict: Verdict) -> int:
    """``sdk-check``'s exit status: 0 pass, 1 a contract break, 2 not gated (an SDK not installed, a release
    the matrix could not gate)."""
    from ..sdk import Verdict

    return {Verdict.PASS: 0, Verdict.BREAK: 1, Verdict.NOT_GATED: 2}[verdict]


def _progress(line: str) -> None:
    """A long ``sdk-check --compare``/``--matrix`` says what it is installing as it goes."""
    print(line, flush=True)


def _sdk_check(args: argparse.Namespace) -> int:
    """``graph-contracts sdk-check``: the library returns a ``GateRun`` (gate, compare or matrix); printed here."""
    from ..sdk import GateRun, run_gate

    if not args.matrix and (args.last is not None or args.shard != "1/1"):
        raise ConfigurationError("--last/--shard", "apply to --matrix only")
    done: GateRun
    if args.matrix:
        from ..sdk.matrix import Shard, run_matrix

        _refuse_matrix_options(args)
        done = run_matrix(
            args.matrix,
            last=args.last,
            shard=Shard.parse(args.shard),
            examples=args.examples,
            baseline=args.baseline,
            progress=_progress,
        )
    elif args.compare:
        from ..sdk.compare import run_compare

        _refuse_gate_options(args)
        old, new = args.compare
        done = run_compare(old, new, args.examples, progress=_progress)
    else:
        done = run_gate(
            args.sdk,
            args.junitxml,
            args.examples,
            baseline=args.baseline,
            write_baseline=args.write_baseline,
            strict_baseline=args.strict_baseline,
            traffic=args.traffic or (),
        )
    if done.missing:
        print(f"graph-contracts sdk-check: {done.missing_text}", file=sys.stderr)
    for paragraph in done.report:
        print(paragraph)
    return exit_status(done.verdict)


#: Options of a single gate run that ``--compare`` does not apply (settings; ``FLAGS`` names them). A diff has
#: no JUnit, baseline or strictness of its own: silently ignoring them would let a pipeline believe it gated.
NOT_WITH_COMPARE = ("junitxml", "baseline", "write_baseline", "strict_baseline", "traffic")
#: ``sdk-check`` options a matrix does not apply (``--baseline`` and ``--examples`` it does).
NOT_WITH_MATRIX = ("junitxml", "write_baseline", "strict_baseline", "traffic", "compare")


def _refuse_gate_options(args: argparse.Namespace) -> None:
    """``CompareError`` naming every option given with ``--compare`` that it would not apply."""
    given = [FLAGS[setting] for setting in NOT_WITH_COMPARE if getattr(args, setting, None)]
    if given:
        raise CompareError(
            "compare",
            f"does not apply {', '.join(given)}; gate one release with them instead "
            "(sdk-check --sdk NAME ... in an environment holding it)",
        )


def _refuse_matrix_options(args: argparse.Namespace) -> None:
    """``MatrixError`` naming every option given with ``--matrix`` that it would not apply."""
    given = [FLAGS[setting] for setting in NOT_WITH_MATRIX if getattr(args, setting, None)]
    if given:
        raise MatrixError(
            "matrix", f"does not apply {', '.join(given)}; it takes --baseline, --examples, --last and --shard"
        )


def add_sdk_check(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``sdk-check``."""
    sdk = sub.add_parser("sdk-check", help="gate an msgraph SDK release on the contracts")
    sdk.add_argument("--sdk", default="both", choices=("msgraph", "msgraph-beta", "both"))
    sdk.add_argument("--junitxml", default=None, help="also write the results as JUnit XML")
    sdk.add_argument(
        "--examples",
        type=positive,
        default=25,
        help="generated bodies per type in the round trip (at least 1); a third as many, at least 3, per "
        "operation on the wire",
    )
    sdk.add_argument(
        "--baseline", metavar="FILE", help="YAML of acknowledged breaks: known ones pass, new or expired ones fail"
    )
    sdk.add_argument(
        "--strict-baseline", action="store_true", help="also fail when a baseline entry is no longer observed"
    )
    sdk.add_argument("--write-baseline", metavar="FILE", help="write this run's breaks as a baseline file")
    sdk.add_argument(
        "--traffic",
        nargs="+",
        metavar="FILE",
        help="instead of running the Python SDKs, check the requests in traffic any SDK recorded (HAR, vcrpy "
        "cassette, NDJSON): bodies against the contract, type tags, date-time offsets, enum spelling",
    )
    sdk.add_argument(
        "--compare",
        nargs=2,
        metavar=("OLD", "NEW"),
        help="gate two releases (e.g. 'msgraph-beta-sdk==1.65.0' 'msgraph-beta-sdk==1.66.0'), each in a throwaway "
        "virtual environment, and print the breaks that are new, fixed and unchanged; exit 1 on a new one",
    )
    sdk.add_argument(
        "--matrix",
        nargs="+",
        metavar="SPEC",
        help="gate every release a spec admits ('msgraph-sdk>=1.0', or pins), each in its own cached environment, "
        "and print release x new/expired/known/fixed (against --baseline); exit 1 on a new break",
    )
    sdk.add_argument("--last", type=positive, metavar="N", help="with --matrix: only the newest N releases of a range")
    sdk.add_argument(
        "--shard",
        default="1/1",
        metavar="I/N",
        help="with --matrix: gate the I-th of every N releases (one CI job of N)",
    )
    sdk.set_defaults(handler=_sdk_check)

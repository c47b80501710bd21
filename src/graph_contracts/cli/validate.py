"""``graph-contracts validate`` and ``csv to-payload``: files checked record by record, issues printed."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import ConfigurationError, GraphContractsError
from .argtypes import batch_size, positive
from .flags import error_text, said
from .options import graph_version_option
from .terminal import counted, error_line

if TYPE_CHECKING:
    from ..validation import Run


def _validate(args: argparse.Namespace) -> int:
    """Validate each file, record by record; an unreadable file is reported and the others still checked.

    Exit 0 when every record is valid (warnings allowed), 1 when any has an
    error, 2 when a file could not be read at all or the arguments are wrong.
    """
    from ..validation import Run, UnknownContractError, Validator, resolve_target

    try:  # a misspelt --type or --operation is a usage error, not a finding in every file
        type_name, operation = resolve_target(args.type, args.operation, args.graph_version)
        if operation:
            Validator.for_operation(operation, version=args.graph_version)
        elif type_name:
            Validator.for_type(type_name, version=args.graph_version)
    except (UnknownContractError, ConfigurationError) as exc:
        error_line("graph-contracts validate", error_text(exc))
        return 2
    # One run for all the files, so a device listed in two of them is a duplicate too.
    run = Run(type=type_name, operation=operation, version=args.graph_version, profile=args.profile)
    with contextlib.ExitStack() as stack:
        if args.jobs > 1:
            from concurrent.futures import ProcessPoolExecutor

            run.use_processes(stack.enter_context(ProcessPoolExecutor(args.jobs)), args.jobs)
        return _validate_files(args, run)


def _validate_files(args: argparse.Namespace, run: Run) -> int:
    """Each file's results to the report; an unreadable file is reported and the others still checked."""
    from ..errors import InputFileError
    from ..validation import STDIN_NAME
    from .reporting import Reporter

    reporter = Reporter(args.format, sys.stdout, sys.stderr, max_issues=args.max_issues)
    for name in args.files:
        reporter.start_file(STDIN_NAME if name == "-" else name)
        try:
            # The records without issues as numbers where the format writes nothing for them: no
            # object per clean CSV row.
            reporter.take(run.check_file_counts(name) if reporter.takes_counts else run.check_file(name))
        except BrokenPipeError:
            raise  # the reader of our output went away (`| head`): not the input's fault; main() stops
        except InputFileError as exc:
            # One unreadable file must not hide what the others contain.
            reporter.file_error(exc.file, said(exc.words), exc.line, exc.column)
        except GraphContractsError as exc:
            reporter.file_error(STDIN_NAME if name == "-" else name, error_text(exc))
        except RecursionError:
            reporter.file_error(STDIN_NAME if name == "-" else name, "the data is nested too deeply to validate")
        except OSError as exc:
            reporter.file_error(STDIN_NAME if name == "-" else name, exc.strerror or str(exc))
    reporter.finish()
    return reporter.exit_code()


def _csv_to_payload(args: argparse.Namespace) -> int:
    """Write import-action bodies from a valid Autopilot CSV; refuse, writing nothing, when it has errors."""
    from ..errors import InputFileError
    from ..validation import csv_to_payloads, earlier_batches
    from .reporting import issue_text, record_name

    out_dir = Path(args.out) if args.out else Path.cwd()
    refusal = _not_a_csv(Path(args.file))
    if refusal:
        error_line("graph-contracts csv to-payload", refusal)
        return 2
    try:
        written, problems, removed = csv_to_payloads(
            Path(args.file), out_dir, batch_size=args.batch_size, version=args.graph_version
        )
    except InputFileError as exc:
        print(f"graph-contracts: cannot read {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"graph-contracts: cannot write to {out_dir}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    for result in problems:
        print(record_name(result))
        for issue in result.issues:
            print(f"  {issue_text(issue)}")
    if not written and any(r.errors for r in problems):
        errors = sum(r.errors for r in problems)
        with contextlib.suppress(OSError):
            if left := len(earlier_batches(out_dir)):
                print(
                    f"{out_dir} still holds {counted(left, 'batch file')} of an earlier run, not of {args.file}",
                    file=sys.stderr,
                )
        print(f"{args.file}: {counted(errors, 'error')}; nothing written", file=sys.stderr)
        return 1
    if removed:
        print(
            f"removed {counted(len(removed), 'batch file')} of an earlier run from {out_dir}: "
            + ", ".join(p.name for p in removed)
        )
    from ..autopilot.catalog import AUTOPILOT_COLLECTION

    devices = sum(len(json.loads(p.read_text(encoding="utf-8"))[AUTOPILOT_COLLECTION]) for p in written)
    print(f"wrote {devices} devices in {counted(len(written), 'file')} to {out_dir}")
    return 0


def _not_a_csv(path: Path) -> str:
    """Why ``csv to-payload`` should not read ``path`` (it holds JSON), or ``""``; unreadable files are left to it."""
    from ..errors import InputFileError
    from ..records import sniff

    if path.is_fifo():  # validate reads pipes; this command reads its file twice (check, then write)
        return f"{path} is a pipe: csv to-payload reads the CSV twice, so save it to a file first"
    try:
        with path.open("rb") as handle:
            head = handle.read(64 * 1024)
        fmt = sniff(head, path.suffix.lower(), str(path))
    except (OSError, InputFileError):
        return ""
    if fmt == "csv":
        return ""
    return (
        f"{path} holds {fmt.upper()}, not an Autopilot CSV: csv to-payload turns a CSV into import bodies; "
        f"check a JSON body with: graph-contracts validate {path}"
    )


def add_validate(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``validate FILE...``."""
    val = sub.add_parser("validate", help="validate JSON, NDJSON or Autopilot CSV files before upload")
    val.add_argument(
        "files", nargs="+", help="files (format read from the content: JSON, NDJSON or CSV); - for standard input"
    )
    val.add_argument("--type", help="Graph type name (default: from @odata.type, or the import body)")
    val.add_argument(
        "--operation",
        help="operation, e.g. importedWindowsAutopilotDeviceIdentity.import, or just import when one type has it",
    )
    graph_version_option(val, default="v1.0")
    val.add_argument(
        "--profile",
        default="upload",
        choices=("upload", "contract"),
        help="upload (default): also what Intune would reject; contract: the schema alone",
    )
    val.add_argument(
        "--format",
        default="text",
        choices=("text", "json", "junit", "github"),
        help="text (default), json, junit (JUnit XML, a testcase per record) or github (Actions annotations)",
    )
    val.add_argument(
        "--max-issues",
        type=positive,
        metavar="N",
        help="show at most N issues per file, then how many were left out (the totals still count them all)",
    )
    val.add_argument(
        "--jobs",
        type=positive,
        default=1,
        metavar="N",
        help="validate large CSV files in N processes (same output as one; default 1)",
    )
    val.set_defaults(handler=_validate)


def add_csv(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``csv to-payload FILE``."""
    csv_ = sub.add_parser("csv", help="turn Autopilot CSV files into Graph import bodies")
    csvsub = csv_.add_subparsers(dest="action", required=True)
    payload = csvsub.add_parser(
        "to-payload", help="write import-action bodies (batch-0001.json ...) from a valid CSV; nothing if invalid"
    )
    payload.add_argument("file", help="the Autopilot CSV file")
    payload.add_argument("-o", "--out", help="output folder (default: the current folder)")
    payload.add_argument(
        "--batch-size", type=batch_size, default=500, help="devices per body (default and maximum: 500)"
    )
    graph_version_option(payload, default="v1.0")
    payload.set_defaults(handler=_csv_to_payload)

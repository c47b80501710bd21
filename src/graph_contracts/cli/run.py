"""``graph-contracts run``: the main job (``graph_contracts.mainjob``), what it finds printed."""

from __future__ import annotations

import argparse

from ..resources import VERSIONS
from .argtypes import positive


def _run(args: argparse.Namespace) -> int:
    """``graph-contracts run``: the contracts checked first, then the suite; what ``mainjob`` finds, printed."""
    from ..mainjob import CpuSample, MainJob, check_schemas, lint_contracts, run_suite, suite_command, suite_installed

    start = CpuSample.now()  # how busy the cores are is measured over the lint and schema checks
    job = MainJob(
        endpoint=args.graph_endpoint,
        version=getattr(args, "graph_version", "all"),
        examples=args.examples,
        junitxml=getattr(args, "junitxml", None),
        jobs=getattr(args, "jobs", None),
        pytest_args=tuple(args.pytest_args),
        durations=getattr(args, "durations", None),
    )
    contracts = lint_contracts()
    for finding in contracts.new:
        print(finding)
    print(f"contracts: {len(contracts.findings)} findings, {len(contracts.new)} not acknowledged")
    check_schemas()
    print("schemas: up to date")
    if contracts.new:
        return 1
    if not suite_installed():
        print("contract suite: not installed in this build")
        return 0
    command = suite_command(job, since=start)
    if command.workers:
        print(f"suite: {command.workers} pytest-xdist workers (--jobs 1 for one process)")
    return exit_status(run_suite(command))


def exit_status(pytest_status: int) -> int:
    """``run``'s exit status from pytest's: the same, but 2 (not pytest's 4) for a usage error (bad
    arguments, live credentials missing), as every command of this CLI says it."""
    import pytest  # loaded already: the suite ran in this process

    return 2 if pytest_status == pytest.ExitCode.USAGE_ERROR else pytest_status


def add_run(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``run [-- PYTEST_ARGS]``."""
    run = sub.add_parser("run", help="the main job: check the contracts and run the contract suite")
    run.add_argument("--graph-endpoint", default="emulator", choices=("emulator", "replay", "live"))
    run.add_argument("--graph-version", default="all", choices=(*VERSIONS, "all"), help="Graph API versions to test")
    run.add_argument("--examples", type=int, default=10, help="hypothesis examples per property-based test")
    run.add_argument("--junitxml", default=None, metavar="FILE", help="also write the suite's results as JUnit XML")
    run.add_argument(
        "--jobs",
        type=positive,
        default=None,
        metavar="N",
        help="run the suite in N pytest-xdist processes (default: the cores other work leaves idle now, "
        "rounded up, plus one, at most 4, when pytest-xdist is installed; a live tenant always runs in one)",
    )
    run.add_argument(
        "--durations",
        type=positive,
        default=None,
        metavar="N",
        help="end with the N slowest operations, checks and tests (seconds of setup, call and teardown)",
    )
    run.add_argument("pytest_args", nargs=argparse.REMAINDER, help="extra arguments for pytest (after --)")
    run.set_defaults(handler=_run)

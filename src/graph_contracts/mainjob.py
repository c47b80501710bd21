"""``graph-contracts run``: the main job on the chosen endpoint (by default the embedded emulator).

It checks the shipped contracts first (lint, schema drift), then runs the
contract suite with pytest against the endpoint, so one command answers
"does this endpoint honour the documented contract?". The run ends with the
contract report (operation x check, from ``graph_contracts.suite.report``);
``--junitxml FILE`` is passed through to pytest's own JUnit XML writer.
"""

from __future__ import annotations

import argparse
import importlib.util

from .contracts import default_contracts
from .lint import lint
from .resources import contracts_dir, schemas_dir
from .schemas import check


def run_main_job(args: argparse.Namespace) -> int:
    report = lint(contracts_dir())
    new = [f for f in report.findings if not f.acknowledged]
    for finding in new:
        print(finding)
    print(f"contracts: {len(report.findings)} findings, {len(new)} not acknowledged")
    check(default_contracts(), schemas_dir())
    print("schemas: up to date")
    if new:
        return 1
    if importlib.util.find_spec("graph_contracts.suite") is None:
        print("contract suite: not installed in this build")
        return 0
    import pytest

    argv = [
        "--pyargs",
        "graph_contracts.suite",
        f"--graph-endpoint={args.graph_endpoint}",
        f"--graph-version={getattr(args, 'graph_version', 'all')}",
        "-p",
        "no:cacheprovider",
        "-q",
    ]
    if args.graph_endpoint != "replay":
        # A replay sends exactly the recorded requests: the cassettes fix the number of examples.
        argv.append(f"--graph-examples={args.examples}")
    junitxml = getattr(args, "junitxml", None)
    if junitxml:
        argv.append(f"--junitxml={junitxml}")
    extra = list(args.pytest_args)
    if extra[:1] == ["--"]:
        extra = extra[1:]
    # graph_contracts is imported already (the checks above); pytest need not rewrite its asserts.
    argv += ["-W", "ignore::pytest.PytestAssertRewriteWarning"]
    status = pytest.main([*argv, *extra])
    # pytest says 4 for a usage error (bad arguments, live credentials missing); our CLI says 2.
    return 2 if status == pytest.ExitCode.USAGE_ERROR else int(status)

"""The argparse tree: ``graph-contracts`` and its commands, each added by the module that runs it."""

from __future__ import annotations

import argparse
import sys

from .cleanup import add_cleanup
from .contracts import add_contracts, add_schemas
from .emulator import add_emulator
from .hash import add_hash
from .permissions import add_permissions
from .preflight import add_preflight
from .run import add_run
from .sdk import add_sdk_check
from .traffic import add_traffic
from .validate import add_csv, add_validate


def package_version() -> str:
    """The installed distribution's version (the source tree's when not installed)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("graph-contracts")
    except PackageNotFoundError:
        from .. import __version__

        return __version__


class _VersionAction(argparse.Action):
    """``--version``, looking the version up only when asked: reading the installed distribution's
    metadata took 13 ms, a third of ``validate``'s start, on every run."""

    def __init__(
        self,
        option_strings: list[str],
        dest: str = argparse.SUPPRESS,
        default: str = argparse.SUPPRESS,
        help: str = "show the version and exit",
    ) -> None:
        super().__init__(option_strings, dest=dest, default=default, nargs=0, help=help)

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: object,
        option_string: str | None = None,
    ) -> None:
        print(f"{parser.prog} {package_version()}")
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    """The whole tree, commands in the order ``--help`` lists them; ``main`` parses with it, completion reads it."""
    parser = argparse.ArgumentParser(
        prog="graph-contracts",
        description="Contract tests and payload validation for the Graph Windows Autopilot device-identity APIs.",
    )
    parser.add_argument("--version", action=_VersionAction)
    sub = parser.add_subparsers(dest="command", required=True)

    add_contracts(sub)
    add_permissions(sub)
    add_schemas(sub)
    add_validate(sub)
    add_csv(sub)
    add_hash(sub)
    add_emulator(sub)
    add_cleanup(sub)
    add_sdk_check(sub)
    add_run(sub)
    add_traffic(sub)
    add_preflight(sub)

    comp = sub.add_parser("completion", help="print a shell completion script (bash, zsh or fish)")
    comp.add_argument("shell", choices=("bash", "zsh", "fish"))
    comp.set_defaults(handler=_completion)

    return parser


def _completion(args: argparse.Namespace) -> int:
    from .completion import completion_script

    sys.stdout.write(completion_script(build_parser(), args.shell))
    return 0

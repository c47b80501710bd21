"""``graph-contracts emulator``: the local Graph served on loopback until Ctrl-C."""

from __future__ import annotations

import argparse
import sys

from .argtypes import fault, port, positive, seconds, whole


def _emulator(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from ..graph.emulator import EmulatorConfig, EmulatorHandle, Limits, RequestLine, serve
    from ..graph.endpoints import SCRATCH_TENANT

    options = {
        "faults": tuple(args.fault or ()),
        # The suite's scratch tenant too, so the contract suite runs against this emulator (--graph-base-url).
        "tenants": (*(args.tenant or ()), SCRATCH_TENANT),
        "import_pending_reads": args.import_pending_reads,
        "import_pending_seconds": args.import_pending_seconds,
        "as_documented": args.as_documented or None,
        "admin_routes": args.admin_routes,
        "emulator_admins": tuple(args.emulator_admin or ()),
        "page_size": args.page_size,
    }
    if args.state:
        from ..graph.emulator.seed import read_state_file

        options["seed"] = read_state_file(args.state)  # a bad file: StateFileError, one line, exit 2
    config = EmulatorConfig(**{k: v for k, v in options.items() if v not in (None, ())})
    if args.request_log_size is not None:
        config = replace(config, limits=replace(Limits(), request_log_size=args.request_log_size))

    def log_request(line: RequestLine) -> None:
        print(line, flush=True)

    def ready(handle: EmulatorHandle) -> None:
        base = handle.base_url
        print(f"graph-contracts emulator: {base}")
        print(f"  Graph:  {base}/v1.0  {base}/beta")
        print(f"  tokens: POST {handle.token_url()}")
        for tenant in handle.config.tenants:
            print(f"          POST {handle.token_url(tenant)}")
        if handle.config.apps:
            app = handle.config.apps[0]
            print(f"  client: id {app.client_id}  secret {app.client_secret}")
        for app in handle.config.apps[1:]:
            print(f"          id {app.client_id}  secret {app.client_secret}  roles {', '.join(app.roles) or 'none'}")
        print(f"  suite:  pytest --pyargs graph_contracts.suite --graph-endpoint emulator --graph-base-url {base}")
        print("ready (Ctrl-C to stop)", flush=True)

    try:
        serve(args.host, args.port, config, on_ready=ready, on_request=None if args.quiet else log_request)
    except OSError as exc:
        print(
            f"graph-contracts emulator: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}",
            file=sys.stderr,
        )
        return 2
    print("graph-contracts emulator: stopped", flush=True)
    return 0


def add_emulator(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``emulator``: its options are the emulator's settings."""
    emu = sub.add_parser("emulator", help="serve the local Graph emulator on loopback until Ctrl-C")
    emu.add_argument("--host", default="127.0.0.1")
    emu.add_argument("--port", type=port, default=0, help="port, 0-65535 (default 0: a free one)")
    emu.add_argument(
        "--fault",
        action="append",
        type=fault,
        help="inject a fault into every request, e.g. '429;retry-after=1.5;count=2'",
    )
    emu.add_argument(
        "--import-pending-reads",
        type=whole,
        default=None,
        metavar="N",
        help="reads before an import settles (0 or more)",
    )
    emu.add_argument(
        "--import-pending-seconds",
        type=seconds,
        default=None,
        metavar="SECONDS",
        help="seconds before an import settles (0 or more)",
    )
    emu.add_argument(
        "--as-documented",
        action="store_true",
        help="serve what the service refuses (e.g. POST windowsAutopilotDeviceIdentities) as the doc pages say",
    )
    emu.add_argument(
        "--tenant",
        action="append",
        metavar="TENANT",
        help="another tenant (GUID or domain) the token endpoint serves; others get AADSTS90002",
    )
    emu.add_argument(
        "--no-admin-routes",
        dest="admin_routes",
        action="store_false",
        default=None,
        help="answer /_emulator/reset and /_emulator/settle with 404",
    )
    emu.add_argument(
        "--emulator-admin",
        action="append",
        metavar="CLIENT_ID",
        help="an app whose admin-role tokens may reset or settle any tenant, or reset all at once "
        "(repeatable; by default an admin token acts on its own tenant only)",
    )
    emu.add_argument(
        "--request-log-size",
        type=positive,
        default=None,
        metavar="N",
        help="requests the in-memory request log keeps (default 10000)",
    )
    emu.add_argument("-q", "--quiet", action="store_true", help="no line per request on the console")
    emu.add_argument(
        "--state",
        metavar="FILE",
        help="start with a tenant's state (YAML or JSON): registered devices, imported identities, users, "
        "devices of another tenant",
    )
    emu.add_argument(
        "--page-size",
        type=positive,
        default=None,
        metavar="N",
        help="items per page of a list (default 100; Intune pages at about 1000)",
    )
    emu.set_defaults(handler=_emulator)

"""``graph-contracts preflight FILE...``: each device's import verdict for a tenant, printed."""

from __future__ import annotations

import argparse
import contextlib
import sys

from ..errors import ConfigurationError
from . import terminal
from .argtypes import endpoint_choice, wait_seconds
from .options import graph_version_option, paging_options


def _preflight(args: argparse.Namespace) -> int:
    """``preflight FILE...``: each device's verdict for an import into the tenant; GET requests only.

    Exit 0 when every device will import, 1 when any will not (or was not
    checked), 2 for usage or access errors (before any request).
    """
    import httpx

    from ..graph.auth import StaticToken, shared_ssl_context, token_source_from_env
    from ..graph.client import GraphClient, RetryPolicy
    from ..graph.paging import PageLimits
    from ..preflight import check_token, preflight
    from ..preflight.output import FORMATS, text

    limits = PageLimits(max_pages=args.max_pages, max_items=args.max_items)
    retry = RetryPolicy(max_total_wait=args.max_wait)
    with contextlib.ExitStack() as stack:
        endpoint = args.graph_endpoint
        if endpoint == "emulator":
            from ..graph.emulator import EmulatorConfig, running_emulator
            from ..graph.emulator.seed import read_state_file

            seed = read_state_file(args.state) if args.state else None
            handle = stack.enter_context(running_emulator(EmulatorConfig(seed=seed, page_size=1000)))
            base_url, token = handle.base_url, handle.token(["DeviceManagementServiceConfig.Read.All"])
        else:
            if args.state:
                raise ConfigurationError("state", "seeds the embedded emulator only (--graph-endpoint emulator)")
            from ..graph.clouds import cloud as cloud_named

            base_url = cloud_named(args.cloud).graph_base if endpoint == "live" else endpoint.rstrip("/")
            token = token_source_from_env(args.cloud).token()
        access = check_token(token)  # missing, expired or insufficient: one line, exit 2, before any request
        sent = [0]

        class Counting(httpx.HTTPTransport):
            def handle_request(self, request: httpx.Request) -> httpx.Response:
                sent[0] += 1
                return super().handle_request(request)

        client = stack.enter_context(
            GraphClient(
                base_url,
                StaticToken(token),
                version=args.graph_version,
                retry=retry,
                timeout=args.timeout,
                transport=Counting(verify=shared_ssl_context()),
            )
        )
        progress = terminal.Progress(terminal.stderr(), unit="items")
        read: dict[str, int] = {}

        def on_page(path: str, items: int) -> None:
            progress.advance(items - read.get(path, 0), label=path.rsplit("/", 1)[-1])
            read[path] = items

        try:
            result = preflight(
                args.files,
                client,
                access,
                version=args.graph_version,
                limits=limits,
                on_page=on_page,
                count_requests=lambda: sent[0],
            )
        finally:
            progress.clear()
    if args.format == "text":
        out = terminal.stdout()
        sys.stdout.write(text(result, out.paint))  # type: ignore[arg-type]
    else:
        sys.stdout.write(FORMATS[args.format](result))
    return 0 if result.all_will_import else 1


def add_preflight(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    pre = sub.add_parser(
        "preflight",
        help="will each device import into this tenant? the offline checks, then read-only Graph calls",
    )
    pre.add_argument("files", nargs="+", help="Autopilot CSV files or import bodies (JSON)")
    pre.add_argument(
        "--graph-endpoint",
        type=endpoint_choice,
        default="live",
        metavar="emulator|live|URL",
        help="live (default: the cloud's Graph, token from GRAPH_TOKEN or AZURE_* variables), emulator "
        "(embedded, with --state), or a Graph base URL",
    )
    pre.add_argument("--state", metavar="FILE", help="the embedded emulator's tenant state (YAML or JSON)")
    pre.add_argument("--cloud", default="global", help="global, usgov, usgov-dod or china")
    graph_version_option(pre, default="v1.0")
    pre.add_argument(
        "--format",
        default="text",
        choices=("text", "json", "csv", "junit"),
        help="text (default, grouped by verdict), json, csv (your rows + verdict, reason), junit",
    )
    pre.add_argument(
        "--timeout",
        type=wait_seconds,
        default=60.0,
        metavar="SECONDS",
        help="how long one request may take before it is retried (default 60)",
    )
    pre.add_argument(
        "--max-wait",
        type=wait_seconds,
        default=120.0,
        metavar="SECONDS",
        help="the most one request may wait on throttling (Retry-After) and retries (default 120)",
    )
    paging_options(pre)
    pre.set_defaults(handler=_preflight)

"""``graph-contracts cleanup --tag TAG``: delete what a suite run tagged, and say what was done."""

from __future__ import annotations

import argparse

from ..resources import VERSIONS
from . import terminal
from .options import graph_version_option, paging_options


def _cleanup(args: argparse.Namespace) -> int:
    from ..cleanup import check_tag, cleanup
    from ..contracts import default_contracts
    from ..graph.auth import StaticToken
    from ..graph.client import GraphClient
    from ..graph.endpoints import open_endpoint
    from ..graph.paging import PageLimits

    check_tag(args.tag)  # a bad tag is a usage error, whatever the credentials
    limits = PageLimits(max_pages=args.max_pages, max_items=args.max_items)
    versions = VERSIONS if args.graph_version == "all" else (args.graph_version,)
    with open_endpoint("live", cloud=args.cloud, base_url=args.base_url, allow_writes=True) as endpoint:
        token = endpoint.token("write")
        clients = {v: GraphClient(endpoint.base_url, StaticToken(token or ""), version=v) for v in versions}
        try:
            done = cleanup(default_contracts(), clients, args.tag, dry_run=args.dry_run, limits=limits)
        finally:
            for client in clients.values():
                client.close()
    out = terminal.stdout()
    failed = refused = 0
    for d in done:
        what = f"{d.version} {d.type} {d.id} ({d.tag_property} {d.tag!r})"
        if d.refused:
            refused += 1
            out.line(f"{out.paint('refused:', 'error')} {what}: {d.refused}")
        elif args.dry_run:
            out.line(f"{out.paint('would delete:', 'note')} {what}")
        elif d.status in (204, 404):
            out.line(f"{out.paint('deleted:', 'ok')} {what}")
        else:
            failed += 1
            out.line(f"{out.paint(f'FAILED (HTTP {d.status}):', 'error')} {what}")
    problems = [f"{failed} could not be deleted"] * bool(failed) + [f"{refused} refused"] * bool(refused)
    print(
        f"{len(done)} objects tagged {args.tag!r}"
        + "".join(f", {p}" for p in problems)
        + (" (dry run: nothing deleted)" if args.dry_run else "")
    )
    return 1 if failed or refused else 0


def add_cleanup(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``cleanup --tag TAG``."""
    clean = sub.add_parser("cleanup", help="delete the objects a suite run tagged with TAG, and nothing else")
    clean.add_argument(
        "--tag", required=True, help="the run tag (printed by the suite, e.g. gc-1a2b3c4d); matched as a whole"
    )
    clean.add_argument("--cloud", default="global", help="global, usgov, usgov-dod or china")
    clean.add_argument("--base-url", default=None, help="Graph base URL (default: the cloud's)")
    graph_version_option(clean, default="all", choices=(*VERSIONS, "all"))
    clean.add_argument("--dry-run", action="store_true", help="list the ids and tags it would delete; delete nothing")
    paging_options(clean)
    clean.set_defaults(handler=_cleanup)

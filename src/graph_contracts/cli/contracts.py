"""``graph-contracts contracts import|lint|check-metadata|check-permissions`` and ``schemas build|check``."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..resources import contracts_dir, schemas_dir


def _contracts_import(args: argparse.Namespace) -> int:
    """Exit 0 when every page was used or its finding acknowledged, 1 otherwise; 2 (raised) if unreadable."""
    from ..contracts import load_overlays
    from ..contracts.importer import import_pages, write_contracts

    out = Path(args.out) if args.out else contracts_dir()
    overlays = Path(args.overlays) if args.overlays else contracts_dir()
    result = import_pages(args.pages)
    result = result.acknowledge(a for o in load_overlays(overlays).values() for a in o.acknowledged)
    written = write_contracts(result.types, result.operations, out)
    for finding in result.findings:
        print(finding)
    new = sum(not f.acknowledged for f in result.findings)
    print(
        f"read {result.pages} pages; wrote {len(written)} contract files ({len(result.types)} types, "
        f"{len(result.operations)} operations) to {out}; {len(result.findings)} pages or parts not used"
        + (f", {new} not acknowledged" if new else "")
    )
    return 0 if result.ok else 1


def _contracts_lint(args: argparse.Namespace) -> int:
    from ..lint import lint

    report = lint(Path(args.contracts) if args.contracts else contracts_dir())
    for finding in report.findings:
        if args.all or not finding.acknowledged:
            print(finding)
    for ack in report.stale_acknowledgements:
        print(f"[stale] overlay acknowledges {ack}, which no longer occurs: remove the entry")
    new = sum(not f.acknowledged for f in report.findings)
    print(f"{len(report.findings)} findings, {new} not acknowledged by the overlays")
    return 0 if report.ok else 1


def _contracts_check_metadata(args: argparse.Namespace) -> int:
    """Exit 0 when every disagreement with the metadata is acknowledged, 1 otherwise, 2 for unreadable files."""
    from ..contracts import load_contracts, load_overlays
    from ..contracts.clouds import load_cloud_gaps
    from ..contracts.metadata import acknowledge, cloud_gaps, compare, gap_findings, read_metadata

    root = Path(args.contracts) if args.contracts else contracts_dir()
    contracts = load_contracts(root)
    recorded = load_cloud_gaps(root)
    acknowledged = {a for o in load_overlays(root).values() for a in o.acknowledged}
    new = 0
    for meta in read_metadata([Path(f) for f in args.files]):
        gap = recorded.get((meta.cloud, meta.version))
        found = [*compare(contracts, meta), *gap_findings(contracts, meta, gap.lacks if gap else None)]
        findings = acknowledge(found, acknowledged)
        gaps = cloud_gaps(contracts, meta)
        print(f"{meta.source} ({meta.version}, {meta.cloud}): {len(findings)} disagreements")
        for f in findings:
            if args.all or not f.acknowledged:
                print(f"  {f}")
        if gaps:
            print(f"  the {meta.cloud} cloud lacks contract types: {', '.join(gaps)}")
        new += sum(not f.acknowledged for f in findings)
    print(f"{new} disagreements not acknowledged by the overlays")
    return 0 if new == 0 else 1


def _contracts_check_permissions(args: argparse.Namespace) -> int:
    """Exit 0 when every disagreement with the permissions data is acknowledged, 1 otherwise, 2 if unreadable."""
    from ..permissions.check import check_permissions
    from ..permissions.load import load_permission_data

    root = Path(args.contracts) if args.contracts else contracts_dir()
    report = check_permissions(root, load_permission_data(args.file, contracts_root=root))
    print(f"{args.file} ({report.source}): {len(report.findings)} disagreements")
    for f in report.findings:
        if args.all or not f.acknowledged:
            print(f"  {f}")
    new = sum(not f.acknowledged for f in report.findings)
    print(f"{new} disagreements not acknowledged by the overlays")
    return 0 if report.ok else 1


def _schemas(args: argparse.Namespace) -> int:
    from ..contracts import load_contracts
    from ..schemas import build, check

    contracts = load_contracts(Path(args.contracts) if args.contracts else contracts_dir())
    out = Path(args.out) if args.out else schemas_dir()
    if args.action == "build":
        files = build(contracts, out)
        print(f"wrote {len(files)} schema files to {out}")
        return 0
    check(contracts, out)
    print(f"schemas are up to date ({out})")
    return 0


def add_contracts(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``contracts import|lint|check-metadata|check-permissions``."""
    contracts = sub.add_parser("contracts", help="import doc pages into contracts; lint them")
    csub = contracts.add_subparsers(dest="action", required=True)
    imp = csub.add_parser("import", help="write contracts from Graph doc pages (files or folders)")
    imp.add_argument("pages", nargs="+", help="doc pages or folders; earlier ones win where pages disagree")
    imp.add_argument("--out", help="output folder (default: the project's contracts/)")
    imp.add_argument(
        "--overlays", help="contracts folder whose overlays acknowledge import findings (default: the shipped one)"
    )
    imp.set_defaults(handler=_contracts_import)
    lint = csub.add_parser(
        "lint", help="report where sources disagree; exit 1 on findings the overlays do not acknowledge"
    )
    lint.add_argument("--contracts", help="contracts folder (default: the shipped one)")
    lint.add_argument("--all", action="store_true", help="also print acknowledged findings")
    lint.set_defaults(handler=_contracts_lint)
    meta = csub.add_parser(
        "check-metadata",
        help="compare the contracts with Microsoft's $metadata (CSDL) and beta type mappings (JSON)",
    )
    meta.add_argument("files", nargs="+", help="v1.0-Prod.csdl, v1.0-Fairfax.csdl, beta-*-types.json ...")
    meta.add_argument("--contracts", help="contracts folder (default: the shipped one)")
    meta.add_argument("--all", action="store_true", help="also print acknowledged disagreements")
    meta.set_defaults(handler=_contracts_check_metadata)

    perms = csub.add_parser(
        "check-permissions",
        help="compare the contracts' permission tables with Microsoft's permissions data (permissions.json)",
    )
    perms.add_argument("file", help="permissions.json (provisioningInfo.json is read from beside it) or an index")
    perms.add_argument("--contracts", help="contracts folder (default: the shipped one)")
    perms.add_argument("--all", action="store_true", help="also print acknowledged disagreements")
    perms.set_defaults(handler=_contracts_check_permissions)


def add_schemas(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``schemas build|check``."""
    schemas = sub.add_parser("schemas", help="generate or drift-check the JSON Schemas and OpenAPI documents")
    schemas.add_argument("action", choices=("build", "check"))
    schemas.add_argument("--contracts", help="contracts folder (default: the shipped one)")
    schemas.add_argument("--out", help="schemas folder (default: the shipped one)")
    schemas.set_defaults(handler=_schemas)

"""``graph-contracts``: the command line, a thin layer over the library's modules."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from . import terminal
from .contracts import VERSIONS
from .errors import ConfigurationError, GraphContractsError, InputFileError
from .resources import contracts_dir, schemas_dir
from .terminal import error_line

if TYPE_CHECKING:
    from .autopilot.hardware_hash import HardwareHash
    from .graph.emulator import Fault
    from .reporting import Reporter
    from .validation import Run

Handler = Callable[[argparse.Namespace], int]


def _contracts_import(args: argparse.Namespace) -> int:
    """Exit 0 when every page was used or its finding acknowledged, 1 otherwise; 2 (raised) if unreadable."""
    from .contracts import load_overlays
    from .contracts.importer import import_pages, write_contracts

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
    from .lint import lint

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
    from .contracts import load_contracts, load_overlays
    from .contracts.clouds import load_cloud_gaps
    from .contracts.metadata import acknowledge, cloud_gaps, compare, gap_findings, read_metadata

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
    from .permissions.check import check_permissions
    from .permissions.data import load_permission_data

    root = Path(args.contracts) if args.contracts else contracts_dir()
    report = check_permissions(root, load_permission_data(args.file, contracts_root=root))
    print(f"{args.file} ({report.source}): {len(report.findings)} disagreements")
    for f in report.findings:
        if args.all or not f.acknowledged:
            print(f"  {f}")
    new = sum(not f.acknowledged for f in report.findings)
    print(f"{new} disagreements not acknowledged by the overlays")
    return 0 if report.ok else 1


def _permissions(args: argparse.Namespace) -> int:
    """Exit 0 when answered; with --token, 1 when it is expired, would get a 403, or is over-granted."""
    import time

    from .permissions import load_permission_data
    from .permissions import render as show
    from .permissions.needs import needs_of_operations, operation_permissions, token_report

    if (args.operation is not None or args.all) == bool(args.traffic or args.token):
        raise ConfigurationError(
            "permissions", "give one of --operation NAME, --all, --traffic FILE..., --token FILE (with --traffic)"
        )
    data = load_permission_data(args.data)
    lines: Iterable[str]
    if args.operation is not None or args.all:
        lines = show.operation_lines(operation_permissions(data, args.operation), data)
        ok = True
    else:
        needs = None
        if args.traffic:
            from .traffic.permissions import traffic_needs

            needs = traffic_needs(data, args.traffic)
        if args.token is None:
            assert needs is not None
            lines, ok = show.needs_lines(needs, data), True
        else:
            from .permissions.token import decode_token

            source = "<stdin>" if args.token == "-" else args.token
            try:
                content = sys.stdin.read() if args.token == "-" else Path(args.token).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise InputFileError(source, getattr(exc, "strerror", None) or "cannot be read as text") from None
            now = time.time()
            report = token_report(decode_token(content, source), needs or needs_of_operations(data), now)
            lines, ok = show.token_lines(report, now), report.ok
    for line in lines:
        print(line)
    return 0 if ok else 1


def _schemas(args: argparse.Namespace) -> int:
    from .contracts import load_contracts
    from .schemas import build, check

    contracts = load_contracts(Path(args.contracts) if args.contracts else contracts_dir())
    out = Path(args.out) if args.out else schemas_dir()
    if args.action == "build":
        files = build(contracts, out)
        print(f"wrote {len(files)} schema files to {out}")
        return 0
    check(contracts, out)
    print(f"schemas are up to date ({out})")
    return 0


#: Library setting -> the flag that sets it. Library errors name the setting (``ConfigurationError.setting``,
#: e.g. ``tag``); the CLI says the flag the user typed. Settings not listed are said as they are.
FLAGS = {
    "batch_size": "--batch-size",
    "compare": "--compare",
    "endpoint": "--graph-endpoint",
    "state": "--state",
    "tag": "--tag",
    # sdk-check (graph_contracts.sdk: run_gate, compare, matrix)
    "examples": "--examples",
    "junitxml": "--junitxml",
    "last": "--last",
    "matrix": "--matrix",
    "shard": "--shard",
    "write_baseline": "--write-baseline",
}


def error_text(exc: GraphContractsError) -> str:
    """An error as the CLI says it: a ``ConfigurationError``'s setting named by its flag (``FLAGS``)."""
    if isinstance(exc, ConfigurationError) and exc.setting in FLAGS:
        valid = f" (valid: {', '.join(exc.choices)})" if exc.choices else ""
        return f"{FLAGS[exc.setting]}: {exc.detail}{valid}"
    return str(exc)


def request_names(version: str, kind: str) -> list[str]:
    """The type or operation names that have a request schema in ``version`` (``kind``: types, operations)."""
    folder = schemas_dir() / version / kind
    suffix = ".request.json"
    if not folder.is_dir():
        return []
    return sorted(p.name[: -len(suffix)] for p in folder.iterdir() if p.name.endswith(suffix))


def _unknown(option: str, name: str, version: str, kind: str, names: list[str]) -> ConfigurationError:
    """A usage error naming the valid choices, the closest one first, and another version that has ``name``."""
    import difflib

    elsewhere = [v for v in VERSIONS if v != version and name in request_names(v, kind)]
    close = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
    if elsewhere:
        hint = f"it exists in {elsewhere[0]} (add --graph-version {elsewhere[0]}); "
    else:
        hint = f"did you mean {close[0]!r}? " if close else ""
    listed = ", ".join(names) or "none"
    article = "an" if kind == "operations" else "a"
    return ConfigurationError(
        option, f"{name!r} is not {article} {kind[:-1]} in {version}; {hint}the {kind} are: {listed}"
    )


def resolve_target(type_name: str | None, operation: str | None, version: str) -> tuple[str | None, str | None]:
    """The full type and operation names a user meant, or ``ConfigurationError`` listing the valid ones.

    An operation may be given short (``import``, ``create``) when only one
    type has it, or with ``--type`` naming the type.
    """
    if type_name:
        types = request_names(version, "types")
        if type_name not in types:
            raise _unknown("--type", type_name, version, "types", types)
    if not operation:
        return type_name, None
    operations = request_names(version, "operations")
    if operation in operations:
        if type_name and not operation.startswith(f"{type_name}."):
            raise ConfigurationError("--operation", f"{operation!r} is not an operation of --type {type_name!r}")
        return None, operation
    if "." not in operation:
        candidates = [o for o in operations if o.endswith(f".{operation}") and (
            not type_name or o == f"{type_name}.{operation}")]
        if len(candidates) == 1:
            return None, candidates[0]
        if len(candidates) > 1:
            raise ConfigurationError(
                "--operation",
                f"{operation!r} is ambiguous in {version}: {', '.join(candidates)}; give the full name, or --type",
            )
    raise _unknown("--operation", operation, version, "operations", operations)


def _validate(args: argparse.Namespace) -> int:
    """Validate each file, record by record; an unreadable file is reported and the others still checked.

    Exit 0 when every record is valid (warnings allowed), 1 when any has an
    error, 2 when a file could not be read at all or the arguments are wrong.
    """
    from .reporting import Reporter
    from .validation import Run, UnknownContractError, Validator

    try:  # a misspelt --type or --operation is a usage error, not a finding in every file
        type_name, operation = resolve_target(args.type, args.operation, args.graph_version)
        if operation:
            Validator.for_operation(operation, version=args.graph_version)
        elif type_name:
            Validator.for_type(type_name, version=args.graph_version)
    except (UnknownContractError, ConfigurationError) as exc:
        error_line("graph-contracts validate", error_text(exc))
        return 2
    reporter = Reporter(args.format, sys.stdout, sys.stderr, max_issues=args.max_issues)
    # One run for all the files, so a device listed in two of them is a duplicate too.
    run = Run(type=type_name, operation=operation, version=args.graph_version, profile=args.profile)
    with contextlib.ExitStack() as stack:
        if args.jobs > 1:
            from concurrent.futures import ProcessPoolExecutor

            run.use_processes(stack.enter_context(ProcessPoolExecutor(args.jobs)), args.jobs)
        _validate_files(args.files, run, reporter)
    reporter.finish()
    return reporter.exit_code()


def _validate_files(files: list[str], run: Run, reporter: Reporter) -> None:
    """Each file's results to the reporter; an unreadable file is reported and the others still checked."""
    from .errors import InputFileError
    from .validation import STDIN_NAME

    for name in files:
        reporter.start_file(STDIN_NAME if name == "-" else name)
        try:
            if reporter.takes_counts:  # the records without issues as numbers: no object per clean CSV row
                for item in run.check_file_counts(name):
                    if isinstance(item, int):
                        reporter.clean(item)
                    else:
                        reporter.record(item)
            else:
                for result in run.check_file(name):
                    reporter.record(result)
        except BrokenPipeError:
            raise  # the reader of our output went away (`| head`): not the input's fault; main() stops
        except InputFileError as exc:
            # One unreadable file must not hide what the others contain.
            reporter.file_error(exc.file, exc.detail, exc.line, exc.column)
        except GraphContractsError as exc:
            reporter.file_error(STDIN_NAME if name == "-" else name, error_text(exc))
        except RecursionError:
            reporter.file_error(STDIN_NAME if name == "-" else name, "the data is nested too deeply to validate")
        except OSError as exc:
            reporter.file_error(STDIN_NAME if name == "-" else name, exc.strerror or str(exc))


def _csv_to_payload(args: argparse.Namespace) -> int:
    """Write import-action bodies from a valid Autopilot CSV; refuse, writing nothing, when it has errors."""
    from .errors import InputFileError
    from .reporting import issue_text, record_name
    from .validation import csv_to_payloads, earlier_batches

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
                print(f"{out_dir} still holds {left} batch file{'s' * (left != 1)} of an earlier run, not of "
                      f"{args.file}", file=sys.stderr)
        print(f"{args.file}: {errors} error{'s' * (errors != 1)}; nothing written", file=sys.stderr)
        return 1
    if removed:
        print(f"removed {len(removed)} batch file{'s' * (len(removed) != 1)} of an earlier run from {out_dir}: "
              + ", ".join(p.name for p in removed))
    from .autopilot.catalog import AUTOPILOT_COLLECTION

    devices = sum(len(json.loads(p.read_text(encoding="utf-8"))[AUTOPILOT_COLLECTION]) for p in written)
    print(f"wrote {devices} devices in {len(written)} file{'s' * (len(written) != 1)} to {out_dir}")
    return 0


def _not_a_csv(path: Path) -> str:
    """Why ``csv to-payload`` should not read ``path`` (it holds JSON), or ``""``; unreadable files are left to it."""
    from .errors import InputFileError
    from .records import sniff

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
    return (f"{path} holds {fmt.upper()}, not an Autopilot CSV: csv to-payload turns a CSV into import bodies; "
            f"check a JSON body with: graph-contracts validate {path}")


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, not {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def _batch_size(text: str) -> int:
    """argparse type: 1..500, the most devices one import may carry."""
    from .autopilot.rules import BATCH_LIMIT

    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 1 <= value <= BATCH_LIMIT:
        raise argparse.ArgumentTypeError(f"{value} is not between 1 and {BATCH_LIMIT}")
    return value


def _hash_decode(args: argparse.Namespace) -> int:
    """Say what each hash holds and what is wrong with it, every finding once, on standard output.

    Exit 0 when no hash has an error (warnings allowed), 1 when one has, 2
    when the input cannot be read (empty argument, missing file, bad JSON).
    """
    from .autopilot.hardware_hash import analyse_hardware_hash
    from .autopilot.rules import device_issues, hash_serial
    from .errors import InputFileError
    from .hash_input import hash_inputs
    from .reporting import issue_text

    try:
        inputs = list(hash_inputs(args.value))
    except InputFileError as exc:
        error_line("graph-contracts hash decode", str(exc) if exc.file else exc.detail)
        return 2
    out = terminal.stdout()
    status = 0
    for number, item in enumerate(inputs):
        record = dict(item.record)
        if item.bare:  # only a hash: the serial rules (placeholders ...) look at the hash's own serial
            in_hash = hash_serial(record.get("hardwareIdentifier"))
            if in_hash is not None:
                record["serialNumber"] = in_hash
        _, issues = device_issues(record)
        value = record.get("hardwareIdentifier")
        decoded = analyse_hardware_hash(value)[0] if isinstance(value, (str, bytes)) and value else None
        if item.bare:
            issues = [i for i in issues if i.code != "serial-missing"]  # hash-missing-field says it already
        if item.label:
            out.line(("\n" if number else "") + item.label, "strong")
        for issue in issues:
            out.line(out.paint(issue_text(issue), "error" if issue.severity == "error" else "warning"))
        if any(i.severity == "error" for i in issues):
            status = 1
        if decoded is not None:
            _print_decoded(out, decoded)
    return status


def _print_decoded(out: terminal.Terminal, decoded: HardwareHash) -> None:
    rows = [
        ("serial number", decoded.serial_number),
        ("manufacturer", decoded.manufacturer),
        ("model", decoded.model),
        ("SMBIOS UUID", decoded.smbios_uuid),
        ("MAC addresses", ", ".join(decoded.mac_addresses) or None),
        ("TPM version", decoded.tpm_version),
        ("size", f"{decoded.size} bytes, records end at {decoded.end_offset}"),
        ("checksum", "ok" if decoded.checksum_ok else "MISMATCH"),
        ("padding", "ok" if decoded.padding_ok else "NOT ZERO"),
    ]
    for label, text in rows:
        out.line(f"{label:>15}: {text if text is not None else '(absent)'}")
    for record in decoded.records:
        out.line(f"  record type {record.type:>2} {record.name:<24} {record.length:>5} bytes at offset {record.offset}")


def _fault(text: str) -> Fault:
    from .graph.emulator import Fault

    try:
        return Fault.parse(text)
    except ConfigurationError as exc:
        raise argparse.ArgumentTypeError(exc.detail) from None


def _port(text: str) -> int:
    """argparse type: a TCP port, 0 (any free one) to 65535."""
    value = _whole(text)
    if value > 65535:
        raise argparse.ArgumentTypeError(f"{value} is not a port (0 to 65535)")
    return value


def _whole(text: str) -> int:
    """argparse type: a whole number, 0 or more."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, not {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, not {value}")
    return value


def _seconds(text: str) -> float:
    """argparse type: a finite number of seconds, 0 or more."""
    import math

    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, not {text!r}") from None
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"must be a finite number of seconds, 0 or more, not {text!r}")
    return value


def _emulator(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from .graph.emulator import EmulatorConfig, EmulatorHandle, Limits, RequestLine, serve
    from .graph.endpoints import SCRATCH_TENANT

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
        from .graph.emulator.seed import read_state_file

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
        print(f"graph-contracts emulator: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}",
              file=sys.stderr)
        return 2
    print("graph-contracts emulator: stopped", flush=True)
    return 0


def _cleanup(args: argparse.Namespace) -> int:
    from .cleanup import check_tag, cleanup
    from .contracts import default_contracts
    from .graph.auth import StaticToken
    from .graph.client import GraphClient
    from .graph.endpoints import open_endpoint
    from .graph.paging import PageLimits

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
    print(f"{len(done)} objects tagged {args.tag!r}" + "".join(f", {p}" for p in problems)
          + (" (dry run: nothing deleted)" if args.dry_run else ""))
    return 1 if failed or refused else 0


def _preflight(args: argparse.Namespace) -> int:
    """``preflight FILE...``: each device's verdict for an import into the tenant; GET requests only.

    Exit 0 when every device will import, 1 when any will not (or was not
    checked), 2 for usage or access errors (before any request).
    """
    import httpx

    from .graph.auth import StaticToken, shared_ssl_context, token_source_from_env
    from .graph.client import GraphClient, RetryPolicy
    from .graph.paging import PageLimits
    from .preflight import check_token, preflight
    from .preflight.output import FORMATS, text

    limits = PageLimits(max_pages=args.max_pages, max_items=args.max_items)
    retry = RetryPolicy(max_total_wait=args.max_wait)
    with contextlib.ExitStack() as stack:
        endpoint = args.graph_endpoint
        if endpoint == "emulator":
            from .graph.emulator import EmulatorConfig, running_emulator
            from .graph.emulator.seed import read_state_file

            seed = read_state_file(args.state) if args.state else None
            handle = stack.enter_context(running_emulator(EmulatorConfig(seed=seed, page_size=1000)))
            base_url, token = handle.base_url, handle.token(["DeviceManagementServiceConfig.Read.All"])
        else:
            if args.state:
                raise ConfigurationError("state", "seeds the embedded emulator only (--graph-endpoint emulator)")
            from .graph.clouds import cloud as cloud_named

            base_url = cloud_named(args.cloud).graph_base if endpoint == "live" else endpoint.rstrip("/")
            token = token_source_from_env(args.cloud).token()
        access = check_token(token)  # missing, expired or insufficient: one line, exit 2, before any request
        sent = [0]

        class Counting(httpx.HTTPTransport):
            def handle_request(self, request: httpx.Request) -> httpx.Response:
                sent[0] += 1
                return super().handle_request(request)

        client = stack.enter_context(GraphClient(
            base_url, StaticToken(token), version=args.graph_version, retry=retry, timeout=args.timeout,
            transport=Counting(verify=shared_ssl_context()),
        ))
        progress = terminal.Progress(terminal.stderr(), unit="items")
        read: dict[str, int] = {}

        def on_page(path: str, items: int) -> None:
            progress.advance(items - read.get(path, 0), label=path.rsplit("/", 1)[-1])
            read[path] = items

        try:
            result = preflight(args.files, client, access, version=args.graph_version, limits=limits,
                               on_page=on_page, count_requests=lambda: sent[0])
        finally:
            progress.clear()
    if args.format == "text":
        out = terminal.stdout()
        sys.stdout.write(text(result, out.paint))  # type: ignore[arg-type]
    else:
        sys.stdout.write(FORMATS[args.format](result))
    return 0 if result.all_will_import else 1


def _endpoint_choice(text: str) -> str:
    """``emulator``, ``live`` or a Graph base URL (http or https)."""
    if text in ("emulator", "live") or text.startswith(("http://", "https://")):
        return text
    raise argparse.ArgumentTypeError(f"expected emulator, live or an http(s) URL, not {text!r}")


def _wait_seconds(text: str) -> float:
    """argparse type: more than 0 and at most an hour (a request's timeout, a throttling budget)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected seconds, not {text!r}") from None
    if not 0 < value <= 3600:
        raise argparse.ArgumentTypeError(f"must be more than 0 and at most 3600 seconds, not {text}")
    return value


def _add_preflight(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    pre = sub.add_parser(
        "preflight", help="will each device import into this tenant? the offline checks, then read-only Graph calls",
    )
    pre.add_argument("files", nargs="+", help="Autopilot CSV files or import bodies (JSON)")
    pre.add_argument(
        "--graph-endpoint", type=_endpoint_choice, default="live", metavar="emulator|live|URL",
        help="live (default: the cloud's Graph, token from GRAPH_TOKEN or AZURE_* variables), emulator "
        "(embedded, with --state), or a Graph base URL",
    )
    pre.add_argument("--state", metavar="FILE", help="the embedded emulator's tenant state (YAML or JSON)")
    pre.add_argument("--cloud", default="global", help="global, usgov, usgov-dod or china")
    _graph_version_option(pre, default="v1.0")
    pre.add_argument("--format", default="text", choices=("text", "json", "csv", "junit"),
                     help="text (default, grouped by verdict), json, csv (your rows + verdict, reason), junit")
    pre.add_argument("--timeout", type=_wait_seconds, default=60.0, metavar="SECONDS",
                     help="how long one request may take before it is retried (default 60)")
    pre.add_argument("--max-wait", type=_wait_seconds, default=120.0, metavar="SECONDS",
                     help="the most one request may wait on throttling (Retry-After) and retries (default 120)")
    _paging_options(pre)
    pre.set_defaults(handler=_preflight)


def _paging_options(parser: argparse.ArgumentParser) -> None:
    """``--max-pages`` and ``--max-items``: where reading one collection stops (``graph.paging.PageLimits``)."""
    from .graph.paging import DEFAULT_LIMITS

    parser.add_argument(
        "--max-pages", type=_positive, default=DEFAULT_LIMITS.max_pages, metavar="N",
        help=f"stop with exit 2 when a collection has more than N pages (default {DEFAULT_LIMITS.max_pages})",
    )
    parser.add_argument(
        "--max-items", type=_positive, default=DEFAULT_LIMITS.max_items, metavar="N",
        help=f"stop with exit 2 when a collection has more than N items (default {DEFAULT_LIMITS.max_items:,})",
    )


def _progress(line: str) -> None:
    """A long ``sdk-check --compare``/``--matrix`` says what it is installing as it goes."""
    print(line, flush=True)


def _sdk_check(args: argparse.Namespace) -> int:
    """``graph-contracts sdk-check``: the library returns a ``GateRun`` (gate, compare or matrix); printed here."""
    from .sdk import GateRun, run_gate

    if not args.matrix and (args.last is not None or args.shard != "1/1"):
        raise ConfigurationError("--last/--shard", "apply to --matrix only")
    done: GateRun
    if args.matrix:
        from .sdk.matrix import Shard, refuse_matrix_options, run_matrix

        refuse_matrix_options(args)
        done = run_matrix(args.matrix, last=args.last, shard=Shard.parse(args.shard), examples=args.examples,
                          baseline=args.baseline, progress=_progress)
    elif args.compare:
        from .sdk.compare import refuse_gate_options, run_compare

        refuse_gate_options(args)
        old, new = args.compare
        done = run_compare(old, new, args.examples, progress=_progress)
    else:
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


def _completion(args: argparse.Namespace) -> int:
    from .completion import completion_script

    sys.stdout.write(completion_script(build_parser(), args.shell))
    return 0


def _run(args: argparse.Namespace) -> int:
    """``graph-contracts run``: the contracts checked first, then the suite; what ``mainjob`` finds, printed."""
    from .mainjob import CpuSample, MainJob, check_schemas, lint_contracts, run_suite, suite_command, suite_installed

    start = CpuSample.now()  # how busy the cores are is measured over the lint and schema checks
    job = MainJob(
        endpoint=args.graph_endpoint, version=getattr(args, "graph_version", "all"), examples=args.examples,
        junitxml=getattr(args, "junitxml", None), jobs=getattr(args, "jobs", None),
        pytest_args=tuple(args.pytest_args), durations=getattr(args, "durations", None),
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
    return run_suite(command)


class _OldSpelling(argparse.Action):
    """Store the value as the option's new name does, and say once on stderr which name to use."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: str | Sequence[object] | None,
        option_string: str | None = None,
    ) -> None:
        if option_string in OLD_SPELLINGS:
            new = OLD_SPELLINGS[option_string]
            error_line(parser.prog, f"{option_string} is now spelt {new}; the old spelling still works", label="note")
        setattr(namespace, self.dest, values)


#: Old option spelling -> the one name it now has everywhere (the pytest plugin says --graph-version too).
OLD_SPELLINGS = {"--version": "--graph-version"}


def _graph_version_option(
    parser: argparse.ArgumentParser, *, default: str, choices: tuple[str, ...] = VERSIONS
) -> None:
    parser.add_argument(
        "--graph-version", default=default, choices=choices, help=f"Graph API version (default: {default})"
    )
    for old, new in OLD_SPELLINGS.items():
        if new == "--graph-version":  # hidden from help and completion; still parsed, with a notice
            parser.add_argument(
                old, dest="graph_version", action=_OldSpelling, choices=choices, default=argparse.SUPPRESS,
                help=argparse.SUPPRESS,
            )


def package_version() -> str:
    """The installed distribution's version (the source tree's when not installed)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("graph-contracts")
    except PackageNotFoundError:
        from . import __version__

        return __version__


class _VersionAction(argparse.Action):
    """``--version``, looking the version up only when asked: reading the installed distribution's
    metadata took 13 ms, a third of ``validate``'s start, on every run."""

    def __init__(self, option_strings: list[str], dest: str = argparse.SUPPRESS,
                 default: str = argparse.SUPPRESS, help: str = "show the version and exit") -> None:
        super().__init__(option_strings, dest=dest, default=default, nargs=0, help=help)

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: object,
                 option_string: str | None = None) -> None:
        print(f"{parser.prog} {package_version()}")
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="graph-contracts",
        description="Contract tests and payload validation for the Graph Windows Autopilot device-identity APIs.",
    )
    parser.add_argument("--version", action=_VersionAction)
    sub = parser.add_subparsers(dest="command", required=True)

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

    need = sub.add_parser(
        "permissions", help="least permissions per operation, for recorded traffic, or what a token lacks (offline)"
    )
    need.add_argument("--operation", metavar="NAME", help="an operation id or verb, e.g. import")
    need.add_argument("--all", action="store_true", help="every operation of the contracts")
    need.add_argument("--traffic", nargs="+", metavar="FILE", help="HAR, vcrpy cassettes, Dev Proxy mocks, NDJSON")
    need.add_argument("--token", metavar="FILE", help="a JWT file or - (stdin), decoded locally and never verified; "
                      "judged against --traffic, or else every operation of the contracts")
    need.add_argument("--data", help="permissions data (default: the shipped index)")
    need.set_defaults(handler=_permissions)

    schemas = sub.add_parser("schemas", help="generate or drift-check the JSON Schemas and OpenAPI documents")
    schemas.add_argument("action", choices=("build", "check"))
    schemas.add_argument("--contracts", help="contracts folder (default: the shipped one)")
    schemas.add_argument("--out", help="schemas folder (default: the shipped one)")
    schemas.set_defaults(handler=_schemas)

    val = sub.add_parser("validate", help="validate JSON, NDJSON or Autopilot CSV files before upload")
    val.add_argument(
        "files", nargs="+", help="files (format read from the content: JSON, NDJSON or CSV); - for standard input"
    )
    val.add_argument("--type", help="Graph type name (default: from @odata.type, or the import body)")
    val.add_argument(
        "--operation",
        help="operation, e.g. importedWindowsAutopilotDeviceIdentity.import, or just import when one type has it",
    )
    _graph_version_option(val, default="v1.0")
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
        type=_positive,
        metavar="N",
        help="show at most N issues per file, then how many were left out (the totals still count them all)",
    )
    val.add_argument(
        "--jobs",
        type=_positive,
        default=1,
        metavar="N",
        help="validate large CSV files in N processes (same output as one; default 1)",
    )
    val.set_defaults(handler=_validate)

    csv_ = sub.add_parser("csv", help="turn Autopilot CSV files into Graph import bodies")
    csvsub = csv_.add_subparsers(dest="action", required=True)
    payload = csvsub.add_parser(
        "to-payload", help="write import-action bodies (batch-0001.json ...) from a valid CSV; nothing if invalid"
    )
    payload.add_argument("file", help="the Autopilot CSV file")
    payload.add_argument("-o", "--out", help="output folder (default: the current folder)")
    payload.add_argument(
        "--batch-size", type=_batch_size, default=500, help="devices per body (default and maximum: 500)"
    )
    _graph_version_option(payload, default="v1.0")
    payload.set_defaults(handler=_csv_to_payload)

    hash_ = sub.add_parser("hash", help="decode an Autopilot hardware hash and say what it holds")
    hsub = hash_.add_subparsers(dest="action", required=True)
    dec = hsub.add_parser("decode", help="decode a hash: the base64 value, a file, - (standard input), or a record")
    dec.add_argument("value", help="the base64 hash, a file holding it or a JSON/CSV record with it, or -")
    dec.set_defaults(handler=_hash_decode)

    emu = sub.add_parser("emulator", help="serve the local Graph emulator on loopback until Ctrl-C")
    emu.add_argument("--host", default="127.0.0.1")
    emu.add_argument("--port", type=_port, default=0, help="port, 0-65535 (default 0: a free one)")
    emu.add_argument(
        "--fault", action="append", type=_fault,
        help="inject a fault into every request, e.g. '429;retry-after=1.5;count=2'",
    )
    emu.add_argument("--import-pending-reads", type=_whole, default=None, metavar="N",
                     help="reads before an import settles (0 or more)")
    emu.add_argument("--import-pending-seconds", type=_seconds, default=None, metavar="SECONDS",
                     help="seconds before an import settles (0 or more)")
    emu.add_argument(
        "--as-documented", action="store_true",
        help="serve what the service refuses (e.g. POST windowsAutopilotDeviceIdentities) as the doc pages say",
    )
    emu.add_argument(
        "--tenant", action="append", metavar="TENANT",
        help="another tenant (GUID or domain) the token endpoint serves; others get AADSTS90002",
    )
    emu.add_argument(
        "--no-admin-routes", dest="admin_routes", action="store_false", default=None,
        help="answer /_emulator/reset and /_emulator/settle with 404",
    )
    emu.add_argument(
        "--emulator-admin", action="append", metavar="CLIENT_ID",
        help="an app whose admin-role tokens may reset or settle any tenant, or reset all at once "
        "(repeatable; by default an admin token acts on its own tenant only)",
    )
    emu.add_argument("--request-log-size", type=_positive, default=None, metavar="N",
                     help="requests the in-memory request log keeps (default 10000)")
    emu.add_argument("-q", "--quiet", action="store_true", help="no line per request on the console")
    emu.add_argument(
        "--state", metavar="FILE",
        help="start with a tenant's state (YAML or JSON): registered devices, imported identities, users, "
        "devices of another tenant",
    )
    emu.add_argument("--page-size", type=_positive, default=None, metavar="N",
                     help="items per page of a list (default 100; Intune pages at about 1000)")
    emu.set_defaults(handler=_emulator)

    clean = sub.add_parser("cleanup", help="delete the objects a suite run tagged with TAG, and nothing else")
    clean.add_argument(
        "--tag", required=True, help="the run tag (printed by the suite, e.g. gc-1a2b3c4d); matched as a whole"
    )
    clean.add_argument("--cloud", default="global", help="global, usgov, usgov-dod or china")
    clean.add_argument("--base-url", default=None, help="Graph base URL (default: the cloud's)")
    _graph_version_option(clean, default="all", choices=(*VERSIONS, "all"))
    clean.add_argument("--dry-run", action="store_true", help="list the ids and tags it would delete; delete nothing")
    _paging_options(clean)
    clean.set_defaults(handler=_cleanup)

    sdk = sub.add_parser("sdk-check", help="gate an msgraph SDK release on the contracts")
    sdk.add_argument("--sdk", default="both", choices=("msgraph", "msgraph-beta", "both"))
    sdk.add_argument("--junitxml", default=None, help="also write the results as JUnit XML")
    sdk.add_argument(
        "--examples", type=_positive, default=25,
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
        "--traffic", nargs="+", metavar="FILE",
        help="instead of running the Python SDKs, check the requests in traffic any SDK recorded (HAR, vcrpy "
        "cassette, NDJSON): bodies against the contract, type tags, date-time offsets, enum spelling",
    )
    sdk.add_argument(
        "--compare", nargs=2, metavar=("OLD", "NEW"),
        help="gate two releases (e.g. 'msgraph-beta-sdk==1.65.0' 'msgraph-beta-sdk==1.66.0'), each in a throwaway "
        "virtual environment, and print the breaks that are new, fixed and unchanged; exit 1 on a new one",
    )
    sdk.add_argument(
        "--matrix", nargs="+", metavar="SPEC",
        help="gate every release a spec admits ('msgraph-sdk>=1.0', or pins), each in its own cached environment, "
        "and print release x new/expired/known/fixed (against --baseline); exit 1 on a new break",
    )
    sdk.add_argument("--last", type=_positive, metavar="N", help="with --matrix: only the newest N releases of a range")
    sdk.add_argument("--shard", default="1/1", metavar="I/N",
                     help="with --matrix: gate the I-th of every N releases (one CI job of N)")
    sdk.set_defaults(handler=_sdk_check)

    run = sub.add_parser("run", help="the main job: check the contracts and run the contract suite")
    run.add_argument("--graph-endpoint", default="emulator", choices=("emulator", "replay", "live"))
    run.add_argument(
        "--graph-version", default="all", choices=(*VERSIONS, "all"), help="Graph API versions to test"
    )
    run.add_argument("--examples", type=int, default=10, help="hypothesis examples per property-based test")
    run.add_argument("--junitxml", default=None, metavar="FILE", help="also write the suite's results as JUnit XML")
    run.add_argument(
        "--jobs",
        type=_positive,
        default=None,
        metavar="N",
        help="run the suite in N pytest-xdist processes (default: the cores other work leaves idle now, "
        "rounded up, plus one, at most 4, when pytest-xdist is installed; a live tenant always runs in one)",
    )
    run.add_argument(
        "--durations",
        type=_positive,
        default=None,
        metavar="N",
        help="end with the N slowest operations, checks and tests (seconds of setup, call and teardown)",
    )
    run.add_argument("pytest_args", nargs=argparse.REMAINDER, help="extra arguments for pytest (after --)")
    run.set_defaults(handler=_run)

    _add_traffic(sub)
    _add_preflight(sub)

    comp = sub.add_parser("completion", help="print a shell completion script (bash, zsh or fish)")
    comp.add_argument("shell", choices=("bash", "zsh", "fish"))
    comp.set_defaults(handler=_completion)

    return parser


def _add_traffic(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``graph-contracts traffic check|scan|scrub``: recorded traffic (HAR, cassettes, Dev Proxy mocks, NDJSON)."""
    traffic = sub.add_parser("traffic", help="check recorded traffic against the contracts; find and scrub secrets")
    tsub = traffic.add_subparsers(dest="action", required=True)
    check = tsub.add_parser("check", help="check HAR files, cassettes, Dev Proxy mock files or NDJSON exchanges")
    check.add_argument("files", nargs="+", help="traffic files or folders (format read from the content; a folder's "
                       ".har, .json, .yaml, .yml, .ndjson and .jsonl files, gzipped or not, recursively)")
    check.add_argument(
        "--profile", default="contract", choices=("contract", "upload"),
        help="contract (default): request bodies against the documented contract; upload: also the Autopilot rules",
    )
    check.add_argument("--format", default="text", choices=("text", "json", "junit", "github"))
    check.add_argument(
        "--expect-refusals", action="store_true",
        help="the traffic sends invalid bodies on purpose (a contract suite's negative tests, as in the shipped "
        "cassettes): a request body Graph answered 400 is not a finding; one it accepted still is",
    )
    check.set_defaults(handler=_traffic_check)
    scan = tsub.add_parser("scan", help="find credentials in files and folders (file:line); exit 1 on a finding")
    scan.add_argument("paths", nargs="+", help="files or folders (searched recursively)")
    scan.set_defaults(handler=_traffic_scan)
    scrub = tsub.add_parser("scrub", help="write a copy of a traffic file with every credential replaced")
    scrub.add_argument("file")
    scrub.add_argument("-o", "--out", required=True, help="where to write the scrubbed copy")
    scrub.set_defaults(handler=_traffic_scrub)


def _cannot_read(exc: InputFileError) -> int:
    print(f"graph-contracts: cannot read {exc}", file=sys.stderr)
    return 2


def _traffic_scan(args: argparse.Namespace) -> int:
    """``traffic scan PATH...``: one line per credential found, exit 1 when there is any."""
    from .traffic.scan import scan_files

    try:
        report = scan_files(args.paths)
    except InputFileError as exc:
        return _cannot_read(exc)
    for finding in report.findings:
        print(f"{finding.file}:{finding.line}: {finding.kind}")
    print(report.summary(), file=sys.stderr)
    return 1 if report.findings else 0


def _traffic_scrub(args: argparse.Namespace) -> int:
    """``traffic scrub FILE -o OUT``: write the scrubbed copy; exit 1 if the scanner still sees something."""
    from .traffic.scrub import scrub_file

    try:
        result = scrub_file(args.file, args.out)
    except InputFileError as exc:
        return _cannot_read(exc)
    for finding in result.remaining:
        print(f"{finding.file}:{finding.line}: {finding.kind} (still there after scrubbing)")
    print(f"wrote {result.out}" + (f"; {len(result.remaining)} possible secrets remain" if result.remaining else ""),
          file=sys.stderr)
    return 1 if result.remaining else 0


def _traffic_check(args: argparse.Namespace) -> int:
    """``traffic check FILE...``: each exchange against its contract operation, reported like ``validate``."""
    from .traffic.check import check_files

    return check_files(args.files, fmt=args.format, profile=args.profile, out=sys.stdout, err=sys.stderr,
                       expect_refusals=args.expect_refusals)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler = args.handler
    try:
        return handler(args)
    except GraphContractsError as exc:
        error_line("graph-contracts", error_text(exc))
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return _output_closed()


#: The status a shell reports for a program stopped by SIGPIPE (128 + 13): never "all valid".
BROKEN_PIPE_STATUS = 141


def _output_closed() -> int:
    """Stop quietly, as Unix tools do, when the reader of our output (``| head -1``) has gone.

    Whatever is still buffered for stdout is dropped: pointing stdout at the
    null device keeps Python's flush at exit from failing a second time.
    """
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # stdout without a file descriptor (captured in tests)
        pass
    return BROKEN_PIPE_STATUS


if __name__ == "__main__":
    sys.exit(main())

"""``sdk-check --traffic FILE...``: the gate's wire checks on traffic any SDK recorded (HAR, cassette, NDJSON).

The Python gate drives the msgraph Python SDKs itself; a .NET, TypeScript, Go
or PowerShell SDK can only be judged by what it sent. Its tests run against the
emulator or a tenant behind a recording proxy (Dev Proxy or mitmproxy saving a
HAR, see the README), and this module applies the checks that need nothing but
the request, per contract operation:

- ``request body``: the body against the operation's request schema;
- ``type-tag``: a body posted to a collection that also takes a derived type,
  carrying properties only the derived type has but no ``@odata.type`` (the
  service reads the base type and rejects or drops them);
- ``date-time offsets``: every date-time carries its offset;
- ``enum spelling``: every enum value is a member, spelled as the contract spells it.

A finding of one check is not reported again by another: a body missing its
type tag is validated, for the other checks, as the derived type it is. The
results are ``CheckResult``s of stage ``traffic`` (SDK ``traffic``), so the
table, JUnit XML and baselines work as for the Python SDKs.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..contracts import ContractSet, Operation, default_contracts
from ..errors import InputFileError
from ..issues import Issue
from ..schemas import tag_required
from ..traffic import Exchange, read_traffic
from ..traffic.match import coverage_key, default_routes
from ..validation import Validator
from .report import CheckResult

SDK_NAME = "traffic"
#: The checks a request body gets, here and in the Python gate's wire stage (``wire.request_problems``), under
#: the same names: a baseline entry acknowledges a break wherever it was found.
SCHEMA_CHECKS = ("body schema", "date-time offsets", "enum spelling")
CHECKS = ("body schema", "type-tag", "date-time offsets", "enum spelling")
#: Issue codes that belong to a check of their own rather than to ``body schema``.
CODE_CHECKS = {"date-time": "date-time offsets", "enum": "enum spelling"}


def schema_problems(op_id: str, version: str, body: Any) -> list[tuple[str, str]]:
    """(check, problem) for every error-severity issue of ``body`` against the operation's request schema."""
    out: list[tuple[str, str]] = []
    for issue in Validator.for_operation(op_id, version=version).validate(body):
        if issue.severity != "error":
            continue
        check = CODE_CHECKS.get(issue.code, "body schema")
        text = _enum_hint(issue) if check == "enum spelling" else issue.message
        out.append((check, f"{issue.pointer or '/'}: {issue.code}: {text}"))
    return out


def type_tag_problem(derived: str, base: str) -> str:
    """The type-tag break, worded once for the Python gate and for traffic (one baseline entry for both)."""
    return (f"/@odata.type: missing-type-tag: a body of {derived} goes out without `@odata.type`; "
            f"the service reads the base type `{base}`")


@dataclass(frozen=True)
class _Finding:
    check: str
    code: str
    text: str


def _derived_target(contracts: ContractSet, version: str, op: Operation, body: dict[str, Any]) -> Operation | None:
    """The operation posting a derived type here whose own properties ``body`` carries without its tag."""
    if "@odata.type" in body or op.body_type is None:
        return None
    base = {p.name for p in contracts.all_properties(version, op.body_type)}
    for other in contracts.operations_in(version):
        if other.body_type and tag_required(contracts, version, other) and set(other.paths) & set(op.paths):
            own = {p.name for p in contracts.all_properties(version, other.body_type)} - base
            if own & body.keys():
                return other
    return None


def _enum_hint(issue: Issue) -> str:
    return f"{issue.message} (case matters: Graph's enums are camelCase)" if "' is not a member" in issue.message else (
        issue.message
    )


def _findings(contracts: ContractSet, version: str, op: Operation, body: Any) -> list[_Finding]:
    out: list[_Finding] = []
    target = op
    if isinstance(body, dict):
        derived = _derived_target(contracts, version, op, body)
        if derived is not None:
            own = sorted(
                body.keys() - {p.name for p in contracts.all_properties(version, op.body_type or op.type)}
            )
            out.append(_Finding(
                "type-tag", "missing-type-tag",
                type_tag_problem(derived.body_type or derived.type, op.body_type or op.type)
                + f" in body {json.dumps(body, ensure_ascii=False)[:160]} (it carries {', '.join(own)})",
            ))
            body = {"@odata.type": f"#microsoft.graph.{derived.body_type}", **body}
            target = derived
    for check, problem in schema_problems(target.id, version, body):
        out.append(_Finding(check, "", problem))
    return out


def check_traffic(files: Sequence[str], contracts: ContractSet | None = None) -> list[CheckResult]:
    """The request checks for every exchange of ``files`` that a contract operation covers.

    Unreadable files raise the reader's ``TrafficFileError`` (an ``InputFileError``) before anything is judged;
    files with no request a contract operation covers raise ``InputFileError`` ("nothing to check").
    """
    contracts = contracts or default_contracts()
    exchanges = [e for f in files for e in read_traffic(f)]
    routes = default_routes()
    seen: dict[tuple[str, str], Operation] = {}
    counts: dict[tuple[str, str], int] = {}
    found_by_check: dict[tuple[str, str, str], list[tuple[_Finding, Exchange]]] = {}
    uncovered: dict[str, int] = {}
    for exchange in exchanges:
        request = exchange.request
        match = routes.match(request.method, request.url)
        if match is None:
            key = coverage_key(request.method, request.url)
            uncovered[key] = uncovered.get(key, 0) + 1
            continue
        op_key = (match.version, match.operation.id)
        seen[op_key] = match.operation
        if not match.operation.has_request_body or not request.body.strip():
            continue
        counts[op_key] = counts.get(op_key, 0) + 1
        try:
            body = json.loads(request.body.decode("utf-8-sig"))
        except (ValueError, UnicodeDecodeError):
            body = None
            found = [_Finding("body schema", "not-json", "the request body is not JSON")]
        else:
            found = _findings(contracts, match.version, match.operation, body)
        for f in found:
            found_by_check.setdefault((*op_key, f.check), []).append((f, exchange))
    if not seen:
        # Zero entries, or none a contract covers: "0 pass, 0 fail" and exit 0 would read as a clean SDK.
        n = len(exchanges)
        what = f"{n} request{'s' * (n != 1)}, none of them a contract operation" if n else "no requests"
        raise InputFileError(", ".join(files), f"nothing to check: {what} (a recording of the SDK's tests against "
                             "the emulator or a tenant, see README 'SDKs in any language')")
    return _results(seen, counts, found_by_check, uncovered, contracts)


def _results(
    seen: dict[tuple[str, str], Operation],
    counts: dict[tuple[str, str], int],
    found_by_check: dict[tuple[str, str, str], list[tuple[_Finding, Exchange]]],
    uncovered: dict[str, int],
    contracts: ContractSet,
) -> list[CheckResult]:
    out: list[CheckResult] = []
    for (version, op_id), op in sorted(seen.items()):
        n = counts.get((version, op_id), 0)
        base = CheckResult(SDK_NAME, "recorded", version, "traffic", op_id, "", "pass", n)
        if not op.has_request_body:
            continue  # nothing a client sends to judge
        if n == 0:
            out.append(_replace(base, check="request body", status="skip", note="no request body recorded"))
            continue
        checks = [c for c in CHECKS if c != "type-tag" or _takes_derived(contracts, version, op)]
        for check in checks:
            hits = found_by_check.get((version, op_id, check), [])
            if not hits:
                out.append(_replace(base, check=check))
            else:
                finding, exchange = hits[0]
                out.append(_replace(
                    base, check=check, status="fail", code=finding.code,
                    counterexample=f"{finding.text} at {exchange.location}",
                    details=tuple(dict.fromkeys(f.text for f, _ in hits)),
                ))
    for key, n in sorted(uncovered.items()):
        out.append(CheckResult(SDK_NAME, "recorded", "", "traffic", key, "covered", "skip", n,
                               note="no contract operation covers this request"))
    return out


def _takes_derived(contracts: ContractSet, version: str, op: Operation) -> bool:
    return any(
        tag_required(contracts, version, other) and set(other.paths) & set(op.paths)
        for other in contracts.operations_in(version)
    )


def _replace(base: CheckResult, **changes: Any) -> CheckResult:
    from dataclasses import replace

    return replace(base, **changes)

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
from urllib.parse import unquote, urlsplit

from ..contracts import ContractSet, Operation, default_contracts
from ..errors import InputFileError
from ..issues import Issue
from ..schemas import tag_required
from ..traffic import Exchange, read_traffic
from ..traffic.match import coverage_key, default_routes
from ..validation import Validator
from ..wording import counted
from .report import CheckResult, with_problems

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


#: The behaviour breaks, worded once for the Python gate (``sdk.behaviour``) and for traffic; what was measured
#: follows ``; seen:`` (not part of a baseline key).
STOPPED_PAGING = "the page iterator stopped before the last @odata.nextLink"


def early_retry_problem(status: int) -> str:
    return f"retried sooner than the Retry-After of the {status} answer"


def type_tag_problem(derived: str, base: str) -> str:
    """The type-tag break, worded once for the Python gate and for traffic (one baseline entry for both)."""
    return (
        f"/@odata.type: missing-type-tag: a body of {derived} goes out without `@odata.type`; "
        f"the service reads the base type `{base}`"
    )


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
    return (
        f"{issue.message} (case matters: Graph's enums are camelCase)"
        if "' is not a member" in issue.message
        else (issue.message)
    )


def _findings(contracts: ContractSet, version: str, op: Operation, body: Any) -> list[_Finding]:
    out: list[_Finding] = []
    target = op
    if isinstance(body, dict):
        derived = _derived_target(contracts, version, op, body)
        if derived is not None:
            own = sorted(body.keys() - {p.name for p in contracts.all_properties(version, op.body_type or op.type)})
            out.append(
                _Finding(
                    "type-tag",
                    "missing-type-tag",
                    type_tag_problem(derived.body_type or derived.type, op.body_type or op.type)
                    + f" in body {json.dumps(body, ensure_ascii=False)[:160]} (it carries {', '.join(own)})",
                )
            )
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
    matched: list[tuple[Exchange, str, Operation]] = []
    for exchange in exchanges:
        request = exchange.request
        match = routes.match(request.method, request.url)
        if match is None:
            key = coverage_key(request.method, request.url)
            uncovered[key] = uncovered.get(key, 0) + 1
            continue
        op_key = (match.version, match.operation.id)
        seen[op_key] = match.operation
        matched.append((exchange, match.version, match.operation))
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
        what = f"{counted(n, 'request')}, none of them a contract operation" if n else "no requests"
        raise InputFileError(
            ", ".join(files),
            f"nothing to check: {what} (a recording of the SDK's tests against "
            "the emulator or a tenant, see README 'SDKs in any language')",
        )
    return _results(seen, counts, found_by_check, uncovered, contracts) + behaviour_results(matched)


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
            out.append(_replace(base, check="body schema", status="skip", note="no request body recorded"))
            continue
        checks = [c for c in CHECKS if c != "type-tag" or _takes_derived(contracts, version, op)]
        for check in checks:
            hits = found_by_check.get((version, op_id, check), [])
            if not hits:
                out.append(_replace(base, check=check))
            else:
                finding, exchange = hits[0]
                out.append(
                    _replace(
                        base,
                        check=check,
                        status="fail",
                        code=finding.code,
                        counterexample=f"{finding.text} at {exchange.location}",
                        details=tuple(dict.fromkeys(f.text for f, _ in hits)),
                    )
                )
    for key, n in sorted(uncovered.items()):
        out.append(
            CheckResult(
                SDK_NAME,
                "recorded",
                "",
                "traffic",
                key,
                "covered",
                "skip",
                n,
                note="no contract operation covers this request",
            )
        )
    return out


# --------------------------------------------------------------------------- behaviour: retries and paging

#: Clock slack when comparing a recorded wait with ``Retry-After``: HAR times are whole milliseconds.
SLACK = 0.005
THROTTLED = frozenset({429, 503})


def _retry_after(exchange: Exchange) -> float | None:
    value = exchange.response.header("retry-after")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None  # an HTTP date: Graph sends seconds, and a date cannot be timed against a HAR clock


def _same_request(a: Exchange, b: Exchange) -> bool:
    return (a.request.method, a.request.url, a.request.body) == (b.request.method, b.request.url, b.request.body)


def _next_link(exchange: Exchange) -> str | None:
    if exchange.request.method != "GET" or exchange.response.status != 200:
        return None
    try:
        body = json.loads(exchange.response.body.decode("utf-8-sig"))
    except (ValueError, UnicodeDecodeError):
        return None
    link = body.get("@odata.nextLink") if isinstance(body, dict) else None
    return link if isinstance(link, str) else None


def _path_and_query(url: str) -> str:
    parts = urlsplit(url)
    return unquote(parts.path) + "?" + unquote(parts.query)


def behaviour_results(matched: Sequence[tuple[Exchange, str, Operation]]) -> list[CheckResult]:
    """``throttling``: a retry sooner than the ``Retry-After`` it answered; ``paging``: a read that stopped early.

    Timing comes from the HAR entries (``startedDateTime`` and ``time``): the wait is from the end of the
    throttled answer to the start of the next identical request in the same file. A throttled answer never
    retried is not a break (the caller may have given up on purpose). A ``@odata.nextLink`` that no later
    request of the same file follows is: the SDK's page iterator stopped before the last page.
    """
    found: dict[tuple[str, str, str], list[str]] = {}
    ran: dict[tuple[str, str, str], int] = {}
    by_file: dict[str, list[tuple[Exchange, str, Operation]]] = {}
    for item in matched:
        by_file.setdefault(item[0].location.file, []).append(item)
    for items in by_file.values():
        timed = all("started" in e.extra for e, _, _ in items)
        ordered = sorted(items, key=lambda i: i[0].extra.get("started", 0.0)) if timed else items
        for index, (exchange, version, op) in enumerate(ordered):
            later = ordered[index + 1 :]
            wait = _retry_after(exchange)
            if exchange.response.status in THROTTLED and wait is not None and timed:
                key = (version, op.id, f"throttling {exchange.response.status}")
                ran[key] = ran.get(key, 0) + 1
                retry = next((e for e, _, _ in later if _same_request(e, exchange)), None)
                if retry is not None:
                    answered = exchange.extra["started"] + exchange.extra.get("elapsed", 0.0)
                    waited = retry.extra["started"] - answered
                    if waited + SLACK < wait:
                        found.setdefault(key, []).append(
                            early_retry_problem(exchange.response.status)
                            + f"; seen: retried after {waited:.3f} s, Retry-After: {wait:g}, the answer at "
                            f"{exchange.location}, the retry at {retry.location}"
                        )
            link = _next_link(exchange)
            if link is not None:
                key = (version, op.id, "paging")
                ran[key] = ran.get(key, 0) + 1
                wanted = _path_and_query(link)
                if not any(_path_and_query(e.request.url) == wanted for e, _, _ in later):
                    found.setdefault(key, []).append(
                        STOPPED_PAGING + f"; seen: the answer at {exchange.location} links to {link}, "
                        "and no later request follows it"
                    )
    out: list[CheckResult] = []
    for (version, op_id, check), n in sorted(ran.items()):
        base = CheckResult(SDK_NAME, "recorded", version, "traffic", op_id, check, "pass", n)
        out.append(with_problems(base, found.get((version, op_id, check), [])))
    return out


def _takes_derived(contracts: ContractSet, version: str, op: Operation) -> bool:
    return any(
        tag_required(contracts, version, other) and set(other.paths) & set(op.paths)
        for other in contracts.operations_in(version)
    )


def _replace(base: CheckResult, **changes: Any) -> CheckResult:
    from dataclasses import replace

    return replace(base, **changes)

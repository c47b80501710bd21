"""``traffic check``: each recorded exchange against the contract operation it performs.

For every exchange the reader yields, the operation is found by method and
path template (:mod:`.match`), then:

- the request body is validated with the validator's profile (``contract``
  by default, ``upload`` to add the Autopilot rules);
- the status must be one the operation documents: its success status, or
  one of the error statuses Graph documents for every operation;
- a success response body is validated against the operation's response
  schema (``required`` is not enforced under ``$select``);
- a 4xx/5xx body must be Graph's error envelope;
- a response must carry ``request-id``, as every Graph response does.

A Dev Proxy mock is checked the same way, which is the point: a mock that
answers with something Graph could not send is a finding. Its request body
is checked only when its ``bodyFragment`` is a whole JSON document. Exchanges
no contract covers are counted per path and reported, never failed.
With ``expect_refusals`` (traffic that sends invalid bodies on purpose, as a
contract suite's negative tests do) a request body answered 400 is the
refusal it was sent for, not a finding; an invalid body that was accepted
still is, and every response is checked as always.
Findings are ``Issue``s whose pointer says where in the exchange
(``/request/body/serialNumber``, ``/response/status``); the CLI
(:mod:`graph_contracts.cli.traffic_check`) reports them in the same formats as ``validate``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qs, urlsplit

from ..issues import Issue
from ..schemas import GRAPH_ERROR
from ..validation import Profile, UnknownContractError, Validator
from .match import Match, RouteTable, coverage_key, default_routes
from .reader import Exchange

__all__ = ["GRAPH_ERROR_STATUSES", "ExchangeResult", "check_exchange"]

#: The error statuses Graph documents for every operation (concepts/errors.md).
GRAPH_ERROR_STATUSES = frozenset(
    {400, 401, 403, 404, 405, 406, 409, 410, 411, 412, 413, 415, 416, 422, 423, 429, 500, 501, 503, 504, 507, 509}
)


@dataclass(frozen=True)
class ExchangeResult:
    """One exchange's findings; ``match`` is None when no contract covers it (``coverage`` says which path)."""

    exchange: Exchange
    match: Match | None
    coverage: str
    issues: tuple[Issue, ...] = ()


@lru_cache(maxsize=256)
def _validator(op_id: str, version: str, direction: str, profile: Profile) -> Validator | None:
    try:
        return Validator.for_operation(
            op_id, version=version, direction="request" if direction == "request" else "response", profile=profile
        )
    except UnknownContractError:
        return None


@lru_cache(maxsize=1)
def _error_validator() -> Validator:
    return Validator(GRAPH_ERROR)


def _under(prefix: str, issues: Iterable[Issue], code: str | None = None) -> list[Issue]:
    return [Issue(prefix + i.pointer, code or i.code, i.message, i.severity) for i in issues]


def _json(body: bytes) -> Any:
    return json.loads(body.decode("utf-8-sig"))


def _request_issues(exchange: Exchange, match: Match, profile: Profile) -> list[Issue]:
    op, request = match.operation, exchange.request
    is_mock = exchange.location.format == "devproxy"
    if not op.has_request_body:
        return []
    if not request.body.strip():
        return [] if is_mock else [Issue("/request/body", "body-missing", f"{op.id} needs a request body")]
    try:
        body = _json(request.body)
    except (ValueError, UnicodeDecodeError):
        # A mock's bodyFragment is a substring to look for, not necessarily a document.
        return [] if is_mock else [Issue("/request/body", "not-json", "the request body is not JSON")]
    validator = _validator(op.id, match.version, "request", profile)
    return _under("/request/body", validator.validate(body)) if validator else []


def _selects(url: str) -> bool:
    return any(k.lower() == "$select" for k in parse_qs(urlsplit(url).query))


def _response_issues(exchange: Exchange, match: Match) -> list[Issue]:
    op, response = match.operation, exchange.response
    issues: list[Issue] = []
    documented = {op.success_status} | GRAPH_ERROR_STATUSES
    if response.status not in documented:
        issues.append(
            Issue(
                "/response/status",
                "undocumented-status",
                f"{response.status} is not documented for {op.id} (success is {op.success_status}, "
                "errors are Graph's documented 4xx/5xx)",
            )
        )
    if response.header("request-id") is None:
        issues.append(
            Issue(
                "/response/headers/request-id",
                "request-id-missing",
                "Graph sends a request-id header with every response",
            )
        )
    if response.status >= 400:
        issues += _envelope_issues(response.body)
    elif response.status == op.success_status:
        issues += _body_issues(exchange, match)
    return issues


def _envelope_issues(body: bytes) -> list[Issue]:
    try:
        envelope = _json(body)
    except (ValueError, UnicodeDecodeError):
        return [Issue("/response/body", "error-envelope", "an error response without Graph's JSON error envelope")]
    return _under("/response/body", _error_validator().validate(envelope), "error-envelope")


def _body_issues(exchange: Exchange, match: Match) -> list[Issue]:
    op, body = match.operation, exchange.response.body
    if op.response_kind == "none":
        if body.strip():
            return [Issue("/response/body", "unexpected-body", f"{op.id} answers {op.success_status} with no body")]
        return []
    try:
        document = _json(body)
    except (ValueError, UnicodeDecodeError):
        return [Issue("/response/body", "not-json", "the response body is not JSON")]
    validator = _validator(op.id, match.version, "response", "contract")
    if validator is None:
        return []
    issues = validator.validate(document)
    if _selects(exchange.request.url):  # $select returns only what was asked for
        issues = [i for i in issues if i.code != "required"]
    return _under("/response/body", issues)


def check_exchange(
    exchange: Exchange,
    *,
    profile: Profile = "contract",
    routes: RouteTable | None = None,
    expect_refusals: bool = False,
) -> ExchangeResult:
    """Every finding in one exchange; no findings and no match means "not covered"."""
    request = exchange.request
    match = (routes or default_routes()).match(request.method, request.url)
    key = coverage_key(request.method, request.url)
    if match is None:
        return ExchangeResult(exchange, None, key)
    refused = expect_refusals and exchange.response.status == 400
    issues = ([] if refused else _request_issues(exchange, match, profile)) + _response_issues(exchange, match)
    return ExchangeResult(exchange, match, key, tuple(issues))

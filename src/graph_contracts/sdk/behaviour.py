"""Behaviour checks: what the SDK does, over real HTTP, when Graph throttles it or pages a list.

Payload checks cannot see a retry handler that forwards once, or a page
iterator that stops after the first page: both send and read perfect JSON.
These checks use the emulator's own fault injection (``Fault``: a status with
``Retry-After``, for the first N requests of one path) and paging (its
``page_size``, answering ``@odata.nextLink`` with a ``$skiptoken``), and time
what arrived with the response tap (``wire.ResponseTap.timeline``):

- ``throttling 429`` / ``throttling 503``: a GET answered once with the status
  and ``Retry-After: 1`` must be retried, not sooner than ``Retry-After`` after
  the answer (measured: a retry sooner is a break, as Dev Proxy's
  RetryAfterPlugin treats it), and then succeed.
- ``retry budget``: a GET that is throttled every time must be given up after
  the documented retry budget (kiota's ``RetryHandlerOption``: 3 retries, so 4
  requests), every wait honouring ``Retry-After``, with an error that carries
  the status (not a hang, not a silent ``None``).
- ``paging``: a list served in pages must be read whole by the SDK's own
  ``PageIterator`` (msgraph-core), following every ``@odata.nextLink``.

Unknown enum members and unknown properties in responses are checked by the
response checks of ``wire`` (``unknown enum member``, ``extra properties``).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import importlib
import itertools
from collections.abc import Iterator, Sequence
from typing import Any

from ..contracts import Operation
from .traffic import STOPPED_PAGING, early_retry_problem
from .wire_calls import OPERATION_CALLS, SdkCall
from .wire_session import Answered, WireResults, WireSession

#: Retries a Graph SDK makes before it gives up: kiota's documented default (RetryHandlerOption.DEFAULT_MAX_RETRIES).
RETRY_BUDGET = 3
#: The ``Retry-After`` the faults send, in seconds: whole seconds, the form every SDK parses.
RETRY_AFTER = 1.0
#: Clock slack when comparing a measured wait with ``Retry-After`` (both ends are this process's monotonic clock).
SLACK = 0.01
#: How many entities the paging check lists, and how many the emulator puts on a page.
PAGED_ITEMS = 5
PAGE_SIZE = 2
#: The operations the behaviour checks drive: in both Graph versions, and the SDK's retries apply to GETs.
GET_OP = "windowsAutopilotDeviceIdentity.get"
LIST_OP = "windowsAutopilotDeviceIdentity.list"


@contextlib.contextmanager
def emulator_settings(session: WireSession, **changes: Any) -> Iterator[None]:
    """The emulator's faults or page size, changed for one check: the emulator reads its config per request."""
    app = session.emulator.emulator
    before = app.config
    app.config = dataclasses.replace(before, **changes)
    try:
        yield
    finally:
        app.config = before


def _timeline(session: WireSession, path_part: str, since: int) -> list[Answered]:
    with session.tap.lock:
        return [a for a in session.tap.timeline[since:] if path_part in a.path]


def _early_retries(attempts: Sequence[Answered]) -> list[str]:
    """A retry that came sooner than the ``Retry-After`` of the answer before it."""
    out: list[str] = []
    for before, after in itertools.pairwise(attempts):
        if before.retry_after is None:
            continue
        waited = after.arrived - before.answered
        if waited + SLACK < before.retry_after:
            out.append(
                early_retry_problem(before.status)
                + f"; seen: retried after {waited:.3f} s, Retry-After: {before.retry_after:g}"
            )
    return out


def _error_text(exc: BaseException) -> str:
    status = getattr(exc, "response_status_code", None)
    return f"{type(exc).__name__}" + (f" (status {status})" if status is not None else "") + f": {exc}"[:200]


async def _get(session: WireSession, op: Operation, call: SdkCall, entity_id: str) -> tuple[Any, BaseException | None]:
    builder = session._builder(call, entity_id, session.credentials_for(op)[1])
    try:
        return await getattr(builder, call.method)(), None
    except Exception as exc:  # the SDK's failure is what is judged
        return None, exc


async def check_throttling(session: WireSession, results: WireResults) -> None:
    """429 and 503 once each (retried, honouring Retry-After), and 429 every time (given up after the budget)."""
    from ..graph.emulator.faults import Fault

    op = session.contracts.operations[(session.version, GET_OP)]
    call = OPERATION_CALLS[op.id]
    session.reset()
    ids = {name: session.seed(op) for name in ("429", "503", "budget")}
    faults = (
        Fault(status=429, retry_after=RETRY_AFTER, count=1, method="GET", path=ids["429"]),
        Fault(status=503, retry_after=RETRY_AFTER, count=1, method="GET", path=ids["503"]),
        # More failures than the budget allows: a handler that never gives up would show as extra requests.
        Fault(status=429, retry_after=RETRY_AFTER, count=RETRY_BUDGET + 3, method="GET", path=ids["budget"]),
    )
    since = len(session.tap.timeline)
    with emulator_settings(session, faults=faults):
        outcomes = await asyncio.gather(*(_get(session, op, call, ids[n]) for n in ("429", "503", "budget")))
    for name, (result, error) in zip(("429", "503"), outcomes[:2], strict=True):
        attempts = _timeline(session, ids[name], since)
        problems = _early_retries(attempts)
        if len(attempts) < 2:
            problems.insert(
                0,
                f"no retry of a {name} answer with Retry-After; seen: one request, answered {name} "
                f"with Retry-After: {RETRY_AFTER:g}; the SDK returned "
                f"{_error_text(error) if error else 'without an error'}",
            )
        elif error is not None or result is None:
            problems.append(
                "retried, but the call failed; seen: " + (_error_text(error) if error else "it returned None")
            )
        note = ""
        if len(attempts) >= 2 and not problems:
            note = (
                f"retried after {attempts[1].arrived - attempts[0].answered:.2f} s "
                f"(Retry-After: {RETRY_AFTER:g}), then {attempts[-1].status}"
            )
        results.add_all(op, f"throttling {name}", problems, len(attempts), note=note)
    _judge_budget(op, _timeline(session, ids["budget"], since), outcomes[2], results)


def _judge_budget(
    op: Operation, attempts: Sequence[Answered], outcome: tuple[Any, BaseException | None], results: WireResults
) -> None:
    result, error = outcome
    expected = RETRY_BUDGET + 1
    problems = _early_retries(attempts)
    if len(attempts) > expected:
        problems.insert(
            0,
            f"kept retrying past the documented budget of {RETRY_BUDGET} retries; seen: "
            f"{len(attempts)} requests for one call throttled every time",
        )
    elif len(attempts) < expected:
        problems.insert(
            0, f"gave up before the documented budget of {RETRY_BUDGET} retries; seen: {len(attempts) - 1} retries"
        )
    if error is None:
        problems.append(
            "no error after the retries, so a caller cannot tell the throttled read from an empty "
            f"one; seen: the call returned {type(result).__name__}"
        )
    elif getattr(error, "response_status_code", None) != 429:
        problems.append(f"the error does not carry the status 429; seen: {_error_text(error)}")
    note = f"gave up after {len(attempts) - 1} retries with {_error_text(error)}" if error and not problems else ""
    results.add_all(op, "retry budget", problems, len(attempts), note=note)


async def check_paging(session: WireSession, results: WireResults) -> None:
    """A list in pages of ``PAGE_SIZE``, read with the SDK's ``PageIterator``: every item, every nextLink."""
    op = session.contracts.operations[(session.version, LIST_OP)]
    call = OPERATION_CALLS[op.id]
    session.reset()
    seeded = {session.seed(op) for _ in range(PAGED_ITEMS)}
    since = len(session.tap.timeline)
    read: list[str] = []
    problems: list[str] = []
    with emulator_settings(session, page_size=PAGE_SIZE):
        builder = session._builder(call, None, session.credentials_for(op)[1])
        try:
            first = await builder.get()
            iterator = _page_iterator(first, session.credentials_for(op)[1].request_adapter)
            await iterator.iterate(lambda item: _collect(read, item))
        except Exception as exc:  # the SDK's failure is the finding
            problems.append(f"reading the pages raised {type(exc).__name__}; seen: {_error_text(exc)}")
    pages = [a for a in _timeline(session, "/deviceManagement/", since) if a.method == "GET"]
    expected_pages = -(-PAGED_ITEMS // PAGE_SIZE)
    if not problems and set(read) != seeded:
        problems.append(
            f"{STOPPED_PAGING}; seen: read {len(read)} of {PAGED_ITEMS} items in {len(pages)} of {expected_pages} pages"
        )
    elif not problems and len(read) != PAGED_ITEMS:
        problems.append(f"the page iterator read an item twice; seen: {len(read)} items for {PAGED_ITEMS}")
    note = f"{PAGED_ITEMS} items in {len(pages)} pages of {PAGE_SIZE}" if not problems else ""
    results.add_all(op, "paging", problems, len(pages), note=note)


def _collect(read: list[str], item: Any) -> bool:
    read.append(str(getattr(item, "id", None)))
    return True  # keep iterating


def _page_iterator(first: Any, request_adapter: Any) -> Any:
    """msgraph-core's ``PageIterator`` (both SDKs depend on it), imported only when an SDK is installed."""
    module = importlib.import_module("msgraph_core.tasks.page_iterator")
    return module.PageIterator(first, request_adapter)


async def run_behaviour(session: WireSession, results: WireResults) -> None:
    """The behaviour checks, after the payload checks, on the same emulator and client."""
    await check_throttling(session, results)
    await check_paging(session, results)

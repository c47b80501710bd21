"""The contract suite's checks: plain functions registered by name, as schemathesis registers its own.

Every assertion of the suite's tests runs through one of these. A failing
check raises ``CheckFailed`` carrying its registered name and structured
fields (what was checked, expected and got, or the problems found), so the
contract report (``report.py``) reads which check failed from the failure
itself, not from the test's name or the traceback's text. The names are the
report's columns. While a test runs, the names of the checks it calls are
noted (``noting``), so a test that declares none still counts under the
checks it ran.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection, Iterable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar, cast

import httpx

from ..errors import CheckFailed
from ..schemas import GRAPH_ERROR
from ..validation import Validator

__all__ = [
    "CHECKS",
    "CheckFailed",
    "auth",
    "check",
    "envelope_problems",
    "examples",
    "failed_check",
    "lifecycle",
    "negative",
    "noting",
    "openapi",
    "request_line",
    "schemathesis_problems",
    "shape",
    "status",
]

#: Check name -> the registered function (which notes its name for the running test, then checks).
CHECKS: dict[str, Callable[..., None]] = {}

_Check = TypeVar("_Check", bound=Callable[..., None])
_noted: list[str] | None = None


def check(name: str) -> Callable[[_Check], _Check]:
    """Register the decorated function as the check ``name``; each call notes the name for the running test."""

    def register(function: _Check) -> _Check:
        if name in CHECKS:
            raise TypeError(f"two checks are registered as {name!r}")  # a programming error, met at import

        @functools.wraps(function)
        def run(*args: Any, **kwargs: Any) -> None:
            if _noted is not None and name not in _noted:
                _noted.append(name)
            function(*args, **kwargs)

        CHECKS[name] = run
        return cast(_Check, run)

    return register


@contextmanager
def noting() -> Iterator[list[str]]:
    """Collect, in order, the names of the checks called inside the block."""
    global _noted
    previous, _noted = _noted, []
    try:
        yield _noted
    finally:
        _noted = previous


def failed_check(exc: BaseException) -> str | None:
    """The name of the check that failed in ``exc``: a ``CheckFailed``, or the first one in an exception group.

    Hypothesis raises a group when one test fails in several distinct ways.
    """
    if isinstance(exc, CheckFailed):
        return exc.check
    for inner in getattr(exc, "exceptions", ()):
        found = failed_check(inner)
        if found is not None:
            return found
    return None


def envelope_problems(response: httpx.Response) -> list[str]:
    """Why a response is not a Graph error envelope with the request-id Graph always sends."""
    problems = []
    try:
        body = response.json()
    except ValueError:
        return [f"the body is not JSON: {response.text[:80]!r}"]
    problems += [f"{i.pointer}: {i.message}" for i in Validator(GRAPH_ERROR).validate(body)]
    if not response.headers.get("request-id"):
        problems.append("no request-id header")
    return problems


def _none_of(check: str, what: str, problems: Iterable[str]) -> None:
    """Fail ``check`` when there are ``problems``: the checks that judge a list of them share this."""
    found = tuple(problems)
    if found:
        raise CheckFailed(check, what, problems=found)


def request_line(response: httpx.Response) -> str:
    """``METHOD /path`` of the request ``response`` answers, to say what a failed check was about."""
    try:
        return f"{response.request.method} {response.request.url.path}"
    except RuntimeError:  # a response built without a request
        return "the response"


@check("status")
def status(
    response: httpx.Response, expected: int | Collection[int], code: str = "", what: str = "", envelope: bool = False
) -> None:
    """The response has the documented status (one of ``expected``); with ``envelope``, in Graph's error envelope.

    ``code`` (which implies ``envelope``) is for the service's refusals: its
    status, its error code, in Graph's envelope.
    """
    allowed = (expected,) if isinstance(expected, int) else tuple(expected)
    about = what or request_line(response)
    if response.status_code not in allowed:
        raise CheckFailed(
            "status", f"{about} answered {response.text[:300]!r}", expected=expected, got=response.status_code
        )
    if code or envelope:
        problems = envelope_problems(response)
        if code and not problems and (got := response.json()["error"]["code"]) != code:
            problems.append(f"error code {got!r}, expected {code!r}: {response.text[:300]}")
        if problems:
            raise CheckFailed("status", about, problems=tuple(problems))


@check("shape")
def shape(what: str, problems: Iterable[str]) -> None:
    """What the endpoint answered has the documented shape: no ``problems`` (schema issues, properties not echoed)."""
    _none_of("shape", what, problems)


@check("negative")
def negative(response: httpx.Response, what: str) -> None:
    """A request that breaks a documented rule is refused with 400, in Graph's error envelope."""
    problems = [] if response.status_code == 400 else [f"got {response.status_code}, expected 400"]
    problems += envelope_problems(response)
    if problems:
        raise CheckFailed("negative", what, problems=tuple(problems))


@check("auth")
def auth(response: httpx.Response, expected: int, code: str) -> None:
    """A request without a valid token, or without the permission, is refused with ``expected`` and ``code``."""
    problems = [] if response.status_code == expected else [f"got {response.status_code}, expected {expected}"]
    problems += envelope_problems(response)
    if not problems and (got := response.json()["error"]["code"]) != code:
        problems.append(f"error code {got!r}, expected {code!r}")
    if problems:
        raise CheckFailed("auth", request_line(response), problems=tuple(problems))


@check("lifecycle")
def lifecycle(what: str, got: object, expected: object = None, *, one_of: Collection[object] = ()) -> None:
    """An object goes through the documented states (import, settle, act, read back): ``got`` is ``expected``.

    With ``one_of``, ``got`` is any of those instead.
    """
    if (got not in one_of) if one_of else (got != expected):
        raise CheckFailed("lifecycle", what, expected=tuple(one_of) if one_of else expected, got=got)


@check("examples")
def examples(what: str, problems: Iterable[str]) -> None:
    """A documented example request gets the documented answer: no ``problems``."""
    _none_of("examples", what, problems)


@check("openapi")
def openapi(what: str, problems: Iterable[str]) -> None:
    """The endpoint does what the generated OpenAPI document says, as schemathesis judges it: no ``problems``."""
    _none_of("openapi", what, problems)


def schemathesis_problems(validate: Callable[[], object]) -> list[str]:
    """What schemathesis's checks found wrong while ``validate`` ran: one line per failure, none when it passed.

    ``validate`` may be a hypothesis test or state machine running
    schemathesis's checks: its failures arrive alone or in (nested) groups.
    Anything else it raises is not a finding and goes on as it is.
    """
    try:
        validate()
    except BaseException as raised:
        leaves = _leaves(raised)
        if not all(isinstance(e, AssertionError) for e in leaves):
            raise
        return [_failure_line(e) for e in leaves]
    return []


def _leaves(exc: BaseException) -> list[BaseException]:
    inner = getattr(exc, "exceptions", None)
    return [exc] if inner is None else [leaf for e in inner for leaf in _leaves(e)]


def _failure_line(failure: BaseException) -> str:
    title, message = getattr(failure, "title", None), getattr(failure, "message", None)
    return f"{title}: {message}" if title and message else str(failure)

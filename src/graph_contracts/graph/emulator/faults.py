"""Injected failures: a status (429, 5xx), added latency, or a dropped connection.

``Fault`` is what a test or the command line asks for, read from the
``x-emulator-fault`` header or ``--fault``; ``fault_failure`` is the Graph
answer a status fault produces (``FAULT_ERRORS``, ``Retry-After``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ...errors import ConfigurationError
from .failures import GraphFailure

_FAULT_STATUSES = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True)
class Fault:
    """A failure to inject: a status, added latency, or a dropped connection.

    Written as text in the ``x-emulator-fault`` header and on the command line:
    items separated by ``;``, e.g. ``429;retry-after=1.5;count=2``, ``503``,
    ``latency=0.2``, ``drop``. ``count=N`` fails the first N matching requests
    and lets the rest through, which is what a retry test needs; ``after=N``
    lets the first N through and fails the rest (a 5xx in the middle of paging).
    ``next-link=loop`` answers a list page with an ``@odata.nextLink`` back to
    the page itself, so a client that follows it meets the same link again. ``method`` and
    ``path`` (a substring of the request path) narrow a configured fault; a
    header fault applies to the request that carries it.
    """

    status: int | None = None
    retry_after: float | None = None
    latency: float = 0.0
    drop: bool = False
    count: int | None = None
    method: str | None = None
    path: str | None = None
    after: int = 0
    loop_next_link: bool = False

    @classmethod
    def parse(cls, text: str) -> Fault:
        """Parse the header/CLI form; raises ``ConfigurationError`` (a ``ValueError``) naming the item it cannot read.

        Its ``detail`` is the message alone, for the CLI's ``--fault`` and the ``x-emulator-fault`` header.
        """
        fields: dict[str, Any] = {}
        for raw in text.split(";"):
            item = raw.strip()
            if not item:
                continue
            name, _, value = item.partition("=")
            name = name.strip().lower()
            try:
                if item.isdigit():
                    status = int(item)
                    if status not in _FAULT_STATUSES:
                        raise ValueError(f"status must be one of {sorted(_FAULT_STATUSES)}")
                    fields["status"] = status
                elif name == "drop" and not value:
                    fields["drop"] = True
                elif name == "next-link" and value.strip() == "loop":
                    fields["loop_next_link"] = True
                elif name in _FAULT_FIELDS and value:
                    key, convert = _FAULT_FIELDS[name]
                    fields[key] = convert(value.strip())
                else:
                    raise ValueError("unknown item")
            except ValueError as exc:  # the converters' own, and int()'s and float()'s
                raise ConfigurationError("fault", f"cannot read fault item {item!r} in {text!r}: {exc}") from None
        if not fields:
            raise ConfigurationError("fault", f"empty fault {text!r}")
        return cls(**fields)

    def applies_to(self, method: str, path: str) -> bool:
        return (self.method is None or self.method.upper() == method) and (self.path is None or self.path in path)


#: The longest latency or Retry-After a fault may ask for, in seconds (a typo should not hang a test for days).
MAX_FAULT_SECONDS = 600.0


def _non_negative(value: str) -> float:
    number = float(value)
    if not math.isfinite(number) or not 0 <= number <= MAX_FAULT_SECONDS:
        raise ValueError(f"must be a number of seconds from 0 to {MAX_FAULT_SECONDS:g}")
    return number


def _positive_int(value: str) -> int:
    number = int(value)
    if number < 1:
        raise ValueError("must be at least 1")
    return number


_FAULT_FIELDS: Mapping[str, tuple[str, Callable[[str], Any]]] = {
    "retry-after": ("retry_after", _non_negative),
    "latency": ("latency", _non_negative),
    "count": ("count", _positive_int),
    "after": ("after", _positive_int),
    "method": ("method", str.upper),
    "path": ("path", str),
}


#: Graph's error code and message for each status the fault injector can produce.
FAULT_ERRORS: Mapping[int, tuple[str, str]] = {
    429: ("TooManyRequests", "Please retry again later."),
    500: ("generalException", "An internal server error occurred."),
    502: ("BadGateway", "The gateway received an invalid response."),
    503: ("serviceNotAvailable", "The service is temporarily unavailable. Please retry later."),
    504: ("GatewayTimeout", "The gateway timed out waiting for the service."),
}


def fault_failure(fault: Fault) -> GraphFailure:
    assert fault.status is not None
    code, message = FAULT_ERRORS[fault.status]
    headers: list[tuple[str, str]] = []
    retry_after = fault.retry_after if fault.retry_after is not None else (1.0 if fault.status == 429 else None)
    if retry_after is not None:
        headers.append(("Retry-After", _seconds(retry_after)))
    inner: tuple[tuple[str, str], ...] = ()
    if fault.status == 429:
        inner = (("code", "429"), ("message", "Please retry after"), ("status", "429"))
    return GraphFailure(fault.status, code, message, headers=tuple(headers), inner=inner)


def _seconds(value: float) -> str:
    """``Retry-After`` as Graph writes it: an integer when whole, else decimal seconds (``2.128``)."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def loop_next_link(body: bytes, url: str) -> bytes | None:
    """A list page's JSON body with its ``@odata.nextLink`` pointing back at ``url`` (the page itself),
    or None when the body is no page with a next link (the ``next-link=loop`` fault)."""
    import json

    try:
        page = json.loads(body)
    except ValueError:
        return None
    if not isinstance(page, dict) or "@odata.nextLink" not in page:
        return None
    page["@odata.nextLink"] = url
    return json.dumps(page, ensure_ascii=False).encode("utf-8")

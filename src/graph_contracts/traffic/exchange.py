"""What the traffic reader hands out: one recorded exchange, its request, response and place.

Every format (HAR, vcrpy, Dev Proxy, NDJSON) is read into these same frozen
values, so the checks downstream never see which format a file was.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlsplit

TrafficFormat = Literal["har", "vcr", "devproxy", "ndjson"]
FORMATS: tuple[TrafficFormat, ...] = ("har", "vcr", "devproxy", "ndjson")

#: Headers as recorded: (name, value) pairs in order, names as written (case kept).
Headers = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class TrafficLocation:
    """Where an exchange is in its file: ``index`` is the 0-based entry, ``line`` 1-based when known."""

    file: str
    index: int
    format: TrafficFormat
    line: int | None = None

    def __str__(self) -> str:
        return f"{self.file}:{self.line}" if self.line else f"{self.file}#{self.index}"


def header_value(headers: Iterable[tuple[str, str]], name: str) -> str | None:
    """The first value of header ``name`` (any case) in ``headers``, or None: the one header lookup.

    Takes any (name, value) pairs, so recorded ``Headers`` and a mapping's
    ``.items()`` (a vcrpy request's headers) are read by the same rule.
    """
    lowered = name.lower()
    for key, value in headers:
        if key.lower() == lowered:
            return value
    return None


@dataclass(frozen=True)
class Request:
    """A recorded request. ``body`` is the bytes sent (decompressed); a mock's ``url`` may hold ``*``."""

    method: str
    url: str
    headers: Headers = ()
    body: bytes = b""

    def header(self, name: str) -> str | None:
        """The first value of header ``name``, any case; None when absent."""
        return header_value(self.headers, name)

    @property
    def path(self) -> str:
        """The URL's path (``/v1.0/deviceManagement/...``), whatever the host."""
        return urlsplit(self.url).path


@dataclass(frozen=True)
class Response:
    """A recorded response. ``body`` is decoded from gzip/deflate/base64 to the bytes the client read."""

    status: int
    headers: Headers = ()
    body: bytes = b""
    reason: str = ""

    def header(self, name: str) -> str | None:
        """The first value of header ``name``, any case; None when absent."""
        return header_value(self.headers, name)


@dataclass(frozen=True)
class Exchange:
    """One request and its response, and where they were recorded. Unpacks as a 3-tuple."""

    location: TrafficLocation
    request: Request
    response: Response
    #: Extra facts a format carries (e.g. a mock's ``bodyFragment`` or ``nth``), by name.
    extra: Mapping[str, Any] = field(default_factory=dict, compare=False)

    def __iter__(self) -> Iterator[Any]:
        return iter((self.location, self.request, self.response))

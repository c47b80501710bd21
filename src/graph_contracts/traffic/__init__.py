"""Recorded traffic: read HAR files, vcrpy cassettes, Dev Proxy mocks and NDJSON; check them; keep secrets out.

The reader (:mod:`.reader`) is the one place that knows the file formats;
everything else works on its :class:`Exchange` values.
"""

from __future__ import annotations

from .reader import (
    FORMATS,
    Exchange,
    Headers,
    Request,
    Response,
    TrafficFileError,
    TrafficFormat,
    TrafficLocation,
    detect_format,
    read_traffic,
)

__all__ = [
    "FORMATS",
    "Exchange",
    "Headers",
    "Request",
    "Response",
    "TrafficFileError",
    "TrafficFormat",
    "TrafficLocation",
    "detect_format",
    "read_traffic",
]

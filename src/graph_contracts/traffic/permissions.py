"""Which permissions recorded traffic needs: every request of HAR, cassette, Dev Proxy or NDJSON files, matched.

The files are read by the one traffic reader (:func:`~.reader.read_traffic`)
and each request is matched to Microsoft's permissions data as it streams
past; only a tally per route is kept (a count and a few locations), so what
this adds to reading stays small whatever the number of requests. The reader
itself holds one parsed file at a time.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from ..permissions.data import PermissionData
from ..permissions.needs import Needs, NeedsBuilder
from .reader import read_traffic


def traffic_needs(data: PermissionData, files: Iterable[str | Path]) -> Needs:
    """What the requests recorded in ``files`` need; unknown requests are kept apart, never guessed."""
    builder = NeedsBuilder(data)
    for file in files:
        for exchange in read_traffic(file):
            request = exchange.request
            builder.add(request.method, request.url, str(exchange.location))
    return builder.result()

"""HAR 1.2 files written from recorded exchanges: the inputs of ``permissions.py`` and ``traffic.py``.

The library reads HAR and writes none, so the benchmarks write their own here, once: every
entry carries what browsers' and Dev Proxy's HAR files carry (headers, ``postData.text``,
``content.text``), so the reader does the same work it does on real files.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from graph_contracts.traffic import Exchange


def har_entry(exchange: Exchange) -> dict[str, Any]:
    """One HAR entry for ``exchange``: its method, URL, headers and bodies, the rest as HAR's fillers."""
    request, response = exchange.request, exchange.response
    entry: dict[str, Any] = {
        "request": {
            "method": request.method,
            "url": request.url,
            "httpVersion": "HTTP/1.1",
            "headers": [{"name": k, "value": v} for k, v in request.headers],
            "queryString": [],
            "cookies": [],
            "headersSize": -1,
            "bodySize": len(request.body),
        },
        "response": {
            "status": response.status,
            "statusText": response.reason,
            "httpVersion": "HTTP/1.1",
            "headers": [{"name": k, "value": v} for k, v in response.headers],
            "cookies": [],
            "content": {
                "size": len(response.body),
                "mimeType": "application/json",
                "text": response.body.decode("utf-8", "replace"),
            },
            "redirectURL": "",
            "headersSize": -1,
            "bodySize": len(response.body),
        },
        "cache": {},
        "timings": {"send": 0, "wait": 0, "receive": 0},
    }
    if request.body:
        entry["request"]["postData"] = {"mimeType": "application/json", "text": request.body.decode("utf-8", "replace")}
    return entry


def write_har(path: Path, exchanges: Sequence[Exchange], count: int, *, slim: bool = False) -> Path:
    """A HAR of ``count`` entries, ``exchanges`` repeated in order; ``slim`` drops bodies and headers
    (a 100,000-entry HAR of the cassettes' full exchanges would be ~240 MB, too much to parse beside
    other work on a shared host)."""
    entries = [har_entry(exchanges[i % len(exchanges)]) for i in range(count)]
    if slim:
        for entry in entries:
            entry["request"]["headers"] = entry["response"]["headers"] = []
            entry["request"].pop("postData", None)
            entry["response"]["content"]["text"] = ""
    document = {"log": {"version": "1.2", "creator": {"name": "bench", "version": "1"}, "entries": entries}}
    path.write_text(json.dumps(document), encoding="utf-8")
    return path

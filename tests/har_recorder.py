"""A real HAR 1.2 recorder: httpx event hooks that write every exchange a client makes.

This is how a team without a proxy records its traffic; the traffic tests use
it against the emulator to get HAR files a real client produced.
"""

from __future__ import annotations

import base64
import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import httpx


def _pairs(headers: httpx.Headers) -> list[dict[str, str]]:
    return [{"name": k, "value": v} for k, v in headers.multi_items()]


class HarRecorder:
    """Collects HAR entries from httpx's ``request``/``response`` event hooks; ``save`` writes HAR 1.2."""

    def __init__(self) -> None:
        self.entries: list[dict[str, Any]] = []

    @property
    def hooks(self) -> dict[str, list[Any]]:
        return {"response": [self._on_response]}

    def _on_response(self, response: httpx.Response) -> None:
        response.read()
        request = response.request
        content = response.content
        try:
            text, encoding = content.decode("utf-8"), None
        except UnicodeDecodeError:
            text, encoding = base64.b64encode(content).decode("ascii"), "base64"
        entry: dict[str, Any] = {
            # When the request started: the hook runs once the response is read, `elapsed` after the start.
            "startedDateTime": (datetime.now(timezone.utc) - response.elapsed).isoformat(),
            "time": response.elapsed.total_seconds() * 1000,
            "request": {
                "method": request.method,
                "url": str(request.url),
                "httpVersion": "HTTP/1.1",
                "cookies": [],
                "headers": _pairs(request.headers),
                "queryString": [{"name": k, "value": v} for k, v in request.url.params.multi_items()],
                "headersSize": -1,
                "bodySize": len(request.content),
            },
            "response": {
                "status": response.status_code,
                "statusText": response.reason_phrase,
                "httpVersion": response.http_version,
                "cookies": [],
                "headers": _pairs(response.headers),
                "content": {"size": len(content), "mimeType": response.headers.get("content-type", ""), "text": text},
                "redirectURL": response.headers.get("location", ""),
                "headersSize": -1,
                "bodySize": len(content),
            },
            "cache": {},
            "timings": {"send": 0, "wait": 0, "receive": 0},
        }
        if encoding:
            entry["response"]["content"]["encoding"] = encoding
        if request.content:
            entry["request"]["postData"] = {
                "mimeType": request.headers.get("content-type", ""),
                "text": request.content.decode("utf-8", "replace"),
            }
        self.entries.append(entry)

    def save(self, path: Path) -> Path:
        har = {
            "log": {
                "version": "1.2",
                "creator": {"name": "httpx-event-hooks", "version": httpx.__version__},
                "entries": self.entries,
            }
        }
        path.write_text(json.dumps(har, indent=2), encoding="utf-8")
        return path

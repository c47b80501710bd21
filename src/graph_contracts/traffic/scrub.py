"""``traffic scrub``: a copy of a traffic file with every credential replaced by the placeholder.

The file is rewritten through its structure (JSON, YAML or NDJSON), so the
copy stays a valid HAR, cassette or mock file: a header or member with a
secret name loses its value, every other string is scrubbed as text, and
bodies are scrubbed as bodies (JSON member by member, gzip and base64
decoded and encoded again, Content-Length kept right). The replacements are
the recorder's (:mod:`.secrets`), constant, so a cassette scrubbed here
replays like one the recorder scrubbed. The copy is scanned afterwards; what
the scanner still sees is returned, never silently written as clean.
"""

from __future__ import annotations

import base64
import binascii
import gzip
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .reader import TrafficFileError, parse_document
from .scan import SecretFinding, scan_text
from .secrets import PLACEHOLDER, is_placeholder, is_secret_header, is_secret_key, normalize_name, scrub_body

__all__ = ["ScrubResult", "scrub_document", "scrub_file"]


@dataclass(frozen=True)
class ScrubResult:
    """What ``scrub_file`` wrote: the output file and anything the scanner still finds in it."""

    out: str
    remaining: tuple[SecretFinding, ...] = ()


def _scrub_string(value: str) -> str:
    return scrub_body(value.encode("utf-8", "surrogateescape")).decode("utf-8", "surrogateescape")


def _secret_value(value: Any) -> Any:
    if isinstance(value, list):
        return [_secret_value(v) for v in value]
    if isinstance(value, (str, bytes)) and not is_placeholder(value if isinstance(value, str) else "x"):
        return PLACEHOLDER
    if isinstance(value, Mapping) and value:
        return PLACEHOLDER
    return value


def _header_value(name: str, value: Any) -> Any:
    first = value[0] if isinstance(value, list) and value else value
    if is_secret_header(name, str(first)):
        return _secret_value(value)
    return scrub_document(value)


def _scrub_mapping(node: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    # {"name": ..., "value": ...}: a HAR/Dev Proxy header, query or form parameter, or cookie
    if isinstance(node.get("name"), str) and "value" in node:
        out = {key: scrub_document(item) for key, item in node.items() if key != "value"}
        out["value"] = _header_value(node["name"], node["value"])
        return out
    # HAR content in base64
    if str(node.get("encoding", "")).lower() == "base64" and isinstance(node.get("text"), str):
        out = {key: scrub_document(item) for key, item in node.items()}
        try:
            raw = base64.b64decode(node["text"], validate=True)
        except (binascii.Error, ValueError):
            return out
        scrubbed = scrub_body(raw)
        out["text"] = node["text"] if scrubbed == raw else base64.b64encode(scrubbed).decode("ascii")
        return out
    for key, item in node.items():
        name = str(key)
        if name.lower() == "headers" and isinstance(item, Mapping):
            out[key] = {h: _header_value(str(h), v) for h, v in item.items()}
        elif name.lower() == "cookies" and isinstance(item, list):
            out[key] = [_cookie(c) for c in item]
        elif normalize_name(name) != "code" and is_secret_key(name):
            out[key] = _secret_value(item)
        else:
            out[key] = scrub_document(item)
    _fix_content_length(node, out)
    return out


def _cookie(cookie: Any) -> Any:
    if isinstance(cookie, Mapping) and "value" in cookie:
        return {**cookie, "value": _secret_value(cookie["value"])}
    return scrub_document(cookie)


def _body_bytes(body: Any) -> bytes | None:
    string = body.get("string") if isinstance(body, Mapping) else body
    if isinstance(string, bytes):
        return string
    if isinstance(string, str):
        return string.encode("utf-8", "surrogateescape")
    return None


def _fix_content_length(before: Mapping[str, Any], after: dict[str, Any]) -> None:
    """A vcrpy request/response whose body changed keeps a Content-Length that matches it."""
    headers = after.get("headers")
    if not isinstance(headers, dict) or "body" not in after:
        return
    old, new = _body_bytes(before.get("body")), _body_bytes(after.get("body"))
    if old is None or new is None or old == new:
        return
    for key, value in headers.items():
        if str(key).lower() == "content-length":
            headers[key] = [str(len(new))] if isinstance(value, list) else str(len(new))


def scrub_document(node: Any) -> Any:
    """A parsed traffic document (any format) with every credential replaced."""
    if isinstance(node, Mapping):
        return _scrub_mapping(node)
    if isinstance(node, list):
        return [scrub_document(item) for item in node]
    if isinstance(node, bytes):
        return scrub_body(node)
    if isinstance(node, str):
        return _scrub_string(node)
    return node


def _dump_yaml(data: Any) -> str:
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    return str(yaml.dump(data, Dumper=dumper, allow_unicode=True, sort_keys=False))


def scrub_file(src: str | Path, out: str | Path) -> ScrubResult:
    """Write a scrubbed copy of traffic file ``src`` to ``out`` (the same format) and scan it.

    Raises ``TrafficFileError`` for a file that cannot be read (``out`` is
    then not written). ``ScrubResult.remaining`` lists what the scanner still
    finds in the copy; empty means clean.
    """
    file = str(src)
    kind, data, compressed = parse_document(Path(src))
    if kind == "ndjson":
        lines = [json.dumps(scrub_document(json.loads(line)), ensure_ascii=False) if line.strip() else line
                 for line in data]
        text = "\n".join(lines) + "\n"
    elif kind == "json":
        text = json.dumps(scrub_document(data), indent=2, ensure_ascii=False) + "\n"
    elif kind == "yaml":
        text = _dump_yaml(scrub_document(data))
    else:
        raise TrafficFileError(file, "cannot be scrubbed: not JSON, YAML or NDJSON")
    target = Path(out)
    try:
        payload = text.encode("utf-8", "surrogateescape")
        target.write_bytes(gzip.compress(payload, mtime=0) if compressed else payload)
    except OSError as exc:
        raise TrafficFileError(str(target), exc.strerror or "cannot be written") from None
    remaining = tuple(sorted({SecretFinding(str(target), line, rule) for line, rule in scan_text(text)}))
    return ScrubResult(str(target), remaining)

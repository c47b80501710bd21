"""``traffic scrub``: a copy of a traffic file with every credential replaced by the placeholder.

The file is rewritten through its structure (JSON, YAML or NDJSON), so the
copy stays a valid HAR, cassette or mock file. The walk is
:class:`.secrets.Redactor`'s, the one the recorder and the scanner use: a
header or member with a secret name loses its value, every other string is
scrubbed as text (a private key from BEGIN to END, base64-wrapped
credentials inside their wrapping), and bodies are scrubbed as bodies (JSON
member by member, gzip and base64 decoded and encoded again, Content-Length
kept right). The replacements are constant, so a cassette scrubbed here
replays like one the recorder scrubbed. The copy is scanned afterwards; what
the scanner still sees is returned, never silently written as clean.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ..errors import InflateLimitError
from .reader import TrafficFileError, parse_document
from .scan import SecretFinding, scan_text
from .secrets import scrub_document

__all__ = ["ScrubResult", "scrub_document", "scrub_file"]  # scrub_document: secrets' walk, re-exported


@dataclass(frozen=True)
class ScrubResult:
    """What ``scrub_file`` wrote: the output file and anything the scanner still finds in it."""

    out: str
    remaining: tuple[SecretFinding, ...] = ()


def _dump_yaml(data: Any) -> str:
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    return str(yaml.dump(data, Dumper=dumper, allow_unicode=True, sort_keys=False))


def _scrubbed_text(kind: str, data: Any, file: str) -> str:
    """A parsed document's scrubbed copy as text, in its own format. Raises ``InflateLimitError`` for a
    compressed body past the cap (the walk cannot look inside it)."""
    if kind == "ndjson":
        lines = [
            json.dumps(scrub_document(json.loads(line)), ensure_ascii=False) if line.strip() else line for line in data
        ]
        return "\n".join(lines) + "\n"
    if kind == "json":
        return json.dumps(scrub_document(data), indent=2, ensure_ascii=False) + "\n"
    if kind == "yaml":
        return _dump_yaml(scrub_document(data))
    raise TrafficFileError(file, "cannot be scrubbed: not JSON, YAML or NDJSON")


def scrub_file(src: str | Path, out: str | Path) -> ScrubResult:
    """Write a scrubbed copy of traffic file ``src`` to ``out`` (the same format) and scan it.

    Raises ``TrafficFileError`` for a file that cannot be read, or that holds
    a compressed body past the cap (``out`` is then not written).
    ``ScrubResult.remaining`` lists what the scanner still finds in the copy;
    empty means clean.
    """
    file = str(src)
    kind, data, compressed = parse_document(Path(src))
    try:
        text = _scrubbed_text(kind, data, file)
    except InflateLimitError as exc:  # a body not looked inside: the copy cannot be shown clean
        raise TrafficFileError(file, f"cannot be scrubbed: a compressed body {exc}; nothing written") from None
    target = Path(out)
    try:
        payload = text.encode("utf-8", "surrogateescape")
        target.write_bytes(gzip.compress(payload, mtime=0) if compressed else payload)
    except OSError as exc:
        raise TrafficFileError(str(target), exc.strerror or "cannot be written") from None
    remaining = tuple(sorted({SecretFinding(str(target), line, rule) for line, rule in scan_text(text)}))
    return ScrubResult(str(target), remaining)

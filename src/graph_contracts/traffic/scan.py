"""``traffic scan``: credentials in files and folders of recorded traffic, by file and line.

The scanner reads files as text, not structure, so that it finds a secret in
any format (a cassette, a HAR file, a mock file, a log) and reports the line
a person opens. Bodies the text does not show are decoded first: YAML
``!!binary`` blocks, HAR ``"encoding": "base64"`` content and gzip; a
secret inside is reported at the line where the encoded block starts.
The rules are :mod:`.secrets`' table, the one the scrubbers use.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import contextlib
import gzip
import os
import re
import zlib
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputFileError, SecretLeakError
from .secrets import TRIGGERS, SecretHit, find_secrets, lower_same_length

__all__ = ["SecretFinding", "SecretLeakError", "scan_paths", "scan_text"]


@dataclass(frozen=True, order=True)
class SecretFinding:
    """Something that looks like a credential, found at ``file``:``line`` (1-based) by rule ``kind``."""

    file: str
    line: int
    kind: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.kind}"


_ENCODED = (
    # YAML's binary tag, as vcrpy writes bytes it cannot show as text (gzip bodies, for one)
    re.compile(r"!!binary\s*\|?[-+]?[ \t]*\r?\n(?P<b>(?:[ \t]+[A-Za-z0-9+/=]+[ \t]*(?:\r?\n|\Z))+)"),
    re.compile(r"!!binary[ \t]+[\"']?(?P<b>[A-Za-z0-9+/=]{8,})"),
    # HAR content in base64, either member order
    re.compile(r"\"text\"\s*:\s*\"(?P<b>[A-Za-z0-9+/]{8,}={0,2})\"\s*,\s*\"encoding\"\s*:\s*\"base64\""),
    re.compile(r"\"encoding\"\s*:\s*\"base64\"\s*,\s*\"text\"\s*:\s*\"(?P<b>[A-Za-z0-9+/]{8,}={0,2})\""),
    # gzip in base64 anywhere (H4sI is the gzip magic in base64); the literal first keeps the search fast
    re.compile(r"(?P<b>H4sI[A-Za-z0-9+/]{8,}={0,2})"),
)
#: Lines after a trigger's own that a match may reach: a YAML or HAR header's value is on the next line,
#: a multipart part's two lines further down. A secret's name is always on the trigger's line.
_CONTEXT_LINES = 2
#: Texts up to this size are searched whole; larger ones only around their triggers.
_WHOLE = 1 << 16


def _windows(text: str) -> list[tuple[int, int]]:
    """Merged (start, end) spans of the lines around every trigger in ``text``."""
    lowered = lower_same_length(text)
    spans: list[tuple[int, int]] = []
    for trigger in TRIGGERS:
        position = lowered.find(trigger)
        while position != -1:
            start = text.rfind("\n", 0, position) + 1
            end = position
            for _ in range(_CONTEXT_LINES + 1):
                end = text.find("\n", end + 1)
                if end == -1:
                    end = len(text)
                    break
            spans.append((start, end))
            position = lowered.find(trigger, end)
    spans.sort()
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _find(text: str) -> Iterator[SecretHit]:
    """``find_secrets`` over a text of any size: a large one is searched only where a rule could match."""
    if len(text) <= _WHOLE:
        yield from find_secrets(text)
        return
    for start, end in _windows(text):
        for hit in find_secrets(text[start:end]):
            yield SecretHit(hit.start + start, hit.end + start, hit.kind)


_NEWLINE = re.compile("\n")
_BASE64_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")


def _decoded(blob: str) -> str | None:
    try:
        raw = base64.b64decode(re.sub(r"\s+", "", blob), validate=True)
    except (binascii.Error, ValueError):
        return None
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error):
            return None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return None


def scan_text(text: str) -> Iterator[tuple[int, str]]:
    """``(line, kind)`` for every credential in ``text``, encoded bodies included; lines are 1-based."""
    newlines = [m.start() for m in _NEWLINE.finditer(text)]

    def line_of(offset: int) -> int:
        return bisect.bisect_left(newlines, offset) + 1

    for hit in _find(text):
        yield line_of(hit.start), hit.kind
    for pattern in _ENCODED:
        for match in pattern.finditer(text):
            if match.start() and text[match.start() - 1] in _BASE64_CHARS:
                continue  # inside a longer base64 string, not its start
            inner = _decoded(match.group("b"))
            if inner:
                line = line_of(match.start())
                for hit in find_secrets(inner):
                    yield line, hit.kind


def _files(paths: Iterable[str | Path]) -> Iterator[Path]:
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.is_file())
        elif path.is_file():
            yield path
        else:
            raise InputFileError(str(path), "no such file or directory")


def _scan_file(file: Path) -> list[SecretFinding]:
    try:
        text = file.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise InputFileError(str(file), exc.strerror or "cannot be read") from None
    if text[:2] == "\x1f\ufffd":  # a gzip file: scan what it holds
        with contextlib.suppress(OSError, EOFError, zlib.error):
            text = gzip.decompress(file.read_bytes()).decode("utf-8", "replace")
    return [SecretFinding(str(file), line, kind) for line, kind in scan_text(text)]


#: Below this many bytes in all, files are scanned in this process; above, on every core.
_PARALLEL_BYTES = 8 << 20


def scan_paths(paths: Iterable[str | Path], *, workers: int | None = None) -> list[SecretFinding]:
    """Every credential in the files and (recursively) folders given, sorted by file and line.

    Raises ``InputFileError`` for a path that does not exist; a file that is
    not UTF-8 is read with replacement characters, so a binary file is
    scanned for what text it holds rather than refused. More than 8 MB of
    files are shared out over ``workers`` processes (default: one per core).
    """
    files = list(_files(paths))
    size = sum(f.stat().st_size for f in files)
    workers = workers if workers is not None else (os.cpu_count() or 1)
    findings: set[SecretFinding] = set()
    if workers > 1 and len(files) > 1 and size > _PARALLEL_BYTES:
        with ProcessPoolExecutor(max_workers=min(workers, len(files))) as pool:
            for found in pool.map(_scan_file, files, chunksize=max(1, len(files) // (workers * 8))):
                findings.update(found)
    else:
        for file in files:
            findings.update(_scan_file(file))
    return sorted(findings)

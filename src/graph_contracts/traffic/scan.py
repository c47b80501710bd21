"""``traffic scan``: credentials in files and folders of recorded traffic, by file and line.

Two readings of each file, both with :mod:`.secrets`' one rule table:

- **its structure**, when it parses as JSON, YAML or NDJSON (a cassette, a
  HAR file, a mock file): :func:`.secrets.find_in_document`, the walk the
  scrubbers replace with, reads headers, query parameters, form and JSON
  fields and bodies decoded (gzip, base64, JSON inside strings), so a YAML
  fold between a name and its value, or a credential wrapped in base64,
  hides nothing. A finding is reported at the line where its value (or the
  base64 that wraps it) is written;
- **its text**, for every file (logs, broken documents, a secret in a YAML
  comment or in a key that a later duplicate key overwrote): the text rules
  over the raw text, YAML ``!!binary`` blocks, HAR ``"encoding": "base64"``
  content and gzip decoded first, a secret inside reported at the line where
  the encoded block starts.

A line is reported once, by the text reading when both see it. Compressed content that
inflates past :mod:`.compression`'s cap is not looked inside but reported, ``not-scanned(...)``
at the line where its base64 (or the gzipped file) starts: a scanner that skipped it could
hide a secret.
"""

from __future__ import annotations

import bisect
import json
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

from ..errors import InflateLimitError, InputFileError, SecretLeakError, TrafficFileError
from ..patterns import BASE64_DIGITS
from ..wording import counted
from .compression import GZIP_MAGIC, inflate
from .reader import detect_format, expand_paths, parse_text
from .secret_text import TRIGGERS, SecretHit, find_secrets, lower_same_length
from .secrets import find_in_document, find_wrapped, not_scanned, unwrap_base64

__all__ = ["ScanReport", "SecretFinding", "SecretLeakError", "scan_files", "scan_paths", "scan_text"]


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
    re.compile(rf"!!binary\s*\|?[-+]?[ \t]*\r?\n(?P<b>(?:[ \t]+[{BASE64_DIGITS}=]+[ \t]*(?:\r?\n|\Z))+)"),
    re.compile(rf"!!binary[ \t]+[\"']?(?P<b>[{BASE64_DIGITS}=]{{8,}})"),
    # HAR content in base64, either member order
    re.compile(rf"\"text\"\s*:\s*\"(?P<b>[{BASE64_DIGITS}]{{8,}}={{0,2}})\"\s*,\s*\"encoding\"\s*:\s*\"base64\""),
    re.compile(rf"\"encoding\"\s*:\s*\"base64\"\s*,\s*\"text\"\s*:\s*\"(?P<b>[{BASE64_DIGITS}]{{8,}}={{0,2}})\""),
    # gzip in base64 anywhere (H4sI is the gzip magic in base64); the literal first keeps the search fast
    re.compile(rf"(?P<b>H4sI[{BASE64_DIGITS}]{{8,}}={{0,2}})"),
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
_BASE64_DIGIT = re.compile(f"[{BASE64_DIGITS}]")


def _decoded(blob: str) -> str | None:
    """The text an encoded block holds (gzip inside or not), by the rule table's own base64 reader."""
    inner = unwrap_base64(re.sub(r"\s+", "", blob))
    return inner[0] if inner else None


def _text_findings(text: str, line_of: Callable[[int], int]) -> Iterator[tuple[int, str]]:
    for hit in _find(text):
        yield line_of(hit.start), hit.kind
    for pattern in _ENCODED:
        for match in pattern.finditer(text):
            if match.start() and _BASE64_DIGIT.match(text, match.start() - 1):
                continue  # inside a longer base64 string, not its start
            try:
                inner = _decoded(match.group("b"))
            except InflateLimitError as exc:  # reported, never skipped: it could hold anything. At the line
                yield line_of(match.start("b")), not_scanned(exc)  # of its first digits, as the structure has it
                continue
            if inner:
                line = line_of(match.start())
                for hit in find_secrets(inner):
                    yield line, hit.kind


def _locate(text: str, needle: str, line_of: Callable[[int], int], start: int = 0) -> int:
    """The line where ``needle`` (a found value) is written: its longest word, as written in YAML or JSON.

    A word is never split by a YAML fold. A value that cannot be found (encoded some way not tried
    here) is put on the line of ``start``: the NDJSON line it came from, or the document's first.
    """
    words = needle.split()
    word = max(words, key=len)[:40] if words else ""
    for candidate in (word, json.dumps(word)[1:-1], word.replace("'", "''"), quote_plus(word), quote(word), word[:12]):
        if len(candidate) >= 4:
            position = text.find(candidate, start)
            if position != -1:
                return line_of(position)
    return line_of(start)


def _exchanges(document: Any) -> int | None:
    """How many exchanges a parsed traffic document holds; None for a document that is not traffic."""
    kind = detect_format(document)
    if kind == "ndjson":
        return 1
    if kind is None:
        return None
    items = {
        "har": lambda: document["log"]["entries"],
        "devproxy": lambda: document["mocks"],
        "vcr": lambda: document["interactions"] if isinstance(document, Mapping) else document,
    }[kind]()
    return len(items) if isinstance(items, list) else 0


def _structure_findings(text: str, line_of: Callable[[int], int]) -> tuple[list[tuple[int, str]], int | None]:
    """What the structure of ``text`` holds, when it parses as a document, and how many exchanges it has."""
    try:
        kind, document = parse_text(text, "<scan>", plain=True)
    except (TrafficFileError, RecursionError):
        return [], None
    if kind == "ndjson":
        findings: list[tuple[int, str]] = []
        exchanges = 0
        offset = 0
        for line in document:
            if line.strip():
                try:
                    parsed = json.loads(line)
                except (ValueError, RecursionError):
                    parsed = line
                exchanges += _exchanges(parsed) or 0
                findings += [(_locate(text, f.needle, line_of, offset), f.kind) for f in find_in_document(parsed)]
            offset += len(line) + 1
        return findings, exchanges
    try:
        found = find_in_document(document)
    except RecursionError:
        return [], _exchanges(document)
    return [(_locate(text, f.needle, line_of), f.kind) for f in found], _exchanges(document)


def _scan(text: str) -> tuple[list[tuple[int, str]], int | None]:
    """``(line, kind)`` findings of both readings (a line once) and the exchanges counted (None: not traffic)."""
    newlines = [m.start() for m in _NEWLINE.finditer(text)]

    def line_of(offset: int) -> int:
        return bisect.bisect_left(newlines, offset) + 1

    findings = sorted(set(_text_findings(text, line_of)))
    structured, exchanges = _structure_findings(text, line_of)
    if exchanges is None:  # not a traffic document: base64 runs (no trigger word) are decoded over the text
        findings = sorted({*findings, *((line_of(hit.start), hit.kind) for hit in find_wrapped(text))})
    seen = {line for line, _ in findings}
    for line, kind in sorted(set(structured)):
        if line not in seen:
            findings.append((line, kind))
    return findings, exchanges


def scan_text(text: str) -> Iterator[tuple[int, str]]:
    """``(line, kind)`` for every credential in ``text``, read as structure and as text; lines are 1-based."""
    yield from _scan(text)[0]


@dataclass(frozen=True)
class _FileScan:
    findings: list[SecretFinding]
    exchanges: int | None
    read: bool = True  # False: the file was not read at all (it inflates past the cap)


def _scan_file(file: Path) -> _FileScan:
    try:
        raw = file.read_bytes()
    except OSError as exc:
        raise InputFileError(str(file), exc.strerror or "cannot be read") from None
    if raw[:2] == GZIP_MAGIC:  # a gzip file: scan what it holds (a broken one: its bytes as text)
        try:
            raw = inflate(raw, whole_file=True) or raw
        except InflateLimitError as exc:  # not read, so reported: it could hold anything
            return _FileScan([SecretFinding(str(file), 1, not_scanned(exc))], None, read=False)
    text = raw.decode("utf-8", "replace").removeprefix("\ufeff")
    findings, exchanges = _scan(text)
    return _FileScan([SecretFinding(str(file), line, kind) for line, kind in findings], exchanges)


#: Below this many bytes in all, files are scanned in this process; above, on every core.
_PARALLEL_BYTES = 8 << 20


@dataclass(frozen=True)
class ScanReport:
    """What a scan read and found: ``files`` scanned, of which ``traffic_files`` parsed as recorded traffic
    (HAR, cassette, mock file, NDJSON) holding ``exchanges`` exchanges; the others were read as text only,
    but for ``unread`` files not read at all (gzip that inflates past the cap: each has its finding)."""

    findings: tuple[SecretFinding, ...]
    files: int
    traffic_files: int
    exchanges: int
    unread: int = 0

    def summary(self) -> str:
        """One line: what was found, and truthfully what was read."""
        found, files = len(self.findings), len({f.file for f in self.findings})
        other = self.files - self.traffic_files - self.unread
        unread = f", {self.unread} not read (past the inflate cap)" if self.unread else ""
        return (
            f"{counted(found, 'possible secret')} in {counted(files, 'file')}; scanned "
            f"{counted(self.files, 'file')}: {self.traffic_files} of recorded traffic with "
            f"{counted(self.exchanges, 'exchange')}, {other} read as text only{unread}"
        )


def scan_files(paths: Iterable[str | Path], *, workers: int | None = None) -> ScanReport:
    """Every credential in the files and (recursively) folders given, and what was read.

    Raises ``InputFileError`` for a path that does not exist; a file that is
    not UTF-8 is read with replacement characters, so a binary file is
    scanned for what text it holds rather than refused. More than 8 MB of
    files are shared out over ``workers`` processes (default: one per core).
    """
    files = expand_paths(paths)
    size = sum(f.stat().st_size for f in files)
    workers = workers if workers is not None else (os.cpu_count() or 1)
    findings: set[SecretFinding] = set()
    scans: list[_FileScan] = []
    if workers > 1 and len(files) > 1 and size > _PARALLEL_BYTES:
        with ProcessPoolExecutor(max_workers=min(workers, len(files))) as pool:
            scans = list(pool.map(_scan_file, files, chunksize=max(1, len(files) // (workers * 8))))
    else:
        scans = [_scan_file(file) for file in files]
    for scan in scans:
        findings.update(scan.findings)
    traffic = [s.exchanges for s in scans if s.exchanges is not None]
    unread = sum(1 for s in scans if not s.read)
    return ScanReport(tuple(sorted(findings)), len(files), len(traffic), sum(traffic), unread)


def scan_paths(paths: Iterable[str | Path], *, workers: int | None = None) -> list[SecretFinding]:
    """Every credential in the files and (recursively) folders given, sorted by file and line (see ``scan_files``)."""
    return list(scan_files(paths, workers=workers).findings)

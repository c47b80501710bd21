"""The one door through which the traffic tools undo gzip, zlib and raw deflate, with a cap on the output.

A recorded body or file is someone else's bytes: a 1 MB gzip of zeros inflates to 1 GB, enough to
exhaust the memory of a CI job running ``traffic scan`` on a shared HAR. Everything in
:mod:`graph_contracts.traffic` (the reader's bodies and gzipped files, the scrubber's and the scanner's
bodies and base64-wrapped gzip) inflates through :func:`inflate` or :func:`open_gzip`, which stop at a
cap and raise :class:`~graph_contracts.errors.InflateLimitError` instead of returning a truncated body:
a body cut short could hide a secret from the scanner, so no caller may treat it as read.
"""

from __future__ import annotations

import gzip
import zlib
from typing import BinaryIO, cast

from ..errors import InflateLimitError

__all__ = ["BODY_LIMIT", "FILE_LIMIT", "GZIP_MAGIC", "InflateLimitError", "inflate", "open_gzip"]

#: The most one body may inflate to: 64 MiB. Graph pages hold at most 999 objects (a few MB of JSON even
#: for Autopilot devices with their hardware hashes), and an import batch is at most 500 devices, so a
#: real body is far below this; a body of 64 MiB costs the scanner and scrubber a few hundred MB of
#: Python objects, which a CI runner survives. Read at each call, so a test may set it lower.
BODY_LIMIT = 64 << 20

#: The most a whole gzipped traffic file may inflate to: 1 GiB. Issue 22's 100,000-entry HAR, the largest
#: recording we were sent, is a few hundred MB of JSON; the scanner and scrubber hold a file whole, so
#: this is also about the most a runner's memory takes. A streamed HAR is held to it too, so that every
#: command answers the same about the same file.
FILE_LIMIT = 1 << 30

#: The two bytes every gzip member starts with.
GZIP_MAGIC = b"\x1f\x8b"

_GZIP, _ZLIB, _RAW = 16 + zlib.MAX_WBITS, zlib.MAX_WBITS, -zlib.MAX_WBITS


def _inflate(data: bytes, wbits: int, limit: int) -> bytes | None:
    """Every stream of ``data`` (gzip members follow one another, zeros between them allowed, as
    ``gzip.decompress`` reads them; zlib and raw deflate: the one stream, trailing bytes ignored, as
    ``zlib.decompress``), or None when ``data`` is not that, or stops short. Never more than ``limit``
    bytes are produced: asked for one byte past the room left, zlib stops there."""
    chunks: list[bytes] = []
    produced = 0
    while True:
        stream = zlib.decompressobj(wbits)
        try:
            chunk = stream.decompress(data, limit - produced + 1)
        except zlib.error:
            return None
        produced += len(chunk)
        if produced > limit:
            raise InflateLimitError(limit)
        if not stream.eof:
            return None
        chunks.append(chunk)
        data = stream.unused_data.lstrip(b"\x00") if wbits == _GZIP else b""
        if not data:
            return b"".join(chunks)  # one member: the chunk itself, not a copy


def inflate(data: bytes, *, whole_file: bool = False) -> bytes | None:
    """``data`` inflated: gzip when it starts with the gzip magic, else zlib; raw deflate when that fails.
    None when it is none of them (the caller keeps the bytes as they are, or reports a broken file).

    The union of what the reader, the scrubber and the scanner each did before, with the same rules.
    Raises :class:`InflateLimitError` when the output would pass :data:`BODY_LIMIT` (or :data:`FILE_LIMIT`
    for ``whole_file``), having inflated no more than that.
    """
    limit = FILE_LIMIT if whole_file else BODY_LIMIT
    first = _GZIP if data[:2] == GZIP_MAGIC else _ZLIB
    for wbits in (first, _RAW):
        plain = _inflate(data, wbits, limit)
        if plain is not None:
            return plain
    return None


class _CappedGzip(gzip.GzipFile):
    """A gzip stream that raises :class:`InflateLimitError` once its reader has passed :data:`FILE_LIMIT`."""

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0:  # read to the end, but in steps, so the cap holds
            return b"".join(iter(lambda: self.read(1 << 16), b""))
        data = super().read(size)
        if self.tell() > FILE_LIMIT:
            raise InflateLimitError(FILE_LIMIT)
        return data

    def read1(self, size: int = -1) -> bytes:
        return self.read(size if size >= 0 else 1 << 16)


def open_gzip(raw: BinaryIO) -> BinaryIO:
    """``raw`` (a gzip file opened for reading) as a stream of what it holds, read a buffer at a time:
    memory stays small whatever the file inflates to, and reading past :data:`FILE_LIMIT` raises
    :class:`InflateLimitError`."""
    return cast(BinaryIO, _CappedGzip(fileobj=raw))

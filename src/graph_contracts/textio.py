"""Bytes in, lines out: the encoding sniffing and line splitting every reader shares, written once.

Files reach the validator as Windows tools write them: UTF-8 or ANSI with or
without a BOM, UTF-16 from Windows PowerShell 5.1, CRLF, LF or bare CR line
ends, through pipes that return short reads. These helpers turn such a byte
stream into lines of UTF-8 (or ANSI) bytes without ever holding more than one
line, and without letting one endless line fill memory: a line longer than the
caller's cap is skipped in constant memory and reported as ``Overlong``.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Protocol

from .errors import InputFileError

#: How much is read at a time, and how much of the input is read to decide its format and encoding.
CHUNK = 64 * 1024


class ByteSource(Protocol):
    """Anything with a binary ``read``, such as an open file or a wrapper around one."""

    def read(self, size: int = ..., /) -> bytes: ...


@dataclass(frozen=True)
class Encoding:
    """How the bytes are encoded: ``codec`` is ``utf-16-le``/``utf-16-be``, ``utf-8`` (with a BOM)
    or ``ansi`` (no BOM: UTF-8 where the bytes are valid UTF-8, else Windows-1252)."""

    codec: str
    bom: bytes
    #: Why the Intune portal may dislike this encoding (the CSV reader reports it), or None.
    warning: str | None = None

    @property
    def utf16(self) -> bool:
        return self.codec.startswith("utf-16")


_UTF16_NOTE = (
    "as Windows PowerShell 5.1's Out-File writes it (Get-WindowsAutopilotInfo's own output); "
    "the docs allow only ANSI text, yet such files are commonly uploaded, so this is a warning; "
    "to be safe, save as ANSI (Out-File -Encoding ascii)"
)

#: Byte order marks, most specific first.
_BOMS = (
    Encoding(
        "utf-8",
        codecs.BOM_UTF8,
        "the file starts with a UTF-8 byte order mark; the portal expects ANSI text and "
        "may read the mark as part of the first header name; save without a BOM",
    ),
    Encoding("utf-16-le", codecs.BOM_UTF16_LE, f"the file is UTF-16LE with a BOM, {_UTF16_NOTE}"),
    Encoding("utf-16-be", codecs.BOM_UTF16_BE, f"the file is UTF-16BE with a BOM, {_UTF16_NOTE}"),
)


#: UTF-32 byte order marks: checked before UTF-16's, whose little-endian mark starts UTF-32LE's.
_UTF32_BOMS = (("UTF-32LE", codecs.BOM_UTF32_LE), ("UTF-32BE", codecs.BOM_UTF32_BE))


def unsupported_encoding(head: bytes) -> str | None:
    """The name of an encoding the readers refuse (UTF-32, with or without a BOM), or None.

    Without this, UTF-32LE's mark (FF FE 00 00) read as UTF-16LE's (FF FE) and the file as NUL bytes.
    """
    for name, bom in _UTF32_BOMS:
        if head.startswith(bom):
            return f"{name} with a BOM"
    if len(head) >= 8 and head[0] and not any(head[1:4]) and head[4] and not any(head[5:8]):
        return "UTF-32LE without a BOM"
    if len(head) >= 8 and not any(head[0:3]) and head[3] and not any(head[4:7]) and head[7]:
        return "UTF-32BE without a BOM"
    return None


def check_encoding(head: bytes, display: str) -> None:
    """Raise ``InputFileError`` for an encoding the readers refuse (``unsupported_encoding``)."""
    name = unsupported_encoding(head)
    if name is not None:
        raise InputFileError(
            display,
            f"the file is {name}, an encoding neither the Intune portal nor "
            "graph-contracts reads; save it as ANSI or UTF-8 (Out-File -Encoding ascii)",
        )


#: Bytes no text file starts with: C0 controls but tab, CR and LF (images, archives, executables have them).
_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]")
#: How much of the start is looked at even when the first line is shorter (a PNG's is 4 bytes).
_SIGNATURE_BYTES = 16


def binary_start(body: bytes) -> int | None:
    """Where a file whose start is not text shows it, or None: the offset of a NUL or another control
    byte (not tab, CR or LF) in its first line, or in its first 16 bytes when that line is shorter.

    The one rule for binary data: such a file is refused as a whole, while a NUL byte anywhere
    later is an error of the row (or line) it is in, wherever in the file that row is.
    """
    end = len(body)
    for stop in (body.find(b"\n"), body.find(b"\r")):
        if 0 <= stop < end:
            end = stop
    found = _CONTROL.search(body, 0, max(end, _SIGNATURE_BYTES))
    return found.start() if found is not None else None


def sniff_encoding(head: bytes) -> Encoding:
    """The BOM when there is one, else UTF-16 betrayed by the NULs of its ASCII start, else ANSI."""
    for encoding in _BOMS:
        if head.startswith(encoding.bom):
            return encoding
    if len(head) >= 4 and head[0] and not head[1] and head[2] and not head[3]:
        return Encoding("utf-16-le", b"", f"the file is UTF-16LE without a BOM, {_UTF16_NOTE}")
    if len(head) >= 4 and not head[0] and head[1] and not head[2] and head[3]:
        return Encoding("utf-16-be", b"", f"the file is UTF-16BE without a BOM, {_UTF16_NOTE}")
    return Encoding("ansi", b"")


def read_chunk(stream: ByteSource, display: str, size: int | None = None) -> bytes:
    """One read (of ``CHUNK`` bytes unless told) whose ``OSError`` becomes an ``InputFileError``."""
    try:
        return stream.read(CHUNK if size is None else size)
    except OSError as exc:
        raise InputFileError(display, exc.strerror or str(exc)) from None


def read_head(stream: ByteSource, display: str, size: int | None = None) -> bytes:
    """Up to ``size`` (default ``CHUNK``) bytes, looping because pipes return short reads."""
    size = CHUNK if size is None else size
    head = b""
    while len(head) < size:
        chunk = read_chunk(stream, display, size - len(head))
        if not chunk:
            break
        head += chunk
    return head


class Prefixed:
    """A binary stream whose first bytes were already read to sniff it; reads serve those first."""

    def __init__(self, head: bytes, rest: ByteSource) -> None:
        self._head = head
        self._rest = rest

    def read(self, size: int = -1, /) -> bytes:
        if self._head:
            if size < 0:
                data, self._head = self._head + self._rest.read(), b""
                return data
            data, self._head = self._head[:size], self._head[size:]
            return data if len(data) == size else data + self._rest.read(size - len(data))
        return self._rest.read(size)


def chunks(stream: ByteSource, display: str, first: bytes = b"") -> Iterator[bytes]:
    """The stream in pieces of up to ``CHUNK`` bytes, ``first`` (already read) first."""
    if first:
        yield first
    while chunk := read_chunk(stream, display):
        yield chunk


def utf8_chunks(pieces: Iterable[bytes], encoding: Encoding, display: str) -> Iterator[bytes]:
    """The bytes without their BOM, UTF-16 transcoded to UTF-8 so that every reader splits bytes."""
    bom = len(encoding.bom)
    if not encoding.utf16:
        for piece in pieces:
            if bom:
                piece, bom = piece[bom:], max(0, bom - len(piece))
            if piece:
                yield piece
        return
    decoder = codecs.getincrementaldecoder(encoding.codec)("strict")
    try:
        for piece in pieces:
            if bom:
                piece, bom = piece[bom:], max(0, bom - len(piece))
            text = decoder.decode(piece)
            if text:
                yield text.encode("utf-8", "surrogatepass")
        tail = decoder.decode(b"", final=True)
    except UnicodeDecodeError as exc:
        raise InputFileError(display, f"not valid {encoding.codec.upper()}: {exc.reason}") from None
    if tail:
        yield tail.encode("utf-8", "surrogatepass")


@dataclass(frozen=True)
class Overlong:
    """A line longer than the cap: the last thing ``split_lines`` yields, with the bytes read of it."""

    size: int


def splitlines(piece: bytes) -> list[bytes]:
    """``piece.splitlines()`` (LF, CR and CRLF end a line, unlike ``str.splitlines``'s many ends),
    found with ``bytes.find``: ``find`` jumps to the next LF where ``splitlines`` looks at every byte,
    three times faster on rows of kilobytes. A CR that is not part of a CRLF hands the piece to
    ``splitlines`` itself."""
    lines = []
    pos = 0
    find = piece.find
    while (at := find(b"\n", pos)) >= 0:
        end = at - 1 if at > pos and piece[at - 1] == 13 else at
        if find(b"\r", pos, end) >= 0:
            return piece.splitlines()
        lines.append(piece[pos:end])
        pos = at + 1
    if pos < len(piece):
        if find(b"\r", pos) >= 0:
            return piece.splitlines()
        lines.append(piece[pos:])
    return lines


def split_lines(pieces: Iterable[bytes], max_line: int) -> Iterator[bytes | Overlong]:
    """Lines without their ends (CRLF, LF or a bare CR), in time linear in the input.

    A partial line is kept as a list of pieces and joined once, so a long line
    costs what reading it costs. A line longer than ``max_line`` bytes ends the
    lines with ``Overlong``: reading stops there, so input that never ends a
    line (``head -c 200M /dev/zero``, a runaway pipe) stops at the cap.
    """
    pending: list[bytes] = []
    size = 0
    after_cr = False  # the last piece ended with CR: a LF starting the next one belongs to it
    for piece in pieces:
        if not piece:
            continue
        if after_cr:
            after_cr = False
            if piece.startswith(b"\n"):
                piece = piece[1:]
                if not piece:
                    continue
        parts = splitlines(piece)
        last_byte = piece[-1]
        after_cr = last_byte == 13
        last = b"" if last_byte in (10, 13) else parts.pop()
        for part in parts:
            if pending:
                pending.append(part)
                part = b"".join(pending)
                pending, size = [], 0
            if len(part) > max_line:
                yield Overlong(len(part))
                return
            yield part
        if last:
            size += len(last)
            if size > max_line:
                yield Overlong(size)
                return
            pending.append(last)
    if pending:
        yield b"".join(pending)

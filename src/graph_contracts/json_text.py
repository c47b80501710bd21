"""JSON text as ``json`` reads it, with what ``json.loads`` hides: repeated names, integers past Python's digit
limit, and a top-level array read an item at a time (``TextBuffer``). The readers (``records``) use it."""

from __future__ import annotations

import codecs
import json
from collections.abc import Iterator
from typing import Any

from . import textio
from .errors import InputFileError
from .issues import Issue, Location, pointer_join

__all__ = [
    "MAX_RECORD_BYTES",
    "Loaded",
    "LongNumber",
    "LongNumberFound",
    "TextBuffer",
    "duplicate_hook",
    "duplicate_key_issues",
    "duplicate_pointers",
    "loads",
    "parse_int",
]

#: The largest record (an NDJSON line) read; an import body of 500 devices is about 2.2 MB.
MAX_RECORD_BYTES = 16 * 1024 * 1024


def duplicate_hook(found: list[tuple[dict[str, Any], list[str]]]) -> Any:
    """An ``object_pairs_hook`` that notes each object with a repeated name (JSON allows it; OData does not)."""

    def hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        obj = dict(pairs)
        if len(obj) != len(pairs):
            seen: set[str] = set()
            found.append((obj, [k for k, _ in pairs if k in seen or seen.add(k)]))  # type: ignore[func-returns-value]
        return obj

    return hook


def duplicate_pointers(root: Any, found: list[tuple[dict[str, Any], list[str]]]) -> list[str]:
    """Where the objects ``duplicate_hook`` noted sit in ``root``: walked only when there are any."""
    wanted = {id(obj): names for obj, names in found}
    pointers: list[str] = []
    stack: list[tuple[Any, str]] = [(root, "")]
    while stack:
        value, pointer = stack.pop()
        if isinstance(value, dict):
            for name in wanted.get(id(value), ()):
                pointers.append(pointer_join(pointer, name))
            stack.extend((v, pointer_join(pointer, k)) for k, v in value.items())
        elif isinstance(value, list):
            stack.extend((v, pointer_join(pointer, i)) for i, v in enumerate(value))
    return sorted(pointers)


def duplicate_key_issues(pointers: list[str], location: Location | None = None) -> tuple[Issue, ...]:
    """One ``duplicate-key`` error per repeated name; the last value is the one validated."""
    return tuple(
        Issue(
            p,
            "duplicate-key",
            f"the name {p.rsplit('/', 1)[-1]!r} appears more than once in this object; JSON parsers keep "
            "one of the values (most the last, as here) and OData services reject the payload; keep one",
            location=location,
        )
        for p in pointers
    )


class Loaded:
    """A parsed JSON text and the pointers of its repeated names."""

    __slots__ = ("duplicates", "value")

    def __init__(self, value: Any, duplicates: list[str]) -> None:
        self.value = value
        self.duplicates = duplicates


class LongNumber(str):
    """An integer of more digits than Python converts (``sys.get_int_max_str_digits``, 4,300), kept
    as its text: the validator reports it as the record's ``not-json`` error in its own words, where
    ``json.loads`` would fail the whole file with Python's advice to raise a limit."""

    __slots__ = ()


def parse_int(text: str) -> int | LongNumber:
    try:
        return int(text)
    except ValueError:  # past the digit limit (the JSON scanner hands over only digits)
        return LongNumber(text)


def _digit_limit(exc: ValueError) -> bool:
    """True for the error of an integer past Python's digit limit (not a JSON syntax error)."""
    return not isinstance(exc, json.JSONDecodeError) and "digits" in str(exc)


def loads(text: str) -> Loaded:
    """``json.loads`` that also finds repeated names; raises what ``json.loads`` raises, except that an
    integer past Python's digit limit becomes a ``LongNumber`` (read again only then: the hook costs
    a call per number)."""
    found: list[tuple[dict[str, Any], list[str]]] = []
    try:
        value = json.loads(text, object_pairs_hook=duplicate_hook(found))
    except ValueError as exc:
        if not _digit_limit(exc):
            raise
        found.clear()
        value = json.loads(text, object_pairs_hook=duplicate_hook(found), parse_int=parse_int)
    return Loaded(value, duplicate_pointers(value, found) if found else [])


class LongNumberFound(Exception):
    """``TextBuffer.decode`` met an integer past Python's digit limit with a decoder that cannot keep it."""


class TextBuffer:
    """UTF-8 text of a stream with a read position, kept short: consumed text is dropped on refill."""

    def __init__(self, pieces: Iterator[bytes], display: str) -> None:
        self._pieces = pieces
        self._decoder = codecs.getincrementaldecoder("utf-8")("strict")
        self.display = display
        self.text = ""
        self.pos = 0
        self.eof = False
        self._lines = 1  # the line of self.text[0]

    def _fill(self, at_least: int) -> bool:
        """Append at least ``at_least`` more characters (False at the end of input)."""
        if self.eof:
            return False
        self._lines += self.text.count("\n", 0, self.pos)
        parts = [self.text[self.pos :]]
        self.pos = 0
        got = 0
        while got < at_least:
            piece = next(self._pieces, None)
            try:
                text = self._decoder.decode(piece or b"", final=piece is None)
            except UnicodeDecodeError as exc:
                raise InputFileError(self.display, f"not UTF-8 text ({exc.reason})", self.line()) from None
            parts.append(text)
            got += len(text)
            if piece is None:
                self.eof = True
                break
        self.text = "".join(parts)
        return got > 0

    def line(self) -> int:
        return self._lines + self.text.count("\n", 0, self.pos)

    def peek(self) -> str:
        if self.pos >= len(self.text) and not self._fill(1):
            return ""
        return self.text[self.pos]

    def advance(self, count: int) -> None:
        self.pos += count

    def skip_space(self) -> None:
        while True:
            text, pos = self.text, self.pos
            while pos < len(text) and text[pos] in " \t\r\n":
                pos += 1
            self.pos = pos
            if pos < len(text) or not self._fill(1):
                return

    def expect(self, char: str) -> None:
        found = self.peek()
        if found != char:
            shown = repr(found) if found else "the end of the file"
            raise InputFileError(self.display, f"not valid JSON: expected {char!r}, found {shown}", self.line())
        self.pos += 1

    def expect_end(self) -> None:
        self.skip_space()
        if self.peek():
            raise InputFileError(self.display, "not valid JSON: extra data after the array", self.line())

    def decode(self, decoder: json.JSONDecoder, index: int) -> tuple[Any, int]:
        """The next value and its length in characters; (None, -1) when it exceeds ``MAX_RECORD_BYTES``."""
        while True:
            try:
                value, end = decoder.raw_decode(self.text, self.pos)
            except json.JSONDecodeError as exc:
                cut = exc.pos >= len(self.text) - 16 or exc.msg.startswith("Unterminated string")
                if not cut or self.eof:
                    raise InputFileError(
                        self.display,
                        f"not valid JSON in item {index}: {exc.msg}",
                        self._lines + exc.doc.count("\n", 0, exc.pos),
                    ) from None
            except RecursionError:
                raise InputFileError(
                    self.display, f"not valid JSON in item {index}: nested too deeply to read", self.line()
                ) from None
            except ValueError as exc:
                if _digit_limit(exc) and decoder.parse_int is not parse_int:
                    raise LongNumberFound from None  # the caller reads the item again with parse_int
                raise InputFileError(
                    self.display, f"not valid JSON in item {index}: {str(exc)[:120]}", self.line()
                ) from None
            else:
                if end < len(self.text) or self.eof:  # a number may go on in the next piece
                    size = end - self.pos
                    self.pos = end
                    return value, size
            pending = len(self.text) - self.pos
            if pending > MAX_RECORD_BYTES:
                return None, -1
            self._fill(max(textio.CHUNK, pending))

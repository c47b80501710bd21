"""What a person hands ``hash decode``: a hash, a file, standard input, or a JSON or CSV record holding one.

People paste the base64 text, point at the file Get-WindowsAutopilotInfo
wrote (a one-device CSV, often UTF-16), pipe a record out of another tool or
paste a JSON record. Each becomes one or more ``HashInput``: a device record
(``hardwareIdentifier`` and, when known, ``serialNumber``) with a label
saying where it came from, so the rules that ``validate`` applies can run
on it unchanged.
"""

from __future__ import annotations

import codecs
import io
import json
import re
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from ..autopilot.catalog import AUTOPILOT_COLLECTION
from ..errors import InputFileError
from ..patterns import BASE64_DIGITS

__all__ = ["HashInput", "hash_inputs"]

#: Longer than any path a shell passes; a hash is 4000 characters.
_MAX_PATH = 1024
#: Characters a base64 hash may hold; a short argument with others is a file name.
_NOT_BASE64 = re.compile(rf"[^{BASE64_DIGITS}=\s]")


@dataclass(frozen=True)
class HashInput:
    """One device to decode: ``record`` as an import record, ``label`` where it came from ("" for a bare hash).

    ``bare`` is True when only the hash was given: no record-level serial to
    compare, so the serial rules look at the hash's own serial.
    """

    label: str
    record: Mapping[str, Any] = field(default_factory=dict)
    bare: bool = False


def _text(data: bytes, name: str) -> str:
    """Bytes as text: UTF-16 and UTF-8 byte order marks honoured, else UTF-8, else Windows-1252."""
    for bom, codec in (
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
        (codecs.BOM_UTF8, "utf-8"),
    ):
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(codec)
            except UnicodeDecodeError:
                raise InputFileError(name, f"not {codec.upper()} text despite its byte order mark") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _looks_like_a_path(value: str) -> bool:
    return len(value) < 260 and (_NOT_BASE64.search(value) is not None or "/" in value.strip("="))


def hash_inputs(value: str, *, stdin: BinaryIO | None = None) -> Iterator[HashInput]:
    """The devices ``value`` stands for: ``-`` reads standard input, an existing path its file, else the text itself.

    Raises ``InputFileError`` for an empty value, a missing or unreadable file
    and JSON that does not parse: one message for one mistake.
    """
    if not value.strip():
        raise InputFileError(
            "",
            "nothing to decode: give the base64 hash, a file holding it "
            "(or a JSON or CSV record), or - for standard input",
        )
    if value == "-":
        source = stdin if stdin is not None else sys.stdin.buffer
        yield from _from_text(_text(source.read(), "<stdin>"), "<stdin>")
        return
    if len(value) < _MAX_PATH:
        path = Path(value)
        if path.is_dir():
            raise InputFileError(value, "is a directory, not a file holding a hash")
        if path.is_file():
            try:
                data = path.read_bytes()
            except OSError as exc:
                raise InputFileError(value, exc.strerror or str(exc)) from None
            yield from _from_text(_text(data, value), value)
            return
        if _looks_like_a_path(value):
            raise InputFileError(value, "no such file (and not a base64 hash either)")
    yield from _from_text(value, "")


def _from_text(text: str, name: str) -> Iterator[HashInput]:
    body = text.lstrip("\ufeff").strip()
    if not body:
        raise InputFileError(name, "the file is empty" if name else "nothing to decode")
    if body[0] in "{[":
        yield from _from_json(body, name)
    elif "Hardware Hash" in body.split("\n", 2)[0] or (
        body.startswith("#TYPE") and "Hardware Hash" in "".join(body.split("\n", 2)[1:2])
    ):
        yield from _from_csv(body, name)
    else:
        yield HashInput("", {"hardwareIdentifier": body}, bare=True)


def _from_json(body: str, name: str) -> Iterator[HashInput]:
    try:
        data = json.loads(body)
    except (ValueError, RecursionError) as exc:
        detail = f"{exc.msg} (line {exc.lineno}, column {exc.colno})" if isinstance(exc, json.JSONDecodeError) else ""
        raise InputFileError(name or "the argument", f"starts like JSON but is not valid JSON: {detail}") from None
    items: list[tuple[str, Any]]
    if isinstance(data, dict) and isinstance(data.get(AUTOPILOT_COLLECTION), list):
        items = [(f"{AUTOPILOT_COLLECTION}[{i}]", d) for i, d in enumerate(data[AUTOPILOT_COLLECTION])]
    elif isinstance(data, dict) and isinstance(data.get("value"), list):
        items = [(f"value[{i}]", d) for i, d in enumerate(data["value"])]
    elif isinstance(data, list):
        items = [(f"item {i}", d) for i, d in enumerate(data)]
    else:
        items = [("", data)]
    for label, item in items:
        if not isinstance(item, dict):
            raise InputFileError(
                name or "the argument", f"{label or 'the JSON'} is not an object with a hardwareIdentifier"
            )
        yield HashInput(label if len(items) > 1 else "", item)


def _from_csv(body: str, name: str) -> Iterator[HashInput]:
    from ..autopilot.csv_reader import AutopilotCsv

    rows = [
        (f"row {row.row}", row.record)
        for row in AutopilotCsv(io.BytesIO(body.encode("utf-8")), name=name or "<argument>")
    ]
    for label, record in rows:
        yield HashInput(label if len(rows) > 1 else "", record)

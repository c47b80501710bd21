"""One line of an Autopilot CSV file, and the columns' names: what the reader needs before it has a row.

The column vocabulary (the Graph property of each column), decoding an ANSI line, splitting a line
into fields (a plain split where there are no quotes), sniffing the separator of a header written
by a spreadsheet that does not use commas, telling whether a first line could start an Autopilot
file at all, and naming what is wrong with a row's shape. ``csv_reader`` reads a file with them.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Mapping

from graph_contracts.autopilot.hash_walk import native

from ..patterns import BASE64_DIGITS

__all__ = [
    "COLUMN_TO_PROPERTY",
    "KNOWN_BY_KEY",
    "KNOWN_COLUMNS",
    "OTHER_SEPARATORS",
    "PARTNER_COLUMNS",
    "PROPERTY_TO_COLUMN",
    "REQUIRED_COLUMNS",
    "column_key",
    "column_of",
    "decode_ansi_line",
    "looks_autopilot",
    "parse_line",
    "plain_record",
    "plain_record_py",
    "shape_fault",
    "sniff_separator",
    "split_fields",
]

#: CSV column -> Graph property of importedWindowsAutopilotDeviceIdentity (graph-facts.md §3.3).
COLUMN_TO_PROPERTY: Mapping[str, str] = {
    "Device Serial Number": "serialNumber",
    "Windows Product ID": "productKey",
    "Hardware Hash": "hardwareIdentifier",
    "Group Tag": "groupTag",
    "Assigned User": "assignedUserPrincipalName",
}
PROPERTY_TO_COLUMN: Mapping[str, str] = {v: k for k, v in COLUMN_TO_PROPERTY.items()}
#: The columns every variant starts with, in this order.
REQUIRED_COLUMNS = ("Device Serial Number", "Windows Product ID", "Hardware Hash")
#: What ``Get-WindowsAutopilotInfo -Partner`` adds; they have no Graph import property.
PARTNER_COLUMNS = ("Manufacturer name", "Device model")
KNOWN_COLUMNS = (*COLUMN_TO_PROPERTY, *PARTNER_COLUMNS)


def decode_ansi_line(raw: bytes) -> tuple[str, bool]:
    """UTF-8 when the bytes are valid UTF-8, else Windows-1252 (ANSI); True for non-ASCII UTF-8."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        try:
            return raw.decode("cp1252"), False
        except UnicodeDecodeError:
            return raw.decode("latin-1"), False
    return text, not text.isascii()


def parse_line(line: str, separator: str = ",") -> list[str] | None:
    """The fields of one line: a plain split when it has no quotes, else the csv module (None when it fails)."""
    if '"' not in line:
        return line.split(separator)
    try:
        return next(csv.reader([line], delimiter=separator), [])
    except csv.Error:  # e.g. a quoted field past the csv module's field size limit
        return None


#: Separators other tools write instead of commas: (what it is, how to get commas back).
OTHER_SEPARATORS: Mapping[str, tuple[str, str]] = {
    ";": (
        "';', as Excel saves where the decimal mark is a comma",
        "save as 'CSV UTF-8 (Comma delimited)' or replace each ';' with ','",
    ),
    "\t": (
        "tabs, as Excel's 'Text (Tab delimited)' saves",
        "save as 'CSV (Comma delimited)' or replace each tab with ','",
    ),
}
_HASH_LIKE = re.compile(rf"[{BASE64_DIGITS}]{{100,}}={{0,2}}\Z")


def _known_columns(fields: list[str]) -> int:
    return sum(column_key(f) in KNOWN_BY_KEY for f in fields)


def sniff_separator(line: str) -> str | None:
    """The separator a header line uses when it is not a comma (``;`` or tab), or None."""
    comma = parse_line(line) or []
    if _known_columns(comma) >= 2:
        return None
    for separator in OTHER_SEPARATORS:
        fields = parse_line(line, separator) or []
        if _known_columns(fields) >= 2:
            return separator
    return None


def looks_autopilot(line: str) -> bool:
    """True when a first line could start an Autopilot CSV: a known column, or a value shaped like a hash."""
    for separator in (",", *OTHER_SEPARATORS):
        fields = parse_line(line, separator) or []
        if _known_columns(fields) or any(_HASH_LIKE.match(f.strip().strip('"')) for f in fields):
            return True
    return False


def column_key(name: str) -> str:
    return re.sub(r"\s+", "", name).casefold()


KNOWN_BY_KEY = {column_key(name): name for name in KNOWN_COLUMNS}


def split_fields(line: str, separator: str, count: int) -> list[str] | None:
    """``line.split(separator)`` when that has ``count`` fields, else None; found with ``str.find``,
    which skips to each separator where ``split`` steps through every character (half the time for
    a row with a 4000-character hash), and stops at the first field too many."""
    fields: list[str] = []
    start = 0
    find = line.find
    while (end := find(separator, start)) >= 0:
        if len(fields) == count:
            return None
        fields.append(line[start:end])
        start = end + 1
    fields.append(line[start:])
    return fields if len(fields) == count else None


def plain_record_py(line: bytes, separator: str, names: tuple[str, ...]) -> dict[str, str] | None:
    """The record ``{names[i]: field i}`` of a line the reader's lane may take, else None.

    The line's part of ``csv_reader._plain_row``: ASCII (both of the reader's decodings read it
    alike, and it sets no encoding warning), no quotation mark or NUL, split at ``separator`` into
    exactly ``len(names)`` fields (the shape test), not blank (some field is more than whitespace).
    The reference for the extension's ``plain_record`` (``_hashwalk.c``), which does this in one
    pass over the bytes without the ``str`` of the whole line; property tests check they agree.
    ``separator`` is one ASCII character other than ``"`` and NUL (else ``ValueError``).
    """
    if len(separator) != 1 or not separator.isascii() or separator in '"\0':
        raise ValueError("plain_record() separator must be one ASCII character other than '\"' and NUL")
    try:
        text = line.decode("ascii")
    except UnicodeDecodeError:
        return None
    if '"' in text or "\0" in text:
        return None
    fields = split_fields(text, separator, len(names))
    if fields is None or not any(map(str.strip, fields)):
        return None
    return dict(zip(names, fields, strict=True))


PlainRecord = Callable[[bytes, str, tuple[str, ...]], "dict[str, str] | None"]
#: The one in use: the C twin where the extension built (``hash_walk.native``), else the reference.
plain_record: PlainRecord = native("plain_record") or plain_record_py


def shape_fault(line: str, fields: list[str], expected: int) -> str | None:
    if '"' in line and line.count('"') % 2:
        return (
            f"the row has an unbalanced quotation mark; read as {len(fields)} fields, "
            f"expected {expected} like the header"
        )
    if len(fields) != expected:
        return (
            f"the row has {len(fields)} fields where the header has {expected}; the portal "
            "rejects the row (a comma inside a value, or a value missing?)"
        )
    return None


def column_of(pointer: str, names: Mapping[str, str]) -> str | None:
    """The column (as ``names`` spells it) holding the property a record pointer starts with."""
    prop = pointer.split("/")[1] if pointer.count("/") >= 1 else ""
    if prop in names:
        return names[prop]
    return PROPERTY_TO_COLUMN.get(prop)

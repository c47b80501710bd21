"""The C twins (``_hashwalk.c``): the record walk and ``identity_parts`` (references in ``hash_walk``),
``plain_record`` (``csv_lines.plain_record_py``) and ``probe_rows`` (``DigestTable.first_seen_many``)."""

from array import array

def walk(blob: bytes, end: int, /) -> tuple[int, int, int] | None:
    """(serial, manufacturer, uuid) record offsets, uuid 0 when absent; None when the layout is unsound."""

def sound_records(blob: bytes, /) -> tuple[int, int, int, int] | None:
    """(end, serial, manufacturer, uuid) of a decoded hash whose framing and records are sound, else None."""

def plain_record(line: bytes, separator: str, names: tuple[str, ...], /) -> dict[str, str] | None:
    """{names[i]: field i} of an ASCII line without '"' or NUL, of exactly len(names) fields, not blank; else None."""

def identity_parts(blob: bytes, /) -> tuple[bytes, bytes, bytes, bytes, bytes | None] | None:
    """(records, checksum, serial, manufacturer, uuid) of a hash sound_records accepts, else None."""

def probe_rows(
    slots: array[int], digests: array[int], kinds: array[int], widths: bytes, rows: array[int], start: int, /
) -> tuple[list[tuple[int, int, int]], int]:
    """``DigestTable.first_seen_many`` for a block of rows on a table with room for them: (found, keys added)."""

"""The C record walk (``_hashwalk.c``); ``hash_walk.walk_records`` is its Python reference."""

def walk(blob: bytes, end: int, /) -> tuple[int, int, int] | None:
    """(serial, manufacturer, uuid) record offsets, uuid 0 when absent; None when the layout is unsound."""

def sound_records(blob: bytes, /) -> tuple[int, int, int, int] | None:
    """(end, serial, manufacturer, uuid) of a decoded hash whose framing and records are sound, else None."""

def plain_record(line: bytes, separator: str, names: tuple[str, ...], /) -> dict[str, str] | None:
    """{names[i]: field i} of an ASCII line without '"' or NUL, of exactly len(names) fields, not blank; else None."""

def identity_parts(blob: bytes, /) -> tuple[bytes, bytes, bytes, bytes, bytes | None] | None:
    """(records, checksum, serial, manufacturer, uuid) of a hash sound_records accepts, else None."""

"""The C record walk (``_hashwalk.c``); ``hash_walk.walk_records`` is its Python reference."""

def walk(blob: bytes, end: int, /) -> tuple[int, int, int] | None:
    """(serial, manufacturer, uuid) record offsets, uuid 0 when absent; None when the layout is unsound."""

def sound_records(blob: bytes, /) -> tuple[int, int, int, int] | None:
    """(end, serial, manufacturer, uuid) of a decoded hash whose framing and records are sound, else None."""

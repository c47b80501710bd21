"""Graph's error answers as data: ``GraphFailure`` is raised anywhere in a request and rendered once.

``bad_request`` and ``unknown_segment`` are the 400s Graph sends for a body or
a path it cannot use; ``Drop`` asks the server to close the connection instead
of answering (the ``drop`` fault).
"""

from __future__ import annotations

from collections.abc import Sequence

from ...issues import Issue


class GraphFailure(Exception):
    """A Graph error answer, raised anywhere in a request and rendered once as the envelope.

    A plain exception rather than a frozen dataclass: Python sets ``__traceback__``
    on an exception as it propagates, which a frozen instance refuses.
    """

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        headers: Sequence[tuple[str, str]] = (),
        details: Sequence[Issue] = (),
        inner: Sequence[tuple[str, str]] = (),
    ) -> None:
        super().__init__(status, code, message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = tuple(headers)
        self.details = tuple(details)
        self.inner = tuple(inner)


class Drop(Exception):
    """Close the connection without an answer (the ``drop`` fault)."""


def bad_request(message: str, details: Sequence[Issue] = ()) -> GraphFailure:
    return GraphFailure(400, "BadRequest", message, details=tuple(details))


def unknown_segment(segment: str) -> GraphFailure:
    return bad_request(f"Resource not found for the segment '{segment}'.")

"""What one request may cost: its body read under a size cap and a deadline, its JSON checked before use.

``read_body`` stops reading at ``Limits.max_body_bytes`` (413) and gives up
after ``Limits.body_timeout`` or when the server stops (408/503), each time
closing the connection, since the rest of the body is never read.
``parse_json`` turns bytes into JSON the store can keep and send back:
UTF-8, each name once per object (as ``graph-contracts validate`` requires:
OData services reject a repeated name), no lone surrogates, finite numbers,
nesting within ``Limits.max_json_depth``. Each refusal is Graph's 400 naming
the JSON pointer.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import AsyncIterator, Awaitable
from typing import Any, TypeVar

from ...json_text import duplicate_key_issues, loads
from .config import Limits
from .failures import GraphFailure, bad_request

T = TypeVar("T")

#: Answers after which the unread rest of a request makes the connection unusable.
CLOSE = (("Connection", "close"),)


def too_large(limit: int) -> GraphFailure:
    return GraphFailure(
        413,
        "RequestEntityTooLarge",
        f"The request body is larger than the limit of {limit} bytes ({limit // (1024 * 1024)} MB).",
        headers=CLOSE,
    )


def declared_length(value: str | None) -> int | None:
    """The ``Content-Length`` a client declared, when it is a plain number."""
    if value is None or not value.strip().isdigit() or not value.strip().isascii():
        return None
    return int(value.strip())


async def within(awaitable: Awaitable[T], seconds: float, stopping: asyncio.Event) -> T:
    """The awaitable's result, or ``asyncio.TimeoutError`` after ``seconds`` or once ``stopping`` is set."""
    task = asyncio.ensure_future(awaitable)
    stop = asyncio.ensure_future(stopping.wait())
    try:
        done, _ = await asyncio.wait({task, stop}, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stop.cancel()
    if task in done:
        return task.result()
    task.cancel()
    raise asyncio.TimeoutError


async def _capped(chunks: AsyncIterator[bytes], limit: int) -> bytes:
    body = bytearray()
    async for chunk in chunks:
        if len(body) + len(chunk) > limit:
            raise too_large(limit)
        body += chunk
    return bytes(body)


async def read_body(chunks: AsyncIterator[bytes], limits: Limits, stopping: asyncio.Event) -> bytes:
    """The whole body, or the 413/408/503 failure that says why it was not read to the end."""
    try:
        return await within(_capped(chunks, limits.max_body_bytes), limits.body_timeout, stopping)
    except asyncio.TimeoutError:
        if stopping.is_set():
            raise GraphFailure(
                503,
                "serviceNotAvailable",
                "The emulator is shutting down; retry against another instance.",
                headers=CLOSE,
            ) from None
        raise GraphFailure(
            408,
            "RequestTimeout",
            f"The request body did not arrive within {limits.body_timeout:g} seconds.",
            headers=CLOSE,
        ) from None


def parse_json(body: bytes, max_depth: int) -> Any:
    """A request body as JSON the emulator can store and send back, or Graph's 400 saying where it is not."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise bad_request(f"The request body is not valid UTF-8: byte {exc.start} cannot start a character.") from None
    try:
        loaded = loads(text)  # the validator's own parse, so both find the same repeated names
    except RecursionError:
        raise bad_request(f"The request body is nested too deeply: at most {max_depth} levels.") from None
    except ValueError as exc:
        raise bad_request(f"The request body is not valid JSON: {exc}.") from None
    payload = loaded.value
    _check_json(payload, max_depth)
    if loaded.duplicates:
        issues = duplicate_key_issues(loaded.duplicates)
        raise bad_request(f"Invalid request body: {issues[0].pointer}: {issues[0].message}", issues)
    return payload


def _escape(name: str) -> str:
    return name.replace("~", "~0").replace("/", "~1")


def _has_surrogate(text: str) -> bool:
    return any("\ud800" <= c <= "\udfff" for c in text)


def _check_json(payload: Any, max_depth: int) -> None:
    # Iterative, so a body nested as deep as json.loads allows cannot overflow the stack here.
    stack: list[tuple[Any, str, int]] = [(payload, "", 1)]
    while stack:
        value, pointer, depth = stack.pop()
        if isinstance(value, str):
            if _has_surrogate(value):
                raise _unpaired(pointer or "/")
        elif isinstance(value, float) and not math.isfinite(value):
            raise bad_request(f"The request body has a number out of range at {pointer or '/'}.")
        elif isinstance(value, (dict, list)):
            if depth > max_depth:
                raise bad_request(
                    f"The request body is nested too deeply at {pointer or '/'}: at most {max_depth} levels."
                )
            items = value.items() if isinstance(value, dict) else enumerate(value)
            for key, item in items:
                name = str(key)
                if isinstance(key, str) and _has_surrogate(key):
                    raise _unpaired(f"{pointer}/{_escape(name.encode('utf-8', 'backslashreplace').decode())}")
                stack.append((item, f"{pointer}/{_escape(name)}", depth + 1))


def _unpaired(pointer: str) -> GraphFailure:
    return bad_request(
        f"The request body is not valid JSON: an unpaired surrogate escape (\\ud800-\\udfff) at {pointer}; "
        "a string must encode a character outside the Basic Multilingual Plane as a surrogate pair."
    )

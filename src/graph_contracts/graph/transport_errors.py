"""Plain words for a request that got no answer: "cannot connect to URL: connection refused".

httpx names the exception class (``ConnectError``) and the OS error deep in
its cause chain; a user needs the URL and the OS's reason, which this module
finds once for the Graph client and the token sources alike.
"""

from __future__ import annotations

import os
import socket
import ssl

import httpx

__all__ = ["describe_transport_error"]

#: What went wrong, per httpx exception, when the cause chain holds nothing more precise.
_PHRASES: tuple[tuple[type[httpx.TransportError], str], ...] = (
    (httpx.ConnectTimeout, "timed out while connecting"),
    (httpx.ReadTimeout, "timed out waiting for the answer"),
    (httpx.WriteTimeout, "timed out while sending the request"),
    (httpx.PoolTimeout, "timed out waiting for a free connection"),
    (httpx.RemoteProtocolError, "the server closed the connection without a valid answer"),
    (httpx.ReadError, "the connection broke while reading the answer"),
    (httpx.WriteError, "the connection broke while sending the request"),
    (httpx.UnsupportedProtocol, "the URL's scheme is not http or https"),
    (httpx.ProxyError, "the proxy refused the connection"),
)
#: Failures before any byte of the request reached the server: "cannot connect to".
_CONNECTING = (httpx.ConnectError, httpx.ConnectTimeout, httpx.UnsupportedProtocol, httpx.ProxyError)


def _os_reason(exc: BaseException) -> str:
    """The OS's words for the first socket or TLS error in ``exc``'s cause chain, or ``""``."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, socket.gaierror):
            return f"host name not found ({current.strerror or current})"
        if isinstance(current, ssl.SSLError):
            return f"TLS failed ({current.reason or current})"
        if isinstance(current, OSError) and current.errno:
            return os.strerror(current.errno).lower()
        current = current.__cause__ or current.__context__
    return ""


def describe_transport_error(exc: httpx.TransportError, method: str, url: str) -> str:
    """One line naming the URL and the reason, e.g. ``cannot connect to http://x/v1.0/me: connection refused``."""
    reason = _os_reason(exc) or next((p for t, p in _PHRASES if isinstance(exc, t)), "") or str(exc)
    reason = reason or type(exc).__name__
    if isinstance(exc, _CONNECTING):
        return f"cannot connect to {url}: {reason}"
    return f"{method} {url}: {reason}"

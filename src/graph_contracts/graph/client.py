"""GraphClient: send requests to one Graph endpoint with auth, request ids, retries and typed errors.

It wraps one ``httpx.Client``. Whatever the endpoint (the emulator, a
cassette replay or a tenant in any national cloud), the caller gets either a
successful ``httpx.Response`` or one of our exceptions:

- ``GraphError`` for a Graph error envelope (status, ``error.code``,
  message, request-id, client-request-id), parsed tolerantly;
- ``TransportError`` when the endpoint cannot be reached or keeps throttling
  past the retry budget.

Both are ``EndpointError``s; neither is a kind of the other.

Retry rules, following Graph's throttling guidance:

- 429, 503 and 504 are retried, waiting what ``Retry-After`` says (seconds,
  fractional like ``2.128``, or an HTTP-date), or with exponential backoff
  and jitter when it is absent, within :class:`RetryPolicy`'s budget (max
  attempts and max total wait). A wait that would overrun the budget is not
  started: the error is raised at once.
- These statuses are retried for every method, POST included: Graph
  throttles before it executes a request, so a throttled POST had no side
  effect. (A 504 is the one case where this is a bet; Graph's own SDKs make
  the same bet.)
- Transport failures (connect errors, dropped connections, timeouts) are
  retried only for idempotent methods, because a POST whose connection
  dropped may well have been executed.
"""

from __future__ import annotations

import email.utils
import logging
import math
import random
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import httpx

from graph_contracts.errors import GraphError, TransportError
from graph_contracts.graph.auth import TokenSource, shared_ssl_context
from graph_contracts.graph.clouds import Cloud
from graph_contracts.graph.transport_errors import describe_transport_error

__all__ = ["GraphClient", "RetryPolicy", "parse_graph_error", "parse_retry_after"]

log = logging.getLogger(__name__)

_Params = Mapping[str, str | int | float | bool] | None


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try before giving up on one request.

    ``max_attempts`` counts the first try. ``max_total_wait`` bounds the
    seconds slept across all retries of one request, so a run against a
    throttled tenant fails in bounded time instead of hanging. Without
    Retry-After the n-th retry waits between half and all of
    ``min(backoff_max, backoff_base * 2**(n-1))`` ("equal jitter": never
    zero, never in lockstep with other clients).
    """

    max_attempts: int = 5
    max_total_wait: float = 120.0
    backoff_base: float = 1.0
    backoff_max: float = 30.0
    retry_statuses: frozenset[int] = frozenset({429, 503, 504})
    idempotent_methods: frozenset[str] = frozenset({"GET", "HEAD", "OPTIONS", "DELETE"})

    def backoff(self, retry_number: int, draw: Callable[[], float] = random.random) -> float:
        """Seconds to wait before retry ``retry_number`` (1-based) when the server gave no hint."""
        ceiling = min(self.backoff_max, self.backoff_base * 2.0 ** (retry_number - 1))
        return ceiling / 2 + draw() * ceiling / 2


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait according to a ``Retry-After`` header, or None when it says nothing usable.

    Graph sends delta-seconds, sometimes fractional (``2.128``), which
    RFC 9110 does not allow but which must be honoured; proxies may send an
    HTTP-date instead. A date in the past means "now" (0).
    """
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            return None
        current = time.time() if now is None else now
        return max(0.0, when.timestamp() - current)
    if not math.isfinite(seconds):
        return None
    return max(0.0, seconds)


def _inner_ids(error: Mapping[str, Any]) -> tuple[str, str]:
    """request-id and client-request-id from ``innerError`` (spelled either way, maybe nested)."""
    inner = error.get("innerError") or error.get("innererror")
    while isinstance(inner, Mapping):
        request_id = inner.get("request-id")
        client_id = inner.get("client-request-id")
        if request_id or client_id:
            return str(request_id or ""), str(client_id or "")
        inner = inner.get("innerError") or inner.get("innererror")
    return "", ""


def parse_graph_error(response: httpx.Response) -> GraphError:
    """Build the exception for a non-success response from its Graph error envelope.

    The envelope is ``{"error": {"code", "message", "innerError": {"request-id",
    "client-request-id", ...}}}``. Proxies and gateways answer with HTML or
    nothing at all, so anything else still yields an error: the code is then
    the reason phrase without spaces (``ServiceUnavailable``) and the
    message the start of the body. Response headers win over the body for
    the ids, as they are set by the front door even when the body is not
    Graph's.
    """
    status = response.status_code
    code = (response.reason_phrase or "").replace(" ", "") or f"HTTP{status}"
    text = response.text.strip()
    message = text[:300] or response.reason_phrase or f"HTTP {status}"
    request_id, client_request_id = "", ""
    try:
        body: Any = response.json()
    except ValueError:
        body = None
    error = body.get("error") if isinstance(body, Mapping) else None
    if isinstance(error, Mapping):
        code = str(error.get("code") or code)
        message = str(error.get("message") or message)
        request_id, client_request_id = _inner_ids(error)
    request_id = response.headers.get("request-id", request_id)
    client_request_id = response.headers.get("client-request-id", client_request_id)
    if not client_request_id:
        client_request_id = response.request.headers.get("client-request-id", "")
    return GraphError(status, code, message, request_id, client_request_id)


class GraphClient:
    """An ``httpx.Client`` for one Graph endpoint: base URL, API version, token, retries.

    ``path`` arguments are relative to ``{base_url}/{version}`` (``"/deviceManagement/..."``);
    an absolute URL (an ``@odata.nextLink``) is used as is. Every call gets a
    fresh ``client-request-id`` (uuid4), kept across its retries so the
    attempts can be correlated in Graph's logs. ``token_source=None`` sends
    no Authorization header (for endpoints that need none).

    ``sleep`` is injectable so tests do not wait; the waits actually taken
    by the last request are in ``last_retry_waits`` and its attempts in
    ``last_attempts``.
    """

    def __init__(
        self,
        base_url: str | Cloud,
        token_source: TokenSource | None = None,
        *,
        version: str = "v1.0",
        retry: RetryPolicy = RetryPolicy(),  # frozen, so a shared default is safe
        transport: httpx.BaseTransport | None = None,
        timeout: float | httpx.Timeout = 60.0,
        sleep: Callable[[float], None] = time.sleep,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        base = base_url.graph_base if isinstance(base_url, Cloud) else base_url
        self.base_url = base.rstrip("/")
        self.version = version.strip("/")
        self.token_source = token_source
        self.retry = retry
        self._sleep = sleep
        self._jitter = jitter
        self._http = httpx.Client(
            transport=transport,
            timeout=timeout,
            follow_redirects=False,
            verify=shared_ssl_context(),
        )
        self.last_retry_waits: tuple[float, ...] = ()
        self.last_attempts = 0
        self.last_client_request_id = ""

    def __enter__(self) -> GraphClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def url(self, path: str) -> str:
        """The absolute URL for ``path``, keeping the base URL's origin (see :meth:`iter_all`)."""
        if path.startswith(("http://", "https://")):
            return path
        prefix = f"{self.base_url}/{self.version}" if self.version else self.base_url
        return f"{prefix}/{path.lstrip('/')}"

    def request(
        self,
        method: str,
        path: str,
        json: Any = None,
        params: _Params = None,
        headers: Mapping[str, str] | None = None,
        *,
        check: bool = True,
        content: bytes | None = None,
    ) -> httpx.Response:
        """Send one request, retrying as :class:`RetryPolicy` allows.

        ``content`` sends raw bytes instead of ``json`` (a contract test's
        malformed body); pass its Content-Type in ``headers``.

        Returns the response when it is a success, or whatever it is when
        ``check`` is false (for tests that expect a 400). Raises
        ``GraphError`` for an error response and ``TransportError`` when the
        retry budget is spent (with ``check=False`` a still-throttled
        response is returned instead).
        """
        method = method.upper()
        url = self.url(path)
        base_headers = dict(headers or {})
        supplied = [value for key, value in base_headers.items() if key.lower() == "client-request-id"]
        client_request_id = supplied[0] if supplied else str(uuid.uuid4())
        if not supplied:
            base_headers["client-request-id"] = client_request_id
        self.last_client_request_id = client_request_id
        waits: list[float] = []
        self.last_retry_waits = ()
        attempt = 0
        while True:
            attempt += 1
            self.last_attempts = attempt
            request = self._http.build_request(
                method, url, json=json, params=params, headers=self._headers(base_headers), content=content
            )
            try:
                response = self._http.send(request)
            except httpx.TransportError as exc:
                retriable = method in self.retry.idempotent_methods and not isinstance(
                    exc, (httpx.UnsupportedProtocol, httpx.LocalProtocolError)
                )
                wait = self.retry.backoff(attempt, self._jitter) if retriable else None
                if not self._may_wait(wait, attempt, waits):
                    tried = f" (gave up after {attempt} attempts, {sum(waits):.3g} s waited)" if attempt > 1 else ""
                    raise TransportError(
                        0,
                        type(exc).__name__,
                        describe_transport_error(exc, method, url) + tried,
                        client_request_id=client_request_id,
                    ) from exc
            else:
                if response.status_code not in self.retry.retry_statuses:
                    if check:
                        self.raise_for_graph_error(response)
                    return response
                hint = parse_retry_after(response.headers.get("Retry-After"))
                wait = hint if hint is not None else self.retry.backoff(attempt, self._jitter)
                if not self._may_wait(wait, attempt, waits):
                    if not check:
                        return response
                    error = parse_graph_error(response)
                    raise TransportError(
                        error.status,
                        error.code,
                        self._gave_up(method, url, attempt, waits, error.message, hint),
                        error.request_id,
                        error.client_request_id or client_request_id,
                    )
                response.close()
            assert wait is not None  # _may_wait refused None
            # Method, URL and ids only: headers (the token) are never logged.
            log.info(
                "%s %s attempt %d failed; retrying in %.3g s (client-request-id %s)",
                method,
                url,
                attempt,
                wait,
                client_request_id,
            )
            waits.append(wait)
            self.last_retry_waits = tuple(waits)
            self._sleep(wait)

    def _headers(self, base: Mapping[str, str]) -> dict[str, str]:
        """Headers for one attempt; the token is fetched per attempt so a refresh is picked up."""
        headers = {"Accept": "application/json", **base}
        if self.token_source is not None:
            headers["Authorization"] = f"Bearer {self.token_source.token()}"
        return headers

    def _may_wait(self, wait: float | None, attempt: int, waits: list[float]) -> bool:
        if wait is None or attempt >= self.retry.max_attempts:
            return False
        return sum(waits) + wait <= self.retry.max_total_wait

    def _gave_up(
        self,
        method: str,
        url: str,
        attempt: int,
        waits: list[float],
        reason: str,
        hint: float | None = None,
    ) -> str:
        told = f"; Retry-After {hint:g} s would exceed the budget" if hint is not None else ""
        return (
            f"{method} {url} failed after {attempt} attempt(s), "
            f"{sum(waits):.3g} s waited of {self.retry.max_total_wait:g} s{told}: {reason}"
        )

    def raise_for_graph_error(self, response: httpx.Response) -> None:
        """Raise ``GraphError`` (fields from the error envelope) unless ``response`` is a 2xx."""
        if not response.is_success:
            raise parse_graph_error(response)

    def get(self, path: str, params: _Params = None, **kwargs: Any) -> httpx.Response:
        """GET ``path``; see :meth:`request`."""
        return self.request("GET", path, params=params, **kwargs)

    def post(self, path: str, json: Any = None, **kwargs: Any) -> httpx.Response:
        """POST ``json`` to ``path``; see :meth:`request`."""
        return self.request("POST", path, json=json, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> httpx.Response:
        """DELETE ``path``; see :meth:`request`."""
        return self.request("DELETE", path, **kwargs)

    def get_json(self, path: str, params: _Params = None, **kwargs: Any) -> Any:
        """GET ``path`` and return its JSON body (a non-JSON body is a ``GraphError``)."""
        response = self.get(path, params=params, **kwargs)
        try:
            return response.json()
        except ValueError:
            raise GraphError(
                response.status_code,
                "InvalidJson",
                f"GET {response.request.url} answered {response.headers.get('content-type', '')!r}, not JSON",
                response.headers.get("request-id", ""),
                response.request.headers.get("client-request-id", ""),
            ) from None

    def iter_all(self, path: str, params: _Params = None) -> Iterator[dict[str, Any]]:
        """Yield every item of a collection, following ``@odata.nextLink`` page by page.

        The paging itself (caps, loop detection) is ``graph.paging``'s, written once there.
        """
        from .paging import iter_items

        return iter_items(self, path, params)

    def list_all(self, path: str, params: _Params = None) -> list[dict[str, Any]]:
        """Every item of a collection, all pages fetched (see ``graph.paging.read_all``)."""
        from .paging import read_all

        return read_all(self, path, params)

    def same_origin(self, link: str) -> str:
        """``link`` (an ``@odata.nextLink``) as it is followed: on ``base_url``'s origin, same path and query.

        A next link on another origin is followed on ``base_url``: the bearer
        token is never sent to a host we were not pointed at, and a cassette
        recorded elsewhere still replays.
        """
        target = httpx.URL(link)
        base = httpx.URL(self.base_url)
        if (target.scheme, target.host, target.port) == (base.scheme, base.host, base.port):
            return link
        query = f"?{target.query.decode('ascii')}" if target.query else ""
        return f"{self.base_url}{target.raw_path.decode('ascii').split('?')[0]}{query}"

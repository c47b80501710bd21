"""GraphClient, token sources and clouds, specified against a real HTTP server on loopback.

The server is a small Starlette app run by uvicorn in a thread; each test
scripts the replies it wants for a method and path (the last reply repeats,
which makes a 504 storm one line) and reads back what the client sent. The
client's sleep is injected, so no test really waits.
"""

from __future__ import annotations

import email.utils
import importlib.util
import socket
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, unquote

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from graph_contracts.errors import (
    AuthenticationError,
    ConfigurationError,
    EndpointError,
    GraphContractsError,
    GraphError,
    TransportError,
)
from graph_contracts.graph import auth
from graph_contracts.graph.auth import (
    AzureIdentityToken,
    ClientCredentials,
    StaticToken,
    TokenSource,
    token_source_from_env,
)
from graph_contracts.graph.client import GraphClient, RetryPolicy, parse_retry_after
from graph_contracts.graph.clouds import CLOUDS, cloud
from loopback import serve

TENANT = "8b0e1c7a-52f3-4d6e-9a41-3f2d7c9e0b15"
SECRET = "s3cr3t~Value.That-Must-Not-Leak"
ITEMS = "/deviceManagement/importedWindowsAutopilotDeviceIdentities"  # as the client names it
SERVED = "/v1.0" + ITEMS  # as the server sees it


# --- the scripted loopback server ------------------------------------------------------------


class DroppedConnection(Response):
    """Starts a response, sends part of the body, then kills the connection."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/json"), (b"content-length", b"500")],
            }
        )
        await send({"type": "http.response.body", "body": b'{"value": [', "more_body": True})
        raise ConnectionAbortedError("connection dropped on purpose")


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    text: str | None = None
    drop: bool = False

    def response(self) -> Response:
        if self.drop:
            return DroppedConnection()
        if self.text is not None:
            return Response(self.text, self.status, self.headers, media_type="text/html")
        if self.body is None:
            return Response(b"", self.status, self.headers)
        return JSONResponse(self.body, self.status, self.headers)


@dataclass(frozen=True)
class Seen:
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes


class FakeGraph:
    """The scripted endpoint: ``reply(method, path, *replies)``, then read ``seen``."""

    def __init__(self) -> None:
        self.base_url = ""
        self.seen: list[Seen] = []
        self._script: dict[str, list[Reply]] = {}
        self.app = Starlette(routes=[Route("/{rest:path}", self._endpoint, methods=["GET", "POST", "DELETE"])])

    def reset(self) -> None:
        self.seen.clear()
        self._script.clear()

    def reply(self, method: str, path: str, *replies: Reply) -> None:
        """Script the replies to ``method path`` (path may carry a percent-decoded ``?query``)."""
        self._script[f"{method} {path}"] = list(replies)

    def received(self, method: str, path: str) -> list[Seen]:
        return [s for s in self.seen if (s.method, s.path) == (method, path)]

    async def _endpoint(self, request: Request) -> Response:
        body = await request.body()
        query = unquote(request.url.query)
        self.seen.append(Seen(request.method, request.url.path, query, dict(request.headers), body))
        keys = [f"{request.method} {request.url.path}?{query}", f"{request.method} {request.url.path}"]
        queue = next((self._script[k] for k in keys if k in self._script), None)
        if not queue:
            message = f"no reply scripted for {keys[1]}; have {sorted(self._script)}"
            return JSONResponse({"error": {"code": "NotScripted", "message": message}}, 599)
        reply = queue.pop(0) if len(queue) > 1 else queue[0]
        return reply.response()


@pytest.fixture(scope="module")
def server() -> Iterator[FakeGraph]:
    fake = FakeGraph()
    with serve(fake.app) as base_url:
        fake.base_url = base_url
        yield fake


@pytest.fixture
def graph(server: FakeGraph) -> FakeGraph:
    server.reset()
    return server


@pytest.fixture
def waits() -> list[float]:
    """What the client asked to sleep; nothing really sleeps."""
    return []


@pytest.fixture
def client(graph: FakeGraph, waits: list[float]) -> Iterator[GraphClient]:
    with GraphClient(
        graph.base_url,
        StaticToken("test-token"),
        retry=RetryPolicy(max_attempts=4, max_total_wait=30.0, backoff_base=1.0),
        sleep=waits.append,
        jitter=lambda: 0.5,
    ) as graph_client:
        yield graph_client


def envelope(code: str, message: str, **inner: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "innerError": dict(inner)}}


# --- retries -------------------------------------------------------------------------------


@pytest.mark.parametrize(("header", "expected"), [("0.05", 0.05), ("1.5", 1.5), ("2.128", 2.128)])
def test_throttled_request_waits_what_retry_after_says_then_succeeds(
    graph: FakeGraph, client: GraphClient, waits: list[float], header: str, expected: float
) -> None:
    graph.reply(
        "GET",
        SERVED,
        Reply(429, envelope("TooManyRequests", "Please retry again later."), {"Retry-After": header}),
        Reply(200, {"value": []}),
    )

    response = client.get(ITEMS)

    assert response.status_code == 200
    assert client.last_retry_waits == (expected,)
    assert waits == [expected]
    assert client.last_attempts == 2


def test_retry_after_given_as_an_http_date_is_honoured(graph: FakeGraph, client: GraphClient) -> None:
    when = email.utils.formatdate(time.time() + 3, usegmt=True)
    graph.reply("GET", SERVED, Reply(503, None, {"Retry-After": when}), Reply(200, {"value": []}))

    client.get(ITEMS)

    (wait,) = client.last_retry_waits
    assert 1.0 < wait <= 3.0


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("3", 3.0),
        ("2.128", 2.128),
        (" 1.5 ", 1.5),
        ("0", 0.0),
        ("-4", 0.0),
        ("Wed, 21 Oct 2015 07:28:10 GMT", 10.0),
        ("Wed, 21 Oct 2015 07:27:00 GMT", 0.0),
        ("soon", None),
        ("nan", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_retry_after_reads_seconds_fractions_and_dates(value: str | None, expected: float | None) -> None:
    now = email.utils.parsedate_to_datetime("Wed, 21 Oct 2015 07:28:00 GMT").timestamp()
    assert parse_retry_after(value, now=now) == expected


def test_503_without_retry_after_backs_off_exponentially_with_jitter(graph: FakeGraph, client: GraphClient) -> None:
    graph.reply("GET", SERVED, Reply(503), Reply(503), Reply(200, {"value": []}))

    client.get(ITEMS)

    # jitter draws 0.5: half the ceiling plus a quarter; ceilings 1 s then 2 s.
    assert client.last_retry_waits == (0.75, 1.5)


def test_backoff_stays_between_half_and_all_of_its_capped_ceiling() -> None:
    policy = RetryPolicy(backoff_base=1.0, backoff_max=8.0)
    assert policy.backoff(1, lambda: 0.0) == 0.5
    assert policy.backoff(3, lambda: 1.0) == 4.0
    assert policy.backoff(10, lambda: 1.0) == 8.0


def test_504_storm_raises_transport_error_when_attempts_are_spent(graph: FakeGraph, client: GraphClient) -> None:
    graph.reply("GET", SERVED, Reply(504, envelope("GatewayTimeout", "upstream timed out", **{"request-id": "r-504"})))

    with pytest.raises(TransportError) as caught:
        client.get(ITEMS)

    error = caught.value
    assert isinstance(error, EndpointError) and not isinstance(error, GraphError)  # siblings, as in httpx
    assert (error.status, error.code, error.request_id) == (504, "GatewayTimeout", "r-504")
    assert len(graph.received("GET", SERVED)) == 4
    assert client.last_retry_waits == (0.75, 1.5, 3.0)
    sent_ids = {seen.headers["client-request-id"] for seen in graph.received("GET", SERVED)}
    assert sent_ids == {error.client_request_id}
    assert "4 attempt(s)" in str(error)


def test_retry_after_beyond_the_wait_budget_gives_up_without_sleeping(
    graph: FakeGraph, client: GraphClient, waits: list[float]
) -> None:
    graph.reply("GET", SERVED, Reply(429, envelope("TooManyRequests", "slow down"), {"Retry-After": "100"}))

    with pytest.raises(TransportError, match="Retry-After 100 s would exceed the budget") as caught:
        client.get(ITEMS)

    assert caught.value.status == 429
    assert waits == []
    assert len(graph.seen) == 1


def test_throttled_post_is_retried_because_graph_throttles_before_executing(
    graph: FakeGraph, client: GraphClient
) -> None:
    graph.reply("POST", SERVED, Reply(429, None, {"Retry-After": "0.05"}), Reply(201, {"id": "1"}))

    response = client.post(ITEMS, json={"serialNumber": "X"})

    assert response.status_code == 201
    assert len(graph.received("POST", SERVED)) == 2


def test_check_false_returns_the_still_throttled_response_when_the_budget_is_spent(
    graph: FakeGraph, client: GraphClient
) -> None:
    graph.reply("GET", SERVED, Reply(503, envelope("ServiceUnavailable", "busy")))

    response = client.request("GET", ITEMS, check=False)

    assert response.status_code == 503
    assert client.last_attempts == 4


# --- transport failures --------------------------------------------------------------------


def test_dropped_connection_on_get_is_retried(graph: FakeGraph, client: GraphClient) -> None:
    graph.reply("GET", SERVED, Reply(drop=True), Reply(200, {"value": [{"id": "a"}]}))

    assert client.get_json(ITEMS) == {"value": [{"id": "a"}]}
    assert len(client.last_retry_waits) == 1
    assert len(graph.received("GET", SERVED)) == 2


def test_dropped_connection_on_post_is_not_retried(graph: FakeGraph, client: GraphClient) -> None:
    graph.reply("POST", SERVED, Reply(drop=True), Reply(201, {"id": "never"}))

    with pytest.raises(TransportError) as caught:
        client.post(ITEMS, json={"serialNumber": "X"})

    assert caught.value.status == 0
    assert caught.value.code in {"RemoteProtocolError", "ReadError"}
    assert len(graph.received("POST", SERVED)) == 1
    assert client.last_retry_waits == ()


def test_unreachable_endpoint_raises_transport_error_after_its_retries(waits: list[float]) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    retry = RetryPolicy(max_attempts=3)
    unreachable = GraphClient(f"http://127.0.0.1:{port}", retry=retry, sleep=waits.append)
    with unreachable, pytest.raises(TransportError) as caught:
        unreachable.get("/me")

    assert caught.value.code == "ConnectError"
    assert len(waits) == 2
    assert caught.value.client_request_id == unreachable.last_client_request_id


def test_unreachable_endpoint_says_cannot_connect_and_why_in_plain_words() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    unreachable = GraphClient(f"http://127.0.0.1:{port}", retry=RetryPolicy(max_attempts=1))
    with unreachable, pytest.raises(TransportError) as caught:
        unreachable.get("/me")

    assert str(caught.value) == f"cannot connect to http://127.0.0.1:{port}/v1.0/me: connection refused"
    assert (caught.value.status, caught.value.code) == (0, "ConnectError")


def test_unknown_host_says_the_host_name_was_not_found() -> None:
    client = GraphClient("http://graph-contracts-test.invalid", retry=RetryPolicy(max_attempts=1))
    expected = r"^cannot connect to http://graph-contracts-test\.invalid/v1\.0/me: host name not found"
    with client, pytest.raises(TransportError, match=expected):
        client.get("/me")


@pytest.mark.skipif(
    importlib.util.find_spec("azure") is not None and importlib.util.find_spec("azure.identity") is not None,
    reason="optional azure-identity is installed: the environment then always has a credential chain",
)
def test_missing_credentials_hint_names_the_install_command_once_without_doubled_parentheses() -> None:
    with pytest.raises(ConfigurationError) as caught:
        token_source_from_env("global", {})

    message = str(caught.value)
    assert "))" not in message and "((" not in message
    assert message.count('pip install "graph-contracts[azure]"') == 1


# --- errors -------------------------------------------------------------------------------


IDS_7 = {"request-id": "req-7", "client-request-id": "c-7"}


def test_error_envelope_becomes_graph_error_with_its_fields(graph: FakeGraph, client: GraphClient) -> None:
    graph.reply(
        "GET",
        f"{SERVED}/missing",
        Reply(404, envelope("ResourceNotFound", "No such device", **IDS_7)),
    )

    with pytest.raises(GraphError) as caught:
        client.get(f"{ITEMS}/missing")

    error = caught.value
    assert not isinstance(error, TransportError)
    assert (error.status, error.code, error.message) == (404, "ResourceNotFound", "No such device")
    assert (error.request_id, error.client_request_id) == ("req-7", "c-7")
    assert "req-7" in str(error)


def test_response_headers_supply_ids_the_body_lacks(graph: FakeGraph, client: GraphClient) -> None:
    graph.reply(
        "DELETE",
        f"{SERVED}/1",
        Reply(403, {"error": {"code": "Forbidden", "message": "no"}}, {"request-id": "hdr-1"}),
    )

    with pytest.raises(GraphError) as caught:
        client.delete(f"{ITEMS}/1")

    assert caught.value.request_id == "hdr-1"
    assert caught.value.client_request_id == client.last_client_request_id


def test_non_json_error_body_still_becomes_graph_error(graph: FakeGraph, client: GraphClient) -> None:
    graph.reply("GET", SERVED, Reply(502, text="<html><body>Bad gateway</body></html>"))

    with pytest.raises(GraphError) as caught:
        client.get(ITEMS)

    assert (caught.value.status, caught.value.code) == (502, "BadGateway")
    assert "Bad gateway" in caught.value.message


def test_raise_for_graph_error_is_public_and_check_false_skips_it(graph: FakeGraph, client: GraphClient) -> None:
    graph.reply("POST", SERVED, Reply(400, envelope("BadRequest", "serialNumber is required")))

    response = client.post(ITEMS, json={}, check=False)

    assert response.status_code == 400
    with pytest.raises(GraphError, match="serialNumber is required"):
        client.raise_for_graph_error(response)


# --- request identity, auth header, paging --------------------------------------------------


def test_every_request_gets_a_fresh_client_request_id_kept_across_its_retries(
    graph: FakeGraph, client: GraphClient
) -> None:
    graph.reply("GET", SERVED, Reply(429, None, {"Retry-After": "0"}), Reply(200, {"value": []}))
    client.get(ITEMS)
    graph.reply("GET", SERVED, Reply(200, {"value": []}))
    client.get(ITEMS)

    first, retried, second = (seen.headers["client-request-id"] for seen in graph.seen)
    assert first == retried != second
    assert uuid.UUID(first).version == 4 and uuid.UUID(second).version == 4


def test_a_caller_supplied_client_request_id_is_kept(graph: FakeGraph, client: GraphClient) -> None:
    graph.reply("GET", SERVED, Reply(200, {"value": []}))

    client.get(ITEMS, headers={"Client-Request-Id": "mine-1"})

    assert graph.seen[0].headers["client-request-id"] == "mine-1"
    assert client.last_client_request_id == "mine-1"


def test_retries_are_logged_without_the_token(
    graph: FakeGraph, client: GraphClient, caplog: pytest.LogCaptureFixture
) -> None:
    graph.reply("GET", SERVED, Reply(429, None, {"Retry-After": "0.05"}), Reply(200, {"value": []}))

    with caplog.at_level("INFO", logger="graph_contracts.graph.client"):
        client.get(ITEMS)

    assert client.last_client_request_id in caplog.text
    assert "retrying in 0.05 s" in caplog.text
    assert "test-token" not in caplog.text


def test_bearer_token_comes_from_the_token_source(graph: FakeGraph, client: GraphClient) -> None:
    graph.reply("GET", SERVED, Reply(200, {"value": []}))

    client.get(ITEMS)

    assert graph.seen[0].headers["authorization"] == "Bearer test-token"


def test_list_all_follows_next_links(graph: FakeGraph, client: GraphClient) -> None:
    base = graph.base_url
    graph.reply(
        "GET",
        f"{SERVED}?$top=2",
        Reply(200, {"value": [{"id": "1"}, {"id": "2"}], "@odata.nextLink": f"{base}{SERVED}?$top=2&$skiptoken=p2"}),
    )
    graph.reply(
        "GET",
        f"{SERVED}?$top=2&$skiptoken=p2",
        Reply(200, {"value": [{"id": "3"}], "@odata.nextLink": f"{base}{SERVED}?$top=2&$skiptoken=p3"}),
    )
    graph.reply("GET", f"{SERVED}?$top=2&$skiptoken=p3", Reply(200, {"value": [{"id": "4"}]}))

    items = client.list_all(ITEMS, {"$top": 2})

    assert [item["id"] for item in items] == ["1", "2", "3", "4"]
    assert len(graph.seen) == 3


def test_next_link_on_another_origin_is_followed_on_the_base_url(graph: FakeGraph, client: GraphClient) -> None:
    graph.reply(
        "GET",
        SERVED,
        Reply(200, {"value": [{"id": "1"}], "@odata.nextLink": f"https://graph.microsoft.com{SERVED}?$skiptoken=p2"}),
    )
    graph.reply("GET", f"{SERVED}?$skiptoken=p2", Reply(200, {"value": [{"id": "2"}]}))

    assert [item["id"] for item in client.iter_all(ITEMS)] == ["1", "2"]
    assert graph.seen[1].headers["authorization"] == "Bearer test-token"


def test_repeating_next_link_is_an_error_not_a_loop(graph: FakeGraph, client: GraphClient) -> None:
    link = f"{graph.base_url}{SERVED}?$skiptoken=same"
    graph.reply("GET", SERVED, Reply(200, {"value": [], "@odata.nextLink": link}))
    graph.reply("GET", f"{SERVED}?$skiptoken=same", Reply(200, {"value": [], "@odata.nextLink": link}))

    with pytest.raises(GraphError, match="loops"):
        client.list_all(ITEMS)


def test_paths_are_joined_to_base_url_and_version() -> None:
    with GraphClient(cloud("usgov"), version="beta") as gov:
        assert gov.url("/deviceManagement") == "https://graph.microsoft.us/beta/deviceManagement"
        assert gov.url("https://x.test/v1.0/a") == "https://x.test/v1.0/a"


# --- token sources ------------------------------------------------------------------------


TOKEN_PATH = f"/{TENANT}/oauth2/v2.0/token"


def credentials(graph: FakeGraph, **kwargs: Any) -> ClientCredentials:
    return ClientCredentials(TENANT, "app-id", SECRET, authority=graph.base_url, **kwargs)


def test_client_credentials_posts_the_grant_and_caches_the_token(graph: FakeGraph) -> None:
    graph.reply("POST", TOKEN_PATH, Reply(200, {"token_type": "Bearer", "expires_in": 3599, "access_token": "tok-1"}))
    source = credentials(graph, scope="https://graph.microsoft.com/.default")

    assert source.token() == "tok-1"
    assert source.token() == "tok-1"

    (seen,) = graph.received("POST", TOKEN_PATH)
    form = parse_qs(seen.body.decode())
    assert form["grant_type"] == ["client_credentials"]
    assert form["client_id"] == ["app-id"]
    assert form["scope"] == ["https://graph.microsoft.com/.default"]


def test_client_credentials_refreshes_shortly_before_expiry(graph: FakeGraph) -> None:
    graph.reply(
        "POST",
        TOKEN_PATH,
        Reply(200, {"access_token": "tok-1", "expires_in": 600}),
        Reply(200, {"access_token": "tok-2", "expires_in": 600}),
    )
    now = [1000.0]
    source = credentials(graph, refresh_margin=60.0, clock=lambda: now[0])

    assert source.token() == "tok-1"
    now[0] += 539
    assert source.token() == "tok-1"
    now[0] += 2
    assert source.token() == "tok-2"


def test_graph_client_sends_the_token_the_token_endpoint_issued(graph: FakeGraph) -> None:
    graph.reply("POST", TOKEN_PATH, Reply(200, {"access_token": "issued-token", "expires_in": 3600}))
    graph.reply("GET", SERVED, Reply(200, {"value": []}))

    with GraphClient(graph.base_url, credentials(graph)) as emulator_client:
        emulator_client.get(ITEMS)

    assert graph.received("GET", SERVED)[0].headers["authorization"] == "Bearer issued-token"


@pytest.mark.parametrize("status", [400, 401])
def test_refused_token_raises_authentication_error_without_the_secret(graph: FakeGraph, status: int) -> None:
    graph.reply(
        "POST",
        TOKEN_PATH,
        Reply(
            status,
            {
                "error": "invalid_client",
                "error_description": "AADSTS7000215: Invalid client secret provided.\r\n"
                "Trace ID: t-1\r\nCorrelation ID: c-1\r\nTimestamp: 2026-01-01",
                "error_codes": [7000215],
                "trace_id": "t-1",
                "correlation_id": "c-1",
            },
        ),
    )
    source = credentials(graph)

    with pytest.raises(AuthenticationError) as caught:
        source.token()

    error = caught.value
    assert (error.status, error.code) == (status, "invalid_client")
    assert error.message == "AADSTS7000215: Invalid client secret provided."
    assert (error.request_id, error.client_request_id) == ("t-1", "c-1")
    assert error.endpoint.endswith(TOKEN_PATH)
    assert isinstance(error, GraphContractsError)
    for text in (str(error), repr(error), repr(source)):
        assert SECRET not in text


def test_non_json_refusal_still_names_the_status(graph: FakeGraph) -> None:
    graph.reply("POST", TOKEN_PATH, Reply(401, text="denied"))

    with pytest.raises(AuthenticationError, match="401 http_401"):
        credentials(graph).token()


def test_unreachable_token_endpoint_raises_transport_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    source = ClientCredentials(TENANT, "app-id", SECRET, authority=f"http://127.0.0.1:{port}")

    with pytest.raises(TransportError, match="cannot connect to") as caught:
        source.token()
    assert SECRET not in str(caught.value)


def test_static_token_reads_graph_token_and_accepts_a_pasted_header() -> None:
    source = StaticToken.from_env({"GRAPH_TOKEN": "Bearer abc.def"})

    assert source.token() == "abc.def"
    assert "abc.def" not in repr(source)
    assert isinstance(source, TokenSource)


def test_static_token_without_graph_token_says_what_to_set() -> None:
    with pytest.raises(ConfigurationError, match="GRAPH_TOKEN"):
        StaticToken.from_env({})


@pytest.fixture
def no_azure_identity(monkeypatch: pytest.MonkeyPatch) -> None:
    """Behave as if azure-identity were not installed, whether or not it is."""
    monkeypatch.setitem(sys.modules, "azure.identity", None)
    monkeypatch.setattr(auth, "_azure_identity_installed", lambda: False)


def test_token_from_env_prefers_graph_token(no_azure_identity: None) -> None:
    env = {"GRAPH_TOKEN": "tok", "AZURE_TENANT_ID": TENANT, "AZURE_CLIENT_ID": "a", "AZURE_CLIENT_SECRET": SECRET}

    assert isinstance(token_source_from_env("global", env), StaticToken)


def test_token_from_env_uses_client_credentials_against_the_clouds_authority(
    no_azure_identity: None,
) -> None:
    env = {"AZURE_TENANT_ID": TENANT, "AZURE_CLIENT_ID": "a", "AZURE_CLIENT_SECRET": SECRET}

    source = token_source_from_env("usgov-dod", env)

    assert isinstance(source, ClientCredentials)
    assert source.endpoint == f"https://login.microsoftonline.us/{TENANT}/oauth2/v2.0/token"
    assert source.scope == "https://dod-graph.microsoft.us/.default"


def test_token_from_env_without_credentials_explains_what_to_set(no_azure_identity: None) -> None:
    with pytest.raises(ConfigurationError) as caught:
        token_source_from_env("global", {"AZURE_TENANT_ID": TENANT})

    message = str(caught.value)
    for hint in ("GRAPH_TOKEN", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET", "missing", "azure-identity"):
        assert hint in message


def test_azure_identity_missing_raises_our_error_with_an_install_hint(no_azure_identity: None) -> None:
    with pytest.raises(ConfigurationError, match=r"graph-contracts\[azure\]"):
        AzureIdentityToken.default(cloud("china"))


def test_azure_identity_token_asks_for_the_clouds_scope() -> None:
    asked: list[str] = []

    class Credential:
        def get_token(self, scope: str) -> Any:
            asked.append(scope)
            return type("AccessToken", (), {"token": "az-token"})()

    source = AzureIdentityToken(Credential(), cloud("china").scope)

    assert source.token() == "az-token"
    assert asked == ["https://microsoftgraph.chinacloudapi.cn/.default"]


# --- clouds ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "graph_base", "authority"),
    [
        ("global", "https://graph.microsoft.com", "https://login.microsoftonline.com"),
        ("usgov", "https://graph.microsoft.us", "https://login.microsoftonline.us"),
        ("usgov-dod", "https://dod-graph.microsoft.us", "https://login.microsoftonline.us"),
        ("china", "https://microsoftgraph.chinacloudapi.cn", "https://login.chinacloudapi.cn"),
    ],
)
def test_each_cloud_has_its_graph_host_authority_and_scope(name: str, graph_base: str, authority: str) -> None:
    chosen = cloud(name)
    assert (chosen.name, chosen.graph_base, chosen.authority) == (name, graph_base, authority)
    assert chosen.scope == graph_base + "/.default"


def test_unknown_cloud_names_the_valid_ones() -> None:
    with pytest.raises(ConfigurationError) as caught:
        cloud("germany")

    assert caught.value.choices == tuple(CLOUDS)
    for name in ("global", "usgov", "usgov-dod", "china"):
        assert name in str(caught.value)

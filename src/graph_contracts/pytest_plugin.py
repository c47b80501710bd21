"""The pytest plugin (``pytest11`` entry point): the ``--graph-*`` options, markers and endpoint fixtures.

Safe defaults, as pytest-recording has them: the embedded emulator, no
recording, and no writes to a live tenant unless ``--graph-allow-writes``.
The fixtures are lazy: a test run that asks for none of them starts nothing.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import hypothesis
import pytest

from .contracts import ContractSet, Operation, default_contracts
from .contracts.clouds import CloudGap, load_cloud_gaps, skip_reason
from .graph.auth import StaticToken
from .graph.client import GraphClient, RetryPolicy
from .graph.endpoints import Endpoint, TokenKind, open_endpoint
from .resources import VERSIONS, cassettes_dir

ENDPOINTS = ("emulator", "replay", "live")
MARKERS = {
    "graph_live": "needs a live tenant (--graph-endpoint live)",
    "graph_write": "creates or deletes objects; on a live tenant only with --graph-allow-writes",
    "graph_beta": "exercises the beta API version",
    "graph_checks": "graph_checks(*names): the contract checks a suite test stands for (its contract report columns)",
}
#: The groupTag prefix of everything a recorded run creates; fixed so a replay sends the same bodies.
RECORDED_RUN_TAG = "gc-recorded"
#: The plugin that ends a suite run with the operation x check table.
REPORT_PLUGIN = "graph_contracts.suite.report"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("graph-contracts", "graph-contracts contract suite")
    group.addoption(
        "--graph-endpoint",
        choices=ENDPOINTS,
        default="emulator",
        help="where the suite sends requests: the embedded emulator (default), recorded cassettes, or a live tenant",
    )
    group.addoption(
        "--graph-cloud", default="global", help="national cloud for live runs: global, usgov, usgov-dod, china"
    )
    group.addoption(
        "--graph-base-url",
        default=None,
        help="override the Graph base URL (e.g. a proxy); with --graph-endpoint emulator, the URL of an emulator "
        "you started (graph-contracts emulator), used instead of an embedded one",
    )
    group.addoption("--graph-version", choices=(*VERSIONS, "all"), default="all", help="API versions to test")
    group.addoption(
        "--graph-record",
        action="store_true",
        default=False,
        help="write scrubbed cassettes from this run (emulator or live) into the cassette folder",
    )
    group.addoption("--graph-cassettes", default=None, help="cassette folder (default: the shipped cassettes/)")
    group.addoption(
        "--graph-allow-writes",
        action="store_true",
        default=False,
        help="allow creating and deleting objects on a live tenant (tagged, and deleted in teardown)",
    )
    group.addoption("--graph-examples", type=int, default=None, help="hypothesis examples per property-based test")
    group.addoption(
        "--graph-poll-interval",
        type=float,
        default=None,
        help="seconds between polls of a pending import (default: 15 live, 0 elsewhere; Retry-After wins)",
    )
    group.addoption(
        "--graph-as-documented",
        action="store_true",
        default=False,
        help="expect what the doc pages say where the service refuses a documented operation "
        "(the emulator then serves it as documented); by default the suite expects the service's answer",
    )
    group.addoption(
        "--graph-emulator-tenant",
        action="append",
        default=[],
        metavar="TENANT",
        help="another tenant (GUID or domain) the embedded emulator's token endpoint serves (repeatable)",
    )
    group.addoption(
        "--graph-no-report",
        action="store_true",
        default=False,
        help="do not end the run with the contract report (operation x check table)",
    )


RUN_TAG = pytest.StashKey[str]()
#: The live run's token, read once before collection so the permission check sends nothing more.
LIVE_TOKEN = pytest.StashKey[str]()
_suite_settings: hypothesis.settings | None = None


def pytest_configure(config: pytest.Config) -> None:
    for name, text in MARKERS.items():
        config.addinivalue_line("markers", f"{name}: {text}")
    workerinput = getattr(config, "workerinput", None)
    if recording_mode(config) is not None:
        config.stash[RUN_TAG] = RECORDED_RUN_TAG
    elif workerinput is not None and "graph_run_tag" in workerinput:
        config.stash[RUN_TAG] = workerinput["graph_run_tag"]  # one tag for all xdist workers
    else:
        config.stash[RUN_TAG] = f"gc-{secrets.token_hex(4)}"
    if config.getoption("--graph-endpoint") == "live" and workerinput is None:
        config.stash[LIVE_TOKEN] = check_live_credentials(config.getoption("--graph-cloud"))
    if config.getoption("--graph-endpoint") == "emulator" and config.getoption("--graph-base-url") and not workerinput:
        check_running_emulator(config.getoption("--graph-base-url"))
    global _suite_settings
    _suite_settings = _settings_for(config)
    if not config.getoption("--graph-no-report") and not config.pluginmanager.has_plugin(REPORT_PLUGIN):
        config.pluginmanager.import_plugin(REPORT_PLUGIN)  # the contract report at the end of the run
    if recording_mode(config) is not None:
        _without_local_constants()


def check_live_credentials(cloud: str) -> str:
    """Get one token before any test runs, so missing or refused credentials are one message, not a failure per test.

    Without it every test's setup fails on the session fixture with the same
    traceback. Raised as ``pytest.UsageError``: pytest prints the message
    alone and exits with its usage status (``graph-contracts run`` turns that
    into 2). xdist workers skip it: their controller checked already.
    """
    from .errors import GraphContractsError
    from .graph.auth import token_source_from_env

    try:
        return token_source_from_env(cloud).token()
    except GraphContractsError as exc:
        raise pytest.UsageError(f"graph-contracts: {exc}") from None


def pytest_collection_finish(session: pytest.Session) -> None:
    """Live mode asks first: refuse in one line, before any request, when the token lacks what selected tests need.

    The token is decoded locally, never verified. Tests that skip, and the
    auth tests (they bring tokens of their own), need nothing of it.
    """
    token = session.config.stash.get(LIVE_TOKEN, None)
    if token is None:
        return
    from .errors import GraphContractsError
    from .permissions import load_permission_data
    from .permissions.gate import missing_permissions, refusal_line
    from .permissions.token import decode_token

    try:
        claims = decode_token(token, "the live token")
    except GraphContractsError as exc:
        raise pytest.UsageError(f"graph-contracts: cannot tell which permissions the token holds: {exc}") from None
    selected = [
        op
        for item in session.items
        if isinstance(op := getattr(getattr(item, "callspec", None), "params", {}).get("op"), Operation)
        and not item.get_closest_marker("skip")
        and not item.nodeid.split("::")[0].endswith("test_auth.py")
    ]
    missing = missing_permissions(claims, selected, default_contracts(), load_permission_data())
    if missing:
        raise pytest.UsageError(f"graph-contracts: {refusal_line(missing, claims.kind)}")


def check_running_emulator(base_url: str) -> None:
    """``--graph-endpoint emulator --graph-base-url URL``: one message when no emulator answers there."""
    from .errors import ConfigurationError, GraphContractsError

    try:
        with open_endpoint("emulator", base_url=base_url):
            pass
    except ConfigurationError as exc:  # the library names the setting (base_url); pytest users typed the option
        option = "--graph-base-url" if exc.setting == "base_url" else exc.setting
        raise pytest.UsageError(f"graph-contracts: {option}: {exc.detail}") from None
    except GraphContractsError as exc:
        raise pytest.UsageError(f"graph-contracts: {exc}") from None


def _settings_for(config: pytest.Config) -> hypothesis.settings:
    """The hypothesis settings of the suite's tests, all explicit so no profile or conftest changes them.

    Cassettes need the exact requests of the recording: derandomized and
    without an example database.
    """
    from hypothesis import HealthCheck, settings

    cassettes = recording_mode(config) is not None
    examples = config.getoption("--graph-examples") or (3 if cassettes else 10)
    return settings(
        max_examples=examples,
        derandomize=cassettes,
        database=None,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


def suite_settings() -> hypothesis.settings:
    """Settings for a suite test; read when the suite's modules are imported, after ``pytest_configure``."""
    if _suite_settings is None:  # imported outside a pytest run
        from hypothesis import HealthCheck, settings

        return settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    return _suite_settings


def _without_local_constants() -> None:
    """Make generation independent of which local modules happen to be imported.

    Hypothesis mixes literals from loaded non-test modules of the working
    directory into what it generates, so the same derandomized test sends other
    bodies when run from another folder or with another conftest.py. A
    replay must send exactly the recorded requests, so cassette runs switch
    that source off. It is an internal hook; if it moves, replays say so by
    naming the request that is not in the cassette.
    """
    try:
        from hypothesis.internal.conjecture import providers
    except ImportError:  # pragma: no cover - a hypothesis without the module has no local constants
        return
    if hasattr(providers, "_get_local_constants") and hasattr(providers, "Constants"):
        empty = providers.Constants()  # type: ignore[attr-defined]
        providers._get_local_constants = lambda: empty


@pytest.hookimpl(hookwrapper=True, trylast=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    """In cassette runs, seed each parametrized hypothesis test from a key that does not depend on the rootdir.

    Hypothesis's pytest plugin mixes ``item.nodeid`` into the derandomized
    seed, and the node id changes with the directory pytest runs from; a
    replay from a CI checkout must still send the recorded requests.
    """
    inner = getattr(getattr(getattr(item, "obj", None), "hypothesis", None), "inner_test", None)
    if inner is not None and recording_mode(item.config) is not None:
        module = getattr(getattr(item, "module", None), "__name__", "")
        inner._hypothesis_internal_add_digest = f"{module}::{item.nodeid.split('::', 1)[-1]}".encode()
    yield


@pytest.hookimpl(optionalhook=True)  # an xdist hook: without xdist, pytest must not reject it
def pytest_configure_node(node: object) -> None:
    """xdist hook: workers share the controller's run tag."""
    workerinput = getattr(node, "workerinput", None)
    config = getattr(node, "config", None)
    if isinstance(workerinput, dict) and config is not None:
        workerinput["graph_run_tag"] = config.stash[RUN_TAG]


def pytest_report_header(config: pytest.Config) -> str:
    tag = config.stash[RUN_TAG]
    endpoint = config.getoption("--graph-endpoint")
    return f"graph-contracts: endpoint {endpoint}, run tag {tag} (leftovers: graph-contracts cleanup --tag {tag})"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    endpoint = config.getoption("--graph-endpoint")
    gaps = _cloud_gaps() if endpoint == "live" else {}
    for item in items:
        op = getattr(getattr(item, "callspec", None), "params", {}).get("op")
        reason = skip_reason(op, config.getoption("--graph-cloud"), gaps) if isinstance(op, Operation) else None
        if reason:
            item.add_marker(pytest.mark.skip(reason=reason))
        if item.get_closest_marker("graph_live") and endpoint != "live":
            item.add_marker(pytest.mark.skip(reason="needs a live tenant: run with --graph-endpoint live"))
        if (
            item.get_closest_marker("graph_write")
            and endpoint == "live"
            and not config.getoption("--graph-allow-writes")
        ):
            item.add_marker(
                pytest.mark.skip(reason="writes to a live tenant need --graph-allow-writes (read-only run)")
            )


def _cloud_gaps() -> dict[tuple[str, str], CloudGap]:
    from .resources import contracts_dir

    return load_cloud_gaps(contracts_dir())


def graph_versions(config: pytest.Config) -> tuple[str, ...]:
    chosen = config.getoption("--graph-version")
    return VERSIONS if chosen == "all" else (chosen,)


def recording_mode(config: pytest.Config) -> str | None:
    """The vcrpy record mode of this run, or None when cassettes are not involved."""
    if config.getoption("--graph-record"):
        return "all"
    if config.getoption("--graph-endpoint") == "replay":
        return "none"
    return None


@pytest.fixture(scope="session")
def graph_contracts() -> ContractSet:
    return default_contracts()


@pytest.fixture(scope="session")
def graph_endpoint(pytestconfig: pytest.Config) -> Iterator[Endpoint]:
    """The endpoint of this run, started once per session (per worker under xdist)."""
    with open_endpoint(
        pytestconfig.getoption("--graph-endpoint"),
        cloud=pytestconfig.getoption("--graph-cloud"),
        base_url=pytestconfig.getoption("--graph-base-url"),
        allow_writes=pytestconfig.getoption("--graph-allow-writes"),
        as_documented=pytestconfig.getoption("--graph-as-documented"),
        emulator_tenants=tuple(pytestconfig.getoption("--graph-emulator-tenant")),
    ) as endpoint:
        yield endpoint


@pytest.fixture(scope="session")
def graph_poll_interval(pytestconfig: pytest.Config) -> float:
    chosen = pytestconfig.getoption("--graph-poll-interval")
    if chosen is not None:
        return float(chosen)
    return 15.0 if pytestconfig.getoption("--graph-endpoint") == "live" else 0.0


@pytest.fixture(scope="session")
def graph_run_tag(pytestconfig: pytest.Config) -> str:
    """The groupTag prefix of everything this run creates, so cleanup deletes exactly that."""
    return pytestconfig.stash[RUN_TAG]


@pytest.fixture(scope="session")
def graph_client(graph_endpoint: Endpoint, pytestconfig: pytest.Config) -> Iterator[Callable[..., GraphClient]]:
    """A factory: ``graph_client(version, token="write")`` gives a client for that version and token kind."""
    clients: dict[tuple[str, TokenKind], GraphClient] = {}
    replaying = pytestconfig.getoption("--graph-endpoint") == "replay"

    def make(version: str, token: TokenKind = "write") -> GraphClient:
        key = (version, token)
        if key not in clients:
            value = graph_endpoint.token(token)
            source = StaticToken(value) if value is not None else None
            clients[key] = GraphClient(
                graph_endpoint.base_url,
                source,
                version=version,
                # A replay must not sleep through recorded Retry-After headers.
                retry=RetryPolicy(max_total_wait=0.0 if replaying else 60.0),
                sleep=_no_sleep if replaying else time.sleep,
            )
        return clients[key]

    # Fetch the write tokens now, outside any test's cassette: no token exchange lands in cassettes.
    for version in graph_versions(pytestconfig):
        make(version)
    yield make
    for client in clients.values():
        client.close()


def _no_sleep(_seconds: float) -> None:
    return None


@pytest.fixture
def graph_cassette(request: pytest.FixtureRequest, pytestconfig: pytest.Config) -> Iterator[None]:
    """Record or replay this test's exchanges in its own cassette, when the run uses cassettes."""
    mode = recording_mode(pytestconfig)
    if mode is None:
        yield
        return
    from .graph.recording import cassette_path, graph_vcr

    folder = Path(pytestconfig.getoption("--graph-cassettes") or cassettes_dir())
    name = cassette_path(request.node.nodeid.split("::", 1)[-1])
    # A recording replaces the cassette: vcrpy's "all" mode would keep the old file's exchanges that
    # this run did not repeat, and a replay would then meet answers of an older emulator first.
    # (Only when recording: in a replay the option would rewrite the file with the exchanges it played.)
    recorder = graph_vcr(folder, record_mode=mode, scrub_upns=True)
    with recorder.use_cassette(name, drop_unused_requests=mode == "all"):
        yield

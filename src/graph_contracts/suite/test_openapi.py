"""schemathesis over the generated OpenAPI documents, positive and negative, and statefully along its links.

Against a live tenant only reads are fuzzed: fuzzed writes would create
objects without the run tag, which cleanup could not find.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from ..contracts import ContractSet, default_contracts
from ..graph.client import GraphClient
from ..graph.endpoints import Endpoint
from ..resources import schemas_dir
from .checks import openapi, schemathesis_problems
from .support import awaiting_emulator, entity_paths, unless_refused

schemathesis = pytest.importorskip("schemathesis", reason="needs schemathesis: pip install 'graph-contracts[test]'")
from schemathesis import GenerationMode  # noqa: E402
from schemathesis.checks import (  # noqa: E402
    negative_data_rejection,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

#: Each check lets the service's known answer to a query pass ($select on the registered devices: 500).
CHECKS = unless_refused(
    [not_a_server_error, status_code_conformance, response_schema_conformance, negative_data_rejection]
)
#: The state machine sends valid data only; the service's refusals (400) are documented 4XX answers.
STATEFUL_CHECKS = unless_refused([not_a_server_error, status_code_conformance, response_schema_conformance])


def _document(version: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((schemas_dir() / version / "openapi.json").read_text(encoding="utf-8"))
    return data


@functools.cache
def _schema(version: str, mode: GenerationMode) -> Any:
    """The loaded schemathesis schema of a version for one mode, once per process (~10 ms a load).

    Positive cases carry the run's token, not generated security parameters:
    a generated ``Authorization`` header made about a fifth of them 401s that
    never reached the operation. Negative cases keep them (a malformed
    credential is one of the things to reject, and for an operation whose only
    input is an id in its path it is the only thing to negate).
    """
    schema = schemathesis.openapi.from_dict(_document(version))
    if mode == GenerationMode.POSITIVE:
        schema.config.generation.update(with_security_parameters=False)
    return schema


@functools.cache
def _chaining_schema(version: str) -> Any:
    """The schema the state machine walks: valid data only, with the run's token rather than generated ones.

    By default schemathesis mixes negative cases into the chains and generates
    the security parameters too; a chain then breaks at a 400 or a 401 instead
    of carrying an id on, and whether any chain got through depended on the seed.
    Single calls are fuzzed in both modes by the test above.
    """
    schema = schemathesis.openapi.from_dict(_producing(_document(version)))
    schema.config.generation.update(modes=[GenerationMode.POSITIVE], with_security_parameters=False)
    return schema


def _producing(document: dict[str, Any]) -> dict[str, Any]:
    """The document with each producer's list of bodies non-empty, where its links read ``/value/0/``.

    An import of no devices (an empty list, or null: both valid) answers ``value: []``, so a link
    that reads ``$response.body#/value/0/id`` has nothing to carry, and whether any chain reached
    an item depended on how many of the drawn imports were empty (the seed, and with it the
    interpreter's view of which modules are local: an installed and an editable checkout drew
    differently). Single calls still send empty and null lists (the test above).
    """
    for methods in document["paths"].values():
        for operation in methods.values():
            links = [
                link
                for response in operation.get("responses", {}).values()
                for link in (response.get("links") or {}).values()
            ]
            if not any("#/value/0/" in str(v) for link in links for v in link.get("parameters", {}).values()):
                continue
            for media in operation.get("requestBody", {}).get("content", {}).values():
                for name, prop in media.get("schema", {}).get("properties", {}).items():
                    arrays = [s for s in prop.get("anyOf", [prop]) if s.get("type") == "array"]
                    if arrays:
                        media["schema"]["properties"][name] = {**arrays[0], "minItems": 1}
                        media["schema"]["required"] = sorted({*media["schema"].get("required", []), name})
    return document


def _served(version: str, method: str, path: str) -> bool:
    """False for a route whose only operations still wait for an emulator handler (see ``awaiting_emulator``)."""
    ops = [o for o in default_contracts().operations_in(version) if o.method == method.upper() and path in o.paths]
    return not ops or not all(awaiting_emulator(o) for o in ops)


def _operations() -> list[Any]:
    return [
        pytest.param(
            version,
            method.upper(),
            path,
            marks=[] if method == "get" else [pytest.mark.graph_write],
            id=f"{version}-{method.upper()}-{path}",
        )
        for version in ("v1.0", "beta")
        for path, methods in _document(version)["paths"].items()
        for method in methods
        if _served(version, method, path)
    ]


@pytest.mark.graph_checks("openapi")
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=lambda m: m.value)
@pytest.mark.parametrize(("version", "method", "path"), _operations())
def test_endpoint_conforms_to_the_openapi_document(
    version: str,
    method: str,
    path: str,
    mode: GenerationMode,
    graph_endpoint: Endpoint,
    pytestconfig: pytest.Config,
    request: pytest.FixtureRequest,
    graph_http_session: Any,
) -> None:
    if graph_endpoint.kind == "live" and method != "GET":
        pytest.skip("fuzzed writes would create untagged objects on a live tenant")
    operation = _schema(version, mode)[path][method]
    headers = {"Authorization": f"Bearer {graph_endpoint.token('write')}"}
    base_url = f"{graph_endpoint.base_url}/{version}"
    statuses: list[int] = []
    examples = pytestconfig.getoption("--graph-examples") or 10

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=examples, deadline=None, database=None, derandomize=True, suppress_health_check=list(HealthCheck)
    )
    def run(case: Any) -> None:
        response = case.call_and_validate(base_url=base_url, headers=headers, checks=CHECKS, session=graph_http_session)
        statuses.append(response.status_code)

    # run's source seeds its derandomized cases (and so its cassette): the check wraps it, unchanged
    openapi(f"{method} {path} ({mode.value})", schemathesis_problems(run))
    openapi("schemathesis generated a case", [] if statuses else ["none"])


@pytest.mark.graph_write
@pytest.mark.graph_checks("openapi")
@pytest.mark.parametrize("version", ["v1.0", "beta"])
def test_stateful_chains_follow_the_openapi_links(
    version: str,
    graph_endpoint: Endpoint,
    pytestconfig: pytest.Config,
    graph_contracts: ContractSet,
    graph_client: Callable[..., GraphClient],
    graph_http_session: Any,
) -> None:
    """schemathesis's state machine: create or list or import, then get, update, delete and act by the id.

    The chains run in a tenant of their own (the ``scratch`` token), and each
    scenario's teardown deletes every entity the lists show that was not there
    before, so every scenario starts from the same state. Hypothesis runs a
    scenario again to explore around it; a scenario that met the entities of
    earlier ones (or of other tests, which a chain may delete) would list,
    link and draw differently the second time (``FlakyStrategyDefinition``).
    """
    if graph_endpoint.kind == "live":
        pytest.skip("fuzzed writes would create untagged objects on a live tenant")
    machine = _chaining_schema(version).as_state_machine()
    headers = {"Authorization": f"Bearer {graph_endpoint.token('scratch')}"}
    base_url = f"{graph_endpoint.base_url}/{version}"
    client = graph_client(version, "scratch")
    found = entity_paths(graph_contracts, client, version)
    steps: list[tuple[str, str, int]] = []

    class Chains(machine):  # type: ignore[misc, valid-type]
        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return {"base_url": base_url, "headers": headers, "session": graph_http_session}

        def validate_response(self, response: Any, case: Any, **kwargs: Any) -> None:
            steps.append((case.method, case.path, response.status_code))
            case.validate_response(response, checks=STATEFUL_CHECKS, transport_kwargs=kwargs)

        def teardown(self) -> None:
            # Deleting an import can let it settle first and register a device: sweep until nothing is new.
            for _ in range(3):
                made = sorted(entity_paths(graph_contracts, client, version) - found)
                if not made:
                    break
                for path in made:
                    client.request("DELETE", path, check=False)
            super().teardown()

    # a chain needs a producer step, then a step that follows its link: more scenarios than single calls need
    examples = max(40, 4 * (pytestconfig.getoption("--graph-examples") or 10))
    chains = functools.partial(
        Chains.run,
        settings=settings(
            max_examples=examples,
            stateful_step_count=6,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        ),
    )
    # The machine's source seeds its derandomized scenarios (hypothesis digests the class): the check
    # wraps the whole run and leaves the class as it was, so the scenarios and their cassette stay.
    openapi(f"the {version} chains", schemathesis_problems(chains))
    openapi("the state machine made a call", [] if steps else ["none"])
    # a random id is a 404: a success on an item path means a link carried the id of an entity made before
    chained = [(m, p) for m, p, s in steps if "{" in p and 200 <= s < 300]
    openapi("a link carried an id: a call by id succeeded", [] if chained else [f"none of {sorted(set(steps))}"])
    left = entity_paths(graph_contracts, client, version)
    openapi(
        "the scenarios left the tenant as they found it",
        [f"left {p}" for p in sorted(left - found)] + [f"took {p}" for p in sorted(found - left)],
    )

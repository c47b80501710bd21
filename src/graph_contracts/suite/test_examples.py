"""Each documented example request, sent as written: the documented status and response shape, or a finding."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import pytest

from ..cleanup import TAG_PROPERTY
from ..contracts import ContractSet, Example, Operation, default_contracts
from ..graph.client import GraphClient
from ..validation import Validator
from .checks import envelope_problems, examples
from .support import (
    ContractFindingWarning,
    Created,
    assert_refused,
    awaiting_emulator,
    expected_refusal,
    item_path,
    schema_problems,
    sibling,
)


def _cases() -> list[Any]:
    out = []
    for (version, _), op in sorted(default_contracts().operations.items()):
        # An update or entity-bound action example names a key ("{id}") this test does not create an entity for.
        if awaiting_emulator(op) or op.verb == "update" or op.binding == "entity":
            continue
        for index, example in enumerate(op.examples):
            if example.request_body is not None:
                out.append(pytest.param(op, example, id=f"{version}-{op.id}-{index}"))
    return out


def _tag(body: Any, type_name: str, tag: str) -> Any:
    """The example as documented, but with the run tag where cleanup looks for it."""
    prop = TAG_PROPERTY.get(type_name)
    if isinstance(body, dict) and prop and prop in body:
        return {**body, prop: f"{tag}-example"}
    return body


@pytest.mark.graph_write
@pytest.mark.graph_checks("examples")
@pytest.mark.parametrize(("op", "example"), _cases())
def test_documented_example_request(
    op: Operation,
    example: Example,
    graph_contracts: ContractSet,
    graph_client: Callable[..., GraphClient],
    graph_run_tag: str,
    created: Created,
    pytestconfig: pytest.Config,
) -> None:
    body = example.request_body
    if op.verb == "import":
        body = {k: [_tag(d, op.type, graph_run_tag) for d in v] for k, v in body.items()}
    else:
        body = _tag(body, op.body_type or op.type, graph_run_tag)
    expected_issues = Validator.for_operation(op.id, version=op.version).validate(body)
    response = graph_client(op.version).request(op.method, op.path, json=body, check=False)
    get = sibling(graph_contracts, op, "get")
    if response.is_success and get is not None:
        payload = response.json()
        for item in payload.get("value", [payload]):
            if isinstance(item, dict) and isinstance(item.get("id"), str):
                created.add(op.version, item_path(get, item["id"]))

    refusal = expected_refusal(op, pytestconfig)
    if refusal is not None:  # documented, refused by the service: the example gets the service's answer
        assert_refused(response, refusal)
        return
    if expected_issues:
        # The example breaks its own contract (placeholders): the endpoint must refuse it, and we report it.
        detail = "; ".join(f"{i.pointer}: {i.message}" for i in expected_issues)
        warnings.warn(
            ContractFindingWarning(f"{example.source.page}: example for {op.id} breaks the contract: {detail}"),
            stacklevel=1,
        )
        refused = [] if response.status_code == 400 else [f"got {response.status_code}: {response.text[:300]}"]
        examples("the example that breaks its contract is refused with 400", refused + envelope_problems(response))
        return

    expected = example.response_status or op.success_status
    examples(
        f"the documented status {expected}",
        [] if response.status_code == expected else [f"got {response.status_code}: {response.text[:500]}"],
    )
    payload = response.json()
    examples(f"the answer to {op.id} has its documented shape", schema_problems(op, payload))
    documented = example.response_body
    # an empty collection (a search that finds nothing) has no item to compare with the documented one
    if isinstance(documented, dict) and isinstance(payload, dict) and payload.get("value", [None]):
        shape = documented.get("value", [documented])[0] if "value" in documented else documented
        got = payload.get("value", [payload])[0] if "value" in payload else payload
        if isinstance(shape, dict) and isinstance(got, dict):
            missing = sorted(k for k in shape if not k.startswith("@") and k not in got)
            examples("the response has the documented properties", [f"it lacks {k}" for k in missing])

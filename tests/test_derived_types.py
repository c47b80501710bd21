"""A derived type posted to its base type's collection: the schema and the emulator give the same verdict.

OData's JSON format requires ``@odata.type`` on such a body; without it the
service reads the base type. The request schema of the operation requires the
tag, and the emulator (which validates against the collection's schema, where a
derived type is recognised only by its tag) either rejects the body or creates
the base type. The differential test runs every operation with a request body
over generated bodies, their untagged variants and one-rule mutations.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph_contracts.cli import main
from graph_contracts.contracts import ContractSet, Operation, default_contracts
from graph_contracts.graph.emulator import EmulatorHandle, running_emulator
from graph_contracts.schemas import tag_required
from graph_contracts.strategies import BodyStrategies, Broken
from graph_contracts.validation import Validator

CONTRACTS = default_contracts()
RESULT_CREATE = "importedDeviceIdentityResult.create"
OPERATIONS = [
    pytest.param(op, id=f"{op.version}-{op.id}")
    for version in CONTRACTS.versions()
    for op in CONTRACTS.operations_in(version)
    # POSTed as is to its path: not an operation on one entity ({id}), nor one the service refuses
    # (the emulator answers those as the service does, whatever the body: tests/test_emulator_service_facts.py)
    if op.has_request_body and op.method == "POST" and "{" not in op.path and op.refused is None
]


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorHandle]:
    with running_emulator() as handle:
        yield handle


def created_types(contracts: ContractSet, op: Operation) -> set[str]:
    """The ``@odata.type`` values a create of ``op`` may answer with: its body type or a type derived from it."""
    assert op.body_type is not None
    names = (op.body_type, *contracts.derived_types(op.version, op.body_type))
    return {f"#microsoft.graph.{n}" for n in names}


def emulator_verdict(emulator: EmulatorHandle, op: Operation, body: Any) -> tuple[bool, str]:
    """Whether the emulator performed ``op`` on ``body``; the answer, for the assertion message.

    A create counts only when the entity it made is of the operation's body type:
    an untagged body posted to the base collection is a valid create of the base
    type, not of the derived one.
    """
    emulator.reset()
    response = httpx.post(emulator.graph_url(op.version) + op.path, json=body, headers=emulator.headers(), timeout=30)
    answer = f"{response.status_code} {response.text[:300]}"
    if response.status_code != op.success_status:
        return False, answer
    if op.verb == "create" and op.body_type is not None:
        return response.json().get("@odata.type") in created_types(CONTRACTS, op), answer
    return True, answer


def untagged(body: Any) -> Any:
    return {k: v for k, v in body.items() if k != "@odata.type"} if isinstance(body, dict) else body


def test_only_the_result_create_posts_a_derived_type_to_its_base_collection() -> None:
    tagged = sorted(op.id for op in CONTRACTS.operations_in("beta") if tag_required(CONTRACTS, "beta", op))
    # the Result's update PATCHes the same base-collection item path
    assert tagged == [RESULT_CREATE, "importedDeviceIdentityResult.update"]
    assert not any(tag_required(CONTRACTS, "v1.0", op) for op in CONTRACTS.operations_in("v1.0"))


def test_the_request_schema_requires_the_tag_and_names_it() -> None:
    issues = Validator.for_operation(RESULT_CREATE, version="beta").validate({"status": True})
    assert [(i.pointer, i.code) for i in issues if i.severity == "error"] == [("/@odata.type", "required")]
    tagged = {"@odata.type": "#microsoft.graph.importedDeviceIdentityResult", "status": True}
    assert Validator.for_operation(RESULT_CREATE, version="beta").validate(tagged) == []


def test_validate_cli_exits_1_naming_the_tag(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    body = tmp_path / "result.json"
    body.write_text(json.dumps({"status": True}), encoding="utf-8")
    assert main(["validate", "--operation", RESULT_CREATE, "--version", "beta", str(body)]) == 1
    out = capsys.readouterr().out
    assert "at /@odata.type: required property '@odata.type' is missing" in out


def test_the_emulator_rejects_the_untagged_result(emulator: EmulatorHandle) -> None:
    op = CONTRACTS.operation("beta", RESULT_CREATE)
    accepted, answer = emulator_verdict(emulator, op, {"status": True})
    assert not accepted
    assert answer.startswith("400")


def test_generated_bodies_of_a_derived_type_carry_the_tag() -> None:
    op = CONTRACTS.operation("beta", RESULT_CREATE)
    strategies = BodyStrategies(CONTRACTS, "beta")

    @settings(max_examples=20, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(strategies.request_body(op))
    def check(body: dict[str, Any]) -> None:
        assert body["@odata.type"] == "#microsoft.graph.importedDeviceIdentityResult"

    check()


@pytest.mark.parametrize("op", OPERATIONS)
@settings(max_examples=12, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_schema_and_emulator_agree(op: Operation, emulator: EmulatorHandle, data: st.DataObject) -> None:
    strategies = BodyStrategies(CONTRACTS, op.version)
    body = data.draw(strategies.request_body(op), label="body")
    broken: Broken = data.draw(strategies.broken_body(op), label="broken")
    candidates = [body, untagged(body)]
    if broken.raw is None:
        candidates.append(broken.body)
    validator = Validator.for_operation(op.id, version=op.version)
    for candidate in candidates:
        accepted, answer = emulator_verdict(emulator, op, candidate)
        verdict = validator.is_valid(candidate)
        assert accepted == verdict, f"{op.id}: schema says {verdict}, emulator {accepted} on {candidate}: {answer}"

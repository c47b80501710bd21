"""The contract profile must agree with plain jsonschema on the committed schemas, body for body.

``Validator`` adds issue codes, messages and (in the upload profile) the
Autopilot rules on top of jsonschema; in the contract profile its verdict must
be exactly jsonschema's, or the emulator and the CLI would disagree with the
published schemas. Generated bodies and one-rule mutations probe both sides.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from graph_contracts.contracts import default_contracts
from graph_contracts.resources import schemas_dir
from graph_contracts.strategies import BodyStrategies, Broken
from graph_contracts.validation import Validator, validate

CONTRACTS = default_contracts()
OPERATIONS = [
    pytest.param(version, op, id=f"{version}-{op.id}")
    for version in ("v1.0", "beta")
    for op in CONTRACTS.operations_in(version)
    if op.has_request_body
]


def _reference(version: str, op_id: str) -> Draft202012Validator:
    path = schemas_dir() / version / "operations" / f"{op_id}.request.json"
    return Draft202012Validator(json.loads(path.read_text(encoding="utf-8")))


def _agree(version: str, op_id: str, body: Any) -> None:
    ours = Validator.for_operation(op_id, version=version)
    expected = _reference(version, op_id).is_valid(body)
    assert ours.is_valid(body) == expected, body
    errors = [i for i in validate(body, operation=op_id, version=version) if i.severity == "error"]
    assert (not expected) == bool(errors), (body, errors)


@pytest.mark.parametrize(("version", "op"), OPERATIONS)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_generated_bodies(version: str, op: Any, data: st.DataObject) -> None:
    body = data.draw(BodyStrategies(CONTRACTS, version).request_body(op))
    _agree(version, op.id, body)


@pytest.mark.parametrize(("version", "op"), OPERATIONS)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_one_rule_mutations(version: str, op: Any, data: st.DataObject) -> None:
    broken: Broken = data.draw(BodyStrategies(CONTRACTS, version).broken_body(op))
    if broken.raw is not None:  # malformed JSON never reaches a validator
        return
    _agree(version, op.id, broken.body)

"""The strategies generate what they promise: valid bodies pass the schema, broken ones fail on their one rule."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from graph_contracts.autopilot import check_hardware_hash, decode_hardware_hash
from graph_contracts.contracts import default_contracts
from graph_contracts.schemas import DATETIME_PATTERN
from graph_contracts.strategies import BodyStrategies, Broken, datetimes_with_offset, guids
from graph_contracts.validation import Validator

CONTRACTS = default_contracts()
BODY_OPS = [(v, o.id) for (v, _), o in sorted(CONTRACTS.operations.items()) if o.has_request_body]


@pytest.mark.parametrize(("version", "op_id"), BODY_OPS)
@settings(max_examples=15)
@given(data=st.data())
def test_generated_bodies_conform_to_the_request_schema(version: str, op_id: str, data: st.DataObject):
    op = CONTRACTS.operation(version, op_id)
    body = data.draw(BodyStrategies(CONTRACTS, version).request_body(op))
    assert Validator.for_operation(op_id, version=version).validate(body) == []


@pytest.mark.parametrize(("version", "op_id"), BODY_OPS)
@settings(max_examples=15)
@given(data=st.data())
def test_broken_bodies_break_exactly_their_rule(version: str, op_id: str, data: st.DataObject):
    op = CONTRACTS.operation(version, op_id)
    broken: Broken = data.draw(BodyStrategies(CONTRACTS, version).broken_body(op))
    if broken.rule == "malformed-json":
        with pytest.raises(json.JSONDecodeError):
            json.loads(broken.content())
        return
    issues = Validator.for_operation(op_id, version=version).validate(broken.body)
    assert [(i.code, i.pointer) for i in issues] == [(broken.rule, broken.pointer)]


@settings(max_examples=25)
@given(device=BodyStrategies(CONTRACTS, "v1.0").autopilot_device())
def test_autopilot_devices_carry_a_hash_that_decodes_to_their_serial(device: dict):
    assert check_hardware_hash(device["hardwareIdentifier"], "/hardwareIdentifier") == []
    assert decode_hardware_hash(device["hardwareIdentifier"]).serial_number == device["serialNumber"]
    assert Validator.for_type("importedWindowsAutopilotDeviceIdentity", profile="upload").validate(device) == []


@given(value=datetimes_with_offset())
def test_datetimes_always_carry_an_offset(value: str):
    assert re.match(DATETIME_PATTERN, value), value


@given(value=guids())
def test_guids_are_canonical(value: str):
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", value)

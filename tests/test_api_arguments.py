"""The Python API refuses arguments it cannot take with ``InvalidArgumentError``, before any work.

A misspelt direction used to select the request schema without a word, and a
wrong schema or batch failed with an ``AttributeError`` from deep inside.
"""

from __future__ import annotations

from typing import Any

import pytest

from graph_contracts import InvalidArgumentError, Validator, validate
from graph_contracts.autopilot.batch import BatchChecker

DEVICE = "importedWindowsAutopilotDeviceIdentity"


@pytest.mark.parametrize("direction", ["Response", "REQUEST", "sideways", None, "", 1])
def test_validate_refuses_a_direction_it_does_not_document(direction: Any) -> None:
    with pytest.raises(ValueError, match=r"'request', 'response'") as caught:
        validate({}, type=DEVICE, direction=direction)
    assert isinstance(caught.value, InvalidArgumentError) and caught.value.argument == "direction"
    assert caught.value.choices == ("request", "response")


@pytest.mark.parametrize("make", [Validator.for_type, Validator.for_operation])
def test_the_validator_builders_refuse_it_too(make: Any) -> None:
    with pytest.raises(InvalidArgumentError, match="direction"):
        make(f"{DEVICE}.import" if make is Validator.for_operation else DEVICE, direction="Request")


def test_the_documented_spellings_still_work() -> None:
    assert validate({"serialNumber": 5}, type=DEVICE, direction="request") != []
    assert validate({}, type="windowsAutopilotDeviceIdentity", direction="response") == []


def test_validate_refuses_an_unknown_profile_naming_the_choices() -> None:
    with pytest.raises(ValueError, match=r"'contract', 'upload'"):
        validate({}, type=DEVICE, profile="Upload")  # type: ignore[arg-type]


@pytest.mark.parametrize("schema", [None, 5, "schema.json", ["a"]])
def test_a_validator_of_no_schema_is_a_clear_type_error(schema: Any) -> None:
    with pytest.raises(TypeError, match="a JSON Schema is a mapping") as caught:
        Validator(schema)
    assert isinstance(caught.value, InvalidArgumentError) and caught.value.argument == "schema"
    assert type(schema).__name__ in str(caught.value)


def test_validate_many_refuses_a_batch_that_is_no_batch_checker_at_the_call() -> None:
    validator = Validator.for_type(DEVICE, profile="upload")
    with pytest.raises(TypeError, match="BatchChecker or None, not str") as caught:
        validator.validate_many([{}], batch="x")  # type: ignore[arg-type]
    assert isinstance(caught.value, InvalidArgumentError) and caught.value.argument == "batch"
    assert [index for index, _ in validator.validate_many([{}], batch=BatchChecker())] == [0]
    assert [index for index, _ in validator.validate_many([{}, {}])] == [0, 1]

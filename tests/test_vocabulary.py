"""Graph names and small pieces of logic the code needs in several places are written once.

The Autopilot import's collection name was defined four times under three
names (records, validation, hash_input, the emulator's state).
"""

from __future__ import annotations

from pathlib import Path

import graph_contracts
from graph_contracts.autopilot.catalog import AUTOPILOT_COLLECTION, AUTOPILOT_TYPE
from graph_contracts.issues import Issue
from graph_contracts.validation import Validator, odata_type_validator

SOURCE = Path(graph_contracts.__file__).parent


def test_the_import_collection_and_type_are_spelt_once_in_the_code() -> None:
    for name in (AUTOPILOT_COLLECTION, AUTOPILOT_TYPE, "windowsAutopilotDeviceIdentities"):
        defined = [
            str(p.relative_to(SOURCE))
            for p in SOURCE.rglob("*.py")
            for line in p.read_text(encoding="utf-8").splitlines()
            if line.split("#")[0].rstrip().endswith(f'= "{name}"')
        ]
        assert defined == ["autopilot/catalog.py"], (name, defined)


def test_odata_type_inference_names_the_validator_or_says_why_not() -> None:
    found = odata_type_validator({"@odata.type": f"#microsoft.graph.{AUTOPILOT_TYPE}"}, "v1.0")
    assert isinstance(found, Validator)
    unknown = odata_type_validator({"@odata.type": "#microsoft.graph.nothingLikeThis"}, "v1.0")
    assert isinstance(unknown, Issue) and (unknown.pointer, unknown.code) == ("/@odata.type", "odata-type")
    assert odata_type_validator({"serialNumber": "x"}, "v1.0") is None
    assert odata_type_validator([1, 2], "v1.0") is None

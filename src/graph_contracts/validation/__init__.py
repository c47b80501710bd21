"""The validator and everything around it, one module a job, lowest first:

- ``profiles``: the profiles, directions, and the Autopilot type and collection names;
- ``results``: ``RecordResult``, the issues of one record of a file, as plain data;
- ``schema_errors``: jsonschema's errors into ``Issue``s;
- ``plain_json``: whether a payload is plain JSON, and the issues of one that is not JSON at all;
- ``fast_schema``: the schemas rewritten for jsonschema-rs, the fast "valid" verdict;
- ``placing``: issues placed in the file their record came from (pointer, row, CSV column);
- ``loading``: the shipped schemas by type or operation name (``UnknownContractError``);
- ``validator``: ``Validator``, the one door for a payload and for a stream of records
  (``check_stream``: the clean-row lane, the batch and duplicate checks, issue placing), and
  ``validate``;
- ``parallel``: one large CSV file validated by worker processes, with one process's output;
- ``targets``: the type and operation names a user gives, resolved to the contract's (``resolve_target``);
- ``files``: files on disk opened and their target picked (``Run``, ``check_file``);
- ``csv_payloads``: ``csv to-payload``, a valid CSV as import-action bodies.

This package is the public face: import from ``graph_contracts.validation``, not from its modules.
"""

from __future__ import annotations

from typing import Any

from .csv_payloads import Payloads, csv_problems, csv_to_payloads, device_record, earlier_batches
from .files import MAX_JSON_BYTES, STDIN_NAME, Run, check_autopilot_csv, check_file, csv_issues, validate_file
from .loading import UnknownContractError
from .placing import place_issues
from .plain_json import MAX_NESTING
from .profiles import AUTOPILOT_COLLECTION, AUTOPILOT_TYPE, DIRECTIONS, PROFILES, Direction, Profile
from .results import RecordResult
from .schema_errors import JSON_TYPE_NAMES, PATTERN_CODES, schema_issues, schema_validator_class
from .targets import request_names, resolve_target
from .validator import Validator, odata_type_validator, validate

__all__ = [
    "AUTOPILOT_COLLECTION",
    "AUTOPILOT_TYPE",
    "DIRECTIONS",
    "JSON_TYPE_NAMES",
    "MAX_JSON_BYTES",
    "MAX_NESTING",
    "PATTERN_CODES",
    "PROFILES",
    "STDIN_NAME",
    "Direction",
    "Payloads",
    "Profile",
    "RecordResult",
    "Run",
    "SchemaValidator",
    "UnknownContractError",
    "Validator",
    "check_autopilot_csv",
    "check_file",
    "csv_issues",
    "csv_problems",
    "csv_to_payloads",
    "device_record",
    "earlier_batches",
    "odata_type_validator",
    "place_issues",
    "request_names",
    "resolve_target",
    "schema_issues",
    "validate",
    "validate_file",
]


def __getattr__(name: str) -> Any:
    """``SchemaValidator``, built (and jsonschema imported) when first asked for (``schema_errors``)."""
    if name == "SchemaValidator":
        return schema_validator_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

"""graph-contracts: contract tests and payload validation for the Graph Windows Autopilot device-identity APIs.

The public API is what ``__all__`` lists; everything else may change.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import (
    AccessError,
    AuthenticationError,
    CassetteMissError,
    CheckFailed,
    CompareError,
    ConfigurationError,
    ContractError,
    DocParseError,
    EndpointError,
    GraphContractsError,
    GraphError,
    HardwareHashError,
    InflateLimitError,
    InputFileError,
    InvalidArgumentError,
    MatrixError,
    PagingError,
    PermissionsFileError,
    SchemaDriftError,
    SecretLeakError,
    StateFileError,
    TokenError,
    TrafficFileError,
    TransportError,
    UnknownContractError,
)
from .issues import Issue, Location

if TYPE_CHECKING:
    from .validation import PROFILES, Validator, check_autopilot_csv, validate

#: Names imported on first use: the validator pulls in jsonschema (~0.2 s), which commands such as
#: ``permissions --operation`` never need, and every command pays for what the package imports.
_LAZY = {
    "check_autopilot_csv": "validation",
    "PROFILES": "validation",
    "Validator": "validation",
    "validate": "validation",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__version__ = "0.1.0"

__all__ = [
    "PROFILES",
    "AccessError",
    "AuthenticationError",
    "CassetteMissError",
    "CheckFailed",
    "CompareError",
    "ConfigurationError",
    "ContractError",
    "DocParseError",
    "EndpointError",
    "GraphContractsError",
    "GraphError",
    "HardwareHashError",
    "InflateLimitError",
    "InputFileError",
    "InvalidArgumentError",
    "Issue",
    "Location",
    "MatrixError",
    "PagingError",
    "PermissionsFileError",
    "SchemaDriftError",
    "SecretLeakError",
    "StateFileError",
    "TokenError",
    "TrafficFileError",
    "TransportError",
    "UnknownContractError",
    "Validator",
    "__version__",
    "check_autopilot_csv",
    "validate",
]

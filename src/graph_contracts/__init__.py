"""graph-contracts: contract tests and payload validation for the Graph Windows Autopilot device-identity APIs.

The public API is what ``__all__`` lists; everything else may change.
"""

from __future__ import annotations

from .errors import (
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
    InputFileError,
    SchemaDriftError,
    SecretLeakError,
    TrafficFileError,
    TransportError,
    UnknownContractError,
)
from .issues import Issue, Location
from .validate_files import check_autopilot_csv
from .validation import PROFILES, Validator, validate

__version__ = "0.1.0"

__all__ = [
    "PROFILES",
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
    "InputFileError",
    "Issue",
    "Location",
    "SchemaDriftError",
    "SecretLeakError",
    "TrafficFileError",
    "TransportError",
    "UnknownContractError",
    "Validator",
    "__version__",
    "check_autopilot_csv",
    "validate",
]

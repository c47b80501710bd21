"""Offline checks for Windows Autopilot device imports: the hardware hash, the records, the CSV.

Everything here works without a tenant: it proves a hash, record or CSV file
malformed where the documented facts allow, and says what Intune would do
with it. It cannot prove a hash valid, since the service's own validation is
not public.
"""

from __future__ import annotations

from graph_contracts.autopilot.batch import BatchChecker, check_batch
from graph_contracts.autopilot.catalog import RULES, RULES_BY_CODE, Rule
from graph_contracts.autopilot.csv_lines import (
    COLUMN_TO_PROPERTY,
    KNOWN_COLUMNS,
    PARTNER_COLUMNS,
    REQUIRED_COLUMNS,
)
from graph_contracts.autopilot.csv_reader import AutopilotCsv, CsvRow
from graph_contracts.autopilot.hardware_hash import (
    analyse_hardware_hash,
    check_hardware_hash,
    decode_hardware_hash,
)
from graph_contracts.autopilot.hash_build import build_hardware_hash, encode_hardware_hash
from graph_contracts.autopilot.hash_layout import (
    HASH_SIZE,
    HASH_TEXT_LENGTH,
    RECORD_NAMES,
    HardwareHash,
    HashRecord,
)
from graph_contracts.autopilot.rules import (
    BATCH_LIMIT,
    PLACEHOLDER_SERIALS,
    check_device,
    hash_serial,
)
from graph_contracts.errors import HardwareHashError
from graph_contracts.textio import ByteSource

__all__ = [
    "BATCH_LIMIT",
    "COLUMN_TO_PROPERTY",
    "HASH_SIZE",
    "HASH_TEXT_LENGTH",
    "KNOWN_COLUMNS",
    "PARTNER_COLUMNS",
    "PLACEHOLDER_SERIALS",
    "RECORD_NAMES",
    "REQUIRED_COLUMNS",
    "RULES",
    "RULES_BY_CODE",
    "AutopilotCsv",
    "BatchChecker",
    "ByteSource",
    "CsvRow",
    "HardwareHash",
    "HardwareHashError",
    "HashRecord",
    "Rule",
    "analyse_hardware_hash",
    "build_hardware_hash",
    "check_batch",
    "check_device",
    "check_hardware_hash",
    "decode_hardware_hash",
    "encode_hardware_hash",
    "hash_serial",
]

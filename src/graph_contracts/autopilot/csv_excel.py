"""The signs in an Autopilot CSV row that a spreadsheet touched it: Excel damage and formulas.

A file opened and saved in Excel loses what Intune needs (serials in scientific
notation, leading zeros stripped, hashes cut at a cell limit), and a value
starting like a formula runs when a spreadsheet opens an export. These checks
look at one mapped record and say so; ``csv_reader`` runs them on each row.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from graph_contracts.autopilot.catalog import make_issue
from graph_contracts.autopilot.rules import hash_serial
from graph_contracts.issues import FORMULA_STARTS, Issue, is_formula, quote

_SCIENTIFIC = re.compile(r"[+-]?[0-9]+(?:[.,][0-9]+)?E[+-]?[0-9]+\Z", re.IGNORECASE)
#: Lengths at which spreadsheet tools cut a cell: old Excel/CSV imports, and Excel's cell limit.
_EXCEL_CELL_LIMITS = (255, 32767)


def _scientific_serial(record: Mapping[str, str]) -> Issue | None:
    serial = record.get("serialNumber", "").strip()
    if not _SCIENTIFIC.match(serial):
        return None
    return make_issue(
        "csv-excel-mangled",
        "/serialNumber",
        f"serial number {quote(serial)} is in scientific notation: Excel turned a numeric serial "
        "into a number and its digits are lost; take the serial from the original export and "
        "don't open the file in Excel",
    )


def _stripped_zeros(record: Mapping[str, str]) -> Issue | None:
    serial = record.get("serialNumber", "").strip()
    if not serial.isdigit():
        return None
    in_hash = hash_serial(record.get("hardwareIdentifier"))
    if not in_hash or not in_hash.startswith("0") or in_hash.lstrip("0") != serial:
        return None
    return make_issue(
        "csv-excel-mangled",
        "/serialNumber",
        f"serial number {quote(serial)} is the hash's {quote(in_hash)} without its leading "
        "zeros: Excel read it as a number; use the serial from the original export",
    )


def _cut_hash(record: Mapping[str, str]) -> Issue | None:
    length = len(record.get("hardwareIdentifier", ""))
    if length not in _EXCEL_CELL_LIMITS:
        return None
    return make_issue(
        "csv-excel-mangled",
        "/hardwareIdentifier",
        f"the hash is exactly {length} characters, a spreadsheet cell limit: it was cut "
        "when the file was edited; a hash has 4000 characters",
    )


_EXCEL_SIGNS: tuple[Callable[[Mapping[str, str]], Issue | None], ...] = (
    _scientific_serial,
    _stripped_zeros,
    _cut_hash,
)


def excel_signs(record: Mapping[str, str]) -> list[Issue]:
    serial = record.get("serialNumber", "")
    if (
        "E" not in serial
        and "e" not in serial
        and not serial.strip().isdigit()
        and len(record.get("hardwareIdentifier", "")) not in _EXCEL_CELL_LIMITS
    ):
        return []  # none of the signs can apply: no exponent, not all digits, no cut length
    return [issue for sign in _EXCEL_SIGNS if (issue := sign(record)) is not None]


#: The free-text values of a row a formula could hide in, and how a message names them.
_FORMULA_PROPERTIES = (("serialNumber", "serial number"), ("groupTag", "group tag"))


def formula_cells(record: Mapping[str, str]) -> list[Issue]:
    """A ``csv-formula`` warning for each value a spreadsheet would run as a formula (``is_formula``)."""
    serial, tag = record.get("serialNumber"), record.get("groupTag")
    if (not serial or serial[0] not in FORMULA_STARTS) and (not tag or tag[0] not in FORMULA_STARTS):
        return []  # the usual row: no value starts as a formula can
    return [
        make_issue(
            "csv-formula",
            f"/{prop}",
            f"{label} {quote(value)} is a spreadsheet formula: Excel runs it when this file, or an export of "
            "the devices, is opened (formula injection); unless the device really reports it, replace it "
            "(reports show it escaped, with a leading single quote)",
        )
        for prop, label in _FORMULA_PROPERTIES
        if is_formula(value := record.get(prop, ""))
    ]

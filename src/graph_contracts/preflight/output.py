"""Preflight's reports as text: grouped by verdict for people, JSON, CSV for Excel, JUnit XML for CI.

Each renderer takes a ``PreflightResult`` and returns the whole document;
the CLI writes it. The CSV is the admin's own rows with ``verdict`` and
``reason`` appended; a cell that Excel would run as a formula (starting with
``=``, ``+``, ``-``, ``@``, a tab or a carriage return) is written with a
leading apostrophe, so opening the report never runs what a row carried.
"""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping
from typing import Any

from .model import CODES, VERDICTS, WILL_IMPORT, DeviceVerdict, PreflightResult

#: What Excel reads as the start of a formula (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: str) -> str:
    """``value`` safe to open in a spreadsheet: a leading apostrophe before a formula's first character."""
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


def _where(v: DeviceVerdict) -> str:
    serial = v.device.serial or "(no serial)"
    return f"{v.device.file}, {v.device.row}: {serial}"


def text(result: PreflightResult, paint: Callable[[str, str], str] = lambda t, s: t) -> str:
    """Grouped by verdict, with counts; the notes (what was skipped or not read) last."""
    lines: list[str] = []
    for verdict in VERDICTS:
        group = [v for v in result.verdicts if v.verdict == verdict]
        if not group:
            continue
        style = "ok" if verdict == WILL_IMPORT else "error"
        lines.append(paint(f"{verdict}: {len(group)}", style))
        lines += [f"  {_where(v)}: {v.reason}" for v in group]
    for note in result.notes:
        lines.append(paint("note:", "note") + f" {note}")
    counts = ", ".join(f"{result.count(v)} {v}" for v in VERDICTS if result.count(v))
    lines.append(
        f"{len(result.verdicts)} devices: {counts or 'none'} (read {result.registered_devices} registered "
        f"devices and {result.imported_identities} imported identities in {result.requests} requests)"
    )
    return "\n".join(lines) + "\n"


def as_json(result: PreflightResult) -> str:
    doc: dict[str, Any] = {
        "devices": [
            {
                "file": v.device.file,
                "row": v.device.row,
                "serialNumber": v.device.serial,
                "verdict": v.code,
                "reason": v.reason,
                "details": dict(v.details),
            }
            for v in result.verdicts
        ],
        "counts": {CODES[v]: result.count(v) for v in VERDICTS},
        "notes": list(result.notes),
        "requests": result.requests,
        "registeredDevices": result.registered_devices,
        "importedIdentities": result.imported_identities,
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def as_csv(result: PreflightResult) -> str:
    """The admin's rows, their columns in the order read (a union over files), plus verdict and reason."""
    columns: dict[str, None] = {}
    for v in result.verdicts:
        columns.update(dict.fromkeys(name for name, _ in v.device.fields))
    header = [*columns, "verdict", "reason"]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([csv_cell(h) for h in header])
    for v in result.verdicts:
        values: Mapping[str, str] = dict(v.device.fields)
        writer.writerow([csv_cell(values.get(c, "")) for c in columns] + [v.code, csv_cell(v.reason)])
    return out.getvalue()


def as_junit(result: PreflightResult) -> str:
    """One test case per device, failing unless it will import; the notes as the suite's system-out."""
    failures = sum(v.verdict != WILL_IMPORT for v in result.verdicts)
    root = ET.Element("testsuites")
    suite = ET.SubElement(
        root,
        "testsuite",
        name="graph-contracts preflight",
        tests=str(len(result.verdicts)),
        failures=str(failures),
        errors="0",
    )
    for v in result.verdicts:
        case = ET.SubElement(suite, "testcase", classname=v.device.file, name=f"{v.device.row}: {v.device.serial}")
        if v.verdict != WILL_IMPORT:
            failure = ET.SubElement(case, "failure", type=v.code, message=v.reason)
            failure.text = v.reason
    if result.notes:
        ET.SubElement(suite, "system-out").text = "\n".join(result.notes)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


#: Renderers by ``--format``.
FORMATS: Mapping[str, Callable[[PreflightResult], str]] = {
    "json": as_json,
    "csv": as_csv,
    "junit": as_junit,
}

"""``csv to-payload``: a valid Autopilot CSV as import-action bodies of at most 500 devices, or nothing."""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import NamedTuple

from ..autopilot import AutopilotCsv
from ..autopilot.rules import BATCH_LIMIT
from ..errors import ConfigurationError
from ..issues import Issue
from .files import check_file
from .profiles import AUTOPILOT_COLLECTION, AUTOPILOT_TYPE
from .results import RecordResult
from .validator import Validator

__all__ = [
    "BATCH_NAME",
    "PORTAL_ONLY",
    "Payloads",
    "csv_problems",
    "csv_to_payloads",
    "device_record",
    "earlier_batches",
]


ODATA_DEVICE = f"#microsoft.graph.{AUTOPILOT_TYPE}"
_OPTIONAL = ("productKey", "groupTag", "assignedUserPrincipalName")


def device_record(record: dict[str, str]) -> dict[str, str]:
    """One CSV record as an import item: optional properties only when the CSV gave them a value."""
    item = {
        "@odata.type": ODATA_DEVICE,
        "serialNumber": record.get("serialNumber", ""),
        "hardwareIdentifier": record.get("hardwareIdentifier", ""),
    }
    for prop in _OPTIONAL:
        value = record.get(prop, "")
        if value.strip():
            item[prop] = value
    return item


def _batches(path: Path, size: int) -> Iterator[tuple[list[int], list[dict[str, str]]]]:
    """The import items of the CSV's rows in batches of ``size``, each with the rows they come from.

    A row that could not be split into the header's columns (or holds binary data) is left out: its
    error, which the first pass reports, means no batch is written anyway.
    """
    rows: list[int] = []
    batch: list[dict[str, str]] = []
    for row in AutopilotCsv(path):
        if not row.shaped:
            continue
        rows.append(row.row)
        batch.append(device_record(row.record))
        if len(batch) == size:
            yield rows, batch
            rows, batch = [], []
    if batch:
        yield rows, batch


#: CSV issues that only the portal's upload minds: the JSON bodies ``csv to-payload`` writes are unaffected.
PORTAL_ONLY: dict[str, str] = {
    "csv-quotes": "the portal would refuse the quotation marks; the values were read without them, so the "
    "import bodies are unaffected",
    "csv-type-line": "the portal would refuse the #TYPE line; it was skipped, so the import bodies are unaffected",
    "csv-encoding": "the file was decoded as such; the import bodies are written as UTF-8, so there is nothing "
    "to change for them",
    "csv-separator": "the portal would refuse the file; the values were read with the separator found, so the "
    "import bodies are unaffected",
}


def _for_payload(issue: Issue) -> Issue:
    """A portal-only CSV issue as a warning saying why it does not matter for an import body."""
    note = PORTAL_ONLY.get(issue.code)
    if note is None:
        return issue
    first = issue.message.split("; ")[0]  # "; ", as a message may quote the ';' separator itself
    return replace(issue, severity="warning", message=f"{first}; {note}")


#: Where a device of an import body is: its index and the pointer within it.
_ITEM = re.compile(rf"/{AUTOPILOT_COLLECTION}/([0-9]+)(/.*)?\Z")


def csv_problems(path: Path, *, version: str = "v1.0", batch_size: int = BATCH_LIMIT) -> Iterator[RecordResult]:
    """First pass of ``csv_to_payloads``: every record with issues, as the batches would be sent.

    The CSV rules run over the whole file (so a duplicate across batches is
    found) except the 500-row limit, which the batching itself satisfies; each
    batch body is then validated as the import action's upload body, one batch
    in memory at a time. An issue of a batch's device that its row already
    reported is not reported again: one error is counted once.
    """
    reported: set[tuple[int | None, str, str]] = set()
    for result in check_file(path, version=version, profile="upload"):
        issues = [_for_payload(i) for i in result.issues if i.code != "batch-size"]
        if issues:
            reported.update((result.line, i.pointer, i.code) for i in issues)
            yield replace(result, issues=issues)
    body_validator = Validator.for_operation(f"{AUTOPILOT_TYPE}.import", version=version, profile="upload")
    for number, (rows, batch) in enumerate(_batches(path, batch_size), 1):
        issues = []
        for issue in body_validator.validate({AUTOPILOT_COLLECTION: batch}):
            item = _ITEM.match(issue.pointer)
            if item is None or (rows[int(item[1])], item[2] or "", issue.code) not in reported:
                issues.append(issue)
        if any(i.severity == "error" for i in issues):
            yield RecordResult(str(path), f"batch {number}", issues, is_record=False)


#: The files ``csv to-payload`` writes, and how each of them starts (``json.dump`` with ``indent=2``).
BATCH_NAME = re.compile(r"batch-[0-9]{4,}\.json\Z")
_BATCH_START = f'{{\n  "{AUTOPILOT_COLLECTION}": ['.encode()


def earlier_batches(out_dir: Path) -> list[Path]:
    """The batch files an earlier ``csv to-payload`` wrote into ``out_dir``, by name and first bytes.

    A file named like one that this command did not write (or a folder of that name) raises
    ``FileExistsError``: it is not ours to replace or remove.
    """
    if not out_dir.is_dir():
        return []
    found: list[Path] = []
    for path in sorted(out_dir.iterdir()):
        if not BATCH_NAME.match(path.name):
            continue
        try:
            with path.open("rb") as handle:
                ours = handle.read(len(_BATCH_START)) == _BATCH_START
        except OSError:
            ours = False
        if not ours:
            raise FileExistsError(
                errno.EEXIST,
                f"{path} is in the way: csv to-payload did not write it, so it "
                "will not replace it; move it, or write to another folder (-o)",
                str(path),
            )
        found.append(path)
    return found


class Payloads(NamedTuple):
    """What ``csv_to_payloads`` did: the files written, the problems found, and the batch files of an
    earlier run it removed (they would have sat beside the new ones as if they were part of them)."""

    written: list[Path]
    problems: list[RecordResult]
    removed: list[Path]


def csv_to_payloads(path: Path, out_dir: Path, *, batch_size: int = BATCH_LIMIT, version: str = "v1.0") -> Payloads:
    """Write ``batch-0001.json``... for a CSV without errors; with any error, write nothing.

    The file is read twice rather than held: the first pass proves it valid,
    the second writes the batches into a temporary folder beside the output.
    Only when all are written does anything in ``out_dir`` change: each file
    moves into place with ``os.replace`` (atomic, so no half-written file is
    ever seen under a batch's name), and then the batch files an earlier run
    left (``earlier_batches``, say ``batch-0002.json`` of a larger file) are
    removed, so the folder holds this file's devices and no others. A failure
    before that (an unreadable row, a full disk) leaves the folder as it was.
    """
    if not 1 <= batch_size <= BATCH_LIMIT:
        raise ConfigurationError("batch_size", f"a batch holds 1..{BATCH_LIMIT} devices, not {batch_size}")
    problems = list(csv_problems(path, version=version, batch_size=batch_size))
    if any(r.errors for r in problems):
        return Payloads([], problems, [])
    earlier = earlier_batches(out_dir)  # before anything is written: a file in the way stops the run here
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    import tempfile  # here, not at the top: `validate` imports this package and never writes payloads

    staging = Path(tempfile.mkdtemp(prefix=".graph-contracts-", dir=out_dir))
    try:
        staged: list[Path] = []
        for number, (_rows, batch) in enumerate(_batches(path, batch_size), 1):
            target = staging / f"batch-{number:04d}.json"
            with target.open("w", encoding="utf-8", newline="\n") as handle:
                json.dump({AUTOPILOT_COLLECTION: batch}, handle, indent=2)
                handle.write("\n")
            staged.append(target)
        for target in staged:
            final = out_dir / target.name
            os.replace(target, final)
            written.append(final)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    names = {p.name for p in written}
    removed = [p for p in earlier if p.name not in names]
    for old in removed:
        old.unlink(missing_ok=True)
    return Payloads(written, problems, removed)

"""Validating files an admin has on disk: JSON payloads and Autopilot CSV files, each issue located."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

from .autopilot import AutopilotCsv
from .errors import InputFileError
from .issues import Issue, Location
from .validation import AUTOPILOT_COLLECTION, AUTOPILOT_TYPE, Profile, Validator

#: JSON is parsed whole; past this size, export CSV (streamed) or split the file.
MAX_JSON_BYTES = 256 * 1024 * 1024


def validate_file(
    name: str | Path,
    *,
    type: str | None = None,
    operation: str | None = None,
    version: str = "v1.0",
    profile: Profile = "upload",
) -> Iterator[Issue]:
    """Yield every issue in one file. A CSV file always gets the Autopilot CSV and upload rules."""
    path = Path(name)
    if not path.is_file():
        raise InputFileError(str(path), "no such file" if not path.exists() else "not a regular file")
    if path.suffix.lower() == ".csv":
        yield from _csv(path, version)
        return
    yield from _json(path, type=type, operation=operation, version=version, profile=profile)


def _csv(path: Path, version: str) -> Iterator[Issue]:
    reader = AutopilotCsv(path)
    schema = Validator.for_type(AUTOPILOT_TYPE, version=version, direction="request", profile="contract")
    for row in reader:
        yield from row.issues
        location = Location(str(path), row=row.row)
        for issue in schema.validate(row.record):
            if not any(i.pointer == issue.pointer and i.code == issue.code for i in row.issues):
                yield replace(issue, location=location)
    yield from reader.file_issues


def _json(path: Path, *, type: str | None, operation: str | None, version: str, profile: Profile) -> Iterator[Issue]:
    size = path.stat().st_size
    if size > MAX_JSON_BYTES:
        raise InputFileError(
            str(path), f"{size} bytes is more than the {MAX_JSON_BYTES} a JSON file may have; split it or use CSV"
        )
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputFileError(str(path), f"not UTF-8 text (byte {exc.start}); save the file as UTF-8") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputFileError(str(path), f"not valid JSON: {exc.msg}", exc.lineno, exc.colno) from None
    location = Location(str(path))
    if isinstance(data, list):
        validator = _validator_for(data[0] if data else {}, type, operation, version, profile)
        for index, issues in validator.validate_many(data):
            for issue in issues:
                yield replace(issue, pointer=f"/{index}{issue.pointer}", location=location)
        return
    validator = _validator_for(data, type, operation, version, profile)
    for issue in validator.validate(data, location=location):
        yield issue


def _validator_for(sample: Any, type: str | None, operation: str | None, version: str, profile: Profile) -> Validator:
    """Pick the schema: an explicit type or operation, else the import body's key, else @odata.type."""
    if operation:
        return Validator.for_operation(operation, version=version, profile=profile)
    if type is None and isinstance(sample, dict):
        if AUTOPILOT_COLLECTION in sample:
            return Validator.for_operation(f"{AUTOPILOT_TYPE}.import", version=version, profile=profile)
        odata = sample.get("@odata.type")
        if isinstance(odata, str) and odata:
            type = odata.lstrip("#").rsplit(".", 1)[-1]
    return Validator.for_type(type or AUTOPILOT_TYPE, version=version, profile=profile)

"""``graph-contracts validate`` starts without the modules only other commands need (issue 24).

The start of the process is part of what a user waits for on every file, so the
modules of the HTTP client, the emulator and the suite must not be imported on
the way to validating a CSV file: building the parser of every command used to
import ``httpx`` (and ``rich`` with it) through the paging options' defaults.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from graph_contracts.autopilot import build_hardware_hash, encode_hardware_hash

#: Modules ``validate`` has no use for on the happy path (YAML: the contracts, not the generated schemas;
#: concurrent.futures: --jobs only; xml and tempfile: the JUnit format and ``csv to-payload`` only).
NOT_NEEDED = (
    "httpx",
    "rich",
    "yaml",
    "concurrent",
    "starlette",
    "uvicorn",
    "hypothesis",
    "schemathesis",
    "vcr",
    "xml",
    "tempfile",
)

_CHILD = """
import contextlib, io, json, sys
from graph_contracts.cli import main
with contextlib.redirect_stdout(io.StringIO()):
    code = main(["validate", sys.argv[1]])
print(json.dumps({"code": code, "modules": sorted({m.split(".")[0] for m in sys.modules} & set(sys.argv[2:]))}))
"""


def _child(path: Path, modules: tuple[str, ...]) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, str(path), *modules], capture_output=True, text=True, check=True
    )
    found: dict[str, object] = json.loads(done.stdout)
    return found


def test_validate_a_csv_file_imports_no_http_client_emulator_or_suite(tmp_path: Path) -> None:
    path = tmp_path / "devices.csv"
    path.write_text("Device Serial Number,Windows Product ID,Hardware Hash\r\nSN1,,\r\n", encoding="ascii")
    found = _child(path, NOT_NEEDED)
    assert found["code"] == 1  # the row has no hash: the file was really validated
    assert found["modules"] == []


def test_validate_a_valid_csv_file_does_not_import_jsonschema(tmp_path: Path) -> None:
    """jsonschema explains a record the fast verdict rejects; a file of valid records never needs it."""
    text = encode_hardware_hash(build_hardware_hash("SN1", "Contoso", "Laptop"))
    path = tmp_path / "devices.csv"
    path.write_text(f"Device Serial Number,Windows Product ID,Hardware Hash\r\nSN1,,{text}\r\n", encoding="ascii")
    found = _child(path, ("jsonschema", *NOT_NEEDED))
    assert found["code"] == 0
    assert found["modules"] == []
    broken = tmp_path / "broken.json"  # a type the schema rejects: jsonschema says where and why
    broken.write_text(json.dumps({"serialNumber": 5, "hardwareIdentifier": text}), encoding="utf-8")
    assert _child(broken, ("jsonschema",)) == {"code": 1, "modules": ["jsonschema"]}

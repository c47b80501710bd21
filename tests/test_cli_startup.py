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

#: Modules ``validate`` has no use for on the happy path.
NOT_NEEDED = ("httpx", "rich", "starlette", "uvicorn", "hypothesis", "schemathesis", "vcr")

_CHILD = """
import contextlib, io, json, sys
from graph_contracts.cli import main
with contextlib.redirect_stdout(io.StringIO()):
    code = main(["validate", sys.argv[1]])
print(json.dumps({"code": code, "modules": sorted(m for m in sys.modules if m.split(".")[0] in sys.argv[2:])}))
"""


def test_validate_a_csv_file_imports_no_http_client_emulator_or_suite(tmp_path: Path) -> None:
    path = tmp_path / "devices.csv"
    path.write_text("Device Serial Number,Windows Product ID,Hardware Hash\r\nSN1,,\r\n", encoding="ascii")
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, str(path), *NOT_NEEDED], capture_output=True, text=True, check=True
    )
    found = json.loads(done.stdout)
    assert found["code"] == 1  # the row has no hash: the file was really validated
    assert found["modules"] == []

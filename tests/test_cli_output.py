"""The validate command's output edges: a closed pipe, summaries, progress."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HEADER = "Device Serial Number,Windows Product ID,Hardware Hash"


def _bad_csv(path: Path, rows: int) -> Path:
    path.write_text("\r\n".join([HEADER, *(f"SER{i},,notahash" for i in range(rows))]) + "\r\n", encoding="ascii")
    return path


def test_a_closed_pipe_stops_quietly_with_a_status_that_is_not_success(tmp_path: Path) -> None:
    files = [str(_bad_csv(tmp_path / f"bad{n}.csv", 3000)) for n in range(3)]
    process = subprocess.Popen(
        [sys.executable, "-m", "graph_contracts.cli", "validate", *files],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    assert process.stdout is not None and process.stderr is not None
    first = process.stdout.readline()
    process.stdout.close()  # what `| head -1` does after its line
    err = process.stderr.read().decode()
    status = process.wait(timeout=120)
    assert first.startswith(files[0].encode())
    assert status not in (0, 1, 2)  # neither "all valid", nor "errors found", nor "unreadable input"
    assert "Broken pipe" not in err and "cannot read" not in err and "Traceback" not in err

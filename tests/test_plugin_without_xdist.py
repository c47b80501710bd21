"""The pytest plugin loads where pytest-xdist is absent (a plain ``pip install graph-contracts``)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def test_the_plugin_loads_and_runs_a_test_with_xdist_disabled(tmp_path: Path) -> None:
    (tmp_path / "test_one.py").write_text("def test_one():\n    assert True\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:xdist", "-q", "-p", "no:cacheprovider", "test_one.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout

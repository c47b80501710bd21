"""The validate command's output edges: a closed pipe, summaries, progress."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from graph_contracts.cli import main
from graph_contracts.cli.terminal import Progress, Terminal

HEADER = "Device Serial Number,Windows Product ID,Hardware Hash"


def _bad_csv(path: Path, rows: int) -> Path:
    path.write_text("\r\n".join([HEADER, *(f"SER{i},,notahash" for i in range(rows))]) + "\r\n", encoding="ascii")
    return path


def test_a_closed_pipe_stops_quietly_with_a_status_that_is_not_success(tmp_path: Path) -> None:
    files = [str(_bad_csv(tmp_path / f"bad{n}.csv", 3000)) for n in range(3)]
    process = subprocess.Popen(
        [sys.executable, "-m", "graph_contracts.cli", "validate", *files],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None and process.stderr is not None
    first = process.stdout.readline()
    process.stdout.close()  # what `| head -1` does after its line
    err = process.stderr.read().decode()
    status = process.wait(timeout=120)
    assert first.startswith(files[0].encode())
    assert status not in (0, 1, 2)  # neither "all valid", nor "errors found", nor "unreadable input"
    assert "Broken pipe" not in err and "cannot read" not in err and "Traceback" not in err


def test_the_summary_counts_issues_by_code(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _bad_csv(tmp_path / "bad.csv", 3)
    assert main(["validate", str(path)]) == 1
    out = capsys.readouterr().out
    tail = out.strip().splitlines()[-2:]
    assert tail[0] == "3 records checked, 8 errors, 0 warnings"  # 3 x 2 hash faults, 2 duplicates
    assert tail[1].startswith("by code: ") and "hash-length 3" in tail[1] and "duplicate-hash 2" in tail[1]
    assert "per file:" not in out  # one file: the totals say it all


def test_several_files_get_a_line_each(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    first = _bad_csv(tmp_path / "a.csv", 2)
    second = tmp_path / "b.csv"
    second.write_text(HEADER + "\r\n", encoding="ascii")
    assert main(["validate", str(first), str(second), str(tmp_path / "missing.csv")]) == 2
    out = capsys.readouterr().out
    assert f"  {first}: 2 records, 5 errors, 0 warnings" in out
    assert f"  {second}: 0 records, 0 errors, 1 warning" in out  # empty-batch: a header and no devices
    assert f"  {tmp_path / 'missing.csv'}: unreadable" in out


def test_progress_shows_a_bar_and_rows_per_second_on_a_terminal() -> None:
    pty = pytest.importorskip("pty", reason="pseudo-terminals exist on POSIX only")
    master, slave = pty.openpty()
    stream = open(slave, "w", encoding="utf-8")  # noqa: SIM115 - closed below
    now = [0.0]
    try:
        progress = Progress(Terminal(stream), unit="records", after=0.5, clock=lambda: now[0])
        progress.advance(100, "devices.csv")
        assert not progress._shown  # not yet: short inputs never see it
        now[0] = 2.0
        progress.advance(1900)
        assert progress._shown
        assert progress.line(2.0).endswith("2,000 records, 1,000 records/s")
        assert progress.line(2.0).startswith("devices.csv [")
        progress.clear()
    finally:
        stream.close()
        os.close(master)


def test_progress_is_silent_when_stderr_is_not_a_terminal() -> None:
    err = io.StringIO()
    progress = Progress(Terminal(err), after=0.0, clock=lambda: 10.0)
    progress.advance(5000, "x.csv")
    progress.clear()
    assert err.getvalue() == ""


def test_validate_shows_progress_on_a_terminal_and_keeps_the_report_clean(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    pty = pytest.importorskip("pty", reason="pseudo-terminals exist on POSIX only")
    import functools

    from graph_contracts.cli import reporting

    path = _bad_csv(tmp_path / "long.csv", 1500)
    master, slave = pty.openpty()
    stream = open(slave, "w", encoding="utf-8")  # noqa: SIM115 - closed below
    # shown from the first record on, rather than after half a second, so the test needs no long input
    monkeypatch.setattr(reporting, "Progress", functools.partial(Progress, after=0.0))
    monkeypatch.setattr(sys, "stderr", stream)
    try:
        assert main(["validate", str(path)]) == 1
        stream.flush()
        os.set_blocking(master, False)
        shown = b""
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            if not chunk:
                break
            shown += chunk
    finally:
        stream.close()
        os.close(master)
    out = capsys.readouterr().out
    assert b"records/s" in shown and str(path).encode() in shown
    assert "\r" not in out and "records/s" not in out

"""gzip/zlib/deflate in recorded traffic goes through one capped inflater, and a capped body is never silent.

A 1 MB gzip body can inflate to 1 GB (a "zip bomb" in a shared HAR or cassette). ``traffic check`` refuses
the entry, ``traffic scan`` reports it as not scanned (it could hide a secret), ``traffic scrub`` writes
nothing (it cannot prove the copy clean). The caps are lowered to 1 MiB here so that the bombs stay small.
"""

from __future__ import annotations

import base64
import gzip
import json
import tracemalloc
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from graph_contracts.cli import main
from graph_contracts.errors import InflateLimitError
from graph_contracts.traffic import compression
from graph_contracts.traffic.compression import inflate

CAP = 1 << 20
#: Two caps' worth of zeros: about 2 KB of gzip.
BOMB = gzip.compress(b"\0" * (2 * CAP), mtime=0)
NOT_SCANNED = "not-scanned(inflates past 1 MiB)"


@pytest.fixture(autouse=True)
def small_caps(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(compression, "BODY_LIMIT", CAP)
    monkeypatch.setattr(compression, "FILE_LIMIT", CAP)


# -- the one function gives what the three old code paths gave


def _old_secrets(body: bytes) -> bytes | None:
    """``traffic.secrets._decompress`` before the change."""
    try:
        if body[:2] == b"\x1f\x8b":
            return gzip.decompress(body)
        return zlib.decompress(body)
    except (OSError, EOFError, zlib.error):
        try:
            return zlib.decompress(body, -zlib.MAX_WBITS)
        except zlib.error:
            return None


def _raw_deflate(data: bytes) -> bytes:
    packer = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    return packer.compress(data) + packer.flush()


@given(data=st.binary(max_size=4096) | st.text(max_size=2048).map(str.encode), extra=st.binary(max_size=64))
def test_inflate_gives_the_bytes_the_old_code_gave(data: bytes, extra: bytes) -> None:
    members = gzip.compress(data) + gzip.compress(extra, mtime=0) + b"\0\0"
    for packed in (gzip.compress(data), members, zlib.compress(data), _raw_deflate(data)):
        assert inflate(packed) == _old_secrets(packed)
    assert inflate(members) == gzip.decompress(members) == data + extra  # the reader's whole-file gunzip
    assert inflate(zlib.compress(data) + extra) == zlib.decompress(zlib.compress(data) + extra)  # trailing bytes
    for broken in (gzip.compress(data)[:-1], zlib.compress(data)[:-5], extra, b"\x1f\x8b" + extra):
        assert inflate(broken) == _old_secrets(broken)


def test_inflate_stops_at_the_cap_without_building_the_body() -> None:
    assert inflate(gzip.compress(b"\0" * CAP)) == b"\0" * CAP  # the cap itself is allowed
    bomb = gzip.compress(b"\0" * (64 * CAP), mtime=0)  # 64 MiB from ~64 KB
    tracemalloc.start()
    try:
        with pytest.raises(InflateLimitError) as caught:
            inflate(bomb)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert caught.value.limit == CAP and str(caught.value) == "inflates past 1 MiB"
    assert peak < 4 * CAP
    for packed in (zlib.compress(b"\0" * (2 * CAP)), _raw_deflate(b"\0" * (2 * CAP))):
        with pytest.raises(InflateLimitError):
            inflate(packed)


# -- a HAR and a cassette with a body past the cap, through the CLI


def _har(tmp_path: Path) -> Path:
    entry = {
        "request": {"method": "GET", "url": "https://graph.microsoft.com/v1.0/me", "headers": []},
        "response": {
            "status": 200,
            "statusText": "OK",
            "headers": [{"name": "Content-Encoding", "value": "gzip"}],
            "content": {
                "mimeType": "application/json",
                "encoding": "base64",
                "text": base64.b64encode(BOMB).decode("ascii"),
            },
        },
    }
    path = tmp_path / "bomb.har"
    path.write_text(json.dumps({"log": {"version": "1.2", "entries": [entry]}}, indent=2))
    return path


def _cassette(tmp_path: Path) -> Path:
    interaction = {
        "request": {"method": "GET", "uri": "https://graph.microsoft.com/v1.0/me", "body": None, "headers": {}},
        "response": {
            "status": {"code": 200, "message": "OK"},
            "headers": {"Content-Encoding": ["gzip"], "Content-Type": ["application/json"]},
            "body": {"string": BOMB},
        },
    }
    path = tmp_path / "bomb.yaml"
    path.write_text(yaml.safe_dump({"interactions": [interaction], "version": 1}))
    return path


def _body_line(path: Path) -> int:
    """The line where the bomb's base64 starts (HAR: its text member; YAML: the first line under !!binary)."""
    lines = path.read_text().splitlines()
    start = base64.b64encode(BOMB).decode("ascii")[:40]
    return next(i for i, line in enumerate(lines, 1) if start in line)


@pytest.mark.parametrize("make", [_har, _cassette], ids=["har", "cassette"])
def test_check_refuses_the_entry(
    make: Callable[[Path], Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = make(tmp_path)
    assert main(["traffic", "check", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"cannot read {path}: entry 0: response." in err and "inflates past 1 MiB; not read" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("make", [_har, _cassette], ids=["har", "cassette"])
def test_scan_reports_the_body_as_not_scanned(
    make: Callable[[Path], Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = make(tmp_path)
    assert main(["traffic", "scan", str(path)]) == 1
    out = capsys.readouterr().out.splitlines()
    line = _body_line(path)
    assert out == [f"{path}:{line}: {NOT_SCANNED}"]


@pytest.mark.parametrize("make", [_har, _cassette], ids=["har", "cassette"])
def test_scrub_writes_nothing(make: Callable[[Path], Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = make(tmp_path)
    out = tmp_path / ("out" + path.suffix)
    assert main(["traffic", "scrub", str(path), "-o", str(out)]) == 2
    assert not out.exists()
    err = capsys.readouterr().err
    assert f"cannot read {path}: cannot be scrubbed: a compressed body inflates past 1 MiB" in err
    assert "Traceback" not in err


# -- a whole gzipped file past the file cap


def test_a_gzipped_file_past_the_cap(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cassette = tmp_path / "big.yaml.gz"
    padding = "#" + " " * (2 * CAP) + "\n"
    cassette.write_bytes(gzip.compress(("interactions: []\n" + padding + "version: 1\n").encode()))
    streamed = tmp_path / "big.har.gz"  # the streaming reader meets the cap after the HAR's first entry
    entry = json.loads(_har(tmp_path).read_text())["log"]["entries"][0]
    entry["response"]["content"] = {"mimeType": "text/plain", "text": "ok"}
    entry["response"]["headers"] = []
    har = json.dumps({"log": {"version": "1.2", "entries": [entry, entry]}})
    streamed.write_bytes(gzip.compress((har + " " * (2 * CAP)).encode()))

    assert main(["traffic", "check", str(cassette)]) == 2
    assert f"cannot read {cassette}: is gzip-compressed and inflates past 1 MiB; not read" in capsys.readouterr().err
    assert main(["traffic", "check", str(streamed)]) == 2
    assert f"cannot read {streamed}: entry 2: is gzip-compressed and inflates past 1 MiB" in capsys.readouterr().err

    assert main(["traffic", "scan", str(cassette), str(streamed)]) == 1
    scanned = capsys.readouterr()
    assert scanned.out.splitlines() == [f"{streamed}:1: {NOT_SCANNED}", f"{cassette}:1: {NOT_SCANNED}"]
    # the summary does not count a file it never read as read (as text or as traffic)
    assert "scanned 2 files: 0 of recorded traffic with 0 exchanges, 0 read as text only, 2 not read" in (
        scanned.out + scanned.err
    )

    out = tmp_path / "out.yaml.gz"
    assert main(["traffic", "scrub", str(cassette), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"cannot read {cassette}: is gzip-compressed and inflates past 1 MiB" in err and "Traceback" not in err
    assert not out.exists()

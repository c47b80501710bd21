"""HAR files stream: ``log.entries`` is read one entry at a time (issue 22), with the same exchanges as before."""

from __future__ import annotations

import base64
import gzip
import json
import time
import tracemalloc
from pathlib import Path
from typing import Any

import pytest

from graph_contracts.traffic import TrafficFileError, read_traffic, reader

ITEMS = "https://graph.microsoft.com/v1.0/deviceManagement/windowsAutopilotDeviceIdentities"


def _entries() -> list[dict[str, Any]]:
    """Entries using every HAR field the reader reads: headers, postData text and params, base64 and gzip
    content, statusText, startedDateTime and a fractional ``time``, non-ASCII text."""
    return [
        {
            "startedDateTime": "2026-12-07T10:00:00.250Z",
            "time": 12.75,
            "request": {"method": "get", "url": ITEMS + "?$top=1", "headers": [{"name": "Accept", "value": "*/*"}]},
            "response": {
                "status": 200,
                "statusText": "OK",
                "headers": [{"name": "Content-Type", "value": "json"}],
                "content": {"text": '{"value": [{"displayName": "Gerät ✓"}]}'},
            },
        },
        {
            "startedDateTime": "2026-12-07T10:00:01+01:00",
            "time": 3,
            "request": {
                "method": "POST",
                "url": ITEMS,
                "headers": [],
                "postData": {"mimeType": "application/json", "text": '{"serialNumber": "SN-1", "n": 1.5e3}'},
            },
            "response": {"status": "201", "headers": [], "content": {"encoding": "base64", "text": "eyJpZCI6ICIxIn0="}},
        },
        {
            "request": {
                "method": "POST",
                "url": "https://login.microsoftonline.com/t/oauth2/v2.0/token",
                "postData": {"params": [{"name": "grant_type", "value": "client_credentials"}]},
            },
            "response": {
                "status": 200,
                "headers": [{"name": "Content-Encoding", "value": "gzip"}],
                "content": {"encoding": "base64", "text": base64.b64encode(gzip.compress(b'{"ok": true}')).decode()},
            },
        },
        {
            "startedDateTime": "not a date",
            "time": -1,
            "request": {"method": "DELETE", "url": ITEMS + "/1"},
            "response": {"status": 204},
        },
    ]


def _document() -> dict[str, Any]:
    return {
        "log": {
            "version": "1.2",
            "creator": {"name": "test", "version": "1"},
            "pages": [{"id": "p", "title": "a page"}],
            "entries": _entries(),
        }
    }


LAYOUTS = {
    "compact": lambda doc: json.dumps(doc).encode(),
    "indented": lambda doc: json.dumps(doc, indent=2, ensure_ascii=False).encode(),
    "bom": lambda doc: b"\xef\xbb\xbf" + json.dumps(doc).encode(),
    "gzip": lambda doc: gzip.compress(json.dumps(doc).encode()),
    "entries-first": lambda doc: json.dumps({"log": {"entries": doc["log"]["entries"], "version": "1.2"}}).encode(),
}


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_a_streamed_har_gives_the_exchanges_the_whole_document_reader_gives(tmp_path: Path, layout: str) -> None:
    path = tmp_path / "t.har"
    path.write_bytes(LAYOUTS[layout](_document()))
    assert reader._streams_as_har(path)  # the streaming path is the one under test
    streamed = list(read_traffic(path))
    whole = list(reader.read_har(_document(), str(path)))
    assert streamed == whole
    assert [e.extra for e in streamed] == [e.extra for e in whole]  # extra (the timings) is not compared by ==
    assert streamed[0].extra == {"started": 1796637600.25, "elapsed": 0.01275}
    assert streamed[1].request.body == b'{"serialNumber": "SN-1", "n": 1.5e3}'
    assert streamed[2].response.body == b'{"ok": true}'
    assert len(streamed) == 4


def test_a_har_that_breaks_off_after_some_entries_names_the_file_and_the_entry(tmp_path: Path) -> None:
    text = json.dumps(_document())
    cut = text.index('"DELETE"')  # inside the fourth entry
    big = _document()
    big["log"]["entries"] = _entries() * 500  # 2,000 entries, many reads of the parser's buffer
    for name, data, before in (
        ("t.har", text[:cut].encode(), 3),
        ("t.har.gz", gzip.compress(json.dumps(big).encode())[:-1000], None),
    ):
        path = tmp_path / name
        path.write_bytes(data)
        got: list[object] = []
        with pytest.raises(TrafficFileError) as caught:
            for exchange in read_traffic(path):
                got.append(exchange)
        if before is None:
            assert 0 < len(got) < 2000  # the entries before the break were read
        else:
            assert len(got) == before
        assert caught.value.entry == len(got)
        assert str(path) in str(caught.value)
        assert f"entry {len(got)}: " in str(caught.value)


def test_a_small_gzip_har_cut_short_keeps_the_whole_document_error(tmp_path: Path) -> None:
    path = tmp_path / "t.har.gz"
    path.write_bytes(gzip.compress(json.dumps(_document()).encode())[:-30])
    with pytest.raises(TrafficFileError, match="is gzip-compressed but does not decompress"):
        list(read_traffic(path))


def test_a_har_broken_before_its_first_entry_keeps_the_whole_document_error(tmp_path: Path) -> None:
    path = tmp_path / "t.har"
    path.write_text('{"log": {"entries": [{"request": ', encoding="utf-8")
    with pytest.raises(TrafficFileError, match="not valid JSON") as caught:
        list(read_traffic(path))
    assert (caught.value.entry, caught.value.line) == (None, 1)


def test_other_json_formats_are_not_taken_for_a_har(tmp_path: Path) -> None:
    for name, doc in (
        ("c.json", {"interactions": []}),
        ("m.json", {"mocks": []}),
        ("dotted.json", {"log.entries": [{"request": {}}]}),
        ("list.json", {"log": [{"entries": []}]}),
        ("str.har", {"log": {"entries": "x"}}),
    ):
        path = tmp_path / name
        path.write_text(json.dumps(doc), encoding="utf-8")
        assert not reader._streams_as_har(path), name
    with pytest.raises(TrafficFileError, match=r"log\.entries is not a list"):
        list(read_traffic(tmp_path / "str.har"))


def test_a_large_har_streams_in_bounded_memory(tmp_path: Path) -> None:
    """10,000 entries (~8 MB of JSON): the peak of Python memory while every exchange is read stays under a
    tenth of the file's size. Parsing the document whole holds its text (the file's size) and every entry's
    dicts and strings (several times that), so it cannot pass."""
    entry = {
        "startedDateTime": "2026-12-07T10:00:00Z",
        "time": 1.5,
        "request": {"method": "GET", "url": ITEMS + "/{n}", "headers": [{"name": "Accept", "value": "*/*"}]},
        "response": {
            "status": 200,
            "headers": [{"name": "Content-Type", "value": "application/json"}],
            "content": {"text": '{"id": "{n}", "serialNumber": "SN-{n}", "hash": "' + "A" * 500 + '"}'},
        },
    }
    template = json.dumps(entry)
    path = tmp_path / "big.har"
    with path.open("w", encoding="utf-8") as out:
        out.write('{"log": {"version": "1.2", "creator": {"name": "t", "version": "1"}, "entries": [')
        out.write(",".join(template.replace("{n}", str(n)) for n in range(10_000)))
        out.write("]}}")
    size = path.stat().st_size
    start = time.perf_counter()
    tracemalloc.start()
    try:
        count = 0
        last = None
        for exchange in read_traffic(path):
            count += 1
            last = exchange
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 10_000
    assert last is not None and last.request.url.endswith("/9999") and last.location.index == 9_999
    assert size > 7_000_000
    assert peak < size / 10, f"peak {peak} bytes while reading a {size}-byte HAR"
    assert time.perf_counter() - start < 30  # a guard against a quadratic reader, far above the ~2 s it takes


def test_a_syntax_error_in_the_middle_is_reported_at_its_entry(tmp_path: Path) -> None:
    """The parser reads 16 KiB at a time, many entries per read: the error still names the broken entry, not
    the first entry of the read it fell in."""
    entry = json.dumps({"request": {"method": "GET", "url": ITEMS}, "response": {"status": 200}})
    parts = [entry] * 300
    parts[100] = entry.replace("200", "2 00")
    path = tmp_path / "t.har"
    path.write_text('{"log": {"entries": [' + ",".join(parts) + "]}}", encoding="utf-8")
    got: list[object] = []
    with pytest.raises(TrafficFileError) as caught:
        for exchange in read_traffic(path):
            got.append(exchange)
    assert len(got) == 100
    assert caught.value.entry == 100
    assert "entry 100: " in str(caught.value) and str(path) in str(caught.value)

"""The traffic reader: real HAR, vcrpy and Dev Proxy files in, (location, request, response) out."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import vcr
import yaml
from starlette.applications import Starlette
from starlette.requests import Request as StarletteRequest
from starlette.responses import Response as StarletteResponse
from starlette.routing import Route

from graph_contracts.graph.endpoints import open_endpoint
from graph_contracts.traffic import Exchange, TrafficFileError, read_traffic
from har_recorder import HarRecorder
from loopback import serve

FIXTURES = Path(__file__).parent / "fixtures" / "traffic"
REPO_CASSETTES = Path(__file__).parent.parent / "cassettes"
ITEMS = "/v1.0/deviceManagement/windowsAutopilotDeviceIdentities"


@pytest.fixture(scope="module")
def emulator_har(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A HAR file written by httpx event hooks while a client talked to the emulator."""
    recorder = HarRecorder()
    with open_endpoint("emulator") as endpoint:
        token = endpoint.token("write")
        with httpx.Client(
            base_url=endpoint.base_url, event_hooks=recorder.hooks, headers={"Authorization": f"Bearer {token}"}
        ) as client:
            client.get(ITEMS)
            client.post(
                "/v1.0/deviceManagement/importedWindowsAutopilotDeviceIdentities",
                json={"serialNumber": "SN-1", "hardwareIdentifier": "aGFyZHdhcmU="},
            )
    return recorder.save(tmp_path_factory.mktemp("har") / "emulator.har")


def test_har_from_a_real_recorder_yields_each_entry(emulator_har: Path) -> None:
    exchanges = list(read_traffic(emulator_har))
    assert [(e.request.method, e.request.path) for e in exchanges] == [
        ("GET", ITEMS),
        ("POST", "/v1.0/deviceManagement/importedWindowsAutopilotDeviceIdentities"),
    ]
    location, request, response = exchanges[1]
    assert (location.file, location.index, location.format) == (str(emulator_har), 1, "har")
    assert json.loads(request.body)["serialNumber"] == "SN-1"
    assert response.status == 201
    assert response.header("REQUEST-ID")
    assert json.loads(response.body)["serialNumber"] == "SN-1"


def test_har_form_params_and_base64_content(tmp_path: Path) -> None:
    har = {
        "log": {
            "version": "1.2",
            "entries": [
                {
                    "request": {
                        "method": "post",
                        "url": "https://login.microsoftonline.com/t/oauth2/v2.0/token",
                        "headers": [],
                        "postData": {
                            "mimeType": "application/x-www-form-urlencoded",
                            "params": [
                                {"name": "grant_type", "value": "client_credentials"},
                                {"name": "scope", "value": "a b"},
                            ],
                        },
                    },
                    "response": {
                        "status": 200,
                        "statusText": "OK",
                        "headers": [],
                        "content": {"mimeType": "application/json", "encoding": "base64", "text": "eyJhIjogMX0="},
                    },
                }
            ],
        }
    }
    path = tmp_path / "x.har"
    path.write_text(json.dumps(har))
    ((_, request, response),) = read_traffic(path)
    assert request.method == "POST"
    assert request.body == b"grant_type=client_credentials&scope=a+b"
    assert response.body == b'{"a": 1}'


def gzip_app() -> Starlette:
    async def items(request: StarletteRequest) -> StarletteResponse:
        body = gzip.compress(json.dumps({"value": [{"id": "1"}]}).encode())
        return StarletteResponse(body, 200, {"content-type": "application/json", "content-encoding": "gzip"})

    return Starlette(routes=[Route(ITEMS, items)])


# vcrpy's JSON serializer cannot hold binary, so it gets the body vcrpy decompressed; YAML keeps the gzip.
@pytest.mark.parametrize(("serializer", "decode"), [("yaml", False), ("json", True)])
def test_cassettes_written_by_vcrpy_with_gzip_bodies(tmp_path: Path, serializer: str, decode: bool) -> None:
    recorder = vcr.VCR(
        cassette_library_dir=str(tmp_path), serializer=serializer, record_mode="all", decode_compressed_response=decode
    )
    with serve(gzip_app()) as base, recorder.use_cassette(f"c.{serializer}"):
        assert httpx.get(base + ITEMS + "?$top=1").json() == {"value": [{"id": "1"}]}
    ((location, request, response),) = read_traffic(tmp_path / f"c.{serializer}")
    assert location.format == "vcr"
    assert request.url.endswith(ITEMS + "?$top=1")
    assert response.status == 200
    assert json.loads(response.body) == {"value": [{"id": "1"}]}  # the gzip the cassette kept, decoded


def test_every_cassette_in_the_repository_reads() -> None:
    files = sorted(REPO_CASSETTES.glob("*.yaml"))
    assert files
    for path in files[:20]:
        expected = len(yaml.safe_load(path.read_text(encoding="utf-8"))["interactions"])
        assert len(list(read_traffic(path))) == expected


def test_the_pre_1_0_vcrpy_layout() -> None:
    ((_, request, response),) = read_traffic(FIXTURES / "vcrpy-0.x-layout.yaml")
    assert request.url == "https://graph.microsoft.com" + ITEMS
    assert request.header("accept") == "application/json"
    assert response.header("Request-Id") == "6f1b0c1e-8d0c-4c59-a6a4-0d3e5f0d9a11"


def test_dev_proxy_mocks_keep_wildcards_and_read_at_file_bodies() -> None:
    first, second = read_traffic(FIXTURES / "devproxy-mocks.json")
    assert first.request.url.endswith(ITEMS + "/*")
    assert first.response.status == 200
    assert json.loads(first.response.body)["serialNumber"] == "SN-0001"
    assert second.extra["bodyFragment"] == "serialNumber"
    assert json.loads(second.response.body)["serialNumber"] == "SN-0002"  # from "@imported-device.json"


def test_ndjson_locations_are_lines(tmp_path: Path) -> None:
    line = {
        "request": {"method": "GET", "url": "https://graph.microsoft.us" + ITEMS, "headers": {"a": "b"}},
        "response": {"status": 200, "headers": {"content-type": "application/json"}, "body": {"value": []}},
    }
    path = tmp_path / "t.ndjson"
    path.write_text(json.dumps(line) + "\n\n" + json.dumps(line) + "\n")
    exchanges = list(read_traffic(path))
    assert [e.location.line for e in exchanges] == [1, 3]
    assert [e.location.index for e in exchanges] == [0, 1]
    assert exchanges[0].response.body == b'{"value": []}'


def test_exchanges_are_frozen() -> None:
    exchange: Exchange = next(iter(read_traffic(FIXTURES / "vcrpy-0.x-layout.yaml")))
    with pytest.raises(AttributeError):
        exchange.request.method = "POST"  # type: ignore[misc]


def _bad(tmp_path: Path, name: str, text: str) -> Iterator[TrafficFileError]:
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(TrafficFileError) as caught:
        list(read_traffic(path))
    yield caught.value


@pytest.mark.parametrize(
    ("name", "text", "says", "entry", "line"),
    [
        ("a.har", '{"log": {"entries": [', "not valid JSON", None, 1),
        (
            "a.har",
            '{"log": {"entries": [{"request": {"method": "GET"}, "response": {"status": 200}}]}}',
            "request.url",
            0,
            0,
        ),
        (
            "a.har",
            '{"log": {"entries": [{"request": {"method": "GET", "url": "/x"}, "response": {"status": "x"}}]}}',
            "not an HTTP status",
            0,
            0,
        ),
        ("a.yaml", "interactions:\n\t- a\n", "neither JSON nor YAML", None, 2),
        ("a.yaml", "just: text\n", "not recorded traffic", None, 0),
        (
            "a.ndjson",
            '{"request": {"method": "GET", "url": "/"}, "response": {"status": 200}}\nnope\n',
            "line is not JSON",
            1,
            2,
        ),
        ("m.json", '{"mocks": [{"request": {"method": "GET"}}]}', "request.url", 0, 0),
    ],
)
def test_bad_files_give_one_structured_error(
    tmp_path: Path, name: str, text: str, says: str, entry: int | None, line: int
) -> None:
    (error,) = _bad(tmp_path, name, text)
    assert says in str(error)
    assert str(tmp_path / name) in str(error)
    assert (error.entry, error.line) == (entry, line)


def test_missing_and_binary_files(tmp_path: Path) -> None:
    with pytest.raises(TrafficFileError, match="No such file"):
        list(read_traffic(tmp_path / "absent.har"))
    (tmp_path / "b.har").write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(TrafficFileError, match="not UTF-8"):
        list(read_traffic(tmp_path / "b.har"))

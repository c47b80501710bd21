"""Schemas: valid against their metaschemas, byte-identical on rebuild, drift caught, and the mapping right."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate as validate_openapi

from graph_contracts.contracts import default_contracts, load_contracts
from graph_contracts.errors import SchemaDriftError
from graph_contracts.resources import contracts_dir, schemas_dir
from graph_contracts.schemas import build, check, generate, type_schema

SCHEMA_FILES = sorted(p for p in schemas_dir().rglob("*.json") if p.name != "openapi.json")


@pytest.mark.parametrize("path", SCHEMA_FILES, ids=lambda p: f"{p.parent.parent.name}/{p.name}")
def test_every_schema_passes_the_2020_12_metaschema(path: Path):
    Draft202012Validator.check_schema(json.loads(path.read_text(encoding="utf-8")))


@pytest.mark.parametrize("version", ["v1.0", "beta"])
def test_openapi_document_is_valid(version: str):
    doc = json.loads((schemas_dir() / version / "openapi.json").read_text(encoding="utf-8"))
    validate_openapi(doc)
    assert doc["openapi"] == "3.1.0"
    assert "/deviceManagement/importedWindowsAutopilotDeviceIdentities" in doc["paths"]
    for path_item in doc["paths"].values():
        for op in path_item.values():
            assert op["responses"]["4XX"] == {"$ref": "#/components/responses/GraphError"}


def test_build_is_byte_identical_and_matches_the_committed_files(tmp_path: Path):
    contracts = default_contracts()
    build(contracts, tmp_path / "a")
    build(contracts, tmp_path / "b")
    for rel in generate(contracts):
        first = (tmp_path / "a" / rel).read_bytes()
        assert first == (tmp_path / "b" / rel).read_bytes()
        assert first == (schemas_dir() / rel).read_bytes(), f"{rel} is stale: run graph-contracts schemas build"


def test_check_lists_stale_missing_and_orphaned_files(tmp_path: Path):
    root = tmp_path / "contracts"
    shutil.copytree(contracts_dir(), root)
    out = tmp_path / "schemas"
    shutil.copytree(schemas_dir(), out)
    check(load_contracts(root), out)  # in sync to begin with

    target = root / "v1.0/types/importedWindowsAutopilotDeviceIdentity.yaml"
    data = yaml.safe_load(target.read_text(encoding="utf-8"))
    data["properties"][1]["type"] = "Int32"
    target.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    (out / "v1.0/types/enrollmentState.json").unlink()
    (out / "v1.0/types/leftover.json").write_text("{}", encoding="utf-8")

    with pytest.raises(SchemaDriftError) as info:
        check(load_contracts(root), out)
    err = info.value
    assert "v1.0/types/importedWindowsAutopilotDeviceIdentity.json" in err.stale
    assert "v1.0/operations/importedWindowsAutopilotDeviceIdentity.create.request.json" in err.stale
    assert err.missing == ["v1.0/types/enrollmentState.json"]
    assert err.extra == ["v1.0/types/leftover.json"]


def _validator(name: str, direction: str = "request", version: str = "v1.0") -> Draft202012Validator:
    return Draft202012Validator(type_schema(default_contracts(), version, name, direction))  # type: ignore[arg-type]


def test_request_schema_rejects_a_misspelt_property_and_response_schema_tolerates_it():
    body = {"serialnumber": "ABC123"}
    assert not _validator("importedWindowsAutopilotDeviceIdentity", "request").is_valid(body)
    assert _validator("importedWindowsAutopilotDeviceIdentity", "response").is_valid(body)


def test_nothing_is_required_on_create():
    assert _validator("importedWindowsAutopilotDeviceIdentity").is_valid({})
    assert _validator("windowsAutopilotDeviceIdentity").is_valid({})


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("aGFyZHdhcmVJZGVudGlmaWVy", True),
        ("T0EAAA==", True),
        ("T0E+/w==", True),
        ("Binary", False),  # the docs' placeholder
        ("T0E-_w==", False),  # URL-safe alphabet
        ("T0EAAA", False),  # padding stripped
        ("T0EA AA==", False),
    ],
)
def test_binary_is_standard_base64_with_padding(value: str, ok: bool):
    assert _validator("importedWindowsAutopilotDeviceIdentity").is_valid({"hardwareIdentifier": value}) is ok


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("2016-12-31T23:58:44.2908994-08:00", True),
        ("2024-05-01T10:00:00Z", True),
        ("2024-05-01T10:00:00", False),  # no offset: what a naive datetime produces
        ("2024-13-01T10:00:00Z", False),
        ("yesterday", False),
    ],
)
def test_datetimes_need_an_offset(value: str, ok: bool):
    assert _validator("windowsAutopilotDeviceIdentity").is_valid({"lastContactedDateTime": value}) is ok


def test_int32_bounds_and_non_nullable_members():
    v = _validator("importedWindowsAutopilotDeviceIdentityState", "response")
    assert v.is_valid({"deviceErrorCode": 2**31 - 1, "deviceImportStatus": "complete"})
    assert not v.is_valid({"deviceErrorCode": 2**31})
    assert not v.is_valid({"deviceErrorCode": None})
    assert not v.is_valid({"deviceImportStatus": "String"})
    assert v.is_valid({"deviceErrorName": None})


def test_odata_type_must_name_the_type_or_a_derived_one():
    base = _validator("importedDeviceIdentity", "request", "beta")
    assert base.is_valid({"@odata.type": "#microsoft.graph.importedDeviceIdentity"})
    assert base.is_valid({"@odata.type": "#microsoft.graph.importedDeviceIdentityResult", "status": True})
    # a derived property is only allowed once the body says it is the derived type
    assert not base.is_valid({"@odata.type": "#microsoft.graph.importedDeviceIdentity", "status": True})
    assert not base.is_valid({"@odata.type": "#microsoft.graph.windowsAutopilotDeviceIdentity"})
    derived = _validator("importedDeviceIdentityResult", "request", "beta")
    assert not derived.is_valid({"@odata.type": "#microsoft.graph.importedDeviceIdentity"})


def test_enum_members_per_version():
    v1 = _validator("windowsAutopilotDeviceIdentity", "request", "v1.0")
    beta = _validator("windowsAutopilotDeviceIdentity", "request", "beta")
    assert not v1.is_valid({"enrollmentState": "blocked"})
    assert beta.is_valid({"enrollmentState": "blocked"})

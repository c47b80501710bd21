"""Contracts: the shipped set loads and checks; broken contract files are errors naming the file."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from graph_contracts.contracts import default_contracts, load_contracts
from graph_contracts.contracts.io import (
    operation_from_dict,
    operation_to_dict,
    type_from_dict,
    type_to_dict,
)
from graph_contracts.errors import ContractError
from graph_contracts.resources import contracts_dir

SEED_OPERATIONS = {
    ("v1.0", "importedWindowsAutopilotDeviceIdentity.create"),
    ("beta", "importedWindowsAutopilotDeviceIdentity.create"),
    ("v1.0", "windowsAutopilotDeviceIdentity.create"),
    ("v1.0", "importedWindowsAutopilotDeviceIdentity.import"),
    ("beta", "importedDeviceIdentityResult.create"),
}


def test_shipped_contracts_cover_the_seed_operations_and_read_back_operations():
    contracts = default_contracts()
    assert set(contracts.operations) >= SEED_OPERATIONS
    for version, type_name in [
        ("v1.0", "importedWindowsAutopilotDeviceIdentity"),
        ("v1.0", "windowsAutopilotDeviceIdentity"),
        ("beta", "importedDeviceIdentity"),
    ]:
        for verb in ("get", "list", "delete"):
            assert (version, f"{type_name}.{verb}") in contracts.operations


def test_import_action_has_only_the_addressable_path_after_the_overlay():
    op = default_contracts().operation("v1.0", "importedWindowsAutopilotDeviceIdentity.import")
    assert op.paths == ("/deviceManagement/importedWindowsAutopilotDeviceIdentities/import",)
    raw = load_contracts(contracts_dir(), overlay=False).operation(
        "v1.0", "importedWindowsAutopilotDeviceIdentity.import"
    )
    assert len(raw.paths) == 2  # the page fact itself is kept, the overlay corrects it


def test_overlay_sets_nullability_and_server_assigned_id():
    contracts = default_contracts()
    state = contracts.type("v1.0", "importedWindowsAutopilotDeviceIdentityState")
    assert state.property("deviceErrorCode").nullable is False  # type: ignore[union-attr]
    assert state.property("deviceErrorName").nullable is True  # type: ignore[union-attr]
    ident = contracts.type("v1.0", "importedWindowsAutopilotDeviceIdentity")
    assert ident.property("id").read_only is True  # type: ignore[union-attr]


def test_beta_platform_members_follow_the_metadata_spelling():
    members = [m.name for m in default_contracts().type("beta", "platform").members]
    assert "tvOS" in members and "tvos" not in members
    assert members[-1] == "unknownFutureValue"


def test_derived_type_inherits_base_properties():
    contracts = default_contracts()
    assert contracts.derived_types("beta", "importedDeviceIdentity") == ("importedDeviceIdentityResult",)
    names = [p.name for p in contracts.all_properties("beta", "importedDeviceIdentityResult")]
    assert names[0] == "id" and names[-1] == "status" and "platform" in names


def test_every_property_keeps_its_provenance():
    for t in default_contracts().types.values():
        for p in t.properties:
            assert p.source.page, f"{t.name}.{p.name} has no source page"


@pytest.mark.parametrize("path", sorted(contracts_dir().glob("*/*/*.yaml")), ids=lambda p: p.name)
def test_contract_yaml_round_trips(path: Path):
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if data["kind"] == "type":
        assert type_to_dict(type_from_dict(data, str(path))) == data
    else:
        assert operation_to_dict(operation_from_dict(data, str(path))) == data


@pytest.fixture
def contracts_copy(tmp_path: Path) -> Path:
    root = tmp_path / "contracts"
    shutil.copytree(contracts_dir(), root)
    return root


def _edit(path: Path, change) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")


def test_unknown_graph_type_names_the_file_and_property(contracts_copy: Path):
    target = contracts_copy / "v1.0/types/importedWindowsAutopilotDeviceIdentity.yaml"
    _edit(target, lambda d: d["properties"][1].update(type="Strng"))
    with pytest.raises(ContractError) as info:
        load_contracts(contracts_copy)
    assert info.value.file.endswith("v1.0/types/importedWindowsAutopilotDeviceIdentity.yaml")
    assert "Strng" in str(info.value)
    assert info.value.pointer == "/properties/1/type"


def test_duplicate_property_is_an_error(contracts_copy: Path):
    target = contracts_copy / "v1.0/types/windowsAutopilotDeviceIdentity.yaml"
    _edit(target, lambda d: d["properties"].append(dict(d["properties"][2])))
    with pytest.raises(ContractError, match="listed twice"):
        load_contracts(contracts_copy)


def test_dangling_reference_in_an_operation_is_an_error(contracts_copy: Path):
    target = contracts_copy / "v1.0/operations/windowsAutopilotDeviceIdentity.get.yaml"
    _edit(target, lambda d: d["response"].update(type="windowsAutopilotDevice"))
    with pytest.raises(ContractError) as info:
        load_contracts(contracts_copy)
    assert "windowsAutopilotDevice" in str(info.value)
    assert info.value.file.endswith("windowsAutopilotDeviceIdentity.get.yaml")


def test_dangling_base_type_is_an_error(contracts_copy: Path):
    target = contracts_copy / "beta/types/importedDeviceIdentityResult.yaml"
    _edit(target, lambda d: d.update(base_type="importedDevice"))
    with pytest.raises(ContractError, match="base type 'importedDevice'"):
        load_contracts(contracts_copy)


def test_overlay_entry_without_source_is_rejected(contracts_copy: Path):
    target = contracts_copy / "overlays/v1.0.yaml"
    _edit(target, lambda d: d["entries"][0].pop("source"))
    with pytest.raises(ContractError, match="must name its source") as info:
        load_contracts(contracts_copy)
    assert info.value.pointer == "/entries/0"


def test_overlay_naming_a_missing_property_is_rejected(contracts_copy: Path):
    target = contracts_copy / "overlays/v1.0.yaml"
    _edit(target, lambda d: d["entries"][0].update(property="serial"))
    with pytest.raises(ContractError, match="no property 'serial'"):
        load_contracts(contracts_copy)


def test_malformed_yaml_names_the_file(contracts_copy: Path):
    target = contracts_copy / "v1.0/types/enrollmentState.yaml"
    target.write_text("kind: type\nname: [unclosed\n", encoding="utf-8")
    with pytest.raises(ContractError, match="not valid YAML") as info:
        load_contracts(contracts_copy)
    assert "enrollmentState.yaml" in info.value.file


def test_one_guid_pattern_serves_the_schemas_and_accepts_either_case_but_no_trailing_newline() -> None:
    from graph_contracts.contracts.model import GUID, GUID_PATTERN
    from graph_contracts.schemas import GUID_PATTERN as SCHEMA_GUID_PATTERN

    assert SCHEMA_GUID_PATTERN is GUID_PATTERN
    assert GUID.fullmatch("0f5e2c1a-AB12-4cde-9f00-123456789ABC")
    assert not GUID.fullmatch("0f5e2c1a-ab12-4cde-9f00-123456789abc\n")
    assert not GUID.fullmatch("0f5e2c1a-ab12-4cde-9f00-123456789ab")

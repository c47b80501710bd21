"""The shipped permissions index: it covers exactly the contracts' routes, and it reads requests any way they come."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from graph_contracts.contracts import default_contracts
from graph_contracts.permissions import PermissionsFileError, load_permission_data, normalize_path
from graph_contracts.permissions.build import contract_routes
from graph_contracts.permissions.data import FORMAT, shipped_index_file
from graph_contracts.resources import contracts_dir


def test_shipped_index_records_its_source_and_licence():
    raw = json.loads(shipped_index_file().read_text(encoding="utf-8"))
    assert raw["format"] == FORMAT
    assert raw["source"]["repository"] == "microsoftgraph/microsoft-graph-devx-content"
    assert len(raw["source"]["commit"]) == 40
    assert raw["source"]["licence"] == "MIT"
    licence = (contracts_dir() / "permissions" / "LICENSE").read_text(encoding="utf-8")
    assert "MIT License" in licence and "Microsoft" in licence


def test_shipped_index_and_contracts_do_not_drift():
    """Every contract route has an entry, and every entry belongs to a contract route: refresh the index if not."""
    data = load_permission_data()
    expected = contract_routes(default_contracts())
    assert sorted(data.operations, key=lambda o: (o.version, o.id)) == sorted(expected, key=lambda o: (o.version, o.id))
    contract_keys = {(p, op.method) for op in expected for p in op.paths}
    contract_paths = {p for p, _ in contract_keys}
    missing = contract_keys - set(data.rules)
    assert not missing, f"contract routes with no entry in the index: {sorted(missing)}"
    for (path, method), rule in data.rules.items():
        assert path in contract_paths, f"an entry for no contract path: {path}"
        assert rule.listed or (path, method) in contract_keys, f"an empty entry for no operation: {method} {path}"


def test_every_named_permission_has_a_guid_and_level_per_kind():
    data = load_permission_data()
    named = {n for rule in data.rules.values() for kind in ("DelegatedWork", "Application") for n in rule.allowed(kind)}
    assert named == {"DeviceManagementServiceConfig.Read.All", "DeviceManagementServiceConfig.ReadWrite.All"}
    for name in named:
        for kind in ("DelegatedWork", "Application"):
            info = data.info(name, kind)
            assert info is not None and info.id and info.privilege_level == 3 and "public" in info.clouds


def test_import_is_least_with_readwrite_and_reads_with_read():
    data = load_permission_data()
    imp = data.rule("/deviceManagement/importedWindowsAutopilotDeviceIdentities/import", "POST")
    get = data.rule("/deviceManagement/importedWindowsAutopilotDeviceIdentities/{id}", "GET")
    assert imp is not None and get is not None
    assert imp.least_one("Application") == "DeviceManagementServiceConfig.ReadWrite.All"
    assert get.least_one("Application") == "DeviceManagementServiceConfig.Read.All"
    assert "DeviceManagementServiceConfig.ReadWrite.All" in get.allowed("DelegatedWork")


@pytest.mark.parametrize(
    "raw",
    [
        "/v1.0/deviceManagement/windowsAutopilotDeviceIdentities/abc",
        "https://graph.microsoft.com/v1.0/DEVICEMANAGEMENT/windowsautopilotdeviceidentities/abc/",
        "/beta/deviceManagement/windowsAutopilotDeviceIdentities('abc')",
        "/deviceManagement/windowsAutopilotDeviceIdentities/{windowsAutopilotDeviceIdentityId}",
        "/v1.0/deviceManagement/windowsAutopilotDeviceIdentities/abc/$value",
        "/v1.0/deviceManagement/windowsAutopilotDeviceIdentities/abc?$select=id&x=/y",
        "/v1.0//deviceManagement/windowsAutopilotDeviceIdentities/abc%2F",
    ],
)
def test_odd_spellings_of_one_path_normalise_alike(raw: str):
    assert normalize_path(raw) in (
        "/devicemanagement/windowsautopilotdeviceidentities/{id}",
        "/devicemanagement/windowsautopilotdeviceidentities/abc",
    )
    match = load_permission_data().match(raw, "get")
    assert match.status == "known"
    assert match.template == "/devicemanagement/windowsautopilotdeviceidentities/{id}"


def test_a_literal_action_beats_a_key_and_unknowns_say_why():
    data = load_permission_data()
    assert data.match("/v1.0/deviceManagement/importedWindowsAutopilotDeviceIdentities/import", "POST").template == (
        "/devicemanagement/importedwindowsautopilotdeviceidentities/import"
    )
    as_key = data.match("/v1.0/deviceManagement/importedWindowsAutopilotDeviceIdentities/import", "GET")
    assert as_key.template == "/devicemanagement/importedwindowsautopilotdeviceidentities/{id}"
    assert data.match("/v1.0/deviceManagement/windowsAutopilotDeviceIdentities/x", "PATCH").status == "method"
    assert data.match("/v1.0/users", "GET").status == "path"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ('{"format": "graph-contracts/permissions@1", "source": {}, "permissions": {}, "rou', "truncated"),
        ('{"roles": ["a"]}', "not a permissions file"),
        ("[1, 2]", "not a permissions file"),
        ('{"format": "graph-contracts/permissions@0"}', "not a permissions file"),
        ('{"permissions": {"X.Read": {"pathSets": [{"schemeKeys": "DelegatedWork"}]}}}', "list of strings"),
        ('{"permissions": ["X.Read"]}', "expected an object"),
    ],
)
def test_a_file_of_another_schema_or_truncated_is_one_clear_error(tmp_path: Path, content: str, expected: str):
    target = tmp_path / "permissions.json"
    target.write_text(content, encoding="utf-8")
    with pytest.raises(PermissionsFileError) as info:
        load_permission_data(target)
    assert expected in str(info.value)
    assert str(target) in str(info.value)


def test_each_operation_has_its_least_permission_per_kind_beside_the_page():
    data = load_permission_data()
    contracts = default_contracts()
    for (version, op_id), op in contracts.operations.items():
        for kind, row in (("DelegatedWork", "Delegated (work or school account)"), ("Application", "Application")):
            least = data.least(version, op_id, kind)
            if least is None:  # only where the data lists nothing: v1.0 PATCH on imported devices
                assert (version, op_id) == ("v1.0", "importedWindowsAutopilotDeviceIdentity.update")
                continue
            assert least in op.permissions_for(row), (version, op_id, kind, least)
    assert data.least("v1.0", "importedWindowsAutopilotDeviceIdentity.import", "Application") == (
        "DeviceManagementServiceConfig.ReadWrite.All"
    )


def test_the_build_reads_the_source_from_a_readme_and_reproduces_an_index(tmp_path: Path):
    import shutil

    from graph_contracts.permissions.build import main as build
    from graph_contracts.permissions.data import readme_source

    folder = tmp_path / "data"
    shutil.copytree(Path(__file__).parent / "fixtures" / "permissions", folder)
    (folder / "README.md").write_text(
        "Copied from microsoftgraph/microsoft-graph-devx-content at commit\n"
        f'{"ab" * 20} ("Weekly Permissions sync"), MIT.\n',
        encoding="utf-8",
    )
    source = readme_source(folder)
    assert source is not None and source.commit == "ab" * 20 and source.title == "Weekly Permissions sync"
    root = tmp_path / "contracts"
    shutil.copytree(contracts_dir(), root)
    assert build([str(folder), "--contracts", str(root)]) == 0
    built = load_permission_data(root / "permissions" / "graph-permissions.json")
    assert built.source.repository == "microsoftgraph/microsoft-graph-devx-content"
    assert built.least("v1.0", "windowsAutopilotDeviceIdentity.list", "Application") == (
        "DeviceManagementServiceConfig.ReadWrite.All"  # the fixture's, not the shipped data's
    )

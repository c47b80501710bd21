"""contracts check-permissions: each kind of disagreement with Microsoft's data, found from a small fixture.

The fixture (tests/fixtures/permissions/permissions.json, Microsoft's schema) is
made to disagree with the shipped contracts in every way the check knows; each
test names one kind and the operation it must be found on.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from graph_contracts.cli import main
from graph_contracts.permissions import load_permission_data
from graph_contracts.permissions.check import check_permissions, is_read_permission
from graph_contracts.resources import contracts_dir

FIXTURE = Path(__file__).parent / "fixtures" / "permissions" / "permissions.json"
READ = "DeviceManagementServiceConfig.Read.All"
WRITE = "DeviceManagementServiceConfig.ReadWrite.All"


@pytest.fixture(scope="module")
def found() -> dict[str, str]:
    report = check_permissions(contracts_dir(), load_permission_data(FIXTURE))
    assert not report.ok
    return {f.id: f.message for f in report.findings}


def test_the_page_lists_a_permission_the_data_does_not(found: dict[str, str]):
    key = f"v1.0:windowsAutopilotDeviceIdentity.list:permissions:page-only:Application:{READ}"
    assert "the data does not allow it" in found[key]


def test_the_data_allows_a_permission_the_page_does_not_list(found: dict[str, str]):
    assert "v1.0:windowsAutopilotDeviceIdentity.get:permissions:data-only:Application:Extra.Read.All" in found


def test_page_and_data_name_a_different_least_permission(found: dict[str, str]):
    message = found["v1.0:windowsAutopilotDeviceIdentity.list:permissions:least:DelegatedWork"]
    assert READ in message and WRITE in message


def test_a_write_allowed_with_a_read_permission(found: dict[str, str]):
    message = found[f"v1.0:windowsAutopilotDeviceIdentity.delete:permissions:write-with-read:{READ}"]
    assert "by the data" in message and "DELETE" in message


def test_a_path_the_data_does_not_know(found: dict[str, str]):
    assert "v1.0:importedWindowsAutopilotDeviceIdentity.get:permissions:unknown-path" in found


def test_a_method_the_contracts_have_and_the_data_lacks(found: dict[str, str]):
    message = found["v1.0:windowsAutopilotDeviceIdentity.updateDeviceProperties:permissions:method-not-in-data"]
    assert "it lists GET" in message


def test_a_method_the_data_lists_and_the_contracts_lack(found: dict[str, str]):
    key = "v1.0:PUT /devicemanagement/windowsautopilotdeviceidentities/{id}:permissions:method-not-in-contracts"
    assert "no v1.0 operation has it" in found[key]


def test_agreement_is_no_finding(found: dict[str, str]):
    assert not [k for k in found if k.startswith("v1.0:importedWindowsAutopilotDeviceIdentity.import:")]


def test_read_permissions_are_told_from_write_permissions():
    assert is_read_permission("DeviceManagementServiceConfig.Read.All")
    assert is_read_permission("User.Read")
    assert not is_read_permission("DeviceManagementServiceConfig.ReadWrite.All")
    assert not is_read_permission("Directory.AccessAsUser.All")


def test_shipped_contracts_against_shipped_data_have_only_acknowledged_findings(capsys: pytest.CaptureFixture[str]):
    from graph_contracts.permissions.data import shipped_index_file

    assert main(["contracts", "check-permissions", str(shipped_index_file())]) == 0
    out = capsys.readouterr().out
    assert "4 disagreements" in out and "0 disagreements not acknowledged" in out


def test_an_overlay_acknowledgement_settles_a_finding_and_removing_it_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    root = tmp_path / "contracts"
    shutil.copytree(contracts_dir(), root)
    overlay = root / "overlays" / "beta.yaml"
    data = yaml.safe_load(overlay.read_text(encoding="utf-8"))
    wanted = f"importedDeviceIdentity.searchExistingIdentities:permissions:write-with-read:{READ}"
    data["entries"] = [e for e in data["entries"] if e.get("acknowledge") != wanted]
    overlay.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    index = root / "permissions" / "graph-permissions.json"
    assert main(["contracts", "check-permissions", str(index), "--contracts", str(root)]) == 1
    out = capsys.readouterr().out
    assert f"[NEW] beta:{wanted}" in out and "1 disagreements not acknowledged" in out


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (
            '{"permissions": {"A.Read": {"pathSets": [{"schemeKeys": ["Application"], "methods": ["GET"], "paths": {',
            "truncated",
        ),
        ('{"value": [{"id": "x", "roles": []}]}', "not a permissions file"),
    ],
)
def test_an_unreadable_permissions_file_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, expected: str
):
    target = tmp_path / "permissions.json"
    target.write_text(content, encoding="utf-8")
    assert main(["contracts", "check-permissions", str(target)]) == 2
    err = capsys.readouterr().err
    assert expected in err and "Traceback" not in err and len(err.strip().splitlines()) == 1

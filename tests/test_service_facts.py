"""Service facts: what the service answers beside the pages, each with its source, in lint and the report."""

from __future__ import annotations

import shutil
from dataclasses import FrozenInstanceError
from pathlib import Path

import pytest
import yaml

from graph_contracts.contracts import ServiceRefusal, default_contracts, load_contracts
from graph_contracts.errors import ContractError
from graph_contracts.lint import lint
from graph_contracts.resources import contracts_dir
from graph_contracts.suite.report import REFUSED_HEADING, Cell, ContractReport, Outcome, refused_operations

ROUTE_TEMPLATE = "No method match route template"


@pytest.fixture
def contracts_copy(tmp_path: Path) -> Path:
    root = tmp_path / "contracts"
    shutil.copytree(contracts_dir(), root)
    return root


def _add_entry(root: Path, version: str, entry: dict) -> None:
    path = root / "overlays" / f"{version}.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["entries"].append(entry)
    path.write_text(yaml.safe_dump(data), encoding="utf-8")


def test_documented_create_is_refused_with_the_services_answer():
    op = default_contracts().operation("v1.0", "windowsAutopilotDeviceIdentity.create")
    assert op.refused is not None
    assert (op.refused.status, op.refused.code) == (400, ROUTE_TEMPLATE)
    assert "~/singleton/navigation with http verb POST" in op.refused.message
    assert "#21543" in op.refused.source
    with pytest.raises(FrozenInstanceError):
        op.refused.status = 200  # type: ignore[misc]
    # reading stays as documented
    assert default_contracts().operation("v1.0", "windowsAutopilotDeviceIdentity.get").refused is None


def test_patch_is_refused_on_both_autopilot_collections_in_both_versions():
    contracts = default_contracts()
    for version in ("v1.0", "beta"):
        for path in (
            "/deviceManagement/importedWindowsAutopilotDeviceIdentities/{importedWindowsAutopilotDeviceIdentityId}",
            "/deviceManagement/windowsAutopilotDeviceIdentities/{windowsAutopilotDeviceIdentityId}",
        ):
            fact = contracts.refused(version, "patch", path)
            assert fact is not None, (version, path)
            assert fact.refusal.code == ROUTE_TEMPLATE and "~/singleton/navigation/key" in fact.refusal.message
    update = contracts.operation("v1.0", "importedWindowsAutopilotDeviceIdentity.update")
    assert update.refused is not None and "#7499" in update.refused.source
    # the beta importedDeviceIdentity update is not one of them
    assert contracts.operation("beta", "importedDeviceIdentity.update").refused is None


def test_lint_reports_each_refusal_naming_the_page_and_the_source():
    findings = {f.id: f for f in lint(contracts_dir()).findings}
    create = findings["v1.0:windowsAutopilotDeviceIdentity.create:refused-by-service"]
    assert "documented, refused by the service: 400" in create.message
    assert create.first_source.startswith("seeds/002")
    assert "graph-facts.md §6.1" in create.second_source and "#98" in create.second_source
    update = findings["v1.0:importedWindowsAutopilotDeviceIdentity.update:refused-by-service"]
    assert update.first_source.startswith("docs-next/v1.0/")
    assert "importedwindowsautopilotdeviceidentity-update" in update.first_source
    route = findings[
        "beta:PATCH /deviceManagement/windowsAutopilotDeviceIdentities/{windowsAutopilotDeviceIdentityId}"
        ":refused-by-service"
    ]
    assert "not import" in route.first_source and "#4235" in route.second_source


@pytest.mark.parametrize(
    ("service", "message"),
    [
        ({"status": 400, "code": "x"}, "needs message"),
        ({"status": 200, "code": "x", "message": "m"}, "HTTP error status"),
        ("400", "must be a mapping"),
    ],
)
def test_a_malformed_service_entry_names_the_entry(contracts_copy: Path, service: object, message: str):
    _add_entry(
        contracts_copy,
        "v1.0",
        {"operation": "windowsAutopilotDeviceIdentity.delete", "service": service, "source": "test"},
    )
    with pytest.raises(ContractError) as info:
        load_contracts(contracts_copy)
    assert message in str(info.value) and "/entries/" in info.value.pointer


def test_a_route_entry_for_a_documented_route_must_name_the_operation(contracts_copy: Path):
    _add_entry(
        contracts_copy,
        "v1.0",
        {
            "route": "DELETE /deviceManagement/windowsAutopilotDeviceIdentities/{windowsAutopilotDeviceIdentityId}",
            "service": {"status": 400, "code": "c", "message": "m"},
            "source": "test",
        },
    )
    with pytest.raises(ContractError, match=r"documented as windowsAutopilotDeviceIdentity\.delete"):
        load_contracts(contracts_copy)


def test_report_shows_refused_operations_as_refused_not_as_pass_or_fail():
    refused = refused_operations()
    assert "v1.0 windowsAutopilotDeviceIdentity.create" in refused
    report = ContractReport(refused=refused)
    report.items["a"] = Outcome(
        "v1.0 windowsAutopilotDeviceIdentity.create", ("status",), outcome="failed", message="expected 201"
    )
    report.items["b"] = Outcome("v1.0 windowsAutopilotDeviceIdentity.list", ("shape",), examples=3)
    lines = report.lines()
    row = next(line for line in lines if line.startswith("v1.0 windowsAutopilotDeviceIdentity.create"))
    assert "refused" in row and "FAIL" not in row
    assert not any(line.startswith("FAILED") for line in lines)
    assert REFUSED_HEADING in lines
    listed = lines[lines.index(REFUSED_HEADING) + 1 :]
    assert any("v1.0 windowsAutopilotDeviceIdentity.create: 400 No method match route template" in x for x in listed)
    other = next(line for line in lines if line.startswith("v1.0 windowsAutopilotDeviceIdentity.list"))
    assert Cell(passed=1, examples=3).render() in other


def test_overlay_service_refusal_model_is_exported():
    r = ServiceRefusal(400, ROUTE_TEMPLATE, "m", "src")
    assert r.reason == ""

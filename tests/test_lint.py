"""contracts lint: findings name both sources; unacknowledged findings fail."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from graph_contracts.cli import main
from graph_contracts.lint import lint
from graph_contracts.resources import contracts_dir


@pytest.fixture
def contracts_copy(tmp_path: Path) -> Path:
    root = tmp_path / "contracts"
    shutil.copytree(contracts_dir(), root)
    return root


def test_shipped_contracts_have_only_acknowledged_findings():
    report = lint(contracts_dir())
    assert report.ok
    assert report.stale_acknowledgements == ()
    ids = {f.id for f in report.findings}
    # the known disagreements between the seeds and the metadata are all reported
    assert "beta:importedWindowsAutopilotDeviceIdentity.create:body-table-extra:orderIdentifier" in ids
    assert "v1.0:importedWindowsAutopilotDeviceIdentity.import:pages-disagree:paths" in ids
    assert "v1.0:importedWindowsAutopilotDeviceIdentity.import:example-0:request" in ids
    assert "beta:importedDeviceIdentityResult.create:required-table" in ids
    assert "beta:platform:members" in ids


def test_every_finding_names_two_sources():
    for finding in lint(contracts_dir()).findings:
        assert finding.first_source and finding.second_source
        assert finding.first_source != finding.second_source


def test_a_removed_acknowledgement_makes_lint_fail(contracts_copy: Path, capsys: pytest.CaptureFixture[str]):
    overlay = contracts_copy / "overlays/beta.yaml"
    data = yaml.safe_load(overlay.read_text(encoding="utf-8"))
    data["entries"] = [
        e for e in data["entries"] if e.get("acknowledge") != "importedDeviceIdentity.platform:possible-values"
    ]
    overlay.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    assert main(["contracts", "lint", "--contracts", str(contracts_copy)]) == 1
    out = capsys.readouterr().out
    assert "[NEW] beta:importedDeviceIdentity.platform:possible-values" in out
    assert "source 1: docs/beta/intune-enrollment-importeddeviceidentity.md" in out
    assert "1 not acknowledged" in out


def test_new_drift_in_a_contract_is_a_new_finding(contracts_copy: Path):
    target = contracts_copy / "v1.0/operations/windowsAutopilotDeviceIdentity.create.yaml"
    data = yaml.safe_load(target.read_text(encoding="utf-8"))
    data["body_table"]["names"].append("serialNumbr")
    target.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    report = lint(contracts_copy)
    assert not report.ok
    new = [f for f in report.findings if not f.acknowledged]
    assert [f.id for f in new] == ["v1.0:windowsAutopilotDeviceIdentity.create:body-table-extra:serialNumbr"]


def test_an_acknowledgement_for_nothing_is_reported_stale(contracts_copy: Path):
    overlay = contracts_copy / "overlays/v1.0.yaml"
    data = yaml.safe_load(overlay.read_text(encoding="utf-8"))
    data["entries"].append({"acknowledge": "windowsAutopilotDeviceIdentity.get:imaginary", "source": "test"})
    overlay.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    assert lint(contracts_copy).stale_acknowledgements == ("v1.0:windowsAutopilotDeviceIdentity.get:imaginary",)

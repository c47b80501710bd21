"""contracts import keeps going: a page it cannot use is a finding, every other page is imported."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from graph_contracts.cli import main
from graph_contracts.contracts import load_contracts
from graph_contracts.contracts.importer import import_pages

MIXED = Path(__file__).parent / "fixtures" / "docs" / "mixed"


def _op(out: Path, name: str) -> dict:
    return yaml.safe_load((out / "v1.0" / "operations" / f"{name}.yaml").read_text(encoding="utf-8"))


@pytest.fixture
def mixed(tmp_path: Path) -> Path:
    docs = tmp_path / "docs"
    shutil.copytree(MIXED, docs)
    return docs


def _overlay(folder: Path, *acknowledged: str) -> Path:
    (folder / "overlays").mkdir(parents=True)
    entries = [{"acknowledge": a, "source": "reviewed in test"} for a in acknowledged]
    (folder / "overlays" / "v1.0.yaml").write_text(yaml.safe_dump({"version": "v1.0", "entries": entries}))
    return folder


def test_a_page_it_cannot_use_is_a_finding_and_the_others_are_imported(mixed: Path, tmp_path: Path, capsys):
    out = tmp_path / "out"
    assert main(["contracts", "import", str(mixed), "--out", str(out), "--overlays", str(tmp_path / "none")]) == 1
    printed = capsys.readouterr().out
    broken = "[NEW] import:gadget-broken.md:unparsable: docs/v1.0/gadget-broken.md:12: expected an HTTP request line"
    assert broken in printed
    assert "import:gadgetreceipt-create-stub.md:unaddressable: docs/v1.0/gadgetreceipt-create-stub.md:15:" in printed
    written = sorted(p.name for p in out.rglob("*.yaml"))
    assert written == [
        "gadget.assignOwnerToGadget.yaml",
        "gadget.findGadgets.yaml",
        "gadget.get.yaml",
        "gadget.update.yaml",
        "gadget.yaml",
        "gadgetTint.yaml",
    ]
    assert len(load_contracts(out).operations) == 4


def test_exit_0_when_every_finding_is_acknowledged(mixed: Path, tmp_path: Path):
    overlays = _overlay(tmp_path / "reviewed", "import:gadget-broken.md:unparsable")
    args = ["contracts", "import", str(mixed), "--out", str(tmp_path / "out"), "--overlays", str(overlays)]
    assert main(args) == 1  # the stub is still unacknowledged
    shutil.rmtree(overlays)
    _overlay(overlays, "import:gadget-broken.md:unparsable", "import:gadgetreceipt-create-stub.md:unaddressable")
    assert main(args) == 0


def test_unreadable_input_is_exit_2(tmp_path: Path, capsys):
    assert main(["contracts", "import", str(tmp_path / "missing"), "--out", str(tmp_path / "out")]) == 2
    assert "missing" in capsys.readouterr().err


def test_undecodable_page_is_a_finding_not_a_stop(mixed: Path):
    (mixed / "v1.0" / "latin1.md").write_bytes("# Get gadget\n\ncaf\xe9\n".encode("latin-1"))
    result = import_pages([mixed])
    ids = {f.id: f for f in result.findings}
    assert "UTF-8" in ids["import:latin1.md:unparsable"].why
    assert len(result.operations) == 4


def test_action_page_with_only_a_parameter_table_becomes_an_action_contract(mixed: Path, tmp_path: Path):
    out = tmp_path / "out"
    main(["contracts", "import", str(mixed), "--out", str(out)])
    op = _op(out, "gadget.assignOwnerToGadget")
    assert (op["type"], op["verb"], op["binding"]) == ("gadget", "assignOwnerToGadget", "entity")
    assert [(p["name"], p["type"]) for p in op["parameters"]] == [("ownerName", "String"), ("notify", "Boolean")]
    assert op["success_status"] == 204 and op["response"] == {"kind": "none", "type": None}
    found = _op(out, "gadget.findGadgets")
    assert found["binding"] == "collection"
    assert found["parameters"][0]["collection"] is True
    assert found["response"] == {"kind": "collection", "type": "gadget"}


def test_update_page_becomes_an_update_contract(mixed: Path, tmp_path: Path):
    out = tmp_path / "out"
    main(["contracts", "import", str(mixed), "--out", str(out)])
    op = _op(out, "gadget.update")
    assert (op["method"], op["verb"], op["body_type"]) == ("PATCH", "update", "gadget")
    assert op["paths"] == ["/deviceManagement/gadgets/{gadgetId}"]
    assert op["body_table"]["names"] == ["label", "tint"]
    assert op["response"] == {"kind": "entity", "type": "gadget"}
    contracts = load_contracts(out)
    assert contracts.operation("v1.0", "gadget.update").body_type == "gadget"


def test_older_vintage_with_crlf_keeps_its_line_numbers(mixed: Path, tmp_path: Path):
    out = tmp_path / "out"
    main(["contracts", "import", str(mixed), "--out", str(out)])
    op = _op(out, "gadget.get")
    assert op["source"]["line"] == 22
    assert op["permissions"]["Delegated (work or school account)"] == ["DeviceManagementServiceConfig.Read.All"]
    assert op["response"] == {"kind": "entity", "type": "gadget"}


def test_a_stub_merges_into_the_operation_another_page_addresses(mixed: Path):
    create = (mixed / "v1.0" / "gadget-update.md").read_text()
    for old, new in (
        ("Update gadget", "Create gadgetReceipt"),
        ("PATCH /deviceManagement/gadgets/{gadgetId}", "POST /deviceManagement/gadgetReceipts"),
        ("`200 OK` response code and an updated", "`201 Created` response code and a"),
        ("[gadget](../resources/gadget.md)", "[gadgetReceipt](../resources/gadgetreceipt.md)"),
    ):
        create = create.replace(old, new)
    (mixed / "v1.0" / "gadgetreceipt-create.md").write_text(create)
    result = import_pages([mixed])
    op = next(o for o in result.operations if o.id == "gadgetReceipt.create")
    assert op.paths == ("/deviceManagement/gadgetReceipts",)
    stub = next(f for f in result.findings if f.id.endswith("stub.md:unaddressable"))
    assert "merged into gadgetReceipt.create" in stub.why

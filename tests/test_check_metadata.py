"""contracts check-metadata: small CSDL files written here, from the shipped v1.0 contracts, then altered."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph_contracts.cli import main
from graph_contracts.contracts import ContractSet, default_contracts
from graph_contracts.contracts.metadata import cloud_gaps, compare, read_csdl

EDM = "http://docs.oasis-open.org/odata/ns/edm"
PRIMITIVE = {"Binary", "String", "Int32", "Int64", "Boolean", "DateTimeOffset", "Guid", "Double"}


def _ref(type_name: str, collection: bool) -> str:
    ref = f"Edm.{type_name}" if type_name in PRIMITIVE else f"graph.{type_name}"
    return f"Collection({ref})" if collection else ref


def _csdl(contracts: ContractSet, *, skip_types: tuple[str, ...] = ()) -> str:
    """A $metadata document saying exactly what the v1.0 contracts say (CSDL 4.0, microsoft.graph only)."""
    out = [
        f'<?xml version="1.0" encoding="utf-8"?>\n<edmx:Edmx Version="4.0" '
        f'xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx"><edmx:DataServices>'
        f'<Schema Namespace="microsoft.graph" Alias="graph" xmlns="{EDM}">',
        '<EntityType Name="entity" Abstract="true"><Key><PropertyRef Name="id"/></Key>'
        '<Property Name="id" Type="Edm.String" Nullable="false"/></EntityType>',
    ]
    navs: dict[str, str] = {}
    for t in contracts.types_in("v1.0"):
        if t.name in skip_types:
            continue
        if t.category == "enum":
            members = "".join(f'<Member Name="{m.name}" Value="{m.value}"/>' for m in t.members)
            out.append(f'<EnumType Name="{t.name}">{members}</EnumType>')
            continue
        tag = "EntityType" if t.category == "entity" else "ComplexType"
        base = f' BaseType="graph.{t.base_type or "entity"}"' if t.category == "entity" else ""
        props = "".join(
            f'<Property Name="{p.name}" Type="{_ref(p.type, p.collection)}"'
            + ("" if p.nullable else ' Nullable="false"')
            + "/>"
            for p in t.properties
            if p.name != "id"
        )
        out.append(f'<{tag} Name="{t.name}"{base}>{props}</{tag}>')
    for op in contracts.operations_in("v1.0"):
        if op.type not in skip_types:
            navs.setdefault(op.path.split("/")[2], op.type)
        if op.verb in ("create", "get", "list", "update", "delete"):
            continue
        binding = _ref(op.type, op.binding == "collection")
        params = "".join(f'<Parameter Name="{p.name}" Type="{_ref(p.type, p.collection)}"/>' for p in op.parameters)
        ret = (
            f'<ReturnType Type="{_ref(op.response_type or "", op.response_kind == "collection")}"/>'
            if op.response_kind != "none"
            else ""
        )
        out.append(
            f'<Action Name="{op.verb}" IsBound="true"><Parameter Name="bindingParameter" Type="{binding}"/>'
            f"{params}{ret}</Action>"
        )
    nav_xml = "".join(f'<NavigationProperty Name="{n}" Type="Collection(graph.{t})"/>' for n, t in navs.items())
    body = "".join(out)
    dm = f'<EntityType Name="deviceManagement" BaseType="graph.entity">{nav_xml}</EntityType>'
    return body + dm + "</Schema></edmx:DataServices></edmx:Edmx>"


@pytest.fixture
def contracts() -> ContractSet:
    return default_contracts()


def _write(tmp_path: Path, text: str, name: str = "v1.0-Prod.csdl") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_metadata_that_says_what_the_contracts_say_has_no_disagreement(contracts: ContractSet, tmp_path: Path):
    meta = read_csdl(_write(tmp_path, _csdl(contracts)))
    assert (meta.version, meta.cloud) == ("v1.0", "Prod")
    assert compare(contracts, meta) == []
    assert main(["contracts", "check-metadata", str(tmp_path / "v1.0-Prod.csdl")]) == 0


def test_an_altered_type_is_caught(contracts: ContractSet, tmp_path: Path):
    text = _csdl(contracts).replace(
        'Name="hardwareIdentifier" Type="Edm.Binary"', 'Name="hardwareIdentifier" Type="Edm.String"'
    )
    findings = compare(contracts, read_csdl(_write(tmp_path, text)))
    prefix = "metadata:Prod:v1.0:importedWindowsAutopilotDeviceIdentity"
    assert [f.id for f in findings] == [f"{prefix}.hardwareIdentifier:type"]
    assert "Binary here, String in the metadata" in findings[0].message
    assert main(["contracts", "check-metadata", str(tmp_path / "v1.0-Prod.csdl")]) == 1


def test_a_missing_and_an_extra_enum_member_are_caught(contracts: ContractSet, tmp_path: Path):
    text = _csdl(contracts).replace('<Member Name="notContacted" Value="4"/>', '<Member Name="quarantined" Value="9"/>')
    ids = {f.id for f in compare(contracts, read_csdl(_write(tmp_path, text)))}
    assert ids == {
        "metadata:Prod:v1.0:enrollmentState:member-missing:quarantined",
        "metadata:Prod:v1.0:enrollmentState:member-extra:notContacted",
    }


def test_a_changed_nullability_is_caught_and_names_the_overlay_entry_that_claimed_it(
    contracts: ContractSet, tmp_path: Path
):
    text = _csdl(contracts).replace(
        'Name="deviceErrorCode" Type="Edm.Int32" Nullable="false"', 'Name="deviceErrorCode" Type="Edm.Int32"'
    )
    (finding,) = compare(contracts, read_csdl(_write(tmp_path, text)))
    assert finding.id == "metadata:Prod:v1.0:importedWindowsAutopilotDeviceIdentityState.deviceErrorCode:nullable"
    assert "nullable=False here, Nullable=true in the metadata" in finding.message
    assert "v1.0.yaml/entries/" in finding.message and "M-v1" in finding.message


def test_actions_and_paths_are_compared(contracts: ContractSet, tmp_path: Path):
    text = _csdl(contracts)
    text = text.replace('<Parameter Name="groupTag" Type="Edm.String"/>', "")
    nav = 'NavigationProperty Name="windowsAutopilotDeviceIdentities" Type="Collection(graph.{})"'
    text = text.replace(nav.format("windowsAutopilotDeviceIdentity"), nav.format("enrollmentState"))
    ids = {f.id for f in compare(contracts, read_csdl(_write(tmp_path, text)))}
    assert "metadata:Prod:v1.0:windowsAutopilotDeviceIdentity.updateDeviceProperties:parameters" in ids
    assert "metadata:Prod:v1.0:windowsAutopilotDeviceIdentity.get:path" in ids


def test_a_cloud_that_lacks_a_type_says_so(contracts: ContractSet, tmp_path: Path, capsys):
    path = _write(tmp_path, _csdl(contracts, skip_types=("windowsAutopilotDeviceIdentity",)), "v1.0-Fairfax.csdl")
    meta = read_csdl(path)
    assert meta.cloud == "Fairfax"
    assert cloud_gaps(contracts, meta) == ("windowsAutopilotDeviceIdentity",)
    main(["contracts", "check-metadata", str(path)])
    assert "the Fairfax cloud lacks contract types: windowsAutopilotDeviceIdentity" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("v1.0-Prod.csdl", "<edmx:Edmx><truncated"),
        ("v1.0-Prod.csdl", '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>'),
        ("notmetadata.csdl", "<x/>"),
    ],
)
def test_unreadable_or_unsafe_metadata_is_exit_2(tmp_path: Path, capsys, name: str, text: str):
    path = _write(tmp_path, text, name)
    assert main(["contracts", "check-metadata", str(path)]) == 2
    err = capsys.readouterr().err
    assert name in err and "Traceback" not in err


def test_missing_file_is_exit_2(tmp_path: Path):
    assert main(["contracts", "check-metadata", str(tmp_path / "v1.0-Prod.csdl")]) == 2


def test_a_cloud_gap_the_clouds_file_does_not_record_is_a_disagreement(contracts: ContractSet, tmp_path: Path, capsys):
    path = _write(tmp_path, _csdl(contracts, skip_types=("windowsAutopilotDeviceIdentity",)), "v1.0-Mooncake.csdl")
    assert main(["contracts", "check-metadata", str(path)]) == 1  # contracts/clouds.yaml says Mooncake lacks nothing
    assert "metadata:Mooncake:v1.0:cloud-gaps" in capsys.readouterr().out


def test_the_plugin_skips_operations_on_a_type_the_cloud_lacks_saying_why(contracts: ContractSet):
    from graph_contracts.contracts.clouds import CloudGap, skip_reason

    gaps = {("Fairfax", "v1.0"): CloudGap("Fairfax", "v1.0", ("windowsAutopilotDeviceIdentity",), "test source")}
    assign = contracts.operation("v1.0", "windowsAutopilotDeviceIdentity.assignUserToDevice")
    reason = skip_reason(assign, "usgov", gaps)
    assert reason == "the Fairfax cloud's v1.0 metadata lacks windowsAutopilotDeviceIdentity (test source)"
    imported = contracts.operation("v1.0", "importedWindowsAutopilotDeviceIdentity.get")
    assert skip_reason(imported, "usgov", gaps) is None
    assert skip_reason(assign, "global", gaps) is None and skip_reason(assign, "china", gaps) is None


def test_the_shipped_clouds_file_loads():
    from graph_contracts.contracts.clouds import load_cloud_gaps
    from graph_contracts.resources import contracts_dir

    gaps = load_cloud_gaps(contracts_dir())
    assert set(gaps) == {("Fairfax", "v1.0"), ("Mooncake", "v1.0")}
    assert all(g.source for g in gaps.values())

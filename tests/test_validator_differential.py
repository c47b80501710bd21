"""The contract profile must agree with plain jsonschema on the committed schemas, body for body.

``Validator`` adds issue codes, messages and (in the upload profile) the
Autopilot rules on top of jsonschema; in the contract profile its verdict must
be exactly jsonschema's, or the emulator and the CLI would disagree with the
published schemas. Generated bodies and one-rule mutations probe both sides.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from graph_contracts.autopilot import build_hardware_hash, encode_hardware_hash
from graph_contracts.contracts import default_contracts
from graph_contracts.resources import schemas_dir
from graph_contracts.strategies import BodyStrategies, Broken
from graph_contracts.validation import AUTOPILOT_TYPE, SchemaValidator, Validator, validate

CONTRACTS = default_contracts()
OPERATIONS = [
    pytest.param(version, op, id=f"{version}-{op.id}")
    for version in ("v1.0", "beta")
    for op in CONTRACTS.operations_in(version)
    if op.has_request_body
]


def _reference(version: str, op_id: str) -> Draft202012Validator:
    path = schemas_dir() / version / "operations" / f"{op_id}.request.json"
    return Draft202012Validator(json.loads(path.read_text(encoding="utf-8")))


def _agree(version: str, op_id: str, body: Any) -> None:
    ours = Validator.for_operation(op_id, version=version)
    expected = _reference(version, op_id).is_valid(body)
    assert ours.is_valid(body) == expected, body
    errors = [i for i in validate(body, operation=op_id, version=version) if i.severity == "error"]
    assert (not expected) == bool(errors), (body, errors)


@pytest.mark.parametrize(("version", "op"), OPERATIONS)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_generated_bodies(version: str, op: Any, data: st.DataObject) -> None:
    body = data.draw(BodyStrategies(CONTRACTS, version).request_body(op))
    _agree(version, op.id, body)


@pytest.mark.parametrize(("version", "op"), OPERATIONS)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_one_rule_mutations(version: str, op: Any, data: st.DataObject) -> None:
    broken: Broken = data.draw(BodyStrategies(CONTRACTS, version).broken_body(op))
    if broken.raw is not None:  # malformed JSON never reaches a validator
        return
    _agree(version, op.id, broken.body)


# -- the fast verdict on the type schemas (the object sits under $defs) ---------------------------

_HASH = encode_hardware_hash(build_hardware_hash("PF0DIFF1", "Contoso"))
_HASH_VALUES: list[object] = [
    _HASH,
    _HASH + "\n",
    _HASH[:-4],
    _HASH[:-1] + "=",
    _HASH.replace("A", "-", 1),
    " " + _HASH,
    "QUFB",
    "QUFB\n",
    "QUE=",
    "QQ==",
    "Q===",
    "QUF",
    "QUFB QUFB",
    "Zm9v+/==",
    "Zm9v-_8=",
    "é",
    "",
    None,
    5,
]


@pytest.mark.parametrize("value", _HASH_VALUES, ids=range(len(_HASH_VALUES)))
def test_type_schema_fast_verdict_matches_jsonschema(value: object) -> None:
    """The base64 ``pattern`` is left out of jsonschema-rs's schema (the strict decode stands in for it):
    the contract verdict must still be the anchored jsonschema verdict, value for value."""
    record = {"serialNumber": "PF0DIFF1", "hardwareIdentifier": value}
    ours = Validator.for_type(AUTOPILOT_TYPE)
    assert ours._fast is not None and ours._b64_props == ("hardwareIdentifier",)
    schema = json.loads((schemas_dir() / "v1.0" / "types" / f"{AUTOPILOT_TYPE}.request.json").read_text("utf-8"))
    expected = SchemaValidator(schema).is_valid(record)
    assert ours.is_valid(record) == expected
    assert (not expected) == any(i.severity == "error" for i in ours.validate(record))


@settings(max_examples=60, deadline=None)
@given(
    value=st.one_of(st.sampled_from(_HASH_VALUES), st.text(alphabet="AQUFBZm9v+/=-_ \n", max_size=12)),
    serial=st.sampled_from(["PF0DIFF1", " PF0DIFF1", "PF0OTHER", "", "Default string", "PF\x01"]),
)
def test_upload_is_valid_is_validate_without_errors(value: object, serial: str) -> None:
    """``is_valid``'s shortcut for a single upload record answers what ``validate`` reports."""
    record = {"serialNumber": serial, "hardwareIdentifier": value}
    ours = Validator.for_type(AUTOPILOT_TYPE, profile="upload")
    assert ours.is_valid(record) == (not any(i.severity == "error" for i in ours.validate(record)))


_RECORD_MUTATIONS: list[dict[str, object]] = [
    {},
    {"serialNumber": 5},
    {"serialNumber": None},
    {"serialNumber": 1.0},
    {"productKey": True},
    {"serialNumber": ["PF0DIFF1"]},
    {"serialNumbr": "PF0DIFF1"},
    {"@odata.type": "#microsoft.graph.device"},
    {"@odata.type": "#microsoft.graph.importedWindowsAutopilotDeviceIdentity"},
    {"state": {"deviceImportStatus": "x"}},
    {"state": None},
    {"groupTag": {"a": 1}},
    {"id": "00000000-0000-0000-0000-000000000000"},
]


@pytest.mark.parametrize("profile", ["contract", "upload"])
@pytest.mark.parametrize("change", _RECORD_MUTATIONS, ids=range(len(_RECORD_MUTATIONS)))
def test_is_valid_takes_jsonschema_rs_rejections_only_where_jsonschema_agrees(
    change: dict[str, object], profile: str
) -> None:
    """``is_valid`` trusts jsonschema-rs's "invalid" for plain JSON: it must be jsonschema's verdict too."""
    record = {"serialNumber": "PF0DIFF1", "hardwareIdentifier": _HASH, **change}
    ours = Validator.for_type(AUTOPILOT_TYPE, profile=profile)  # type: ignore[arg-type]
    assert ours.is_valid(record) == (not any(i.severity == "error" for i in ours.validate(record)))
    if profile == "contract":
        schema = json.loads((schemas_dir() / "v1.0" / "types" / f"{AUTOPILOT_TYPE}.request.json").read_text("utf-8"))
        assert ours.is_valid(record) == SchemaValidator(schema).is_valid(record)


_FIELD_VALUES: dict[str, list[object]] = {
    "serialNumber": [
        "PF0DIFF1",
        " PF0DIFF1",
        "PF0DIFF1 ",
        "pf0diff1",
        "PF0OTHER",
        "",
        "Default string",
        "0000000",
        "PF\x01",
        "PF0DIFF1\u00e9",
        7,
    ],
    "productKey": ["", "ABCDE-ABCDE-ABCDE-ABCDE-ABCDE", "00329-00000-0003-AA606", "not a key", " ", 3],
    "assignedUserPrincipalName": ["", "a@contoso.com", "nobody", "a@b", "a@contoso.com\n"],
    "groupTag": ["", "Sales", " Sales", "Sales\t", "Sa\x7fles", "Ünïcode"],
    "state": [{"deviceImportStatus": "unknown"}],
    "id": ["00000000-0000-0000-0000-000000000000"],
}


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_clean_record_shortcut_matches_the_full_analysis(data: st.DataObject) -> None:
    """``record_clean`` (the happy path of ``is_valid`` and of CSV rows) says "clean" only when
    ``device_issues`` finds nothing, and ``validate_many``'s clean-row path reports what the full
    path reports, duplicates and batch counts included."""
    from graph_contracts.autopilot.batch import BatchChecker
    from graph_contracts.autopilot.hardware_hash import fast_identity
    from graph_contracts.autopilot.rules import device_issues, record_clean
    from graph_contracts.issues import Location
    from graph_contracts.records import Record

    names = data.draw(st.lists(st.sampled_from(sorted(_FIELD_VALUES)), unique=True))
    record: dict[str, object] = {"hardwareIdentifier": _HASH, "serialNumber": "PF0DIFF1"}
    for name in names:
        record[name] = data.draw(st.sampled_from(_FIELD_VALUES[name]))
    identity = fast_identity(_HASH)
    assert identity is not None
    if record_clean(record, identity):
        assert device_issues(record, identity=identity)[1] == []
    ours = Validator.for_type(AUTOPILOT_TYPE, profile="upload")
    assert ours.is_valid(record) == (not any(i.severity == "error" for i in ours.validate(record)))

    def rows() -> list[Record]:
        return [
            Record(
                dict(record),
                Location("f.csv", row=n),
                f"row {n}",
                target="device",
                columns={"serialNumber": "Device Serial Number"},
            )
            for n in (2, 3)
        ]

    fast = [issues for _, issues in ours.validate_many(rows(), batch=BatchChecker(limit=1))]
    full = []
    batch = BatchChecker(limit=1)
    for row in rows():
        ours._fast, kept = None, ours._fast  # the full analysis: no shortcut
        try:
            full.append(next(ours.validate_many([row], batch=batch))[1])
        finally:
            ours._fast = kept
    assert fast == full

"""One door for records: every format is only read, and ``Validator.validate_many`` alone judges.

A record must mean the same whichever format carried it and whichever file
of a run it is in: same codes from CSV, JSON and NDJSON under each profile,
import bodies counted in devices, duplicates found across files.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from graph_contracts.autopilot import build_hardware_hash, encode_hardware_hash
from graph_contracts.cli import main
from graph_contracts.records import Record, open_records
from graph_contracts.textio import Overlong, split_lines
from graph_contracts.validation import AUTOPILOT_TYPE, Run, Validator, check_file

HEADER = "Device Serial Number,Windows Product ID,Hardware Hash,Group Tag,Assigned User"
ODATA = f"#microsoft.graph.{AUTOPILOT_TYPE}"
BODY = "importedWindowsAutopilotDeviceIdentities"


def hw(serial: str, manufacturer: str = "Contoso", **kw: object) -> str:
    return encode_hardware_hash(build_hardware_hash(serial, manufacturer, "Model 1", **kw))  # type: ignore[arg-type]


def stale_checksum(serial: str) -> str:
    blob = bytearray(build_hardware_hash(serial, "Contoso", "Model 1"))
    blob[10] ^= 1  # inside the records: the trailer's SHA-256 no longer matches
    return encode_hardware_hash(bytes(blob))


def write_all(tmp_path: Path, record: dict[str, str]) -> dict[str, Path]:
    """The one record as a CSV row, a JSON object and an NDJSON line."""
    columns = ("serialNumber", "productKey", "hardwareIdentifier", "groupTag", "assignedUserPrincipalName")
    csv_path = tmp_path / "one.csv"
    csv_path.write_text(HEADER + "\r\n" + ",".join(record.get(c, "") for c in columns) + "\r\n", encoding="ascii")
    json_path = tmp_path / "one.json"
    json_path.write_text(json.dumps(record), encoding="utf-8")
    ndjson_path = tmp_path / "one.ndjson"
    ndjson_path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    return {"csv": csv_path, "json": json_path, "ndjson": ndjson_path}


def codes(path: Path, profile: str) -> list[str]:
    return sorted(i.code for r in check_file(path, profile=profile) for i in r.issues)  # type: ignore[arg-type]


@pytest.mark.parametrize("profile", ["contract", "upload"])
def test_one_record_has_the_same_codes_as_csv_json_and_ndjson(tmp_path: Path, profile: str) -> None:
    record = {
        "serialNumber": "A1",
        "productKey": "not-a-key",
        "hardwareIdentifier": stale_checksum("A1"),
        "groupTag": " Sales",
        "assignedUserPrincipalName": "ada@contoso.com",
    }
    found = {fmt: codes(path, profile) for fmt, path in write_all(tmp_path, record).items()}
    expected = [] if profile == "contract" else ["group-tag", "hash-checksum", "product-key"]
    assert found == {"csv": expected, "json": expected, "ndjson": expected}


def test_contract_profile_on_csv_reports_no_autopilot_rule(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    paths = write_all(tmp_path, {"serialNumber": "A1", "productKey": "bad", "hardwareIdentifier": "QUFB"})
    assert main(["validate", str(paths["csv"]), "--profile", "contract"]) == 0
    assert main(["validate", str(paths["csv"])]) == 1
    out = capsys.readouterr().out
    assert "product-key" in out and "hash-length" in out


def test_import_body_is_read_as_its_devices(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    devices = [{"serialNumber": f"S{n}", "hardwareIdentifier": hw(f"S{n}")} for n in range(12)]
    devices[5]["productKey"] = "nope"
    path = tmp_path / "body.json"
    path.write_text(json.dumps({BODY: devices}), encoding="utf-8")
    results = list(check_file(path))
    assert sum(r.is_record for r in results) == 12
    bad = [(r.label, i.pointer, i.code) for r in results for i in r.issues]
    assert bad == [(f"{BODY}[5]", f"/{BODY}/5/productKey", "product-key")]
    assert main(["validate", str(path)]) == 1
    assert "12 records checked, 1 error" in capsys.readouterr().out


def test_import_body_envelope_is_still_checked(tmp_path: Path) -> None:
    path = tmp_path / "body.json"
    path.write_text(json.dumps({BODY: [], "extra": 1}), encoding="utf-8")
    results = list(check_file(path))
    assert [(r.is_record, i.code, i.pointer) for r in results for i in r.issues] == [
        (False, "empty-batch", f"/{BODY}"),
        (False, "unknown-property", "/extra"),
    ]


def test_duplicates_across_files_of_one_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    first = tmp_path / "a.csv"
    first.write_text(HEADER + f"\r\nA1,,{hw('A1')},,\r\n", encoding="ascii")
    second = tmp_path / "b.ndjson"
    second.write_text(
        json.dumps({"serialNumber": "A1", "hardwareIdentifier": hw("A1")})
        + "\n"
        + json.dumps({"serialNumber": "B2", "hardwareIdentifier": hw("B2")})
        + "\n",
        encoding="utf-8",
    )
    assert main(["validate", str(first), str(second)]) == 1
    out = capsys.readouterr().out
    assert "duplicate-hash" in out and f"{first}, row 2" in out
    run = Run()
    list(run.check_file(first))
    again = [i.code for r in run.check_file(second) for i in r.issues]
    assert again == ["duplicate-hash"]


def test_two_captures_of_one_device_are_duplicates(tmp_path: Path) -> None:
    """Hash strings differ per capture (graph-facts 6.1): the identity decoded from the hash is the key."""
    uuid = "4c4c4544-0042-3510-8052-b4c04f4e3732"
    capture1 = hw("PF3ABCDE", uuid=uuid)
    capture2 = hw("PF3ABCDE", uuid=uuid, extra_records=[(29, b"\x01\x02")])
    clone = hw("OTHER", uuid=uuid)
    assert capture1 != capture2
    path = tmp_path / "devices.ndjson"
    lines = [
        {"serialNumber": "PF3ABCDE", "hardwareIdentifier": capture1},
        {"serialNumber": "PF3-ABCDE", "hardwareIdentifier": capture2},  # the serial field was edited
        {"serialNumber": "OTHER", "hardwareIdentifier": clone},  # a cloned VM: same SMBIOS UUID
    ]
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n", encoding="utf-8")
    found = [(r.label, i.code) for r in check_file(path) for i in r.issues if i.code.startswith("duplicate")]
    assert found == [("line 2", "duplicate-device"), ("line 3", "duplicate-device")]


def test_validate_many_takes_records_and_plain_payloads() -> None:
    validator = Validator.for_type(AUTOPILOT_TYPE, profile="upload")
    from graph_contracts.issues import Location

    record = Record({"serialNumber": "A1", "hardwareIdentifier": hw("A1")}, Location("f.json"), "item 3", "/3")
    results = list(validator.validate_many([record, {"serialNumber": "A1", "hardwareIdentifier": hw("A1")}]))
    assert results[0] == (0, [])
    [(index, issues)] = results[1:]
    assert index == 1 and [i.code for i in issues] == ["duplicate-hash"]
    assert "already appeared at f.json, record 1" in issues[0].message


def test_readers_only_read(tmp_path: Path) -> None:
    path = tmp_path / "one.csv"
    path.write_text(HEADER + "\r\nA1,bad-key,QUFB,,\r\n", encoding="ascii")
    [record] = list(open_records(path))
    assert record.value["productKey"] == "bad-key"
    assert record.issues == () and record.target == "device"


@pytest.mark.parametrize("newline", [b"\n", b"\r\n", b"\r"])
def test_split_lines_across_any_chunking(newline: bytes) -> None:
    data = newline.join([b"a", b"", b"bcd", b"x" * 50, b"e"]) + newline
    for size in (1, 2, 3, 7, len(data)):
        pieces = [data[i : i + size] for i in range(0, len(data), size)]
        found = list(split_lines(pieces, 10))
        assert found[:3] == [b"a", b"", b"bcd"]
        assert isinstance(found[3], Overlong) and found[3].size > 10 and len(found) == 4  # reading stops
        assert list(split_lines(pieces, 100)) == [b"a", b"", b"bcd", b"x" * 50, b"e"]


@pytest.mark.parametrize("profile", ["contract", "upload"])
def test_an_import_body_reports_every_error_of_every_record(profile: str) -> None:
    """The body's list of records is a nullable slot (``anyOf`` of the list and null): every error
    inside it is reported, in record order (record 2 before record 10), not one best match."""
    records = [{"@odata.type": ODATA, "serialNumber": f"A{n}", "hardwareIdentifier": hw(f"A{n}")} for n in range(12)]
    for n in (2, 10):
        records[n] = {**records[n], "serialNumbr": "x", "groupTag": 5}
    issues = Validator.for_operation(f"{AUTOPILOT_TYPE}.import", profile=profile).validate({BODY: records})  # type: ignore[arg-type]
    assert [(i.pointer, i.code) for i in issues if i.severity == "error"] == [
        (f"/{BODY}/2/serialNumbr", "unknown-property"),
        (f"/{BODY}/2/groupTag", "type"),
        (f"/{BODY}/10/serialNumbr", "unknown-property"),
        (f"/{BODY}/10/groupTag", "type"),
    ]


@pytest.mark.parametrize("profile", ["contract", "upload"])
@pytest.mark.parametrize("other_fault", [False, True])
def test_a_bad_hash_reads_the_same_alone_and_in_a_body(profile: str, other_fault: bool) -> None:
    """A hash that is not base64 gets one ``base64`` issue with the same words as a record, as the
    first record of an import body, and beside another fault of the record; and ``is_valid`` says no.
    (The fast verdict leaves the base64 pattern to a strict decode, in bodies as in records.)"""
    text = hw("A1")
    record = {"@odata.type": ODATA, "serialNumber": "A1", "hardwareIdentifier": text[:100] + "!" + text[101:]}
    if other_fault:
        record["serialNumbr"] = "x"
    alone = Validator.for_type(AUTOPILOT_TYPE, profile=profile)  # type: ignore[arg-type]
    body = Validator.for_operation(f"{AUTOPILOT_TYPE}.import", profile=profile)  # type: ignore[arg-type]
    found = [
        [(i.pointer, i.message) for i in issues if i.code == "base64"]
        for issues in (alone.validate(record), body.validate({BODY: [record]}))
    ]
    assert len(found[0]) == 1 and found[1] == [(f"/{BODY}/0" + found[0][0][0], found[0][0][1])]
    assert not alone.is_valid(record) and not body.is_valid({BODY: [record]})

"""Record and batch rules over import records, each firing and not firing."""

from __future__ import annotations

import pytest

from graph_contracts.autopilot import (
    RULES,
    RULES_BY_CODE,
    BatchChecker,
    build_hardware_hash,
    check_batch,
    check_device,
    encode_hardware_hash,
)
from graph_contracts.issues import Issue, Location


def hash_for(serial: str | None, manufacturer: str | None = "Contoso") -> str:
    return encode_hardware_hash(build_hardware_hash(serial, manufacturer, "Model 1"))


def record(serial: str = "PF3ABCDE", **extra: object) -> dict[str, object]:
    base: dict[str, object] = {
        "@odata.type": "#microsoft.graph.importedWindowsAutopilotDeviceIdentity",
        "serialNumber": serial,
        "hardwareIdentifier": hash_for(serial.strip() or "X"),
    }
    base.update(extra)
    return base


def found(issues: list[Issue]) -> list[tuple[str, str, str]]:
    return [(i.code, i.pointer, i.severity) for i in issues]


def test_clean_record_has_no_issues() -> None:
    full = record(
        productKey="00329-00000-0003-AA606",
        groupTag="Sales",
        assignedUserPrincipalName="ada@contoso.com",
        importId="batch-1",
    )
    assert check_device(full, "/value/0") == []


def test_rules_table_is_complete_and_sourced() -> None:
    codes = [rule.code for rule in RULES]
    assert len(codes) == len(set(codes))
    assert all(rule.source and rule.summary for rule in RULES)
    assert {rule.severity for rule in RULES} == {"error", "warning"}
    for code in (
        "serial-missing",
        "serial-whitespace",
        "serial-unprintable",
        "serial-placeholder",
        "serial-mismatch",
        "product-key",
        "upn",
        "group-tag",
        "ignored-property",
        "hash-missing",
        "duplicate-serial",
        "duplicate-hash",
        "batch-size",
    ):
        assert code in RULES_BY_CODE
    assert RULES_BY_CODE["duplicate-hash"].intune_outcome == "ZtdDeviceDuplicated"
    # no numeric Intune code is confirmed for anything an offline rule can see
    assert not any(rule.intune_outcome and rule.intune_outcome[0].isdigit() for rule in RULES)


# --- serial number ------------------------------------------------------


@pytest.mark.parametrize("value", [None, "", "   "])
def test_serial_missing(value: str | None) -> None:
    rec = record()
    if value is None:
        del rec["serialNumber"]
    else:
        rec["serialNumber"] = value
    issues = check_device(rec, "/value/2")
    assert found(issues) == [("serial-missing", "/value/2/serialNumber", "error")]
    assert issues[0].intune_outcome == "MissingZtdSerialNumberAndProductKey"
    assert "'PF3ABCDE'" in issues[0].message  # the serial the hash holds is named


def test_serial_missing_with_a_product_key_names_no_outcome() -> None:
    rec = record(productKey="00329-00000-0003-AA606")
    rec["serialNumber"] = ""
    issues = check_device(rec)
    assert [i.code for i in issues] == ["serial-missing"]
    assert issues[0].intune_outcome is None


def test_serial_whitespace() -> None:
    rec = record(" PF3ABCDE ")
    issues = check_device(rec)
    assert found(issues) == [("serial-whitespace", "/serialNumber", "error")]
    assert "' PF3ABCDE '" in issues[0].message


def test_serial_unprintable() -> None:
    rec = record("PF3\x07ABCDE")
    rec["hardwareIdentifier"] = hash_for("PF3\x07ABCDE")
    assert found(check_device(rec)) == [("serial-unprintable", "/serialNumber", "error")]


@pytest.mark.parametrize(
    "value",
    [
        "To be filled by O.E.M.",
        "TO BE FILLED BY O.E.M.",
        "Default string",
        "System Serial Number",
        "0",
        "000000",
        "Not Specified",
        "None",
        "123456789",
        "SMBIOS_STRING_INDEX_0",
        "Chassis Serial Number",
        "N/A",
    ],
)
def test_serial_placeholder(value: str) -> None:
    rec = record(value)
    rec["hardwareIdentifier"] = hash_for(value)
    issues = check_device(rec)
    assert found(issues) == [("serial-placeholder", "/serialNumber", "warning")]
    assert "many devices" in issues[0].message


@pytest.mark.parametrize("value", ["PF3ABCDE", "0A1B2C", "NoneSuch-77", "1234567"])
def test_real_serials_are_not_placeholders(value: str) -> None:
    rec = record(value)
    assert check_device(rec) == []


def test_serial_mismatch_names_both_values() -> None:
    rec = record("PF3ABCDE")
    rec["hardwareIdentifier"] = hash_for("PF9ZZZZZ")
    issues = check_device(rec)
    assert found(issues) == [("serial-mismatch", "/serialNumber", "warning")]
    assert "'PF3ABCDE'" in issues[0].message and "'PF9ZZZZZ'" in issues[0].message


def test_non_string_serial_is_left_to_the_schema() -> None:
    rec = record()
    rec["serialNumber"] = 12345
    assert check_device(rec) == []


# --- the hash ---------------------------------------------------------------------


def test_hash_missing_and_partner_tuple_rows() -> None:
    rec = record()
    del rec["hardwareIdentifier"]
    assert found(check_device(rec, "/value/0")) == [("hash-missing", "/value/0/hardwareIdentifier", "error")]
    assert check_device(rec, require_hash=False) == []


def test_hash_issues_are_included() -> None:
    rec = record()
    rec["hardwareIdentifier"] = hash_for("PF3ABCDE", manufacturer=None)
    issues = check_device(rec, "/value/1")
    assert found(issues) == [("hash-missing-field", "/value/1/hardwareIdentifier", "error")]
    assert issues[0].intune_outcome == "InvalidZtdHardwareHash"


# --- other properties --------------------------------------------------------------


@pytest.mark.parametrize(
    "key",
    [
        "12345-67890-09876-54321-13579",
        "ABCDE-FGHIJ-KLMNO-PQRST-UVWXY",
        "00329-00000-0003-AA606",
        "00330-80000-00000-AA478",
        "",
    ],
)
def test_product_key_accepted(key: str) -> None:
    assert check_device(record(productKey=key)) == []


@pytest.mark.parametrize(
    "key",
    [
        "1234567890123",
        "00329-00000-0003",
        "00329 00000 0003 AA606",
        " 00329-00000-0003-AA606",
        "ABCDE-FGHIJ-KLMNO-PQRST",
    ],
)
def test_product_key_rejected(key: str) -> None:
    issues = check_device(record(productKey=key))
    assert found(issues) == [("product-key", "/productKey", "error")]
    assert "00329-00000-0003-AA606" in issues[0].message


@pytest.mark.parametrize("upn", ["ada@contoso.com", "a.b+c@sub.contoso.co.uk", "x@xn--bcher-kva.ch"])
def test_upn_accepted(upn: str) -> None:
    assert check_device(record(assignedUserPrincipalName=upn)) == []


@pytest.mark.parametrize(
    "upn", ["ada", "ada@contoso", "ada@@contoso.com", "ada @contoso.com", "ada@-contoso.com", "ada@contoso.c"]
)
def test_upn_rejected(upn: str) -> None:
    issues = check_device(record(assignedUserPrincipalName=upn))
    assert found(issues) == [("upn", "/assignedUserPrincipalName", "error")]


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        ("Sales", []),
        ("a" * 2000, []),  # no length limit is documented
        (" Sales", [("group-tag", "/groupTag", "warning")]),
        ("Sa\tles", [("group-tag", "/groupTag", "warning")]),
    ],
)
def test_group_tag(tag: str, expected: list[tuple[str, str, str]]) -> None:
    assert found(check_device(record(groupTag=tag))) == expected


def test_ignored_properties() -> None:
    rec = record(id="x", state={"deviceImportStatus": "pending"})
    assert found(check_device(rec, "/value/0")) == [
        ("ignored-property", "/value/0/state", "warning"),
        ("ignored-property", "/value/0/id", "warning"),
    ]


# --- the batch --------------------------------------------------------------------


def test_duplicate_serial_names_where_it_was_first_seen() -> None:
    batch = BatchChecker()
    first = record("PF3ABCDE")
    again = record("pf3abcde ")
    again["hardwareIdentifier"] = hash_for("PF3ABCDE", manufacturer="Contoso Ltd")
    assert batch.check(first, "/value/0") == []
    issues = batch.check(again, "/value/1")
    assert found(issues) == [("duplicate-serial", "/value/1/serialNumber", "error")]
    assert "record 1" in issues[0].message
    assert batch.check(record("OTHER1"), "/value/2") == []


def test_duplicate_serial_uses_the_row_when_given() -> None:
    batch = BatchChecker()
    batch.check(record("A1"), "", Location("f.csv", row=2))
    issues = batch.check(record("A1", hardwareIdentifier=hash_for("A1", "Other")), "", Location("f.csv", row=7))
    assert [i.code for i in issues] == ["duplicate-serial"]
    assert "row 2" in issues[0].message
    assert issues[0].location == Location("f.csv", row=7)


def test_duplicate_hash_is_ztd_device_duplicated() -> None:
    batch = BatchChecker()
    rec = record("A1")
    batch.check(rec, "/value/0")
    issues = batch.check(dict(rec), "/value/1")
    assert found(issues) == [("duplicate-hash", "/value/1/hardwareIdentifier", "error")]
    assert issues[0].intune_outcome == "ZtdDeviceDuplicated"


def test_batch_size_is_reported_once() -> None:
    batch = BatchChecker()
    reported = []
    for n in range(502):
        reported += [(n, i.code) for i in batch.check({"serialNumber": f"S{n}"}, f"/value/{n}")]
    assert reported == [(500, "batch-size")]
    assert batch.count == 502


def test_check_batch_combines_record_and_batch_rules() -> None:
    issues = check_batch([record("A1"), record("A1", groupTag=" x")])
    assert found(issues) == [
        ("group-tag", "/value/1/groupTag", "warning"),
        ("duplicate-hash", "/value/1/hardwareIdentifier", "error"),
    ]


@pytest.mark.parametrize("first_pad,second_pad", [("", " "), (" ", ""), ("\t", "\n"), ("", "")])
def test_a_hash_text_gets_one_duplicate_key_on_either_path(first_pad: str, second_pad: str) -> None:
    """A hash on the fast path is keyed by its SHA-256, any other text by a digest: the same text
    (after stripping) must still repeat, whichever path each copy took; another capture must not."""
    from graph_contracts.autopilot import build_hardware_hash, encode_hardware_hash
    from graph_contracts.autopilot.batch import BatchChecker

    text = encode_hardware_hash(build_hardware_hash("PF0KEY1", "Contoso"))
    other = encode_hardware_hash(build_hardware_hash("PF0KEY2", "Contoso"))
    batch = BatchChecker()
    assert batch.check({"hardwareIdentifier": first_pad + text}) == []
    assert batch.check({"hardwareIdentifier": other}) == []
    repeated = batch.check({"hardwareIdentifier": text + second_pad})
    assert [i.code for i in repeated] == ["duplicate-hash"]


def test_digest_table_keeps_the_first_position_through_growth() -> None:
    """``first_seen`` stores new keys, answers the first known one with where it was stored, and keeps
    every key while the table doubles (1024 slots at first)."""
    from graph_contracts.autopilot.duplicates import DigestTable

    table = DigestTable()
    for n in range(1, 5001):
        assert table.first_seen((("a", n * 0x9E3779B97F4A7C15 % 2**64 or 1), ("b", 2**64 - n)), n) is None
    assert len(table) == 10000
    assert table.first_seen((("new", 12345), ("b", 2**64 - 7), ("a", 3 * 0x9E3779B97F4A7C15 % 2**64)), 9) == ("b", 7)
    assert table.first_seen((("new", 12345),), 10) == ("new", 9)

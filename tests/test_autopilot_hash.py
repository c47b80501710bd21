"""Hardware hash: decoding, every kind of malformed hash, and the builder, on synthetic hashes."""

from __future__ import annotations

import base64
import hashlib
import struct

import pytest

from graph_contracts.autopilot import (
    HASH_SIZE,
    HASH_TEXT_LENGTH,
    RULES_BY_CODE,
    HardwareHashError,
    build_hardware_hash,
    check_hardware_hash,
    decode_hardware_hash,
    encode_hardware_hash,
)
from graph_contracts.errors import GraphContractsError

UUID = "4c4c4544-0042-3510-8052-b4c04f564433"
#: A TPM EK-like record of all byte values, so the base64 text contains '+' and '/'.
EK = (25, bytes(range(256)))
VERSION = (
    1,
    struct.pack("<4H", 0, 10, 1, 26100) + struct.pack("<4H", 0, 10, 2, 22621) + bytes([0, 0, 0, 0, 0, 2, 9, 1]),
)
NETWORK = (8, bytes([14, 0, 0, 0, 0x00, 0x15, 0x5D, 0x01, 0xA2, 0xFF]))


def blob(**kwargs: object) -> bytes:
    args = {
        "serial": "PF3ABCDE",
        "manufacturer": "Contoso",
        "model": "Surface 9",
        "uuid": UUID,
        "extra_records": [VERSION, NETWORK, EK],
    }
    args.update(kwargs)
    return build_hardware_hash(**args)  # type: ignore[arg-type]


def text(**kwargs: object) -> str:
    return encode_hardware_hash(blob(**kwargs))


def codes(value: object) -> list[str]:
    return [issue.code for issue in check_hardware_hash(value, "/hardwareIdentifier")]


def reseal(data: bytearray) -> bytes:
    """Recompute the trailer checksum after an edit, so only the edited fault remains."""
    end = struct.unpack_from("<H", data, 2)[0]
    data[end + 4 : end + 36] = hashlib.sha256(bytes(data[:end])).digest()
    return bytes(data)


# --- the builder and a round trip ------------------------------------------


def test_builder_follows_the_layout() -> None:
    data = blob()
    end = struct.unpack_from("<H", data, 2)[0]
    assert len(data) == HASH_SIZE
    assert data[:2] == b"OA"
    assert data[end : end + 4] == b"CS\x24\x00"
    assert data[end + 4 : end + 36] == hashlib.sha256(data[:end]).digest()
    assert set(data[end + 36 :]) == {0}
    value = encode_hardware_hash(data)
    assert len(value) == HASH_TEXT_LENGTH
    assert value.startswith("T0") and value[2] in "EFGH"
    assert "+" in value and "/" in value


def test_decode_round_trip() -> None:
    decoded = decode_hardware_hash(text())
    assert decoded.size == HASH_SIZE
    assert decoded.serial_number == "PF3ABCDE"
    assert decoded.manufacturer == "Contoso"
    assert decoded.model == "Surface 9"
    assert decoded.smbios_uuid == UUID
    assert decoded.os_build == "10.0.22621.2"
    assert decoded.mac_addresses == ("00:15:5d:01:a2:ff",)
    assert decoded.checksum_ok and decoded.padding_ok
    assert [r.name for r in decoded.records] == [
        "SmbiosUuid",
        "SmbiosSerial",
        "SmbiosSystemManufacturer",
        "SmbiosProductName",
        "Version",
        "NetworkAdapter",
        "TpmEkPub",
    ]
    first = decoded.records[0]
    assert (first.type, first.offset, first.length) == (12, 4, 20)
    # the UUID is stored in GUID byte order, not in the string's order
    assert first.value[:4] == bytes.fromhex("4445 4c4c")


def test_decode_accepts_the_raw_blob_and_tpm_version() -> None:
    decoded = decode_hardware_hash(blob(extra_records=[(13, b"2.0\0")]))
    assert decoded.tpm_version == "2.0"
    assert decoded.os_build is None
    assert decoded.mac_addresses == ()


def test_same_inputs_give_the_same_hash_and_the_uuid_follows_the_device() -> None:
    assert build_hardware_hash("A1", "Contoso") == build_hardware_hash("A1", "Contoso")
    one = decode_hardware_hash(build_hardware_hash("A1", "Contoso")).smbios_uuid
    two = decode_hardware_hash(build_hardware_hash("A2", "Contoso")).smbios_uuid
    assert one != two


def test_builder_refuses_records_that_do_not_fit() -> None:
    with pytest.raises(HardwareHashError) as caught:
        build_hardware_hash("A1", "Contoso", extra_records=[(25, bytes(3000))])
    assert caught.value.code == "hash-length"
    with pytest.raises(HardwareHashError):
        build_hardware_hash("A1", "Contoso", extra_records=[(300, b"")])


def test_valid_hash_has_no_issues() -> None:
    assert check_hardware_hash(text(), "/hardwareIdentifier") == []
    assert check_hardware_hash(blob()) == []


# --- base64 -------------------------------------------------------------------


def test_url_safe_alphabet() -> None:
    value = base64.urlsafe_b64encode(blob()).decode()
    issues = check_hardware_hash(value, "/hardwareIdentifier")
    assert [i.code for i in issues] == ["base64"]
    assert issues[0].severity == "error"
    assert issues[0].pointer == "/hardwareIdentifier"
    assert "URL-safe" in issues[0].message
    with pytest.raises(HardwareHashError) as caught:
        decode_hardware_hash(value)
    assert caught.value.code == "base64"


def test_whitespace_inside() -> None:
    value = text()
    wrapped = "\r\n".join(value[i : i + 76] for i in range(0, len(value), 76))
    issues = check_hardware_hash(wrapped)
    assert [i.code for i in issues] == ["base64"]
    assert "whitespace" in issues[0].message and "position 76" in issues[0].message


def test_wrong_padding() -> None:
    assert codes(text() + "==") == ["base64"]
    assert "multiple of 4" in check_hardware_hash(text()[:-1])[0].message
    issues = check_hardware_hash(text()[:2000] + "=" + text()[2001:])
    assert issues[0].code == "base64" and "middle" in issues[0].message


def test_non_canonical_last_character() -> None:
    value = encode_hardware_hash(blob()[:-1])  # 2999 bytes: ends with "=", 2 spare bits
    assert value.endswith("AA=")
    issues = check_hardware_hash(value[:-2] + "B=")
    assert [i.code for i in issues] == ["base64", "hash-length"]
    assert "canonical" in issues[0].message


def test_foreign_characters_stop_the_checks() -> None:
    value = text()
    issues = check_hardware_hash(value[:100] + "." + value[101:])
    assert [i.code for i in issues] == ["base64"]
    assert "'.' at position 100" in issues[0].message and "not base64" in issues[0].message


def test_non_string_and_empty() -> None:
    assert codes(12345) == ["base64"]
    assert codes("") == ["hash-missing"]
    assert codes(None) == ["hash-missing"]


# --- the layout -------------------------------------------------------------


def test_truncated_hash() -> None:
    value = text()[:60]
    issues = check_hardware_hash(value)
    assert [i.code for i in issues] == ["hash-length", "hash-records", "hash-trailer"]
    assert all(i.intune_outcome == "InvalidZtdHardwareHash" for i in issues[1:])
    assert issues[0].intune_outcome is None
    assert "45 bytes (60 base64 characters)" in issues[0].message


def test_padding_cut_short_is_only_a_length_error() -> None:
    value = text()[:2000]
    assert codes(value) == ["hash-length"]
    decoded = decode_hardware_hash(value)  # the records are still readable
    assert decoded.size == 1500 and decoded.serial_number == "PF3ABCDE"


def test_bad_magic() -> None:
    # the Graph docs' placeholder: base64 of the text "hardwareIdentifier"
    issues = check_hardware_hash("aGFyZHdhcmVJZGVudGlmaWVy")
    assert [i.code for i in issues] == ["hash-length", "hash-magic"]
    assert issues[1].intune_outcome == "InvalidZtdHardwareHash"
    assert "b'ha'" in issues[1].message
    with pytest.raises(HardwareHashError) as caught:
        decode_hardware_hash("aGFyZHdhcmVJZGVudGlmaWVy")
    assert caught.value.code == "hash-magic" and caught.value.offset == 0


def test_edited_byte_breaks_the_checksum() -> None:
    data = bytearray(blob())
    data[30] ^= 0x20  # a letter of the serial number changes case
    issues = check_hardware_hash(bytes(data))
    assert [i.code for i in issues] == ["hash-checksum"]
    assert issues[0].intune_outcome == "InvalidZtdHardwareHash"
    decoded = decode_hardware_hash(bytes(data))
    assert decoded.checksum_ok is False


def test_bad_record_length() -> None:
    data = bytearray(blob())
    struct.pack_into("<H", data, 4 + 2, 2)  # first record claims 2 bytes
    issues = check_hardware_hash(reseal(data))
    assert [i.code for i in issues] == ["hash-records"]
    assert "offset 4" in issues[0].message and "length 2" in issues[0].message
    with pytest.raises(HardwareHashError) as caught:
        decode_hardware_hash(reseal(data))
    assert (caught.value.code, caught.value.offset) == ("hash-records", 4)


def test_record_running_past_the_end_offset() -> None:
    data = bytearray(blob())
    struct.pack_into("<H", data, 4 + 2, 2000)
    issues = check_hardware_hash(reseal(data))
    assert [i.code for i in issues] == ["hash-records"]
    assert "runs past" in issues[0].message


def test_end_offset_too_small() -> None:
    data = bytearray(blob())
    struct.pack_into("<H", data, 2, 4)
    assert codes(bytes(data)) == ["hash-records"]


def test_missing_trailer() -> None:
    data = bytearray(blob())
    end = struct.unpack_from("<H", data, 2)[0]
    data[end : end + 2] = b"XX"
    issues = check_hardware_hash(bytes(data))
    assert [i.code for i in issues] == ["hash-trailer"]
    assert "b'XX'" in issues[0].message


def test_non_zero_padding() -> None:
    data = bytearray(blob())
    data[2990] = 0x7F
    issues = check_hardware_hash(bytes(data))
    assert [i.code for i in issues] == ["hash-padding"]
    assert "byte 2990" in issues[0].message
    assert decode_hardware_hash(bytes(data)).padding_ok is False


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [
        ({"serial": None}, "no serial number record"),
        ({"serial": ""}, "serial number record (type 14) in the hash is empty"),
        ({"manufacturer": None}, "no manufacturer record"),
        ({"manufacturer": "  "}, "manufacturer record (type 16) in the hash is empty"),
    ],
)
def test_missing_serial_or_manufacturer(kwargs: dict[str, object], needle: str) -> None:
    issues = check_hardware_hash(text(**kwargs))
    assert [i.code for i in issues] == ["hash-missing-field"]
    assert needle in issues[0].message
    assert issues[0].intune_outcome == "InvalidZtdHardwareHash"


def test_several_faults_are_all_reported() -> None:
    data = bytearray(build_hardware_hash(None, "Contoso", uuid=UUID))
    data[2999] = 1
    data[10] ^= 1
    value = base64.urlsafe_b64encode(bytes(data)).decode() + "\n"
    assert codes(value) == ["base64", "base64", "hash-checksum", "hash-padding", "hash-missing-field"]


def test_error_type_and_severities_come_from_the_table() -> None:
    assert issubclass(HardwareHashError, GraphContractsError)
    assert issubclass(HardwareHashError, ValueError)
    for issue in check_hardware_hash(text()[:60]):
        assert issue.severity == RULES_BY_CODE[issue.code].severity


def test_double_encoded_hash_names_the_sdk_fix() -> None:
    """graph-facts 6.4: the bytes of the base64 text handed to an SDK, which base64-encodes them again."""
    text = encode_hardware_hash(build_hardware_hash("PF3ABCDE", "Contoso", "Model 1"))
    double = base64.b64encode(text.encode("ascii")).decode("ascii")
    issues = check_hardware_hash(double, "/hardwareIdentifier")
    assert [(i.code, i.pointer, i.severity) for i in issues] == [
        ("hash-double-encoded", "/hardwareIdentifier", "error")
    ]
    assert "pass the decoded hash bytes" in issues[0].message
    # the bytes of the text, as they are before the SDK encodes them, say the same
    assert [i.code for i in check_hardware_hash(text.encode("ascii"))] == ["hash-double-encoded"]
    # base64 text that is not a hash inside stays hash-magic
    other = base64.b64encode(base64.b64encode(b"XY" * 1500)).decode("ascii")
    assert "hash-double-encoded" not in [i.code for i in check_hardware_hash(other)]


def test_fast_path_agrees_with_the_full_analysis() -> None:
    """``fast_identity`` answers only for hashes the diagnostic path finds flawless, with the same identity."""
    from graph_contracts.autopilot.hardware_hash import analyse_hardware_hash, fast_identity

    good = build_hardware_hash("PF3ABCDE", "Contoso", "Model 1", extra_records=[(29, b"\x01" * 40)])
    variants = {
        "good": good,
        "checksum": good[:10] + bytes([good[10] ^ 1]) + good[11:],
        "padding": good[:-1] + b"\x01",
        "magic": b"XA" + good[2:],
        "no-serial": build_hardware_hash(None, "Contoso", "Model 1"),
        "empty-maker": build_hardware_hash("PF3ABCDE", " ", "Model 1"),
    }
    for name, blob in variants.items():
        text = encode_hardware_hash(blob)
        decoded, issues = analyse_hardware_hash(text)
        fast = fast_identity(text)
        assert (fast is not None) == (issues == []), name
        if fast is not None and decoded is not None:
            assert (fast.serial_number, fast.manufacturer, fast.smbios_uuid, fast.uuid_bytes) == (
                decoded.serial_number,
                decoded.manufacturer,
                decoded.smbios_uuid,
                decoded.uuid_bytes,
            )
    text = encode_hardware_hash(good)
    for broken in (text[:-4], text + "\n", text[:100] + "-" + text[101:], text[:-2] + "==", 12):
        assert fast_identity(broken) is None


@pytest.mark.parametrize(
    "value",
    [
        "",
        "QUFB",
        "QQ==",
        "QUE=",
        "QR==",
        "Q===",
        "QQ=",
        "QUFB\n",
        "QU FB",
        "QUF-",
        "=QUF",
        "QQ==QUFB",
        "é" * 4,
        "QUFBQUFB",
    ],
)
def test_strict_decode_accepts_what_the_base64_pattern_accepts(value: str) -> None:
    import re

    from graph_contracts.schemas import BASE64_PATTERN
    from graph_contracts.validation.fast_schema import b64_ok

    assert b64_ok(value) == (re.fullmatch(BASE64_PATTERN.rstrip("$").lstrip("^"), value) is not None)

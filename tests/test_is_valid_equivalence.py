"""``Validator.is_valid`` is ``validate`` without the issues, on generated valid and broken records.

``is_valid`` takes shortcuts that ``validate`` does not: jsonschema-rs's verdict with the
base64 ``pattern`` left to a strict decode, ``hash_is_sound`` instead of the hash
diagnosis (every hash fault is an error, so a yes/no needs no explanation), and only the
record rules that can give an error. Each shortcut must give exactly the full answer:
``is_valid(x) == not any(error in validate(x))``, in both profiles, for records whose
hashes are broken in every way the hash rules know.
"""

from __future__ import annotations

import base64
import hashlib
import json
import struct
import uuid as uuidlib
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from graph_contracts.autopilot.catalog import RULES_BY_CODE
from graph_contracts.autopilot.hardware_hash import (
    HASH_SIZE,
    TRAILER_SIZE,
    analyse_hardware_hash,
    encode_hardware_hash,
    fast_identity,
    hash_is_sound,
)
from graph_contracts.autopilot.rules import UNTESTED_WARNINGS, device_issues, record_free_of_errors
from graph_contracts.resources import schemas_dir
from graph_contracts.validation import (
    AUTOPILOT_COLLECTION,
    AUTOPILOT_TYPE,
    PROFILES,
    SchemaValidator,
    Validator,
)
from graph_contracts.validation.plain_json import not_json

SERIAL = "PF0EQUIV1"
ODATA_TYPE = f"#microsoft.graph.{AUTOPILOT_TYPE}"


# -- hashes: assembled record by record, so every part of the layout can be broken ----------------


def _record(kind: int, value: bytes) -> bytes:
    """One TLV record; ``kind`` is the uint16 the full walk reads (a high byte makes another type)."""
    return struct.pack("<HH", kind, 4 + len(value)) + value


def _assemble(records: list[bytes]) -> bytes:
    """A 3000-byte hash of these records: magic, end offset, records, SHA-256 trailer, zero padding."""
    body = b"".join(records)
    head = b"OA" + struct.pack("<H", 4 + len(body)) + body
    return (head + b"CS" + struct.pack("<H", TRAILER_SIZE) + hashlib.sha256(head).digest()).ljust(HASH_SIZE, b"\0")


def _reseal(data: bytearray) -> bytes:
    """Recompute the checksum after an edit (when the end offset still allows it), so only the edit is wrong."""
    end = data[2] | data[3] << 8
    if 4 < end <= HASH_SIZE - TRAILER_SIZE:
        data[end + 4 : end + TRAILER_SIZE] = hashlib.sha256(bytes(data[:end])).digest()
    return bytes(data)


_STRINGS = [SERIAL, "Contoso", " ", "", "\u00a0", " X", "\x1f", "\u00e9t\u00e9", "SMBIOS_STRING_INDEX_0", "PF\x01"]


@st.composite
def hash_blobs(draw: st.DrawFn, unusual: int = 6) -> bytes:
    """Well-formed hashes of 3 to ~30 records in any order, or (one part in ``unusual``) hashes whose
    serial or manufacturer record is missing, empty, blank, not ASCII or of another type (a high type
    byte), or whose UUID record is missing or short."""

    def odd(usual: object, choices: list[Any]) -> Any:
        return draw(st.sampled_from(choices)) if draw(st.integers(0, unusual - 1)) == 0 else usual

    serial = odd(SERIAL, [None, *_STRINGS])
    maker = odd("Contoso", [None, *_STRINGS])
    uuid = odd(uuidlib.UUID(int=draw(st.integers(0, 2**128 - 1))).bytes_le, [None, b"", b"\x01\x02\x03\x04"])
    records = [] if uuid is None else [_record(12, uuid)]
    if serial is not None:
        records.append(_record(odd(14, [0x010E, 0x0E0E]), serial.encode() + b"\0"))
    if maker is not None:
        records.append(_record(odd(16, [0x0110]), maker.encode() + b"\0"))
    records = draw(st.permutations(records))  # the fast walk stops looking for types once it has all three
    extra = draw(
        st.lists(st.tuples(st.sampled_from([1, 2, 8, 12, 14, 16, 17, 25, 29, 30]), st.binary(max_size=40)), max_size=28)
    )
    records += [_record(kind, value) for kind, value in extra]
    return _assemble(records)


def _end(blob: bytes) -> int:
    return blob[2] | blob[3] << 8


def _record_offsets(blob: bytes) -> list[int]:
    """Where the records of a well-formed blob start."""
    offsets, pos, end = [], 4, _end(blob)
    while pos < end:
        offsets.append(pos)
        pos += blob[pos + 2] | blob[pos + 3] << 8
    return offsets


def _with_length(blob: bytes, which: int, length: int) -> str:
    """The hash with one record's length changed (resealed): too short, past the end, or off the chain."""
    data = bytearray(blob)
    offsets = _record_offsets(blob)
    if not offsets:
        return encode_hardware_hash(blob)
    pos = offsets[which % len(offsets)]
    data[pos + 2 : pos + 4] = struct.pack("<H", length)
    return encode_hardware_hash(_reseal(data))


def _flip(data: bytearray, index: int, xor: int) -> bytearray:
    data[index % len(data)] ^= xor
    return data


#: Every way the hash rules know a value to be wrong, as (name, strategy of the broken value from a blob).
BREAKAGES: list[tuple[str, Callable[[bytes], st.SearchStrategy[object]]]] = [
    ("as built", lambda b: st.just(encode_hardware_hash(b))),
    (
        "foreign character",
        lambda b: st.builds(
            lambda i, c: (t := encode_hardware_hash(b))[:i] + c + t[i + 1 :],
            st.integers(0, 3999),
            st.sampled_from("!*.-_=\u00e9\x00 \n\t"),
        ),
    ),
    ("trailing newline", lambda b: st.sampled_from([encode_hardware_hash(b) + "\n", encode_hardware_hash(b) + "\r\n"])),
    ("surrounding space", lambda b: st.sampled_from([" " + encode_hardware_hash(b), encode_hardware_hash(b) + " "])),
    ("wrapped lines", lambda b: st.just("\n".join(encode_hardware_hash(b)[i : i + 76] for i in range(0, 4000, 76)))),
    ("url-safe alphabet", lambda b: st.just(encode_hardware_hash(b).replace("+", "-").replace("/", "_"))),
    ("double-encoded", lambda b: st.just(base64.b64encode(encode_hardware_hash(b).encode()).decode())),
    ("cut", lambda b: st.integers(0, 3999).map(lambda n: encode_hardware_hash(b)[:n])),
    ("extended", lambda b: st.sampled_from([encode_hardware_hash(b) + "AAAA", encode_hardware_hash(b) + "QQ=="])),
    (
        "padding characters",
        lambda b: st.sampled_from([(t := encode_hardware_hash(b))[:-1] + "=", t[:-2] + "==", t[:-4] + "QQ=="]),
    ),
    ("swapped case", lambda b: st.just(encode_hardware_hash(b).swapcase())),
    ("other size", lambda b: st.sampled_from([encode_hardware_hash(b + bytes(3)), encode_hardware_hash(b[:-3])])),
    (
        "byte changed",
        lambda b: st.builds(
            lambda i, x: encode_hardware_hash(bytes(_flip(bytearray(b), i, x))),
            st.integers(0, HASH_SIZE - 1),
            st.integers(1, 255),
        ),
    ),
    (
        "checksum changed",
        lambda b: st.builds(
            lambda i, x: encode_hardware_hash(bytes(_flip(bytearray(b), i, x))),
            st.integers(0, 35).map(lambda i: _end(b) + i),
            st.integers(1, 255),
        ),
    ),
    (
        "padding changed",
        lambda b: st.builds(
            lambda i, x: encode_hardware_hash(bytes(_flip(bytearray(b), i, x))),
            st.integers(_end(b) + TRAILER_SIZE, HASH_SIZE - 1),
            st.integers(1, 255),
        ),
    ),
    (
        "byte changed, resealed",
        lambda b: st.builds(
            lambda i, x: encode_hardware_hash(_reseal(_flip(bytearray(b), i, x))),
            st.integers(4, 400),
            st.integers(1, 255),
        ),
    ),
    (
        "record length",
        lambda b: st.builds(
            lambda which, length: _with_length(b, which, length),
            st.integers(0, 40),
            st.one_of(st.integers(0, 3), st.integers(4, 80), st.integers(0, 0xFFFF)),
        ),
    ),
    (
        "short record still chaining",
        lambda b: st.just(encode_hardware_hash(_assemble([b[4 : _end(b)], b"\x1e\x00\x02\x00\x04\x00"]))),
    ),  # length 2; its length field reads as a 4-byte record
    (
        "end offset",
        lambda b: st.integers(0, 0xFFFF).map(
            lambda end: encode_hardware_hash(_reseal(bytearray(b[:2] + struct.pack("<H", end) + b[4:])))
        ),
    ),
    ("not text", lambda b: st.sampled_from([None, "", 5, 1.5, True, ["QUFB"], {"a": "QUFB"}])),
]


@st.composite
def hash_values(draw: st.DrawFn) -> object:
    """A hash as built (half the time, so that valid records are common) or broken one way."""
    _name, broken = draw(st.sampled_from(BREAKAGES[:1] * (len(BREAKAGES) - 1) + BREAKAGES[1:]))
    return draw(broken(draw(hash_blobs())))


#: Hashes that pass every check: this device's, another device's (a serial-mismatch warning) and a real-size one.
SOUND_HASHES = [
    encode_hardware_hash(
        _assemble([_record(12, bytes(16)), _record(14, s.encode() + b"\0"), _record(16, b"Contoso\0"), *tail])
    )
    for s, tail in (
        (SERIAL, []),
        ("PF0OTHER", []),
        (SERIAL, [_record(k, bytes(range(k, k + 30))) for k in range(17, 40)]),
    )
]


# -- records ----------------------------------------------------------------------------------------


class _Absent:
    """Leaves the property out of the record (a stable repr: test ids must match across xdist workers)."""

    def __repr__(self) -> str:
        return "absent"


_ABSENT = _Absent()
#: Per property: values no rule objects to (a warning at most), then values with an error.
FIELDS: dict[str, tuple[list[object], list[object]]] = {
    "serialNumber": (
        [SERIAL, "PF0OTHER", "Default string", "0000000", "\u00e9t\u00e9"],
        [" " + SERIAL, SERIAL + "\t", "", "   ", None, "PF\x01", 5, _ABSENT],
    ),
    "productKey": (
        [_ABSENT, "", "ABCDE-ABCDE-ABCDE-ABCDE-ABCDE", "00329-00000-0003-AA606", None],
        ["not a key", " ", 3],
    ),
    "groupTag": ([_ABSENT, "", "Sales", " Sales", "Sa\x7fles", None], [["Sales"]]),
    "assignedUserPrincipalName": ([_ABSENT, "", "a@contoso.com", None], ["nobody", "a@contoso.com\n"]),
    "@odata.type": ([_ABSENT, ODATA_TYPE], ["#microsoft.graph.device", ODATA_TYPE + "\n"]),
    "state": (
        [_ABSENT, None, {"deviceImportStatus": "unknown", "deviceErrorCode": 0}],
        [{"deviceImportStatus": "x"}, "unknown", {"deviceErrorCode": 10**4000}, {"deviceErrorCode": 2**60}],
    ),
    "id": ([_ABSENT, "00000000-0000-0000-0000-000000000000", None], [7]),
    "importId": ([_ABSENT, "batch-1", None], [1.5, float("nan"), (1, 2)]),
    "serialNumbr": ([_ABSENT], [SERIAL]),
}


@st.composite
def records(draw: st.DrawFn, hashes: st.SearchStrategy[object] | None = None, faults: int = 12) -> dict[str, Any]:
    """An import record; each property is faulty one time in ``faults``, so clean records are common too."""
    record: dict[str, Any] = {}
    for name, (fine, faulty) in FIELDS.items():
        value = draw(st.sampled_from(faulty if not draw(st.integers(0, faults - 1)) else fine))
        if value is not _ABSENT:
            record[name] = value
    if hashes is not None or draw(st.integers(0, 9)):
        record["hardwareIdentifier"] = draw(hash_values() if hashes is None else hashes)
    return record


def _errors(validator: Validator, payload: object) -> list[str]:
    return [i.code for i in validator.validate(payload) if i.severity == "error"]


_TARGETS = [("type", AUTOPILOT_TYPE), ("operation", f"{AUTOPILOT_TYPE}.create")]
VALIDATORS = {
    (kind, name, profile): (
        Validator.for_type(name, profile=profile) if kind == "type" else Validator.for_operation(name, profile=profile)
    )
    for kind, name in _TARGETS
    for profile in PROFILES
}
_SCHEMA = json.loads((schemas_dir() / "v1.0" / "types" / f"{AUTOPILOT_TYPE}.request.json").read_text("utf-8"))
REFERENCE = SchemaValidator(_SCHEMA)
IMPORT = {profile: Validator.for_operation(f"{AUTOPILOT_TYPE}.import", profile=profile) for profile in PROFILES}
IMPORT_REFERENCE = SchemaValidator(IMPORT["contract"].schema)


@settings(max_examples=300, deadline=None)
@given(record=records())
def test_is_valid_is_validate_without_errors_on_single_records(record: dict[str, Any]) -> None:
    for key, validator in VALIDATORS.items():
        errors = _errors(validator, record)
        assert validator.is_valid(record) == (not errors), (key, errors)
    # The contract profile is the schema's verdict on a JSON value and nothing more.
    contract = VALIDATORS[("type", AUTOPILOT_TYPE, "contract")]
    assert contract.is_valid(record) == (not not_json(record) and REFERENCE.is_valid(record))


@settings(max_examples=60, deadline=None)
@given(
    body=st.builds(
        lambda rs, as_tuple: {AUTOPILOT_COLLECTION: tuple(rs) if as_tuple else rs},
        st.lists(records(), max_size=3),
        st.booleans(),
    )
)
def test_is_valid_is_validate_without_errors_on_import_bodies(body: dict[str, Any]) -> None:
    for profile in PROFILES:
        validator = IMPORT[profile]
        errors = _errors(validator, body)
        assert validator.is_valid(body) == (not errors), (profile, errors)
    assert IMPORT["contract"].is_valid(body) == (not not_json(body) and IMPORT_REFERENCE.is_valid(body))


@pytest.mark.parametrize("breakage", [b for _, b in BREAKAGES], ids=[name for name, _ in BREAKAGES])
@given(data=st.data())
def test_the_fast_hash_check_answers_exactly_where_the_diagnosis_finds_nothing(
    breakage: Callable[[bytes], st.SearchStrategy[object]], data: st.DataObject
) -> None:
    """``fast_identity``/``hash_is_sound`` say "no" exactly when the diagnosis reports an issue (all
    hash issues are errors), and "yes" with what the full decode reads."""
    value = data.draw(breakage(data.draw(hash_blobs(unusual=2))))
    decoded, issues = analyse_hardware_hash(value)
    identity = fast_identity(value)
    assert (identity is not None) == (issues == []), [i.code for i in issues]
    assert hash_is_sound(value) == (identity is not None)
    assert all(i.severity == "error" for i in issues)
    if identity is not None:
        assert decoded is not None
        assert (identity.serial_number, identity.manufacturer, identity.uuid_bytes, identity.smbios_uuid) == (
            decoded.serial_number,
            decoded.manufacturer,
            decoded.uuid_bytes,
            decoded.smbios_uuid,
        )


@settings(max_examples=200, deadline=None)
@given(record=records(st.sampled_from(SOUND_HASHES), faults=3))
def test_record_free_of_errors_is_the_rule_table_without_its_warnings(record: dict[str, Any]) -> None:
    identity = fast_identity(record["hardwareIdentifier"])
    assert identity is not None
    errors = [i.code for i in device_issues(record, identity=identity)[1] if i.severity == "error"]
    assert record_free_of_errors(record) == (not errors), errors


def test_the_rules_is_valid_leaves_out_only_warn() -> None:
    """``record_free_of_errors`` skips these rules; if one became an error, ``is_valid`` would miss it."""
    assert {code: RULES_BY_CODE[code].severity for code in UNTESTED_WARNINGS} == dict.fromkeys(
        UNTESTED_WARNINGS, "warning"
    )


def test_a_hash_of_about_thirty_records_takes_the_fast_path() -> None:
    """Real hashes carry 25-40 records (end offset 645-1326): the fast path walks them all."""
    records = [_record(12, bytes(16)), _record(14, SERIAL.encode() + b"\0"), _record(16, b"Contoso\0")]
    records += [_record(kind, bytes(range(kind, kind + 30))) for kind in range(1, 31) if kind not in (12, 14, 16)]
    blob = _assemble(records)
    assert 645 <= (blob[2] | blob[3] << 8) <= 1326
    text = encode_hardware_hash(blob)
    identity = fast_identity(text)
    assert identity is not None and identity.serial_number == SERIAL and hash_is_sound(text)
    upload = VALIDATORS[("type", AUTOPILOT_TYPE, "upload")]
    assert upload.is_valid({"serialNumber": SERIAL, "hardwareIdentifier": text})
    assert not upload.is_valid({"serialNumber": SERIAL + " ", "hardwareIdentifier": text})


_ONE_CHANGE = [(name, value) for name, (fine, faulty) in FIELDS.items() for value in fine + faulty]


@pytest.mark.parametrize(("name", "value"), _ONE_CHANGE, ids=[f"{n}={v!r}"[:40] for n, v in _ONE_CHANGE])
def test_every_property_value_alone(name: str, value: object) -> None:
    """Each value of the generators above, alone in an otherwise clean record (no luck needed)."""
    record: dict[str, Any] = {"serialNumber": SERIAL, "hardwareIdentifier": SOUND_HASHES[0]}
    if value is _ABSENT:
        record.pop(name, None)
    else:
        record[name] = value
    for key, validator in VALIDATORS.items():
        errors = _errors(validator, record)
        assert validator.is_valid(record) == (not errors), (key, errors)


@pytest.mark.parametrize("text", _STRINGS)
@pytest.mark.parametrize("where", ["serial", "manufacturer"])
def test_every_string_in_the_serial_and_manufacturer_records(text: str, where: str) -> None:
    """Blank after ``strip`` (ASCII or not) is ``hash-missing-field``; anything else passes."""
    strings = {"serial": SERIAL, "manufacturer": "Contoso", where: text}
    value = encode_hardware_hash(
        _assemble(
            [
                _record(12, bytes(16)),
                _record(14, strings["serial"].encode() + b"\0"),
                _record(16, strings["manufacturer"].encode() + b"\0"),
            ]
        )
    )
    issues = analyse_hardware_hash(value)[1]
    assert [i.code for i in issues] == ([] if text.strip() else ["hash-missing-field"])
    assert hash_is_sound(value) == (fast_identity(value) is not None) == (not issues)


def test_an_import_body_over_the_batch_limit_and_one_with_a_repeated_device() -> None:
    """The checks across the records of one body: is_valid stops at the first error they give."""
    from graph_contracts.autopilot.hardware_hash import build_hardware_hash
    from graph_contracts.autopilot.rules import BATCH_LIMIT

    def device(n: int) -> dict[str, Any]:
        serial = f"PF{n:06d}"
        text = encode_hardware_hash(build_hardware_hash(serial, "Contoso"))
        return {"serialNumber": serial, "hardwareIdentifier": text}

    devices = [device(n) for n in range(BATCH_LIMIT + 1)]
    for body, code in (
        ({AUTOPILOT_COLLECTION: devices[:BATCH_LIMIT]}, None),
        ({AUTOPILOT_COLLECTION: devices}, "batch-size"),
        ({AUTOPILOT_COLLECTION: [devices[0], devices[1], dict(devices[0])]}, "duplicate-hash"),
    ):
        for profile, validator in IMPORT.items():
            errors = _errors(validator, body)
            assert validator.is_valid(body) == (not errors), (profile, errors)
            assert (code in errors) == (profile == "upload" and code is not None)


def test_a_high_type_byte_makes_another_record_type() -> None:
    """The full walk reads the type as a uint16: 0x010E is not the serial (14), whatever comes first."""
    uuid = uuidlib.UUID(int=7).bytes_le
    odd = _record(0x010E, b"NOTSERIAL\0" + bytes(8))
    for records in (
        [odd, _record(12, uuid), _record(14, SERIAL.encode() + b"\0"), _record(16, b"Contoso\0")],
        [_record(12, uuid), odd, _record(16, b"Contoso\0")],
    ):
        value = encode_hardware_hash(_assemble(records))
        decoded, issues = analyse_hardware_hash(value)
        identity = fast_identity(value)
        assert (identity is not None) == (issues == [])
        if identity is not None and decoded is not None:
            assert (
                (identity.serial_number, identity.uuid_bytes)
                == (decoded.serial_number, decoded.uuid_bytes)
                == (SERIAL, uuid)
            )

"""The hardware hash's layout as data: sizes, record types and names, and the decoded ``HardwareHash``.

The constants follow hardware-hash.md §1 (see ``hardware_hash`` for the layout
in words). The fast path, the checks and the builder all read them from here.
"""

from __future__ import annotations

import re
import struct
import uuid as uuidlib
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from ..patterns import BASE64_DIGITS

HASH_SIZE = 3000
HASH_TEXT_LENGTH = 4000
MAGIC = b"OA"
TRAILER_TAG = b"CS"
TRAILER_SIZE = 36
HEADER_SIZE = 4

TYPE_VERSION = 1
TYPE_NETWORK = 8
TYPE_SMBIOS_UUID = 12
TYPE_TPM_VERSION = 13
TYPE_SERIAL = 14
TYPE_MANUFACTURER = 16
TYPE_MODEL = 17

#: Record type names as the public decoders (SyncMLViewer, DecodeAutopilotHash) call them.
RECORD_NAMES: Mapping[int, str] = MappingProxyType(
    {
        1: "Version",
        2: "Processor",
        3: "ProcessorManufacturer",
        4: "ProcessorModel",
        5: "Memory",
        6: "DiskInfo",
        7: "DiskSerial",
        8: "NetworkAdapter",
        9: "Display",
        10: "Chassis",
        11: "OfflineDeviceId",
        12: "SmbiosUuid",
        13: "TpmVersion",
        14: "SmbiosSerial",
        15: "SmbiosFirmwareVendor",
        16: "SmbiosSystemManufacturer",
        17: "SmbiosProductName",
        18: "SmbiosSKUNumber",
        19: "SmbiosSystemFamily",
        20: "SmbiosFirmwareVendor2",
        21: "SmbiosBoardProduct",
        22: "SmbiosBoardVersion",
        23: "SmbiosSystemVersion",
        24: "ProductKeyID",
        25: "TpmEkPub",
        26: "ProductKeyPkPn",
        28: "DiskSSNKernel",
        29: "GpuMemory",
        30: "GpuName",
    }
)

#: Codes after which ``decode_hardware_hash`` can still return the records, so it reports
#: them as fields of ``HardwareHash`` (or leaves them to ``check_hardware_hash``) instead of
#: raising: the layout could be walked, only its integrity or content is off.
READABLE_DESPITE = frozenset({"hash-length", "hash-checksum", "hash-padding", "hash-missing-field"})

#: A fixed namespace so the builder derives the same SMBIOS UUID for the same device each run.
BUILDER_NAMESPACE = uuidlib.UUID("6f1c3a52-4d0e-4b8e-9a57-3c2f0d6b8e11")

BASE64_CHARS = re.compile(rf"[{BASE64_DIGITS}=]*\Z")
URL_SAFE = re.compile(r"[-_]")
WHITESPACE = re.compile(r"\s")
FOREIGN = re.compile(rf"[^{BASE64_DIGITS}=\s\-_]")


@dataclass(frozen=True)
class HashRecord:
    """One TLV record: ``offset`` and ``length`` are those of the whole record, header included."""

    type: int
    offset: int
    length: int
    value: bytes

    @property
    def name(self) -> str:
        """The decoders' name for this record type, or ``type-<n>`` for the undecoded ones."""
        return RECORD_NAMES.get(self.type, f"type-{self.type}")

    @property
    def text(self) -> str:
        """The value read as a NUL-terminated string (the SMBIOS string records)."""
        return self.value.split(b"\0", 1)[0].decode("utf-8", errors="replace")


@dataclass(frozen=True)
class HardwareHash:
    """A decoded hash whose layout could be walked.

    ``checksum_ok`` and ``padding_ok`` are fields rather than exceptions because a
    hash with a stale checksum still names its device, and the serial in it is
    what makes a message about the bad row useful.
    """

    size: int
    end_offset: int
    records: tuple[HashRecord, ...]
    checksum_ok: bool
    padding_ok: bool

    def first(self, record_type: int) -> HashRecord | None:
        """The first record of a type; SMBIOS strings occur once."""
        return next((r for r in self.records if r.type == record_type), None)

    def string(self, record_type: int) -> str | None:
        """A string record's text, or None when the record is absent."""
        record = self.first(record_type)
        return record.text if record is not None else None

    @property
    def serial_number(self) -> str | None:
        return self.string(TYPE_SERIAL)

    @property
    def manufacturer(self) -> str | None:
        return self.string(TYPE_MANUFACTURER)

    @property
    def model(self) -> str | None:
        return self.string(TYPE_MODEL)

    @property
    def tpm_version(self) -> str | None:
        return self.string(TYPE_TPM_VERSION)

    @property
    def uuid_bytes(self) -> bytes | None:
        """The SMBIOS UUID record's 16 bytes as stored, or None."""
        record = self.first(TYPE_SMBIOS_UUID)
        return record.value[:16] if record is not None and len(record.value) >= 16 else None

    @property
    def smbios_uuid(self) -> str | None:
        """The SMBIOS UUID; the record stores it in GUID (mixed-endian) byte order."""
        record = self.first(TYPE_SMBIOS_UUID)
        if record is None or len(record.value) < 16:
            return None
        return str(uuidlib.UUID(bytes_le=record.value[:16]))

    @property
    def mac_addresses(self) -> tuple[str, ...]:
        """MAC addresses of the network adapter records (value bytes 4..10)."""
        return tuple(
            ":".join(f"{b:02x}" for b in r.value[4:10])
            for r in self.records
            if r.type == TYPE_NETWORK and len(r.value) >= 10
        )

    @property
    def os_build(self) -> str | None:
        """The OS build: the version record's second 8-byte version (minor, major, rev, build)."""
        record = self.first(TYPE_VERSION)
        if record is None or len(record.value) < 16:
            return None
        minor, major, rev, build = struct.unpack_from("<4H", record.value, 8)
        return f"{major}.{minor}.{build}.{rev}"

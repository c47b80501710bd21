"""``graph-contracts hash decode``: what a hardware hash holds and what is wrong with it."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from . import terminal
from .terminal import error_line

if TYPE_CHECKING:
    from ..autopilot.hardware_hash import HardwareHash


def _hash_decode(args: argparse.Namespace) -> int:
    """Say what each hash holds and what is wrong with it, every finding once, on standard output.

    Exit 0 when no hash has an error (warnings allowed), 1 when one has, 2
    when the input cannot be read (empty argument, missing file, bad JSON).
    """
    from ..autopilot.hardware_hash import analyse_hardware_hash
    from ..autopilot.rules import device_issues, hash_serial
    from ..errors import InputFileError
    from .hash_input import hash_inputs
    from .reporting import issue_text

    try:
        inputs = list(hash_inputs(args.value))
    except InputFileError as exc:
        error_line("graph-contracts hash decode", str(exc) if exc.file else exc.detail)
        return 2
    out = terminal.stdout()
    status = 0
    for number, item in enumerate(inputs):
        record = dict(item.record)
        if item.bare:  # only a hash: the serial rules (placeholders ...) look at the hash's own serial
            in_hash = hash_serial(record.get("hardwareIdentifier"))
            if in_hash is not None:
                record["serialNumber"] = in_hash
        _, issues = device_issues(record)
        value = record.get("hardwareIdentifier")
        decoded = analyse_hardware_hash(value)[0] if isinstance(value, (str, bytes)) and value else None
        if item.bare:
            issues = [i for i in issues if i.code != "serial-missing"]  # hash-missing-field says it already
        if item.label:
            out.line(("\n" if number else "") + item.label, "strong")
        for issue in issues:
            out.line(out.paint(issue_text(issue), "error" if issue.severity == "error" else "warning"))
        if any(i.severity == "error" for i in issues):
            status = 1
        if decoded is not None:
            _print_decoded(out, decoded)
    return status


def _print_decoded(out: terminal.Terminal, decoded: HardwareHash) -> None:
    rows = [
        ("serial number", decoded.serial_number),
        ("manufacturer", decoded.manufacturer),
        ("model", decoded.model),
        ("SMBIOS UUID", decoded.smbios_uuid),
        ("MAC addresses", ", ".join(decoded.mac_addresses) or None),
        ("TPM version", decoded.tpm_version),
        ("size", f"{decoded.size} bytes, records end at {decoded.end_offset}"),
        ("checksum", "ok" if decoded.checksum_ok else "MISMATCH"),
        ("padding", "ok" if decoded.padding_ok else "NOT ZERO"),
    ]
    for label, text in rows:
        out.line(f"{label:>15}: {text if text is not None else '(absent)'}")
    for record in decoded.records:
        out.line(f"  record type {record.type:>2} {record.name:<24} {record.length:>5} bytes at offset {record.offset}")


def add_hash(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``hash decode VALUE``."""
    hash_ = sub.add_parser("hash", help="decode an Autopilot hardware hash and say what it holds")
    hsub = hash_.add_subparsers(dest="action", required=True)
    dec = hsub.add_parser("decode", help="decode a hash: the base64 value, a file, - (standard input), or a record")
    dec.add_argument("value", help="the base64 hash, a file holding it or a JSON/CSV record with it, or -")
    dec.set_defaults(handler=_hash_decode)

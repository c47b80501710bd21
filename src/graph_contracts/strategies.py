"""Graph-aware hypothesis strategies, built from the contracts: valid bodies, and bodies with one rule broken.

Why our own and not hypothesis-jsonschema: it knows no base64 or GUID formats
(they silently become plain text), and its last release breaks on current
hypothesis. The types here are small and flat, so a strategy per Graph type
and a table of property-name hints give realistic values: GUIDs, hardware
hashes that decode, serials, UPNs, enum members and date-times with offsets.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from hypothesis import strategies as st

from .autopilot import PLACEHOLDER_SERIALS, build_hardware_hash, encode_hardware_hash
from .contracts import ContractSet, Operation, Property

Strategy = st.SearchStrategy[Any]

SERIAL_ALPHABET = string.ascii_uppercase + string.digits
MANUFACTURERS = ("Contoso", "Fabrikam", "Northwind Traders", "Litware", "Tailspin Toys")
MODELS = ("Laptop 7", "Desktop Pro", "Tablet 3", "Workstation X1", "Virtual Machine")


def guids() -> Strategy:
    return st.uuids().map(str)


def serials() -> Strategy:
    """Serials as OEMs print them: 6 to 15 upper-case letters and digits, never a firmware placeholder."""
    placeholders = {p.casefold() for p in PLACEHOLDER_SERIALS}
    return st.text(SERIAL_ALPHABET, min_size=6, max_size=15).filter(
        lambda s: not set(s) <= {"0"} and s.casefold() not in placeholders
    )


class SerialSource:
    """Serials unique to one namespace, derived from it and a counter: the same sequence every time.

    The suite names each test's source after the run tag and the test, so no
    two examples of a run share a serial (or a hardware hash, which carries
    its serial), and a replay of a recorded run draws exactly the recorded
    serials. Each serial is 12 characters of base32 (A-Z, 2-7), which reads
    like an OEM serial and is never a placeholder.
    """

    def __init__(self, namespace: str) -> None:
        self.namespace = namespace
        self._counter = itertools.count()

    def next(self) -> str:
        number = next(self._counter)
        digest = hashlib.sha256(f"{self.namespace}#{number}".encode()).digest()
        return base64.b32encode(digest).decode("ascii")[:12]

    def serials(self) -> Strategy:
        """A strategy whose every draw is the next serial of this source."""
        return st.builds(self.next)


def upns() -> Strategy:
    local = st.text(string.ascii_lowercase + string.digits, min_size=1, max_size=12)
    label = st.text(string.ascii_lowercase, min_size=2, max_size=10)
    return st.builds(lambda u, d, t: f"{u}@{d}.{t}", local, label, st.sampled_from(("com", "org", "example")))


def product_keys() -> Strategy:
    block = st.text(string.ascii_uppercase + string.digits, min_size=5, max_size=5)
    return st.lists(block, min_size=5, max_size=5).map("-".join)


def group_tags() -> Strategy:
    return st.text(string.ascii_letters + string.digits + "-_", min_size=1, max_size=24)


def datetimes_with_offset() -> Strategy:
    """RFC 3339 date-times with an explicit offset and up to 7 fraction digits, as Graph writes them."""
    offsets = st.integers(min_value=-12 * 4, max_value=14 * 4).map(lambda q: timezone(timedelta(minutes=15 * q)))
    moments = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31), timezones=offsets)
    return st.builds(_rfc3339, moments, st.integers(min_value=0, max_value=9_999_999), st.integers(0, 7))


def _rfc3339(moment: datetime, ticks: int, digits: int) -> str:
    base = moment.strftime("%Y-%m-%dT%H:%M:%S")
    fraction = f".{ticks:07d}"[: digits + 1] if digits else ""
    offset = moment.strftime("%z")
    offset = "Z" if offset in ("+0000", "") else f"{offset[:3]}:{offset[3:]}"
    return base + fraction + offset


def hardware_hashes(serial: str | None = None, *, serial_strategy: Strategy | None = None) -> Strategy:
    """Hashes that decode, with a valid checksum: the layout is public, the values synthetic.

    The serial inside is ``serial``, else a draw of ``serial_strategy``, else a random serial.
    """
    fallback = serial_strategy if serial_strategy is not None else serials()
    serial_st = st.just(serial) if serial is not None else fallback
    return st.builds(
        lambda s, m, mo: encode_hardware_hash(build_hardware_hash(s, m, mo)),
        serial_st,
        st.sampled_from(MANUFACTURERS),
        st.sampled_from(MODELS),
    )


def plain_text() -> Strategy:
    return st.text(string.ascii_letters + string.digits + " .-", min_size=0, max_size=40)


#: Graph primitive type -> strategy for a valid JSON value.
PRIMITIVE_STRATEGIES: Mapping[str, Callable[[], Strategy]] = {
    "String": plain_text,
    "Binary": lambda: st.binary(max_size=48).map(lambda b: base64.b64encode(b).decode("ascii")),
    "DateTimeOffset": datetimes_with_offset,
    "Guid": guids,
    "Int16": lambda: st.integers(-(2**15), 2**15 - 1),
    "Int32": lambda: st.integers(-(2**31), 2**31 - 1),
    "Int64": lambda: st.integers(-(2**63), 2**63 - 1),
    "Byte": lambda: st.integers(0, 255),
    "Double": lambda: st.floats(allow_nan=False, allow_infinity=False, width=32),
    "Single": lambda: st.floats(allow_nan=False, allow_infinity=False, width=32),
    "Decimal": lambda: st.integers(-(10**6), 10**6),
    "Boolean": st.booleans,
    "Date": lambda: st.dates().map(lambda d: d.isoformat()),
}

#: Property name -> a more realistic strategy than its Graph type alone gives.
PROPERTY_HINTS: Mapping[str, Callable[[], Strategy]] = {
    "serialNumber": serials,
    "hardwareIdentifier": hardware_hashes,
    "assignedUserPrincipalName": upns,
    "userPrincipalName": upns,
    "productKey": product_keys,
    "groupTag": group_tags,
    "importId": guids,
    "manufacturer": lambda: st.sampled_from(MANUFACTURERS),
    "model": lambda: st.sampled_from(MODELS),
}


#: Strategies already built, per (contracts, version, serial source): see ``BodyStrategies``.
_BUILT: dict[tuple[int, str, int], tuple[tuple[object, object], dict[tuple[Any, ...], tuple[object, Strategy]]]] = {}
#: Sources remembered before ``_BUILT`` starts again (a suite run has one per test that draws serials).
MAX_BUILT = 256


class BodyStrategies:
    """Strategies for one version's request bodies, from the contracts.

    With ``serials``, every serial number and hardware hash comes from that
    source, unique within it; without, they are drawn at random.

    The suite's tests build their ``BodyStrategies`` inside each example, and
    hypothesis validates a strategy the first time it draws from it (its
    emptiness, walked over every part), so every example validated the same
    bodies again. The strategies an instance builds are kept per (contracts,
    version, serial source) and handed to the next instance: the same
    strategy objects, so the same draws (a strategy is an immutable
    description of what to draw; ``tests/test_suite_determinism.py``
    compares the draws with and without).
    """

    def __init__(self, contracts: ContractSet, version: str, *, serials: SerialSource | None = None) -> None:
        self.contracts = contracts
        self.version = version
        self.serial_source = serials
        self._hints: dict[str, Callable[[], Strategy]] = dict(PROPERTY_HINTS)
        if serials is not None:
            self._hints["serialNumber"] = serials.serials
            self._hints["hardwareIdentifier"] = lambda: hardware_hashes(serial_strategy=serials.serials())
        key = (id(contracts), version, id(serials))
        entry = _BUILT.get(key)
        if entry is None:
            if len(_BUILT) >= MAX_BUILT:
                _BUILT.clear()
            # the entry holds its contracts and source, so their ids in the key are not reused while it lives
            entry = _BUILT[key] = ((contracts, serials), {})
        self._built = entry[1]

    def _once(self, key: tuple[Any, ...], build: Callable[[], Strategy], keep: object = None) -> Strategy:
        """The strategy ``build`` gives, built once for this (contracts, version, serial source).

        ``keep`` is an object whose ``id`` is in ``key``: held with the strategy, so the id stays its own.
        """
        hit = self._built.get(key)
        if hit is None:
            hit = self._built[key] = (keep, build())
        return hit[1]

    def _serials(self) -> Strategy:
        return self.serial_source.serials() if self.serial_source is not None else serials()

    def value(self, type_name: str, collection: bool = False, name: str = "") -> Strategy:
        return self._once(("value", type_name, collection, name), lambda: self._value(type_name, collection, name))

    def _value(self, type_name: str, collection: bool, name: str) -> Strategy:
        if name in self._hints:
            item = self._hints[name]()
        elif type_name in PRIMITIVE_STRATEGIES:
            item = PRIMITIVE_STRATEGIES[type_name]()
        else:
            t = self.contracts.type(self.version, type_name)
            item = st.sampled_from([m.name for m in t.members]) if t.category == "enum" else self.entity(type_name)
        return st.lists(item, max_size=3) if collection else item

    def writable(self, type_name: str) -> tuple[Property, ...]:
        return tuple(p for p in self.contracts.all_properties(self.version, type_name) if not p.read_only)

    def entity(self, type_name: str, *, require: tuple[str, ...] = ()) -> Strategy:
        """A valid request body for ``type_name``: any subset of its writable properties."""
        return self._once(("entity", type_name, tuple(require)), lambda: self._entity(type_name, tuple(require)))

    def _entity(self, type_name: str, require: tuple[str, ...]) -> Strategy:
        t = self.contracts.type(self.version, type_name)
        props = self.writable(type_name)
        required = {p.name: self.value(p.type, p.collection, p.name) for p in props if p.required or p.name in require}
        optional = {p.name: self.value(p.type, p.collection, p.name) for p in props if p.name not in required}
        odata = st.just({"@odata.type": f"#{t.qualified_name}"})
        # A derived type is only recognisable by its @odata.type; a base type may omit it.
        derived = (self.version, t.base_type or "") in self.contracts.types
        marker = odata if derived else st.one_of(st.just({}), odata)
        body = st.fixed_dictionaries(required, optional=optional)
        return st.tuples(marker, body).map(lambda pair: {**pair[0], **pair[1]})

    def autopilot_device(self) -> Strategy:
        """An import record Intune would accept: serial, and a hash that carries the same serial."""
        return self._once(("autopilot_device",), self._autopilot_device)

    def _autopilot_device(self) -> Strategy:
        return self._serials().flatmap(
            lambda serial: st.fixed_dictionaries(
                {
                    "@odata.type": st.just("#microsoft.graph.importedWindowsAutopilotDeviceIdentity"),
                    "serialNumber": st.just(serial),
                    "hardwareIdentifier": hardware_hashes(serial),
                },
                optional={"groupTag": group_tags(), "assignedUserPrincipalName": upns()},
            )
        )

    def request_body(self, op: Operation) -> Strategy:
        return self._once(("request_body", id(op)), lambda: self._request_body(op), keep=op)

    def _request_body(self, op: Operation) -> Strategy:
        if op.body_type is not None:
            return self.entity(op.body_type)
        fields = {p.name: self.value(p.type, p.collection, p.name) for p in op.parameters}
        return st.fixed_dictionaries(fields)

    def broken_body(self, op: Operation) -> Strategy:
        """A body with exactly one rule broken, as ``Broken(rule, pointer, body)``."""
        return self._once(("broken_body", id(op)), lambda: self._broken_body(op), keep=op)

    def _broken_body(self, op: Operation) -> Strategy:
        if op.body_type is None:
            return st.just(Broken("malformed-json", "", None, raw=b'{"'))
        return self.request_body(op).flatmap(lambda body: _break_one(self, op.body_type or "", body))


@dataclass(frozen=True)
class Broken:
    """A request body with one known defect; ``raw`` replaces the JSON when the defect is the encoding itself."""

    rule: str
    pointer: str
    body: Any
    raw: bytes | None = None

    def content(self) -> bytes:
        return self.raw if self.raw is not None else json.dumps(self.body).encode("utf-8")


def _break_one(strategies: BodyStrategies, type_name: str, body: dict[str, Any]) -> Strategy:
    props = {p.name: p for p in strategies.writable(type_name)}
    choices: list[Strategy] = [
        st.just(Broken("unknown-property", "/notAGraphProperty", {**body, "notAGraphProperty": "x"})),
        st.just(Broken("malformed-json", "", body, raw=json.dumps(body).encode("utf-8")[:-1] or b"{")),
    ]
    string_props = [n for n, p in props.items() if p.type == "String" and not p.collection]
    if string_props:
        choices.append(st.sampled_from(string_props).map(lambda n: Broken("type", f"/{n}", {**body, n: 12345})))
    binary = [n for n, p in props.items() if p.type == "Binary"]
    if binary:
        choices.append(st.sampled_from(binary).map(lambda n: Broken("base64", f"/{n}", {**body, n: "not base64!"})))
    enums = [
        n
        for n, p in props.items()
        if (strategies.version, p.type) in strategies.contracts.types
        and strategies.contracts.type(strategies.version, p.type).category == "enum"
    ]
    if enums:
        choices.append(st.sampled_from(enums).map(lambda n: Broken("enum", f"/{n}", {**body, n: "notAMember"})))
    return st.one_of(choices)

"""The SDK gate's comparisons call nothing a break that is the same value, and name the side that lost a value.

Pure comparisons (no SDK needed): these run in the default suite.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from graph_contracts.contracts import default_contracts
from graph_contracts.sdk.roundtrip import Comparer, Difference, json_quote
from graph_contracts.sdk.wire import body_differences, split_by_side

DEVICE = "windowsAutopilotDeviceIdentity"


@pytest.fixture(scope="module")
def v1() -> Comparer:
    return Comparer(default_contracts(), "v1.0")


@pytest.fixture(scope="module")
def beta() -> Comparer:
    return Comparer(default_contracts(), "beta")


def kinds(diffs: list[Difference]) -> list[tuple[str, str]]:
    return [(d.pointer, d.kind) for d in diffs]


@pytest.mark.parametrize(
    "written",
    [
        "2024-02-29T18:29:59.1234567+00:00",  # the same instant, in UTC
        "2024-02-29T18:29:59.123456Z",  # and with the 7th digit truncated
        "2024-03-01T01:29:59.1234567+07:00",
    ],
)
def test_the_same_instant_with_another_offset_is_not_a_break(v1: Comparer, written: str) -> None:
    sent = {"lastContactedDateTime": "2024-02-29T23:59:59.1234567+05:30"}
    diffs = v1.compare(DEVICE, sent, {"lastContactedDateTime": written})
    assert kinds(diffs) == [("/lastContactedDateTime", "reoffset")]
    assert not any(d.breaking for d in diffs)


@pytest.mark.parametrize(
    "written",
    [
        "2024-02-29T23:59:59.1234567+00:00",  # the local time kept, the offset changed: another instant
        "2024-02-29T23:59:59.1234567",  # the offset lost
    ],
)
def test_another_instant_or_a_lost_offset_still_breaks(v1: Comparer, written: str) -> None:
    sent = {"lastContactedDateTime": "2024-02-29T23:59:59.1234567+05:30"}
    diffs = v1.compare(DEVICE, sent, {"lastContactedDateTime": written})
    assert kinds(diffs) == [("/lastContactedDateTime", "offset")] and diffs[0].breaking


def test_a_dropped_tag_naming_the_declared_type_is_no_break(v1: Comparer) -> None:
    sent = {"@odata.type": f"#microsoft.graph.{DEVICE}", "serialNumber": "A"}
    assert v1.compare(DEVICE, sent, {"serialNumber": "A"}) == []
    nested = {
        "state": {
            "@odata.type": "microsoft.graph.importedWindowsAutopilotDeviceIdentityState",
            "deviceImportStatus": "pending",
        }
    }
    assert (
        v1.compare("importedWindowsAutopilotDeviceIdentity", nested, {"state": {"deviceImportStatus": "pending"}}) == []
    )


def test_a_dropped_tag_of_a_derived_type_posted_to_its_base_collection_breaks(beta: Comparer) -> None:
    contracts = default_contracts()
    op = contracts.operations[("beta", "importedDeviceIdentityResult.create")]
    sent = {"@odata.type": "#microsoft.graph.importedDeviceIdentityResult", "status": True}
    diffs = body_differences(beta, op, sent, {"status": True})
    assert kinds(diffs) == [("/@odata.type", "dropped")] and diffs[0].breaking
    # The same tag on the base type's own create is optional.
    plain = contracts.operations[("beta", "importedDeviceIdentity.create")]
    tagged = {"@odata.type": "#microsoft.graph.importedDeviceIdentity", "importedDeviceIdentifier": "a"}
    assert body_differences(beta, plain, tagged, {"importedDeviceIdentifier": "a"}) == []


def test_json_values_are_printed_as_json() -> None:
    """A JSON null printed as Python's None (the issue): the counterexample must say null."""
    assert str(Difference("/groupTag", "changed", None, "x")) == "/groupTag: changed: sent null, got 'x'"
    assert str(Difference("/a", "dropped", {"b": None, "c": True}, None)) == '/a: dropped (sent {"b": null, "c": true})'
    assert json_quote([1, None]) == "[1, null]"


@dataclass
class Model:
    """Stands in for a kiota model as the reader left it: snake_case attributes and additional_data."""

    serial_number: str | None = None
    group_tag: str | None = None
    additional_data: dict[str, Any] = field(default_factory=dict)


def test_a_value_the_model_holds_but_the_writer_lost_is_the_writers() -> None:
    op = default_contracts().operations[("v1.0", f"{DEVICE}.get")]
    diffs = [Difference("/serialNumber", "dropped", "A", None), Difference("/groupTag", "dropped", "G", None)]
    read, written = split_by_side(op, Model(serial_number="A"), diffs)
    assert [d.pointer for d in written] == ["/serialNumber"]  # read, then lost on the way out
    assert [d.pointer for d in read] == ["/groupTag"]  # never read
    listed = default_contracts().operations[("v1.0", f"{DEVICE}.list")]

    @dataclass
    class Page:
        value: list[Model]

    read, written = split_by_side(
        listed, Page([Model(group_tag="G")]), [Difference("/value/0/groupTag", "dropped", "G", None)]
    )
    assert (read, [d.pointer for d in written]) == ([], ["/value/0/groupTag"])


def test_combined_edge_bodies_send_every_edge_value_once() -> None:
    """The wire check folds one-value edge bodies together (speed); no edge value may be lost on the way."""
    from graph_contracts.sdk.roundtrip import combined_edges, edge_bodies

    contracts = default_contracts()
    for version, type_name in (("beta", DEVICE), ("beta", "importedDeviceIdentityResult"), ("v1.0", DEVICE)):
        singles = edge_bodies(contracts, version, type_name)
        combined = combined_edges(singles)
        assert len(combined) < len(singles)
        sent = sorted(repr((k, v)) for b in combined for k, v in b.items() if k != "@odata.type")
        assert sent == sorted(repr((k, v)) for b in singles for k, v in b.items() if k != "@odata.type")
        tags = {b.get("@odata.type") for b in singles}
        assert all(b.get("@odata.type") in tags for b in combined)

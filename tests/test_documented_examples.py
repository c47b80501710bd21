"""Every documented example body, checked against its schema, with the verdict we expect written down.

A failing example is a contract finding (placeholders such as "Binary" or
"String" in the docs), not a bug in the schema: the verdicts below say which.
"""

from __future__ import annotations

import pytest

from graph_contracts.contracts import default_contracts
from graph_contracts.validation import Validator

#: (version, operation, example index, direction) -> the issue codes and pointers expected; () means valid.
EXPECTED: dict[tuple[str, str, int, str], tuple[str, ...]] = {
    # seed 001 (beta doc-stub): retired orderIdentifier and the "String" placeholder for an enum
    ("beta", "importedWindowsAutopilotDeviceIdentity.create", 0, "request"): (
        "enum /state/deviceImportStatus",
        "unknown-property /orderIdentifier",
    ),
    ("beta", "importedWindowsAutopilotDeviceIdentity.create", 0, "response"): ("enum /state/deviceImportStatus",),
    # seed 003 (v1.0 import doc-stub): "Binary" is a placeholder, not base64
    ("v1.0", "importedWindowsAutopilotDeviceIdentity.import", 0, "request"): (
        "base64 /importedWindowsAutopilotDeviceIdentities/0/hardwareIdentifier",
    ),
    ("v1.0", "importedWindowsAutopilotDeviceIdentity.import", 0, "response"): ("base64 /value/0/hardwareIdentifier",),
    # docs-next v1.0 update page: still sends the retired orderIdentifier
    ("v1.0", "importedWindowsAutopilotDeviceIdentity.update", 0, "request"): ("unknown-property /orderIdentifier",),
}


def _cases() -> list[tuple[str, str, int, str, object]]:
    cases = []
    for (version, op_id), op in sorted(default_contracts().operations.items()):
        for index, example in enumerate(op.examples):
            for direction, body in (("request", example.request_body), ("response", example.response_body)):
                if body is not None:
                    cases.append((version, op_id, index, direction, body))
    return cases


CASES = _cases()


def test_the_contracts_carry_the_documented_examples():
    seeds = {
        op.id
        for op in default_contracts().operations.values()
        for e in op.examples
        if e.source.page.startswith("seeds/")
    }
    assert seeds == {
        "importedWindowsAutopilotDeviceIdentity.create",
        "windowsAutopilotDeviceIdentity.create",
        "importedWindowsAutopilotDeviceIdentity.import",
        "importedDeviceIdentityResult.create",
    }
    assert len(CASES) >= 35
    assert set(EXPECTED) <= {c[:4] for c in CASES}


@pytest.mark.parametrize(
    ("version", "op_id", "index", "direction", "body"),
    CASES,
    ids=[f"{c[0]}-{c[1]}-{c[2]}-{c[3]}" for c in CASES],
)
def test_documented_example_verdict(version: str, op_id: str, index: int, direction: str, body: object):
    issues = Validator.for_operation(op_id, version=version, direction=direction).validate(body)  # type: ignore[arg-type]
    found = tuple(sorted(f"{i.code} {i.pointer}" for i in issues))
    assert found == EXPECTED.get((version, op_id, index, direction), ())

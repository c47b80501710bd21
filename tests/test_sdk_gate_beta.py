"""The SDK gate on the beta SDK: a beta break, a derived type without its tag, and the baseline that keeps CI green.

Each break is made on purpose (a patched model class of msgraph-beta-sdk), so
the tests hold for any SDK release; the last tests run the whole gate on the
installed SDKs and judge it with the shipped baseline.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("msgraph_beta", reason='needs msgraph-beta-sdk: run `tox -e sdk` (or pip install ".[sdk]")')
pytest.importorskip("msgraph", reason='needs msgraph-sdk: run `tox -e sdk` (or pip install ".[sdk]")')

from msgraph_beta.generated.models.imported_device_identity_result import ImportedDeviceIdentityResult
from msgraph_beta.generated.models.imported_windows_autopilot_device_identity import (
    ImportedWindowsAutopilotDeviceIdentity,
)

from graph_contracts.cli import main
from graph_contracts.contracts import default_contracts
from graph_contracts.sdk import SDKS, CheckResult, Verdict, check_all
from graph_contracts.sdk.baseline import Baseline, baseline_verdict, judge, load_baseline
from graph_contracts.sdk.roundtrip import check_type
from graph_contracts.sdk.wire import run_wire

BETA = SDKS["msgraph-beta"]
EXAMPLES = 3
IMPORTED = "importedWindowsAutopilotDeviceIdentity"
RESULT_CREATE = "importedDeviceIdentityResult.create"
TAG = "#microsoft.graph.importedDeviceIdentityResult"
TAG_KEY = (
    "beta",
    RESULT_CREATE,
    "type-tag",
    "/@odata.type",
    "missing-type-tag: a body of importedDeviceIdentityResult goes out without `@odata.type`; "
    "the service reads the base type `importedDeviceIdentity`",
)
EXAMPLE_BASELINE = Path(__file__).resolve().parents[1] / "examples" / "sdk-baseline.yaml"
SLOW = pytest.mark.skipif(
    not os.environ.get("GRAPH_CONTRACTS_SLOW_SDK_TESTS"),
    reason="runs the whole gate on both SDKs; set GRAPH_CONTRACTS_SLOW_SDK_TESTS=1 (tox -e sdk does)",
)


def wire(*operations: str) -> dict[tuple[str, str], CheckResult]:
    results = run_wire(BETA, BETA.installed_version(), EXAMPLES, operations=operations)
    return {(r.target, r.check): r for r in results}


@pytest.fixture
def beta_drops_group_tag(monkeypatch: pytest.MonkeyPatch) -> None:
    """A beta-only serializer bug: the beta model's serialize loses groupTag (the v1.0 SDK is untouched)."""
    original = ImportedWindowsAutopilotDeviceIdentity.serialize

    def serialize(self: Any, writer: Any) -> None:
        original(self, writer)
        writer.writer.pop("groupTag", None)

    monkeypatch.setattr(ImportedWindowsAutopilotDeviceIdentity, "serialize", serialize)


def result_tag_default(monkeypatch: pytest.MonkeyPatch, tag: str | None) -> None:
    """Make ImportedDeviceIdentityResult default its ``odata_type`` to ``tag``, whatever this release does."""
    original: Callable[..., None] = ImportedDeviceIdentityResult.__init__

    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("odata_type", tag)
        original(self, *args, **kwargs)

    monkeypatch.setattr(ImportedDeviceIdentityResult, "__init__", init)


def test_a_beta_serializer_break_fails_the_round_trip_and_the_wire(beta_drops_group_tag: None) -> None:
    results = check_type(BETA, BETA.installed_version(), IMPORTED, EXAMPLES, default_contracts())
    roundtrip = {r.check: r for r in results}
    assert roundtrip["fidelity"].status == "fail"
    assert roundtrip["fidelity"].finding_code == "dropped /groupTag"
    assert (roundtrip["fidelity"].sdk, roundtrip["fidelity"].api_version) == ("msgraph-beta", "beta")
    fidelity = wire(f"{IMPORTED}.create")[(f"{IMPORTED}.create", "body fidelity")]
    assert fidelity.status == "fail"
    assert "/groupTag: dropped" in fidelity.counterexample


def test_a_derived_model_without_its_tag_is_a_type_tag_break(monkeypatch: pytest.MonkeyPatch) -> None:
    result_tag_default(monkeypatch, None)
    results = wire(RESULT_CREATE)
    tag = results[(RESULT_CREATE, "type-tag")]
    assert tag.status == "fail"
    assert tag.finding_keys == (TAG_KEY,)
    assert tag.counterexample.startswith(
        "/@odata.type: missing-type-tag: a body of importedDeviceIdentityResult goes out without `@odata.type`; "
        "the service reads the base type `importedDeviceIdentity` in body "
    )
    assert "`ImportedDeviceIdentityResult` serializes without `@odata.type`" in tag.counterexample
    assert "unknown property 'status'" in tag.counterexample  # what the emulator made of it
    assert f"msgraph-beta-sdk {BETA.installed_version()}" in tag.note
    assert f"fix: set odata_type = '{TAG}'" in tag.note and "the SDK generator should default it" in tag.note
    # The bodies the other checks send carry the tag, so nothing else is blamed for it.
    assert results[(RESULT_CREATE, "accepted")].status == "pass"
    assert results[(RESULT_CREATE, "body schema")].status == "pass"


def test_a_derived_model_that_defaults_its_tag_passes(monkeypatch: pytest.MonkeyPatch) -> None:
    result_tag_default(monkeypatch, TAG)
    tag = wire(RESULT_CREATE)[(RESULT_CREATE, "type-tag")]
    assert tag.status == "pass", tag.counterexample


@pytest.fixture(scope="module")
def gate_results() -> list[CheckResult]:
    return check_all((SDKS["msgraph"], BETA), 2)


def test_the_shipped_baseline_acknowledges_every_break_of_the_installed_sdks(gate_results: list[CheckResult]) -> None:
    judged = judge(gate_results, load_baseline(EXAMPLE_BASELINE))
    assert {j.outcome for j in judged} <= {"known", "fixed"}, [(j.outcome, j.id) for j in judged]
    assert baseline_verdict(judged) is Verdict.PASS
    empty = judge(gate_results, Baseline("empty.yaml"))
    if BETA.installed_version() == "1.66.0":  # the pinned release: its one break is the result's type tag
        update_key = ("beta", "importedDeviceIdentityResult.update", *TAG_KEY[2:])
        assert [(j.outcome, j.id) for j in empty] == [("new", TAG_KEY), ("new", update_key)]
        assert baseline_verdict(empty) is Verdict.BREAK


@SLOW
def test_the_cli_exits_0_with_the_shipped_baseline_and_1_with_an_empty_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["sdk-check", "--sdk", "both", "--examples", "1", "--baseline", str(EXAMPLE_BASELINE)]) == 0
    out = capsys.readouterr().out
    assert "[known] beta importedDeviceIdentityResult.create type-tag" in out
    assert "[FAIL]" not in out and "[KNOWN] msgraph-beta" in out  # a known break is not printed as a failure
    empty = tmp_path / "empty.yaml"
    empty.write_text("findings: []\n", encoding="utf-8")
    written = tmp_path / "written.yaml"
    assert (
        main(
            [
                "sdk-check",
                "--sdk",
                "both",
                "--examples",
                "1",
                "--baseline",
                str(empty),
                "--write-baseline",
                str(written),
            ]
        )
        == 1
    )
    assert "[NEW (not in the baseline)] beta importedDeviceIdentityResult.create" in capsys.readouterr().out
    assert [e.id for e in load_baseline(written, allow_todo=True).entries] == [
        e.id for e in load_baseline(EXAMPLE_BASELINE).entries
    ]

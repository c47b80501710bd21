"""``sdk-check --compare``: the SDK a requirement names, the diff of two runs' breaks, and (slow) two releases."""

from __future__ import annotations

import io
import os

import pytest

from graph_contracts.cli import main
from graph_contracts.sdk.baseline import Baseline, BaselineEntry
from graph_contracts.sdk.compare import CompareError, diff_findings, distribution_of, render_diff, run_compare


def entry(operation: str, check: str, code: str = "") -> BaselineEntry:
    return BaselineEntry("msgraph-beta", operation, check, code, "r", "l", observed=f"msgraph-beta 1: {check}")


TAG = entry("importedDeviceIdentityResult.create", "type-tag", "missing-type-tag")
DROP = entry("importedWindowsAutopilotDeviceIdentity.create", "body fidelity", "dropped /groupTag")
ENUM = entry("windowsAutopilotDeviceIdentity", "enum members")


def test_requirements_name_their_sdk() -> None:
    assert distribution_of("msgraph-beta-sdk==1.66.0").name == "msgraph-beta"
    assert distribution_of("msgraph_sdk >=1.60").name == "msgraph"
    assert distribution_of("MSGraph-Beta-SDK").name == "msgraph-beta"
    with pytest.raises(CompareError, match="not a requirement on an msgraph SDK"):
        distribution_of("requests==2.0")


def test_two_different_sdks_are_refused_before_anything_is_installed(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sdk-check", "--compare", "msgraph-sdk==1.65.0", "msgraph-beta-sdk==1.66.0"]) == 2
    assert "name different SDKs" in capsys.readouterr().err
    with pytest.raises(CompareError):
        run_compare("msgraph-sdk==1.65.0", "nonsense", 1, out=io.StringIO())


def test_the_diff_sorts_breaks_into_new_fixed_and_unchanged() -> None:
    diff = diff_findings(Baseline("old", (TAG, DROP)), Baseline("new", (TAG, ENUM)))
    assert (diff.new, diff.fixed, diff.unchanged) == ((ENUM,), (DROP,), (TAG,))
    text = render_diff(diff, "msgraph-beta-sdk 1.65.0", "msgraph-beta-sdk 1.66.0")
    assert text.splitlines()[:2] == [
        "SDK version diff: msgraph-beta-sdk 1.65.0 -> msgraph-beta-sdk 1.66.0",
        "  1 new, 1 fixed, 1 unchanged",
    ]
    assert "  [new] msgraph-beta windowsAutopilotDeviceIdentity enum members" in text
    fixed = "  [fixed] msgraph-beta importedWindowsAutopilotDeviceIdentity.create body fidelity (dropped /groupTag)"
    assert fixed in text


@pytest.mark.skipif(
    not os.environ.get("GRAPH_CONTRACTS_SLOW_SDK_TESTS"),
    reason="installs two msgraph-beta-sdk releases (minutes); set GRAPH_CONTRACTS_SLOW_SDK_TESTS=1 (tox -e sdk does)",
)
def test_two_real_beta_releases(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["sdk-check", "--examples", "1", "--compare", "msgraph-beta-sdk==1.65.0", "msgraph-beta-sdk==1.66.0"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "SDK version diff: msgraph-beta-sdk 1.65.0 -> msgraph-beta-sdk 1.66.0" in out
    # Both releases leave the result's type tag unset: the break is unchanged, nothing is new.
    assert "0 new, 0 fixed, 1 unchanged" in out
    assert "[unchanged] msgraph-beta importedDeviceIdentityResult.create type-tag (missing-type-tag)" in out

"""``sdk-check --compare``: the SDK a requirement names, the diff of two runs' breaks, and (slow) two releases."""

from __future__ import annotations

import os

import pytest

from graph_contracts.cli import main
from graph_contracts.sdk.baseline import Baseline, BaselineEntry
from graph_contracts.sdk.compare import CompareError, diff_findings, distribution_of, render_diff, run_compare


def entry(operation: str, check: str, pointer: str, message: str) -> BaselineEntry:
    return BaselineEntry("beta", operation, check, pointer, message, "r", "l", observed=f"msgraph-beta 1: {check}")


TAG = entry("importedDeviceIdentityResult.create", "type-tag", "/@odata.type", "missing-type-tag: ...")
DROP = entry("importedWindowsAutopilotDeviceIdentity.create", "body fidelity", "/groupTag", "dropped (sent '...')")
ENUM = entry("windowsAutopilotDeviceIdentity", "enum members", "", "contract members the SDK lacks: x")


def test_requirements_name_their_sdk() -> None:
    assert distribution_of("msgraph-beta-sdk==1.66.0").name == "msgraph-beta"
    assert distribution_of("msgraph_sdk >=1.60").name == "msgraph"
    assert distribution_of("MSGraph-Beta-SDK").name == "msgraph-beta"
    with pytest.raises(CompareError, match="not a requirement on an msgraph SDK"):
        distribution_of("requests==2.0")


def test_two_different_sdks_are_refused_before_anything_is_installed(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sdk-check", "--compare", "msgraph-sdk==1.65.0", "msgraph-beta-sdk==1.66.0"]) == 2
    assert "name different SDKs" in capsys.readouterr().err
    with pytest.raises(CompareError) as caught:
        run_compare("msgraph-sdk==1.65.0", "nonsense", 1)
    assert caught.value.setting == "compare"  # the setting; the CLI says --compare (cli.FLAGS)


def test_the_diff_sorts_breaks_into_new_fixed_and_unchanged() -> None:
    diff = diff_findings(Baseline("old", (TAG, DROP)), Baseline("new", (TAG, ENUM)))
    assert (diff.new, diff.fixed, diff.unchanged) == ((ENUM,), (DROP,), (TAG,))
    text = render_diff(diff, "msgraph-beta-sdk 1.65.0", "msgraph-beta-sdk 1.66.0")
    assert text.splitlines()[:2] == [
        "SDK version diff: msgraph-beta-sdk 1.65.0 -> msgraph-beta-sdk 1.66.0",
        "  1 new, 1 fixed, 1 unchanged",
    ]
    assert "  [new] beta windowsAutopilotDeviceIdentity enum members: contract members the SDK lacks: x" in text
    fixed = "  [fixed] beta importedWindowsAutopilotDeviceIdentity.create body fidelity: /groupTag: dropped (sent"
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
    assert "0 new, 0 fixed, " in out
    assert "[unchanged] beta importedDeviceIdentityResult.create type-tag: /@odata.type: missing-type-tag" in out

"""Baselines of the SDK gate: reading, judging and writing them needs no SDK, so these run in the default suite."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from graph_contracts.cli import main
from graph_contracts.errors import InputFileError
from graph_contracts.sdk.baseline import (
    Baseline,
    BaselineEntry,
    baseline_entries,
    baseline_exit_code,
    dump_baseline,
    judge,
    load_baseline,
    render_judgement,
)
from graph_contracts.sdk.report import CheckResult, write_junit

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "sdk-baseline.yaml"
TODAY = dt.date(2026, 11, 29)
TAG_BREAK = CheckResult(
    "msgraph-beta", "1.66.0", "beta", "wire", "importedDeviceIdentityResult.create", "type-tag", "fail", 1,
    "`ImportedDeviceIdentityResult` serializes without `@odata.type`", code="missing-type-tag",
)
DROPPED = CheckResult(
    "msgraph", "1.65.0", "v1.0", "wire", "importedWindowsAutopilotDeviceIdentity.create", "body fidelity", "fail", 3,
    "/serialNumber: dropped (sent 'ABC') in body {...}",
)
PASSED = CheckResult("msgraph", "1.65.0", "v1.0", "wire", "windowsAutopilotDeviceIdentity.get", "accepted", "pass", 1)
WARNED = CheckResult(
    "msgraph", "1.65.0", "v1.0", "roundtrip", "windowsAutopilotDeviceIdentity", "date-time precision", "warn", 3,
    "/lastContactedDateTime: precision: sent ...",
)


def entry(result: CheckResult, expires: dt.date | None = None) -> BaselineEntry:
    sdk, target, check, code = result.finding_id
    return BaselineEntry(sdk, target, check, code, "accepted for now", "https://example.invalid/1", expires)


def outcomes(results: list[CheckResult], baseline: Baseline, sdks: tuple[str, ...] = ("msgraph", "msgraph-beta")) -> (
    dict[str, str]
):
    return {j.id[1]: j.outcome for j in judge(results, baseline, sdks=sdks, today=TODAY)}


def test_finding_codes_are_stable_across_counterexamples() -> None:
    assert TAG_BREAK.finding_code == "missing-type-tag"
    assert DROPPED.finding_code == "dropped /serialNumber"
    other_body = CheckResult("msgraph", "1.66.0", "v1.0", "wire", DROPPED.target, DROPPED.check, "fail", 3,
                             "/serialNumber: dropped (sent 'XYZ') in body {...}")
    assert other_body.finding_id == DROPPED.finding_id  # another SDK version, another generated value: same id
    listed = CheckResult("msgraph", "1", "v1.0", "wire", "x.list", "response read", "fail", 1,
                         "/value/3/state/deviceImportStatus: changed: sent 'a', got 'b'")
    assert listed.finding_code == "changed /value/*/state/deviceImportStatus"
    schema = CheckResult("msgraph", "1", "v1.0", "roundtrip", "t", "schema", "fail", 1,
                         "/enrollmentState: error enum: 'Unknown' is not a member in body {}")
    assert schema.finding_code == "enum /enrollmentState"
    status = CheckResult("msgraph", "1", "v1.0", "wire", "t.create", "accepted", "fail", 1,
                         "status 400, contract says 201")
    assert status.finding_code == "status 400"


def test_known_new_expired_and_fixed() -> None:
    baseline = Baseline("b.yaml", (entry(TAG_BREAK), entry(DROPPED, expires=TODAY - dt.timedelta(days=1))))
    assert outcomes([TAG_BREAK, DROPPED, PASSED, WARNED], baseline) == {
        TAG_BREAK.target: "known", DROPPED.target: "expired"
    }
    assert outcomes([TAG_BREAK], Baseline("b.yaml")) == {TAG_BREAK.target: "new"}
    assert outcomes([PASSED], baseline) == {TAG_BREAK.target: "fixed", DROPPED.target: "fixed"}


def test_an_entry_expiring_today_still_holds() -> None:
    assert outcomes([TAG_BREAK], Baseline("b.yaml", (entry(TAG_BREAK, expires=TODAY),))) == {
        TAG_BREAK.target: "known"
    }


def test_exit_codes() -> None:
    known = judge([TAG_BREAK], Baseline("b", (entry(TAG_BREAK),)), sdks=("msgraph-beta",), today=TODAY)
    new = judge([TAG_BREAK], Baseline("b"), sdks=("msgraph-beta",), today=TODAY)
    expired = judge([TAG_BREAK], Baseline("b", (entry(TAG_BREAK, TODAY - dt.timedelta(1)),)), sdks=("msgraph-beta",),
                    today=TODAY)
    fixed = judge([], Baseline("b", (entry(TAG_BREAK),)), sdks=("msgraph-beta",), today=TODAY)
    assert [baseline_exit_code(j) for j in (known, new, expired, fixed)] == [0, 1, 1, 0]
    assert baseline_exit_code(fixed, strict=True) == 1
    assert baseline_exit_code(known, strict=True) == 0


def test_entries_of_an_sdk_not_run_are_not_called_fixed() -> None:
    baseline = Baseline("b.yaml", (entry(TAG_BREAK),))
    assert outcomes([PASSED], baseline, sdks=("msgraph",)) == {}


def test_the_summary_names_each_outcome() -> None:
    baseline = Baseline("b.yaml", (entry(TAG_BREAK),))
    text = render_judgement(judge([DROPPED], baseline, sdks=("msgraph", "msgraph-beta"), today=TODAY), baseline)
    assert text.splitlines()[0] == "Baseline b.yaml: 1 new, 0 expired, 0 known, 1 fixed"
    assert (
        "[NEW (not in the baseline)] msgraph 1.65.0 importedWindowsAutopilotDeviceIdentity.create body fidelity"
    ) in text
    assert "[fixed, remove it] msgraph-beta importedDeviceIdentityResult.create type-tag (missing-type-tag)" in text


def test_written_baselines_read_back_and_keep_reasons(tmp_path: Path) -> None:
    previous = Baseline("old.yaml", (entry(TAG_BREAK, expires=dt.date(2027, 1, 31)),))
    entries = baseline_entries([TAG_BREAK, DROPPED, DROPPED, PASSED, WARNED], previous)
    assert [e.id for e in entries] == sorted({TAG_BREAK.finding_id, DROPPED.finding_id})
    path = tmp_path / "b.yaml"
    path.write_text(dump_baseline(entries), encoding="utf-8")
    back = load_baseline(path)
    assert [(e.id, e.reason, e.link, e.expires) for e in back.entries] == [
        (e.id, e.reason, e.link, e.expires) for e in entries
    ]
    kept = back.find(TAG_BREAK.finding_id)
    assert kept is not None and kept.reason == "accepted for now" and kept.expires == dt.date(2027, 1, 31)
    fresh = back.find(DROPPED.finding_id)
    assert fresh is not None and fresh.reason.startswith("TODO") and fresh.observed.startswith("msgraph 1.65.0: ")


def test_the_shipped_example_names_the_beta_type_tag_break() -> None:
    baseline = load_baseline(EXAMPLE)
    assert [e.id for e in baseline.entries] == [TAG_BREAK.finding_id]
    assert all(e.reason and e.link.startswith("https://") and e.expires for e in baseline.entries)


ENTRY_TEXT = "findings:\n- sdk: msgraph\n  operation: x\n  check: y\n  code: ''\n  reason: r\n"


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        ("findings: [\n", "not valid YAML", 2),
        ("- a\n", "expected a mapping with a list under 'findings'", 0),
        (ENTRY_TEXT, "findings[0].link: required", 2),
        (ENTRY_TEXT + "  link: l\n  expiry: 2027-01-01\n", "findings[0]: unknown key 'expiry'", 2),
        (ENTRY_TEXT + "  link: l\n  expires: soon\n", "findings[0].expires: 'soon' is not a date", 2),
        ("findings:\n- {sdk: a, operation: b, check: c, code: d, reason: r, link: l}\n"
         "- {sdk: a, operation: b, check: c, code: d, reason: r2, link: l2}\n", "findings[1] repeats findings[0]", 3),
    ],
)
def test_a_malformed_baseline_names_the_place(tmp_path: Path, text: str, message: str, line: int) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputFileError) as caught:
        load_baseline(path)
    assert message in caught.value.detail
    assert (caught.value.file, caught.value.line) == (str(path), line)


def test_an_empty_file_is_an_empty_baseline(tmp_path: Path) -> None:
    path = tmp_path / "empty.yaml"
    path.write_text("# nothing acknowledged\n", encoding="utf-8")
    assert load_baseline(path).entries == ()


def test_the_cli_exits_2_on_an_unreadable_baseline_before_running(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "missing.yaml"
    assert main(["sdk-check", "--sdk", "msgraph", "--baseline", str(missing)]) == 2
    err = capsys.readouterr().err
    assert str(missing) in err and "cannot read the baseline" in err
    assert "Traceback" not in err


def test_known_breaks_are_skipped_not_failed_in_junit(tmp_path: Path) -> None:
    junit = tmp_path / "sdk.xml"
    write_junit([TAG_BREAK, DROPPED, PASSED], junit, {TAG_BREAK.finding_id: "accepted for now (link)"})
    cases = {c.get("name"): c for c in ET.parse(junit).iter("testcase")}
    skipped = cases["type-tag"].find("skipped")
    assert skipped is not None and skipped.get("message") == "known: accepted for now (link)"
    assert cases["body fidelity"].find("failure") is not None
    suites = {s.get("name"): s for s in ET.parse(junit).iter("testsuite")}
    assert suites["msgraph-beta 1.66.0"].get("failures") == "0"
    assert suites["msgraph-beta 1.66.0"].get("skipped") == "1"


def test_an_unknown_sdk_name_is_a_configuration_error_listing_the_choices() -> None:
    from graph_contracts.errors import ConfigurationError
    from graph_contracts.sdk import SDK_CHOICES, run_gate

    with pytest.raises(ConfigurationError) as caught:
        run_gate("msgraph-gamma", None, 1)
    assert caught.value.setting == "sdk" and caught.value.choices == SDK_CHOICES


def test_a_missing_sdk_is_a_result_the_cli_prints(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The gate returns what it found (nothing printed); ``sdk-check`` prints it and exits 2."""
    from graph_contracts.cli import main
    from graph_contracts.sdk import SDKS, run_gate

    monkeypatch.setattr(type(SDKS["msgraph"]), "installed", lambda self: False)
    done = run_gate("msgraph", None, 1)
    assert (done.code, done.report) == (2, ())
    assert "graph-contracts[sdk]" in done.missing_text
    assert capsys.readouterr() == ("", "")
    assert main(["sdk-check", "--sdk", "msgraph"]) == 2
    err = capsys.readouterr().err
    assert err == f"graph-contracts sdk-check: {done.missing_text}\n"

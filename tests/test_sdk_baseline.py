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
    baseline_verdict,
    dump_baseline,
    judge,
    load_baseline,
    render_judgement,
)
from graph_contracts.sdk.models import Verdict
from graph_contracts.sdk.report import CheckResult, FindingKey, break_key, render_table, with_problems, write_junit

PASS, BREAK = Verdict.PASS, Verdict.BREAK

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "sdk-baseline.yaml"
TODAY = dt.date(2026, 11, 29)
TAG_TEXT = (
    "/@odata.type: missing-type-tag: a body of importedDeviceIdentityResult goes out without `@odata.type`; "
    "the service reads the base type `importedDeviceIdentity`"
)
TAG_BREAK = CheckResult(
    "msgraph-beta",
    "1.66.0",
    "beta",
    "wire",
    "importedDeviceIdentityResult.create",
    "type-tag",
    "fail",
    1,
    TAG_TEXT + ' in body {"status": true}: `ImportedDeviceIdentityResult` serializes without `@odata.type`',
    code="missing-type-tag",
)
FIDELITY = CheckResult(
    "msgraph", "1.65.0", "v1.0", "wire", "importedWindowsAutopilotDeviceIdentity.create", "body fidelity", "pass", 3
)
DROPPED = with_problems(FIDELITY, ['/serialNumber: dropped (sent \'ABC\') in body {"serialNumber": "ABC"}'])
PASSED = CheckResult("msgraph", "1.65.0", "v1.0", "wire", "windowsAutopilotDeviceIdentity.get", "accepted", "pass", 1)
WARNED = CheckResult(
    "msgraph",
    "1.65.0",
    "v1.0",
    "roundtrip",
    "windowsAutopilotDeviceIdentity",
    "date-time precision",
    "warn",
    3,
    "/lastContactedDateTime: precision: sent ...",
)


def key(result: CheckResult) -> FindingKey:
    (only,) = result.finding_keys
    return only


def entry(k: FindingKey, expires: dt.date | None = None) -> BaselineEntry:
    return BaselineEntry(*k, reason="accepted for now", link="https://example.invalid/1", expires=expires)


def outcomes(results: list[CheckResult], baseline: Baseline) -> dict[FindingKey, str]:
    return {j.id: j.outcome for j in judge(results, baseline, today=TODAY)}


def test_keys_are_stable_across_generated_values() -> None:
    assert key(TAG_BREAK) == ("beta", TAG_BREAK.target, "type-tag", "/@odata.type", TAG_TEXT.split(": ", 1)[1])
    assert key(DROPPED) == (*DROPPED.checked, "/serialNumber", "dropped (sent '...')")
    other = with_problems(FIDELITY, ['/serialNumber: dropped (sent \'XYZ\') in body {"serialNumber": "XYZ"}'])
    assert key(other) == key(DROPPED)  # another generated value: the same problem
    assert break_key("/value/3/state/deviceImportStatus: changed: sent 'a', got 'b' in answer {}") == (
        "/value/*/state/deviceImportStatus",
        "changed: sent '...', got '...'",
    )
    assert break_key(
        "status 400, contract says 201: Invalid request body: /status: unknown property 'status'; body {}"
    ) == ("", "status 400, contract says 201: Invalid request body: /status: unknown property '...'")
    assert break_key("/id: changed: sent 0b7e5f2a-4c1d-4e8f-9a3b-2c6d8e0f1a2b at 2024-01-01T00:00:00Z") == (
        "/id",
        "changed: sent <guid> at <date-time>",
    )


def test_every_problem_of_a_check_has_its_own_key() -> None:
    two = with_problems(
        FIDELITY,
        [
            "/serialNumber: dropped (sent 'A') in body {}",
            "/serialNumber: dropped (sent 'B') in body {}",  # the same problem again: one key
            "/groupTag: dropped (sent 'C') in body {}",
        ],
    )
    assert two.status == "fail" and len(two.details) == 2
    assert [k[3] for k in two.finding_keys] == ["/serialNumber", "/groupTag"]


def test_known_new_expired_and_fixed() -> None:
    baseline = Baseline("b.yaml", (entry(key(TAG_BREAK)), entry(key(DROPPED), expires=TODAY - dt.timedelta(days=1))))
    assert outcomes([TAG_BREAK, DROPPED, PASSED, WARNED], baseline) == {
        key(TAG_BREAK): "known",
        key(DROPPED): "expired",
    }
    assert outcomes([TAG_BREAK], Baseline("b.yaml")) == {key(TAG_BREAK): "new"}
    # Fixed: the check ran and the problem is gone.
    gone = CheckResult("msgraph-beta", "1.67.0", "beta", "wire", TAG_BREAK.target, "type-tag", "pass", 1)
    assert outcomes([gone, FIDELITY], baseline) == {key(TAG_BREAK): "fixed", key(DROPPED): "fixed"}


def test_a_hidden_new_break_in_an_acknowledged_check_is_reported() -> None:
    """The defect: only the first problem per operation and check was kept, so an acknowledged one hid the next."""
    both = with_problems(
        FIDELITY,
        [
            "/serialNumber: dropped (sent 'A') in body {}",
            "/groupTag: dropped (sent 'B') in body {}",
        ],
    )
    baseline = Baseline("b.yaml", (entry(key(DROPPED)),))
    judged = judge([both], baseline, today=TODAY)
    assert {j.id[3]: j.outcome for j in judged} == {"/serialNumber": "known", "/groupTag": "new"}
    assert baseline_verdict(judged) is Verdict.BREAK


def test_a_still_present_break_is_never_called_fixed() -> None:
    """Against a baseline written under one break, that break plus another: the first stays known, not fixed."""
    written = baseline_entries([DROPPED])
    baseline = Baseline(
        "b.yaml", tuple(BaselineEntry(*e.id, reason="r", link="https://example.invalid/2") for e in written)
    )
    more = with_problems(
        FIDELITY,
        [
            "/groupTag: dropped (sent 'B') in body {}",  # new, and shown first
            "/serialNumber: dropped (sent 'Q') in body {}",  # the acknowledged one, with another value
        ],
    )
    judged = judge([more], baseline, today=TODAY)
    assert sorted(j.outcome for j in judged) == ["known", "new"]
    assert not any(j.outcome == "fixed" for j in judged)


def test_a_status_400_is_known_only_for_its_cause() -> None:
    accepted = CheckResult("msgraph-beta", "1", "beta", "wire", "importedDeviceIdentity.create", "accepted", "pass", 1)
    one = with_problems(
        accepted, ["status 400, contract says 201: Invalid request body: /status: unknown property 'status'; body {}"]
    )
    other = with_problems(
        accepted, ["status 400, contract says 201: Invalid request body: /platform: 'IOS' is not a member; body {}"]
    )
    baseline = Baseline("b.yaml", (entry(key(one)),))
    assert list(outcomes([one], baseline).values()) == ["known"]
    assert sorted(outcomes([other], baseline).values()) == ["fixed", "new"]


def test_the_python_gate_and_traffic_share_one_acknowledgement() -> None:
    traffic = CheckResult(
        "traffic",
        "recorded",
        "beta",
        "traffic",
        TAG_BREAK.target,
        "type-tag",
        "fail",
        1,
        TAG_TEXT + ' in body {"status": true} (it carries status) at x.har:entry 1',
        details=(TAG_TEXT + ' in body {"status": true} (it carries status)',),
    )
    assert traffic.finding_keys == TAG_BREAK.finding_keys
    baseline = Baseline("b.yaml", (entry(key(TAG_BREAK)),))
    assert list(outcomes([traffic], baseline).values()) == ["known"]


def test_an_entry_is_fixed_only_where_its_check_ran() -> None:
    baseline = Baseline("b.yaml", (entry(key(TAG_BREAK)),))
    assert outcomes([PASSED], baseline) == {}  # --sdk msgraph, or traffic without that operation: not judged


def test_an_entry_expiring_today_still_holds() -> None:
    assert outcomes([TAG_BREAK], Baseline("b.yaml", (entry(key(TAG_BREAK), expires=TODAY),))) == {
        key(TAG_BREAK): "known"
    }


def test_verdicts() -> None:
    ran = CheckResult("msgraph-beta", "1", "beta", "wire", TAG_BREAK.target, "type-tag", "pass", 1)
    known = judge([TAG_BREAK], Baseline("b", (entry(key(TAG_BREAK)),)), today=TODAY)
    new = judge([TAG_BREAK], Baseline("b"), today=TODAY)
    expired = judge([TAG_BREAK], Baseline("b", (entry(key(TAG_BREAK), TODAY - dt.timedelta(1)),)), today=TODAY)
    fixed = judge([ran], Baseline("b", (entry(key(TAG_BREAK)),)), today=TODAY)
    assert [j.outcome for j in fixed] == ["fixed"]
    assert [baseline_verdict(j) for j in (known, new, expired, fixed)] == [PASS, BREAK, BREAK, PASS]
    assert baseline_verdict(fixed, strict=True) is BREAK
    assert baseline_verdict(known, strict=True) is PASS


def test_the_summary_names_each_outcome() -> None:
    ran = CheckResult("msgraph-beta", "1", "beta", "wire", TAG_BREAK.target, "type-tag", "pass", 1)
    baseline = Baseline("b.yaml", (entry(key(TAG_BREAK)),))
    text = render_judgement(judge([DROPPED, ran], baseline, today=TODAY), baseline)
    assert text.splitlines()[0] == "Baseline b.yaml: 1 new, 0 expired, 0 known, 1 fixed"
    assert (
        "[NEW (not in the baseline)] v1.0 importedWindowsAutopilotDeviceIdentity.create body fidelity: "
        "/serialNumber: dropped (sent '...') (msgraph 1.65.0)"
    ) in text
    assert "[fixed, remove it] beta importedDeviceIdentityResult.create type-tag: /@odata.type: missing-type" in text


def test_a_known_break_prints_as_known_not_fail() -> None:
    """Issue 19: a break the baseline acknowledges printed as [FAIL] while the command exited 0."""
    judged = judge([TAG_BREAK, DROPPED], Baseline("b", (entry(key(TAG_BREAK)),)), today=TODAY)
    from graph_contracts.sdk.baseline import acknowledged

    table = render_table([TAG_BREAK, DROPPED], acknowledged(judged))
    assert "[KNOWN] msgraph-beta 1.66.0 beta importedDeviceIdentityResult.create type-tag" in table
    assert "[FAIL] msgraph 1.65.0 v1.0 importedWindowsAutopilotDeviceIdentity.create body fidelity" in table
    assert "0 pass, 1 fail, 1 known, 0 warn, 0 skip" in table


def test_written_baselines_read_back_and_keep_reasons(tmp_path: Path) -> None:
    previous = Baseline("old.yaml", (entry(key(TAG_BREAK), expires=dt.date(2027, 1, 31)),))
    entries = baseline_entries([TAG_BREAK, DROPPED, DROPPED, PASSED, WARNED], previous)
    assert [e.id for e in entries] == sorted({key(TAG_BREAK), key(DROPPED)})
    path = tmp_path / "b.yaml"
    path.write_text(dump_baseline(entries), encoding="utf-8")
    back = load_baseline(path, allow_todo=True)
    assert [(e.id, e.reason, e.link, e.expires) for e in back.entries] == [
        (e.id, e.reason, e.link, e.expires) for e in entries
    ]
    kept = back.find(key(TAG_BREAK))
    assert kept is not None and kept.reason == "accepted for now" and kept.expires == dt.date(2027, 1, 31)
    fresh = back.find(key(DROPPED))
    assert fresh is not None and fresh.reason.startswith("TODO") and fresh.observed.startswith("msgraph 1.65.0: ")
    assert fresh.seen_by == "msgraph"
    with pytest.raises(InputFileError, match=r"findings\[1\]\.reason: still TODO"):
        load_baseline(path)  # as --baseline: a TODO acknowledges nothing


def test_the_shipped_example_names_the_beta_type_tag_break() -> None:
    baseline = load_baseline(EXAMPLE)
    update = ("beta", "importedDeviceIdentityResult.update", *key(TAG_BREAK)[2:])
    assert [e.id for e in baseline.entries] == [key(TAG_BREAK), update]
    assert all(e.reason and e.link.startswith("https://") and e.expires for e in baseline.entries)


ENTRY_TEXT = "findings:\n- version: v1.0\n  operation: x\n  check: y\n  pointer: ''\n  message: m\n  reason: r\n"
FULL = "{version: a, operation: b, check: c, pointer: '', message: d"


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        ("findings: [\n", "not valid YAML", 2),
        ("- a\n", "expected a mapping with a list under 'findings'", 0),
        (ENTRY_TEXT, "findings[0].link: required", 2),
        (ENTRY_TEXT + "  link: l\n  expiry: 2027-01-01\n", "findings[0]: unknown key 'expiry'", 2),
        (ENTRY_TEXT + "  link: l\n  expires: soon\n", "findings[0].expires: 'soon' is not a date", 2),
        (
            f"findings:\n- {FULL}, reason: r, link: l}}\n- {FULL}, reason: r2, link: l2}}\n",
            "findings[1] repeats findings[0]",
            3,
        ),
        (ENTRY_TEXT.replace("reason: r", "reason: TODO later") + "  link: l\n", "findings[0].reason: still TODO", 2),
        (ENTRY_TEXT + "  link: 'TODO: link'\n", "findings[0].link: still TODO", 2),
        (
            "findings:\n- {sdk: a, operation: b, check: c, code: d, reason: r, link: l}\n",
            "findings[0]: an entry of the old format",
            2,
        ),
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
    write_junit([TAG_BREAK, DROPPED, PASSED], junit, {key(TAG_BREAK): "accepted for now (link)"})
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


def test_a_check_that_could_not_run_calls_nothing_fixed() -> None:
    """A type-tag check that could not run (no model class) says nothing about the acknowledged tag break."""
    base = CheckResult("msgraph-beta", "1", "beta", "wire", TAG_BREAK.target, "type-tag", "pass", 0)
    cannot = with_problems(base, ["cannot run: the SDK has no model class for importedDeviceIdentityResult"])
    skipped = CheckResult("traffic", "recorded", "beta", "traffic", TAG_BREAK.target, "type-tag", "skip", 0)
    baseline = Baseline("b.yaml", (entry(key(TAG_BREAK)),))
    judged = judge([cannot, skipped], baseline, today=TODAY)
    assert [j.outcome for j in judged] == ["new"]  # the could-not-run failure itself; the entry is not judged
    assert judged[0].id[4].startswith("cannot run: the SDK has no model class")


def test_a_missing_sdk_is_a_result_the_cli_prints(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The gate returns what it found (nothing printed); ``sdk-check`` prints it and exits 2."""
    from graph_contracts.cli import main
    from graph_contracts.sdk import SDKS, run_gate

    monkeypatch.setattr(type(SDKS["msgraph"]), "installed", lambda self: False)
    done = run_gate("msgraph", None, 1)
    assert (done.verdict, done.report) == (Verdict.NOT_GATED, ())
    assert 'pip install ".[sdk]"' in done.missing_text
    assert "graph-contracts[sdk]" not in done.missing_text  # not on the index: that command fails
    assert capsys.readouterr() == ("", "")
    assert main(["sdk-check", "--sdk", "msgraph"]) == 2
    err = capsys.readouterr().err
    assert err == f"graph-contracts sdk-check: {done.missing_text}\n"

"""``sdk-check --traffic``: the wire checks on a HAR a client really recorded against the emulator.

The client is plain httpx with the HAR recorder's event hooks, standing in for
a .NET or TypeScript SDK behind Dev Proxy: what matters is the recorded file,
and each defect the gate must name is in a body the client really sent.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from graph_contracts.cli import main
from graph_contracts.graph.emulator import EmulatorHandle, running_emulator
from graph_contracts.sdk.traffic import check_traffic
from har_recorder import HarRecorder

IDENTITIES = "/beta/deviceManagement/importedDeviceIdentities"
DEVICES = "/v1.0/deviceManagement/windowsAutopilotDeviceIdentities"
RESULT = "#microsoft.graph.importedDeviceIdentityResult"


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorHandle]:
    with running_emulator() as handle:
        yield handle


def record(emulator: EmulatorHandle, path: Path, posts: list[tuple[str, Any]]) -> Path:
    recorder = HarRecorder()
    with httpx.Client(base_url=emulator.base_url, headers=emulator.headers(), event_hooks=recorder.hooks) as client:
        for url, body in posts:
            client.post(url, json=body)
        client.get(IDENTITIES)
        client.get("/v1.0/me")  # no contract covers it: counted, not judged
    return recorder.save(path)


@pytest.fixture
def clean_har(emulator: EmulatorHandle, tmp_path: Path) -> Path:
    return record(
        emulator,
        tmp_path / "clean.har",
        [
            (IDENTITIES, {"@odata.type": RESULT, "status": True, "importedDeviceIdentifier": "a"}),
            (IDENTITIES, {"importedDeviceIdentifier": "b", "importedDeviceIdentityType": "imei"}),
            (DEVICES, {"lastContactedDateTime": "2024-02-29T23:59:59.1234567+05:30", "enrollmentState": "enrolled"}),
        ],
    )


@pytest.fixture
def broken_har(emulator: EmulatorHandle, tmp_path: Path) -> Path:
    return record(
        emulator,
        tmp_path / "broken.har",
        [
            (IDENTITIES, {"status": True, "importedDeviceIdentifier": "a"}),  # a result without its tag
            (IDENTITIES, {"importedDeviceIdentifier": "b", "platform": "IOS"}),  # enum in the wrong case
            (DEVICES, {"lastContactedDateTime": "2024-02-29T23:59:59.123456"}),  # no offset
            (DEVICES, {"serialnumber": "X"}),  # a misspelt property
        ],
    )


def by_check(results: list[Any]) -> dict[tuple[str, str], Any]:
    return {(r.target, r.check): r for r in results}


def test_clean_traffic_passes(clean_har: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sdk-check", "--traffic", str(clean_har)]) == 0
    results = by_check(check_traffic([str(clean_har)]))
    assert results[("importedDeviceIdentity.create", "type-tag")].status == "pass"
    assert results[("importedDeviceIdentity.create", "body schema")].examples == 2
    assert results[("GET /v1.0/me", "covered")].status == "skip"
    assert not any(target == "importedDeviceIdentity.list" for target, _ in results)  # no body to judge
    assert "traffic recorded" in capsys.readouterr().out


def test_each_wire_check_names_its_break(broken_har: Path) -> None:
    results = by_check(check_traffic([str(broken_har)]))
    tag = results[("importedDeviceIdentity.create", "type-tag")]
    assert tag.status == "fail" and tag.finding_code == "missing-type-tag"
    assert tag.counterexample.startswith(
        "/@odata.type: missing-type-tag: a body of importedDeviceIdentityResult goes out without `@odata.type`; "
        "the service reads the base type `importedDeviceIdentity` in body "
    )
    assert "(it carries status) at " in tag.counterexample
    assert str(broken_har) in tag.counterexample
    enum = results[("importedDeviceIdentity.create", "enum spelling")]
    assert enum.status == "fail" and enum.finding_code == "enum /platform"
    assert "'IOS' is not a member" in enum.counterexample and "case matters" in enum.counterexample
    # The untagged result is judged as the result it is, so its status is not blamed as an unknown property.
    assert results[("importedDeviceIdentity.create", "body schema")].status == "pass"
    offset = results[("windowsAutopilotDeviceIdentity.create", "date-time offsets")]
    assert offset.status == "fail" and offset.finding_code == "date-time /lastContactedDateTime"
    body = results[("windowsAutopilotDeviceIdentity.create", "body schema")]
    assert body.status == "fail" and body.finding_code == "unknown-property /serialnumber"


def test_the_cli_judges_traffic_with_a_baseline(
    emulator: EmulatorHandle, broken_har: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    written = tmp_path / "traffic-baseline.yaml"
    assert main(["sdk-check", "--traffic", str(broken_har), "--write-baseline", str(written)]) == 1
    # As written, every reason is TODO: refused, since a TODO acknowledges nothing.
    assert main(["sdk-check", "--traffic", str(broken_har), "--baseline", str(written)]) == 2
    assert "still TODO" in capsys.readouterr().err
    text = written.read_text(encoding="utf-8")
    written.write_text(
        text.replace("'TODO: why this break is acceptable for now'", "accepted for the test").replace(
            "'TODO: link to the issue tracking the fix'", "https://example.invalid/1"
        ),
        encoding="utf-8",
    )
    assert main(["sdk-check", "--traffic", str(broken_har), "--baseline", str(written)]) == 0
    # The same traffic plus one new break in an acknowledged check (another unknown property): exit 1, named.
    worse = record(
        emulator,
        tmp_path / "worse.har",
        [
            (DEVICES, {"serialnumber": "X"}),
            (DEVICES, {"serialNumber": "Y", "grouptag": "Z"}),
            (IDENTITIES, {"status": True, "importedDeviceIdentifier": "a"}),
            (IDENTITIES, {"importedDeviceIdentifier": "b", "platform": "IOS"}),
            (DEVICES, {"lastContactedDateTime": "2024-02-29T23:59:59.123456"}),
        ],
    )
    capsys.readouterr()
    assert main(["sdk-check", "--traffic", str(worse), "--baseline", str(written)]) == 1
    out = capsys.readouterr().out
    assert "1 new, 0 expired, 4 known, 0 fixed" in out
    assert "[NEW (not in the baseline)] v1.0 windowsAutopilotDeviceIdentity.create body schema: /grouptag:" in out


def test_an_unreadable_traffic_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.har"
    bad.write_text('{"log": {"entries": [{"request": 1}]}}', encoding="utf-8")
    assert main(["sdk-check", "--traffic", str(bad)]) == 2
    err = capsys.readouterr().err
    assert str(bad) in err and "Traceback" not in err


# --------------------------------------------------------------------------- behaviour: retries and paging in HAR


LIST_URL = "/v1.0/deviceManagement/windowsAutopilotDeviceIdentities"


@pytest.fixture(scope="module")
def paced_emulator() -> Iterator[EmulatorHandle]:
    """An emulator that throttles the first GET of the list (429, Retry-After: 0.3) and pages by 2."""
    from graph_contracts.graph.emulator import EmulatorConfig
    from graph_contracts.graph.emulator.faults import Fault

    fault = Fault(status=429, retry_after=0.3, count=1, method="GET", path="windowsAutopilotDeviceIdentities")
    with running_emulator(EmulatorConfig(faults=(fault,), page_size=2, as_documented=True)) as handle:
        yield handle


def record_reads(emulator: EmulatorHandle, path: Path, *, wait: float, follow: bool) -> Path:
    """A client that retries the throttled read after ``wait`` seconds and follows nextLink or not."""
    import time

    emulator.reset()  # the fault counts again from the first GET
    with httpx.Client(base_url=emulator.base_url, headers=emulator.headers()) as seeding:
        for serial in ("A", "B", "C"):  # three devices: two pages of two
            seeding.post(LIST_URL, json={"serialNumber": serial}).raise_for_status()
    recorder = HarRecorder()
    with httpx.Client(base_url=emulator.base_url, headers=emulator.headers(), event_hooks=recorder.hooks) as client:
        first = client.get(LIST_URL)
        assert first.status_code == 429
        time.sleep(wait)
        page = client.get(LIST_URL).json()
        while follow and "@odata.nextLink" in page:
            page = client.get(page["@odata.nextLink"]).json()
    return recorder.save(path)


def test_traffic_that_honours_retry_after_and_reads_every_page_passes(
    paced_emulator: EmulatorHandle, tmp_path: Path
) -> None:
    results = by_check(check_traffic([str(record_reads(paced_emulator, tmp_path / "ok.har", wait=0.4, follow=True))]))
    assert results[("windowsAutopilotDeviceIdentity.list", "throttling 429")].status == "pass"
    assert results[("windowsAutopilotDeviceIdentity.list", "paging")].status == "pass"


def test_traffic_with_an_early_retry_and_a_stopped_read_fails_both(
    paced_emulator: EmulatorHandle, tmp_path: Path
) -> None:
    har_path = record_reads(paced_emulator, tmp_path / "bad.har", wait=0.0, follow=False)
    results = by_check(check_traffic([str(har_path)]))
    early = results[("windowsAutopilotDeviceIdentity.list", "throttling 429")]
    assert early.status == "fail"
    assert early.counterexample.startswith("retried sooner than the Retry-After of the 429 answer; seen: retried after")
    paging = results[("windowsAutopilotDeviceIdentity.list", "paging")]
    assert paging.status == "fail"
    assert paging.counterexample.startswith("the page iterator stopped before the last @odata.nextLink; seen: ")
    # The same break as the Python gate's, by the same key: one baseline entry acknowledges both.
    assert paging.finding_keys == (
        (
            "v1.0",
            "windowsAutopilotDeviceIdentity.list",
            "paging",
            "",
            "the page iterator stopped before the last @odata.nextLink",
        ),
    )

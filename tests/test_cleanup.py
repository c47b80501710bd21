"""``graph-contracts cleanup`` trusts nothing the server sends, checked against the real emulator.

The emulator stores whatever id it is given, so a test can plant the ids a
hostile or broken server might send and watch which DELETEs arrive.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Iterator

import httpx
import pytest

from graph_contracts.cli import main
from graph_contracts.graph.emulator import EmulatorConfig, EmulatorHandle, running_emulator

COLLECTION = "windowsAutopilotDeviceIdentities"


@pytest.fixture
def tenant(monkeypatch: pytest.MonkeyPatch) -> Iterator[EmulatorHandle]:
    # seeded with POST windowsAutopilotDeviceIdentities, as the pages document it; the service (and the default
    # emulator) refuses that in v1.0 (graph-facts 6.1), but cleanup is what is under test here
    with running_emulator(EmulatorConfig(as_documented=True)) as handle:
        for name in ("GRAPH_TOKEN_NO_PERMISSION", "GRAPH_TOKEN_READ_ONLY", "AZURE_CLIENT_SECRET"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("GRAPH_TOKEN", handle.token())
        yield handle


def _url(tenant: EmulatorHandle) -> str:
    return f"{tenant.graph_url('v1.0')}/deviceManagement/{COLLECTION}"


def _create(tenant: EmulatorHandle, group_tag: str, new_id: str | None = None) -> str:
    """Create a device tagged ``group_tag``; with ``new_id``, re-key it in the emulator's store to that id."""
    created = httpx.post(_url(tenant), json={"groupTag": group_tag}, headers=tenant.headers())
    assert created.status_code == 201
    entity_id: str = created.json()["id"]
    if new_id is None:
        return entity_id
    with tenant.emulator.store.tenant(tenant.tenant_id) as state:
        records = state.collection(COLLECTION)
        record = records.pop(entity_id)
        record.data["id"] = new_id
        records[new_id] = record
    return new_id


def _remaining(tenant: EmulatorHandle) -> list[str]:
    return sorted(e["groupTag"] for e in tenant.snapshot().get(COLLECTION, []))


def _cleanup(tenant: EmulatorHandle, *args: str) -> int:
    return main(["cleanup", "--base-url", tenant.base_url, "--version", "v1.0", *args])


def _deletes(tenant: EmulatorHandle) -> list[str]:
    return [r.path for r in tenant.received if r.method == "DELETE"]


def test_an_id_with_a_backslash_escape_is_deleted_through_a_percent_encoded_path(
    tenant: EmulatorHandle, capsys: pytest.CaptureFixture[str]
) -> None:
    _create(tenant, "gc-cafe0001-x", new_id="abc\\x41?q=1")
    assert _cleanup(tenant, "--tag", "gc-cafe0001") == 0
    [sent] = _deletes(tenant)
    assert sent.startswith(f"/v1.0/deviceManagement/{COLLECTION}/abc%5Cx41%3F")  # one segment, no query
    assert urllib.parse.unquote(sent.rsplit("/", 1)[1]) == "abc\\x41?q=1"
    assert _remaining(tenant) == []
    assert "deleted: v1.0 windowsAutopilotDeviceIdentity abc\\x41?q=1" in capsys.readouterr().out


def test_an_id_with_a_slash_is_refused_and_nothing_is_deleted(
    tenant: EmulatorHandle, capsys: pytest.CaptureFixture[str]
) -> None:
    _create(tenant, "gc-cafe0002-x", new_id="../../deviceManagement")
    assert _cleanup(tenant, "--tag", "gc-cafe0002") == 1
    assert _deletes(tenant) == []
    assert _remaining(tenant) == ["gc-cafe0002-x"]
    out = capsys.readouterr().out
    assert "refused: v1.0 windowsAutopilotDeviceIdentity ../../deviceManagement" in out
    assert "the id contains '/'" in out and "1 refused" in out


def test_a_tag_matches_only_as_a_whole_segment(tenant: EmulatorHandle, capsys: pytest.CaptureFixture[str]) -> None:
    for tag in ("gc-1234", "gc-1234-crud", "gc-12345678-crud", "gc-12340"):
        _create(tenant, tag)
    assert _cleanup(tenant, "--tag", "gc-1234") == 0
    assert _remaining(tenant) == ["gc-12340", "gc-12345678-crud"]
    assert "2 objects tagged 'gc-1234'" in capsys.readouterr().out


def test_dry_run_prints_ids_and_group_tags_and_deletes_nothing(
    tenant: EmulatorHandle, capsys: pytest.CaptureFixture[str]
) -> None:
    first = _create(tenant, "gc-cafe0003-a")
    second = _create(tenant, "gc-cafe0003-b")
    assert _cleanup(tenant, "--tag", "gc-cafe0003", "--dry-run") == 0
    out = capsys.readouterr().out
    assert f"would delete: v1.0 windowsAutopilotDeviceIdentity {first} (groupTag 'gc-cafe0003-a')" in out
    assert f"would delete: v1.0 windowsAutopilotDeviceIdentity {second} (groupTag 'gc-cafe0003-b')" in out
    assert "dry run: nothing deleted" in out
    assert _deletes(tenant) == []
    assert _remaining(tenant) == ["gc-cafe0003-a", "gc-cafe0003-b"]


@pytest.mark.parametrize(
    ("tag", "says"),
    [
        ("gc", "too short"),
        ("     ", "blank"),
        ("", "blank"),
        (" gc-1234 ", "spaces around it"),
        ("gc-12\t34", "control characters"),
    ],
)
def test_the_tag_is_checked_before_credentials(
    tag: str, says: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("GRAPH_TOKEN", "AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET"):
        monkeypatch.delenv(name, raising=False)
    assert main(["cleanup", "--tag", tag, "--base-url", "http://127.0.0.1:9"]) == 2
    err = capsys.readouterr().err
    assert says in err and "credentials" not in err


#: v1.0 and beta list the same objects: cleanup must count and delete each once (the two tests below).
PAGING_TAG = "gc-beef0001"


def test_dry_run_counts_each_object_once_though_v1_and_beta_both_list_it(
    tenant: EmulatorHandle, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"{tenant.graph_url('beta')}/deviceManagement/windowsAutopilotDeviceIdentities"
    for suffix in ("a", "b"):
        assert httpx.post(url, json={"groupTag": f"{PAGING_TAG}-{suffix}"}, headers=tenant.headers()).status_code == 201
    assert main(["cleanup", "--base-url", tenant.base_url, "--tag", PAGING_TAG, "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert f"2 objects tagged {PAGING_TAG!r}" in out
    assert out.count("would delete:") == 2


def test_cleanup_deletes_each_object_once(tenant: EmulatorHandle, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"{tenant.graph_url('beta')}/deviceManagement/windowsAutopilotDeviceIdentities"
    assert httpx.post(url, json={"groupTag": f"{PAGING_TAG}-a"}, headers=tenant.headers()).status_code == 201
    assert main(["cleanup", "--base-url", tenant.base_url, "--tag", PAGING_TAG]) == 0
    assert [r.method for r in tenant.received].count("DELETE") == 1
    assert f"1 objects tagged {PAGING_TAG!r}" in capsys.readouterr().out

"""The suite is deterministic: every example draws serials (and so hashes) unique to the run and the test.

Random serials repeated across examples while the devices imports registered
stayed behind, so a later example met its own earlier device and got 806.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph_contracts import strategies as strategies_module
from graph_contracts.autopilot import decode_hardware_hash
from graph_contracts.contracts import default_contracts
from graph_contracts.strategies import SERIAL_ALPHABET, BodyStrategies, SerialSource


def test_a_serial_source_never_repeats_and_is_the_same_sequence_every_time() -> None:
    source, again = SerialSource("run/test"), SerialSource("run/test")
    drawn = [source.next() for _ in range(5000)]
    assert len(set(drawn)) == len(drawn)
    assert drawn[:50] == [again.next() for _ in range(50)]
    assert all(len(s) == 12 and set(s) <= set(SERIAL_ALPHABET) for s in drawn)


def test_sources_of_different_tests_or_runs_do_not_share_serials() -> None:
    names = ["gc-1/mod::a", "gc-1/mod::b", "gc-2/mod::a"]
    drawn = [SerialSource(n).next() for n in names]
    sequences = [{s.next() for _ in range(500)} for s in (SerialSource(n) for n in names)]
    assert len(set(drawn)) == 3
    assert not (sequences[0] & sequences[1]) and not (sequences[0] & sequences[2])


def test_bodies_drawn_with_a_source_carry_unique_serials_inside_their_hashes() -> None:
    strategies = BodyStrategies(default_contracts(), "v1.0", serials=SerialSource("run/bodies"))
    seen: list[str] = []

    @given(device=strategies.autopilot_device())
    @settings(max_examples=60, database=None, derandomize=True)
    def draw(device: dict[str, str]) -> None:
        decoded = decode_hardware_hash(device["hardwareIdentifier"])
        assert decoded.serial_number == device["serialNumber"]
        seen.append(device["serialNumber"])

    draw()
    assert len(seen) == len(set(seen)) > 1


def test_create_bodies_drawn_with_a_source_never_repeat_a_serial() -> None:
    contracts = default_contracts()
    op = contracts.operation("v1.0", "windowsAutopilotDeviceIdentity.create")
    strategies = BodyStrategies(contracts, "v1.0", serials=SerialSource("run/create"))
    seen: list[str] = []

    @given(body=strategies.request_body(op).filter(lambda b: "serialNumber" in b))
    @settings(max_examples=40, database=None, derandomize=True)
    def draw(body: dict[str, str]) -> None:
        seen.append(body["serialNumber"])

    draw()
    assert len(seen) == len(set(seen)) > 1


def test_many_random_serials_would_collide_which_is_why_the_suite_does_not_use_them() -> None:
    """The failure mode, shown: a short random alphabet string repeats within a run of examples."""
    collided = []

    @given(st.lists(st.text("AB", min_size=6, max_size=6), min_size=200, max_size=200))
    @settings(max_examples=1, database=None, derandomize=True)
    def draw(serials: list[str]) -> None:
        collided.append(len(set(serials)) < len(serials))

    draw()
    assert collided == [True]


@pytest.mark.slow  # suite tests end to end in a subprocess (.ci/run runs -m slow)
def test_the_import_module_passes_with_40_examples(tmp_path: Path) -> None:
    command = [
        sys.executable,
        "-m",
        "pytest",
        "--pyargs",
        "graph_contracts.suite.test_import",
        "-q",
        "-p",
        "no:cacheprovider",
        "-p",
        "no:randomly",
        "--graph-examples",
        "40",
        "--graph-no-report",
    ]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GRAPH_", "AZURE_"))}
    result = subprocess.run(command, capture_output=True, text=True, env=env, cwd=tmp_path, timeout=600)
    assert result.returncode == 0, result.stdout[-4000:]
    assert "4 passed" in result.stdout.strip().splitlines()[-1]


@pytest.mark.slow  # suite tests end to end in a subprocess (.ci/run runs -m slow)
def test_the_state_machine_leaves_nothing_a_later_list_test_would_meet(tmp_path: Path) -> None:
    """Its generated bodies carry no run tag; what it stores is deleted, so the order of tests does not matter."""
    suite = Path(__import__("graph_contracts.suite", fromlist=["_"]).__file__).parent
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "-p",
        "no:randomly",
        "-p",
        "no:xdist",
        "--graph-no-report",
        f"{suite / 'test_openapi.py'}::test_stateful_chains_follow_the_openapi_links[beta]",
        f"{suite / 'test_crud.py'}::test_list_and_get_answer_in_the_documented_shape",
    ]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GRAPH_", "AZURE_"))}
    result = subprocess.run(command, capture_output=True, text=True, env=env, cwd=tmp_path, timeout=600)
    assert result.returncode == 0, result.stdout[-4000:]
    assert "7 passed" in result.stdout.strip().splitlines()[-1]


def test_the_scratch_token_writes_in_a_tenant_nothing_else_touches() -> None:
    import httpx

    from graph_contracts.graph.endpoints import open_endpoint

    path = "/v1.0/deviceManagement/importedWindowsAutopilotDeviceIdentities"
    with open_endpoint("emulator") as endpoint:
        default = {"Authorization": f"Bearer {endpoint.token('write')}"}
        scratch = {"Authorization": f"Bearer {endpoint.token('scratch')}"}
        assert httpx.post(endpoint.base_url + path, json={"groupTag": "default"}, headers=default).status_code == 201
        assert httpx.get(endpoint.base_url + path, headers=scratch).json()["value"] == []
        assert httpx.post(endpoint.base_url + path, json={"groupTag": "scratch"}, headers=scratch).status_code == 201
        listed = httpx.get(endpoint.base_url + path, headers=default).json()["value"]
        assert [e["groupTag"] for e in listed] == ["default"]


def _drawn_per_example(built_once: bool) -> list[Any]:
    """What the suite's tests draw, with a ``BodyStrategies`` built inside every example (as they build it)."""
    contracts = default_contracts()
    create = contracts.operation("v1.0", "importedWindowsAutopilotDeviceIdentity.create")
    update = contracts.operation("v1.0", "windowsAutopilotDeviceIdentity.updateDeviceProperties")
    source = SerialSource("run/built-once")
    drawn: list[Any] = []

    @given(data=st.data())
    @settings(max_examples=25, database=None, derandomize=True, suppress_health_check=list(HealthCheck))
    def draw(data: st.DataObject) -> None:
        if not built_once:
            strategies_module._BUILT.clear()
        bodies = BodyStrategies(contracts, "v1.0", serials=source)
        others = BodyStrategies(contracts, "v1.0")
        drawn.append(data.draw(st.tuples(bodies.autopilot_device(), bodies.request_body(create))))
        drawn.append(data.draw(st.tuples(bodies.broken_body(create), others.request_body(update))))

    draw()
    return drawn


def test_strategies_built_once_draw_what_strategies_built_per_example_draw() -> None:
    """The strategies ``BodyStrategies`` keeps are the ones it would build again: the same derandomized draws."""
    once = _drawn_per_example(built_once=True)
    assert once == _drawn_per_example(built_once=False)
    assert len(once) >= 50


def test_kept_strategies_stay_with_their_serial_source() -> None:
    """Two tests' sources, same contracts and version: each one's bodies carry its own serials."""
    contracts = default_contracts()
    drawn: dict[str, list[str]] = {"run/a": [], "run/b": []}
    for name, seen in drawn.items():
        strategies = BodyStrategies(contracts, "v1.0", serials=SerialSource(name))

        @given(device=strategies.autopilot_device())
        @settings(max_examples=5, database=None, derandomize=True)
        def draw(device: dict[str, str]) -> None:
            seen.append(device["serialNumber"])  # noqa: B023 (run at once, inside this iteration)

        draw()
    for name, seen in drawn.items():
        expected = SerialSource(name)
        assert seen == [expected.next() for _ in seen]

"""``sdk-check --matrix``: release selection, shards, the table and exit code, and environments reused by path.

Nothing here installs an SDK: the index is a fake list of versions and the gate a fake function, so the
matrix logic is tested without the network (the machine has none but PyPI, and 20 releases take hours).
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from graph_contracts.cli import main
from graph_contracts.sdk.compare import READY, ensure_env, env_dir
from graph_contracts.sdk.matrix import MatrixError, Row, Shard, plan, run_matrix
from graph_contracts.sdk.models import SDKS, SdkDistribution, Verdict

RELEASES = ["1.65.0", "1.64.0", "1.63.0", "1.64.1rc1", "1.10.0", "1.9.0", "1.2.0", "1.0.0", "not-a-version"]


def fake_index(distribution: str) -> list[str]:
    assert distribution in ("msgraph-sdk", "msgraph-beta-sdk")
    return RELEASES


def test_a_range_becomes_the_index_releases_it_admits_oldest_first() -> None:
    assert plan(["msgraph-sdk>=1.10"], versions=fake_index) == [
        "msgraph-sdk==1.10.0",
        "msgraph-sdk==1.63.0",
        "msgraph-sdk==1.64.0",
        "msgraph-sdk==1.65.0",
    ]  # no pre-release, nothing unparsable


def test_last_keeps_the_newest_and_pins_stay_as_they_are() -> None:
    assert plan(["msgraph-sdk>=1.0"], 2, versions=fake_index) == ["msgraph-sdk==1.64.0", "msgraph-sdk==1.65.0"]
    assert plan(["msgraph-beta-sdk==1.66.0", "msgraph-sdk>=1.0,<1.9"], versions=fake_index) == [
        "msgraph-beta-sdk==1.66.0",
        "msgraph-sdk==1.0.0",
        "msgraph-sdk==1.2.0",
    ]


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("msgraph-sdk>=9", "no release of msgraph-sdk matches"),
        ("msgraph-sdk>>1", "is not a version specifier"),
        ("requests>=1", "not a requirement on an msgraph SDK"),
    ],
)
def test_a_spec_that_plans_nothing_is_refused(spec: str, message: str) -> None:
    with pytest.raises(MatrixError if "msgraph" in spec else Exception, match=message) as caught:
        plan([spec], versions=fake_index)
    assert getattr(caught.value, "setting", None) == ("matrix" if "msgraph" in spec else "compare")


def test_shards_split_the_releases_without_overlap() -> None:
    releases = [f"msgraph-sdk==1.{i}.0" for i in range(20)]
    shards = [Shard(i, 3).take(releases) for i in (1, 2, 3)]
    assert sorted(r for shard in shards for r in shard) == sorted(releases)
    assert [len(s) for s in shards] == [7, 7, 6]
    assert Shard.parse(" 2 / 5 ") == Shard(2, 5)
    for bad in ("0/3", "4/3", "a/b", "3"):
        with pytest.raises(MatrixError, match="is not I/N") as caught:
            Shard.parse(bad)
        assert caught.value.setting == "shard"  # the CLI says --shard (cli.FLAGS)


def fake_gate(requirement: str, sdk: SdkDistribution, examples: int, baseline: str | None) -> Row:
    version = requirement.split("==")[1]
    if version == "1.63.0":
        return Row(
            requirement,
            version,
            {"new": 2, "expired": 0, "known": 1, "fixed": 0},
            ("v1.0 x.create body schema /a: unknown-property",),
        )
    return Row(requirement, version, {"new": 0, "expired": 0, "known": 1, "fixed": 0})


def test_the_table_is_release_by_outcome_and_a_new_break_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    progress: list[str] = []
    done = run_matrix(["msgraph-sdk>=1.60"], examples=1, progress=progress.append, versions=fake_index, gate=fake_gate)
    assert capsys.readouterr() == ("", "")  # the library returns the table and says progress through the callback
    text = "\n".join(done.report)
    assert done.verdict is Verdict.BREAK
    assert progress[0] == "3 releases, 3 in this shard: msgraph-sdk==1.63.0, msgraph-sdk==1.64.0, msgraph-sdk==1.65.0"
    assert progress[1:] == [f"msgraph-sdk==1.6{i}.0: environment, then the gate ..." for i in (3, 4, 5)]
    table = text[text.index("SDK matrix") :].splitlines()
    assert table[1].split() == ["release", "new", "expired", "known", "fixed"]
    assert table[3].split() == ["msgraph-sdk==1.63.0", "2", "0", "1", "0"]
    assert table[4].split() == ["msgraph-sdk==1.64.0", "0", "0", "1", "0"]
    assert "[msgraph-sdk==1.63.0] NEW v1.0 x.create body schema /a: unknown-property" in text
    clean = run_matrix(["msgraph-sdk>=1.64"], versions=fake_index, gate=fake_gate)
    assert clean.verdict is Verdict.PASS


def test_a_release_that_cannot_be_gated_exits_2_after_the_rest() -> None:
    def broken(requirement: str, sdk: SdkDistribution, examples: int, baseline: str | None) -> Row:
        if requirement.endswith("1.64.0"):
            return Row(requirement, "", {}, error="the gate failed: ImportError")
        return fake_gate(requirement, sdk, examples, baseline)

    done = run_matrix(["msgraph-sdk>=1.64"], shard=Shard(1, 1), versions=fake_index, gate=broken)
    assert done.verdict is Verdict.NOT_GATED
    assert "[msgraph-sdk==1.64.0] the gate failed: ImportError" in done.report[0]
    assert "msgraph-sdk==1.65.0  0" in done.report[0]


def test_one_shard_gates_only_its_releases() -> None:
    gated: list[str] = []

    def record(requirement: str, sdk: SdkDistribution, examples: int, baseline: str | None) -> Row:
        gated.append(requirement)
        return fake_gate(requirement, sdk, examples, baseline)

    run_matrix(["msgraph-sdk>=1.0"], shard=Shard(2, 3), versions=fake_index, gate=record)
    assert gated == ["msgraph-sdk==1.2.0", "msgraph-sdk==1.63.0"]  # 2nd and 5th of 1.0, 1.2, 1.9, 1.10, 1.63, ...


@pytest.fixture
def env_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("GRAPH_CONTRACTS_SDK_ENVS", str(tmp_path / "envs"))
    return tmp_path / "envs"


def test_an_environment_is_made_once_and_reused(env_cache: Path) -> None:
    calls: list[Path] = []

    def installer(requirement: str, env: Path, sdk: SdkDistribution) -> tuple[Path, str]:
        calls.append(env)
        site = env / "lib" / "site-packages"
        site.mkdir(parents=True)
        return site, requirement.split("==")[1]

    sdk = SDKS["msgraph-beta"]
    first = ensure_env("msgraph-beta-sdk==1.66.0", sdk, installer=installer)
    started = time.monotonic()
    again = ensure_env("msgraph-beta-sdk==1.66.0", sdk, installer=installer)
    assert time.monotonic() - started < 10  # the bound for a second --compare to start; here it is instant
    assert (first[2], again[2]) == (False, True) and first[:2] == again[:2]
    assert len(calls) == 1 and calls[0] == env_dir("msgraph-beta-sdk==1.66.0") and calls[0].parent == env_cache
    other = ensure_env("msgraph-beta-sdk==1.65.0", sdk, installer=installer)  # one environment per spec
    assert other[2] is False and len(calls) == 2
    # A half-made environment (killed before its READY file) is rebuilt, not trusted.
    (calls[1] / READY).unlink()
    assert ensure_env("msgraph-beta-sdk==1.65.0", sdk, installer=installer)[2] is False and len(calls) == 3


def one_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if not line.startswith((" ", "usage:"))]
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--matrix", "msgraph-sdk==1.65.0", "--junitxml", "x.xml"], "--matrix: does not apply --junitxml"),
        (["--matrix", "msgraph-sdk==1.65.0", "--shard", "4/3"], "is not I/N"),
        (["--last", "3"], "--last/--shard: apply to --matrix only"),
    ],
)
def test_matrix_flags_are_refused_in_one_line(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["sdk-check", *argv]) == 2
    assert message in one_line(capsys)

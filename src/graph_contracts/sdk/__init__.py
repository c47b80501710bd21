"""The SDK gate: do the msgraph Python SDKs keep our contracts, in their serializers and on the wire?

``run_gate`` is what ``graph-contracts sdk-check`` calls; it returns a ``GateRun`` the CLI prints. The SDKs are
optional (``pip install ".[sdk]"`` from a clone, or ``tox -e sdk``) and are
imported only here, lazily: importing ``graph_contracts`` never imports msgraph.

Exit codes: 0 every check passed (warnings are findings, not breaks), 1 a
contract break, 2 an SDK asked for is not installed or an input file is
unreadable. With a baseline (``sdk.baseline``) acknowledged breaks pass and
new or expired ones fail. ``sdk.compare`` diffs two releases of one SDK;
``sdk.traffic`` applies the request checks to traffic any SDK recorded.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from ..errors import ConfigurationError
from .baseline import acknowledged as acknowledged_problems
from .baseline import baseline_verdict, judge, load_baseline, render_judgement
from .baseline import write_baseline as write_baseline_file
from .models import SDKS, GateRun, SdkDistribution, Verdict
from .report import CheckResult, findings, render_table, verdict, write_junit

__all__ = [
    "SDKS",
    "CheckResult",
    "GateRun",
    "SdkDistribution",
    "Verdict",
    "check_all",
    "check_sdk",
    "findings",
    "render_table",
    "run_gate",
    "verdict",
    "write_junit",
]

#: ``--sdk`` choices; ``both`` runs the v1.0 and the beta SDK.
SDK_CHOICES: tuple[str, ...] = (*SDKS, "both")
DEFAULT_EXAMPLES = 25


def _selected(sdk: str) -> Sequence[SdkDistribution]:
    if sdk == "both":
        return tuple(SDKS.values())
    if sdk not in SDKS:
        raise ConfigurationError("sdk", f"unknown SDK {sdk!r}", SDK_CHOICES)
    return (SDKS[sdk],)


def check_sdk(sdk: SdkDistribution, examples: int = DEFAULT_EXAMPLES, *, wire: bool = True) -> list[CheckResult]:
    """Every check of one installed SDK: the serialization round trip, then (``wire``) the emulator run."""
    results = check_stage(sdk, "roundtrip", examples)
    if wire:
        results += check_stage(sdk, "wire", examples)
    return results


def check_stage(sdk: SdkDistribution, stage: str, examples: int = DEFAULT_EXAMPLES) -> list[CheckResult]:
    """One stage (``roundtrip`` or ``wire``) of one SDK's checks."""
    version = sdk.installed_version()
    if stage == "roundtrip":
        from .roundtrip import run_roundtrip

        return run_roundtrip(sdk, version, examples)
    from .wire import run_wire

    return run_wire(sdk, version, examples)


#: (SDK, stage) in the order a process pool should start them: the longest first (measured, see
#: benchmarks/README.md), so that two workers finish together: beta's wire check on one, the rest on the other.
STAGE_ORDER: tuple[tuple[str, str], ...] = (
    ("msgraph-beta", "wire"),
    ("msgraph-beta", "roundtrip"),
    ("msgraph", "wire"),
    ("msgraph", "roundtrip"),
)


def check_all(chosen: Sequence[SdkDistribution], examples: int = DEFAULT_EXAMPLES) -> list[CheckResult]:
    """``check_sdk`` for each SDK; with two or more SDKs and CPUs, the stages run in a process pool.

    Each stage is CPU-bound Python (the SDK's model parsing dominates) and the
    wire stage brings its own emulator, so processes, not threads, one stage
    each, longest first. A single SDK runs in this process, which keeps it
    debuggable (and patchable by the gate's own tests). Results come back in
    the serial order: SDK by SDK, round trip before wire.
    """
    workers = min(len(chosen), os.cpu_count() or 1)
    if workers <= 1:
        return [r for s in chosen for r in check_sdk(s, examples)]
    names = {s.name: s for s in chosen}
    order = {key: i for i, key in enumerate(STAGE_ORDER)}
    tasks = sorted(((s.name, stage) for s in chosen for stage in ("roundtrip", "wire")), key=lambda k: order.get(k, -1))
    # spawn, not fork: the caller may have threads (an emulator, a test runner), and fork copies them broken.
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        runs = {key: pool.submit(check_stage, names[key[0]], key[1], examples) for key in tasks}
        return [r for s in chosen for stage in ("roundtrip", "wire") for r in runs[(s.name, stage)].result()]


def check_output_path(setting: str, path: str) -> None:
    """Refuse, before anything runs, an output path the run could not write: a folder, or a missing parent.

    The gate takes a minute; a traceback after it, with the exit code of a contract break, is the worst way
    to learn that ``--junitxml`` named a folder.
    """
    target = Path(path)
    if target.is_dir():
        raise ConfigurationError(setting, f"{path} is a folder; name a file")
    parent = target.parent
    if not parent.is_dir():
        raise ConfigurationError(setting, f"the folder {parent} of {path} does not exist")
    if not os.access(parent, os.W_OK) or (target.exists() and not os.access(target, os.W_OK)):
        raise ConfigurationError(setting, f"cannot write {path}: permission denied")


def check_examples(examples: int) -> None:
    """``--examples`` below 1 would switch the body checks off while the gate still says pass: refuse it."""
    if examples < 1:
        raise ConfigurationError("examples", f"must be at least 1, not {examples}")


def run_gate(
    sdk: str,
    junitxml: str | None,
    examples: int,
    *,
    baseline: str | None = None,
    write_baseline: str | None = None,
    strict_baseline: bool = False,
    traffic: Sequence[str] = (),
) -> GateRun:
    """Run the gate for ``sdk`` (msgraph, msgraph-beta or both); write JUnit XML and a baseline if asked.

    With ``baseline`` the verdict follows the baseline (see ``sdk.baseline``): known breaks pass, new
    or expired ones fail, entries nothing matches are reported as fixed (failing with ``strict_baseline``).
    ``write_baseline`` writes this run's breaks as a baseline, keeping the reasons of ``baseline``.

    ``traffic`` (files) replaces the SDK runs with the request checks on recorded traffic (``sdk.traffic``).

    Nothing is printed; the ``GateRun`` says the verdict (pass, a contract break, or not gated: an SDK not
    installed) and what to show. Raised before anything runs: ``InputFileError`` for an unreadable baseline or traffic
    file, or traffic with nothing to check; ``ConfigurationError`` for ``examples`` below 1 or an output path
    that cannot be written (naming the setting: ``examples``, ``junitxml``, ``write_baseline``).
    """
    chosen = _selected(sdk)
    check_examples(examples)
    for setting, path in (("junitxml", junitxml), ("write_baseline", write_baseline)):
        if path:
            check_output_path(setting, path)
    known = load_baseline(baseline) if baseline else None
    if traffic:
        from .traffic import check_traffic

        results = check_traffic(traffic)
    else:
        missing = tuple(s for s in chosen if not s.installed())
        if missing:
            return GateRun(Verdict.NOT_GATED, missing=missing)
        results = check_all(chosen, examples)
    outcome = verdict(results)
    judged = judge(results, known) if known is not None else []
    acknowledged = acknowledged_problems(judged)
    report = [render_table(results, acknowledged)]
    if known is not None:
        report += ["", render_judgement(judged, known)]
        outcome = baseline_verdict(judged, strict=strict_baseline)
    if junitxml:
        write_junit(results, junitxml, acknowledged)
        report.append(f"wrote {junitxml}")
    if write_baseline:
        count = write_baseline_file(write_baseline, results, known)
        report.append(f"wrote {write_baseline} ({count} findings)")
    return GateRun(outcome, tuple(report))

"""``sdk-check --matrix SPEC... [--last N] [--shard I/N]``: the gate over many releases of an SDK, one environment each.

A release pipeline asks "which of the releases we support keep the contracts?",
not "does the one in my environment?". Each version spec (``msgraph-sdk>=1.0``)
is expanded into releases with the index's own list of versions (``pip index
versions``, filtered by the specifier; ``--last N`` keeps the newest N), or a
pinned spec is taken as it is. Each release gets a cached environment
(``compare.ensure_env``: one per requirement under the user cache folder,
reused on the next run) and a child process of this interpreter runs the gate
with that environment's site-packages first on ``PYTHONPATH``, judging the
results against ``--baseline`` when one is given. The table is one row per
release: new, expired, known and fixed problems.

``--shard I/N`` keeps every N-th release starting at the I-th, so N CI jobs
split a matrix of 20 releases (see the README's workflow). Every function that
touches the network or a process is a parameter, so the selection, sharding,
table and verdict are tested with a fake index and a fake gate.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import CompareError, MatrixError
from .compare import GATE_TIMEOUT, distribution_of, ensure_env, quiet
from .models import GateRun, SdkDistribution, Verdict

#: The outcomes a row counts, in the table's order.
COLUMNS = ("new", "expired", "known", "fixed")


@dataclass(frozen=True)
class Shard:
    """The ``index``-th (1-based) of ``count`` CI jobs."""

    index: int = 1
    count: int = 1

    @classmethod
    def parse(cls, text: str) -> Shard:
        m = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text)
        if m is None or not 1 <= int(m[1]) <= int(m[2]):
            raise MatrixError("shard", f"{text!r} is not I/N with 1 <= I <= N (e.g. 2/5)")
        return cls(int(m[1]), int(m[2]))

    def take(self, items: Sequence[str]) -> list[str]:
        return [item for i, item in enumerate(items) if i % self.count == self.index - 1]


@dataclass(frozen=True)
class Row:
    """The gate's verdict on one release."""

    requirement: str
    version: str
    counts: Mapping[str, int]
    new: tuple[str, ...] = ()
    error: str = ""


def index_versions(distribution: str) -> list[str]:
    """The releases the configured index offers, through pip's own client (``pip index versions``)."""
    cmd = [sys.executable, "-m", "pip", "index", "versions", distribution, "--disable-pip-version-check"]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise MatrixError("matrix", f"cannot list the releases of {distribution}: {exc}") from None
    m = re.search(r"^Available versions:\s*(.+)$", done.stdout, re.M)
    if done.returncode != 0 or m is None:
        tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
        raise MatrixError("matrix", f"cannot list the releases of {distribution}: {tail[0]}")
    return [v.strip() for v in m[1].split(",") if v.strip()]


def _split(spec: str) -> tuple[str, str]:
    name = re.split(r"[\s\[<>=!~;@]", spec.strip(), maxsplit=1)[0]
    return name, spec.strip()[len(name) :].strip()


def plan(
    specs: Sequence[str], last: int | None = None, *, versions: Callable[[str], list[str]] = index_versions
) -> list[str]:
    """Pinned requirements (``msgraph-sdk==1.64.0``), oldest first, for the specs: a pin stays as it is; a range
    becomes the index's releases it admits (final releases only), the newest ``last`` of them when given."""
    from packaging.specifiers import InvalidSpecifier, SpecifierSet
    from packaging.version import InvalidVersion, Version

    out: list[str] = []
    for spec in specs:
        sdk = distribution_of(spec)
        _name, specifier_text = _split(spec)
        if re.fullmatch(r"==\s*[\w.]+", specifier_text):
            out.append(f"{sdk.distribution}{specifier_text.replace(' ', '')}")
            continue
        try:
            specifier = SpecifierSet(specifier_text)
        except InvalidSpecifier:
            raise MatrixError("matrix", f"{spec!r}: {specifier_text!r} is not a version specifier") from None
        releases: list[Version] = []
        for text in versions(sdk.distribution):
            try:
                version = Version(text)
            except InvalidVersion:
                continue
            if not version.is_prerelease and version in specifier:
                releases.append(version)
        releases.sort()
        if last is not None:
            releases = releases[-last:]
        if not releases:
            raise MatrixError("matrix", f"no release of {sdk.distribution} matches {spec!r}")
        out += [f"{sdk.distribution}=={v}" for v in releases]
    return list(dict.fromkeys(out))


# --------------------------------------------------------------------------- one release


def _child(argv: Sequence[str]) -> int:
    """In the child process (the release's environment first on the path): run the gate, write the verdict as JSON."""
    from . import check_all
    from .baseline import Baseline, acknowledged, judge, load_baseline
    from .models import SDKS

    sdk_name, examples, baseline_path, out = argv
    sdk = SDKS[sdk_name]
    results = check_all((sdk,), int(examples))
    baseline = load_baseline(baseline_path) if baseline_path else Baseline("(none)")
    judged = judge(results, baseline)
    known = acknowledged(judged)
    verdict = {
        "version": sdk.installed_version(),
        "counts": {c: sum(j.outcome == c for j in judged) for c in COLUMNS},
        "new": [" ".join(x for x in j.id if x) for j in judged if j.outcome in ("new", "expired")],
        "known": len(known),
    }
    Path(out).write_text(json.dumps(verdict), encoding="utf-8")
    return 0


def gate_release(requirement: str, sdk: SdkDistribution, examples: int, baseline: str | None) -> Row:
    """Install (or reuse) the release's environment and run the gate on it in a child process."""
    site, version, _reused = ensure_env(requirement, sdk)
    with tempfile.TemporaryDirectory(prefix="graph-contracts-matrix-") as tmp:
        out = Path(tmp) / "verdict.json"
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(site), env.get("PYTHONPATH", "")) if p)
        code = "import sys; from graph_contracts.sdk.matrix import _child; sys.exit(_child(sys.argv[1:]))"
        cmd = [sys.executable, "-c", code, sdk.name, str(examples), baseline or "", str(out)]
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=GATE_TIMEOUT, env=env, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return Row(requirement, version, {}, error=f"the gate could not run: {exc}")
        if done.returncode != 0 or not out.exists():
            tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or [f"exit {done.returncode}"]
            return Row(requirement, version, {}, error=f"the gate failed: {tail[0]}")
        verdict: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return Row(requirement, str(verdict["version"]), verdict["counts"], tuple(verdict["new"]))


# --------------------------------------------------------------------------- the matrix


def render_matrix(rows: Sequence[Row], baseline: str | None, shard: Shard) -> str:
    against = f"against {baseline}" if baseline else "without a baseline: every break counts as new"
    title = f"SDK matrix ({against})" + (f", shard {shard.index}/{shard.count}" if shard.count > 1 else "")
    header = ("release", *COLUMNS)
    table = [
        (r.requirement, *(("error",) * 4 if r.error else tuple(str(r.counts.get(c, 0)) for c in COLUMNS))) for r in rows
    ]
    widths = [max(len(h), *(len(t[i]) for t in table)) if table else len(h) for i, h in enumerate(header)]
    lines = [
        title,
        "  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)),
        "  ".join("-" * w for w in widths),
    ]
    lines += ["  ".join(c.ljust(w) for c, w in zip(t, widths, strict=True)).rstrip() for t in table]
    for r in rows:
        if r.error:
            lines.append(f"  [{r.requirement}] {r.error}")
        for label in r.new[:20]:
            lines.append(f"  [{r.requirement}] NEW {label}")
    return "\n".join(lines)


def matrix_verdict(rows: Sequence[Row]) -> Verdict:
    """Not gated when a release could not be gated, else a break when one has a new or expired break, else a pass."""
    if any(r.error for r in rows):
        return Verdict.NOT_GATED
    broken = any(r.counts.get("new", 0) or r.counts.get("expired", 0) for r in rows)
    return Verdict.BREAK if broken else Verdict.PASS


def run_matrix(
    specs: Sequence[str],
    *,
    last: int | None = None,
    shard: Shard = Shard(),
    examples: int = 25,
    baseline: str | None = None,
    progress: Callable[[str], None] = quiet,
    versions: Callable[[str], list[str]] = index_versions,
    gate: Callable[[str, SdkDistribution, int, str | None], Row] = gate_release,
) -> GateRun:
    """Plan the releases, keep this shard's, gate each; the table is the report (the CLI prints it).

    ``progress`` is called with the plan, then one line before each release's install-and-gate.
    """
    if baseline:
        from .baseline import load_baseline

        load_baseline(baseline)  # unreadable or TODO: refused before any environment is made
    releases = plan(specs, last, versions=versions)
    mine = shard.take(releases)
    progress(f"{len(releases)} releases, {len(mine)} in this shard: {', '.join(mine) or 'none'}")
    rows: list[Row] = []
    for requirement in mine:
        progress(f"{requirement}: environment, then the gate ...")
        try:
            rows.append(gate(requirement, distribution_of(requirement), examples, baseline))
        except CompareError as exc:
            rows.append(Row(requirement, "", {}, error=str(exc)))
    return GateRun(matrix_verdict(rows), (render_matrix(rows, baseline, shard),))

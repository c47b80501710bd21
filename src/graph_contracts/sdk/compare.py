"""``sdk-check --compare OLD NEW``: the gate on two releases of one SDK, and what changed between them.

A release reviewer wants the difference, not two tables: the breaks the new
release brings, the ones it fixes, the ones it keeps. Each requirement
(``msgraph-beta-sdk==1.65.0``) is installed into its own throwaway virtual
environment (``uv`` when it is on PATH, else ``venv`` and pip), and the gate
runs in a child process of this interpreter with that environment's
site-packages first on ``PYTHONPATH``: the SDK and its kiota libraries come
from the throwaway environment, graph-contracts and its checks from this one,
so the two runs differ in the SDK alone. Each run writes its breaks as a
baseline file (``--write-baseline``), and the comparison is of their finding
ids, the same ids a baseline uses.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from ..errors import CompareError
from .baseline import Baseline, BaselineEntry, FindingId, load_baseline
from .models import SDKS, SdkDistribution

#: How long one install may take (msgraph-beta-sdk is a 50 MB wheel of some 20,000 files).
INSTALL_TIMEOUT = 1800
GATE_TIMEOUT = 1800


@dataclass(frozen=True)
class FindingsDiff:
    """The breaks of the new release against the old one, by finding id."""

    new: tuple[BaselineEntry, ...]
    fixed: tuple[BaselineEntry, ...]
    unchanged: tuple[BaselineEntry, ...]


def diff_findings(old: Baseline, new: Baseline) -> FindingsDiff:
    """New: only in ``new``; fixed: only in ``old``; unchanged: in both (shown as ``new`` observed them)."""
    old_ids: set[FindingId] = {e.id for e in old.entries}
    new_ids: set[FindingId] = {e.id for e in new.entries}
    return FindingsDiff(
        new=tuple(e for e in new.entries if e.id not in old_ids),
        fixed=tuple(e for e in old.entries if e.id not in new_ids),
        unchanged=tuple(e for e in new.entries if e.id in old_ids),
    )


def distribution_of(requirement: str) -> SdkDistribution:
    """The SDK a requirement names (``msgraph-beta-sdk==1.66.0`` -> msgraph-beta); anything else is refused."""
    name = re.split(r"[\s\[<>=!~;@]", requirement.strip(), maxsplit=1)[0]
    normal = re.sub(r"[-_.]+", "-", name).lower()
    for sdk in SDKS.values():
        if sdk.distribution == normal:
            return sdk
    choices = tuple(s.distribution for s in SDKS.values())
    raise CompareError("compare", f"{requirement!r} is not a requirement on an msgraph SDK", choices)


def _venv_python(env: Path) -> Path:
    return env / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def _run(cmd: Sequence[str], what: str, timeout: int, env: dict[str, str] | None = None) -> str:
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise CompareError("compare", f"{what}: {exc}") from None
    if done.returncode != 0:
        tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-15:])
        raise CompareError("compare", f"{what} failed (exit {done.returncode}):\n{tail}")
    return done.stdout


def install(requirement: str, env: Path, sdk: SdkDistribution) -> tuple[Path, str]:
    """A fresh virtual environment at ``env`` holding ``requirement``: its site-packages folder, the SDK's version."""
    uv = shutil.which("uv")
    if uv:
        _run([uv, "venv", "--quiet", "--python", sys.executable, str(env)], f"uv venv {env}", INSTALL_TIMEOUT)
        _run([uv, "pip", "install", "--quiet", "--python", str(_venv_python(env)), requirement],
             f"uv pip install {requirement}", INSTALL_TIMEOUT)
    else:
        _run([sys.executable, "-m", "venv", str(env)], f"python -m venv {env}", INSTALL_TIMEOUT)
        _run([str(_venv_python(env)), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", requirement],
             f"pip install {requirement}", INSTALL_TIMEOUT)
    code = (
        "import sysconfig, importlib.metadata as m; "
        f"print(sysconfig.get_paths()['purelib']); print(m.version({sdk.distribution!r}))"
    )
    site, version = _run([str(_venv_python(env)), "-c", code], "reading the environment", 120).split()
    return Path(site), version


def gate_findings(
    requirement: str, sdk: SdkDistribution, workdir: Path, label: str, examples: int
) -> tuple[Baseline, str]:
    """Install ``requirement`` beside this environment; the gate's breaks on it (as a baseline) and its version."""
    site, version = install(requirement, workdir / f"venv-{label}", sdk)
    out = workdir / f"findings-{label}.yaml"
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(site), env.get("PYTHONPATH", "")) if p)
    cmd = [sys.executable, "-m", "graph_contracts.cli", "sdk-check", "--sdk", sdk.name,
           "--examples", str(examples), "--write-baseline", str(out)]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=GATE_TIMEOUT, env=env, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise CompareError("compare", f"the gate on {requirement}: {exc}") from None
    if done.returncode not in (0, 1) or not out.exists():
        tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-15:])
        raise CompareError("compare", f"the gate on {requirement} failed (exit {done.returncode}):\n{tail}")
    return load_baseline(out), version


def render_diff(diff: FindingsDiff, old: str, new: str) -> str:
    lines = [f"SDK version diff: {old} -> {new}",
             f"  {len(diff.new)} new, {len(diff.fixed)} fixed, {len(diff.unchanged)} unchanged"]
    for label, entries in (("new", diff.new), ("fixed", diff.fixed), ("unchanged", diff.unchanged)):
        for e in entries:
            lines.append(f"  [{label}] {e.sdk} {e.operation} {e.check}" + (f" ({e.code})" if e.code else ""))
            if e.observed:
                lines.append(f"      {e.observed[:200]}")
    return "\n".join(lines)


def run_compare(old: str, new: str, examples: int, *, out: TextIO | None = None) -> int:
    """Gate ``old`` and ``new`` (requirements on the same SDK) and print the diff; 1 when ``new`` brings a break.

    Raises ``CompareError`` (the CLI exits 2) for a requirement on anything but an msgraph SDK, two
    different SDKs, an install that fails, or a gate run that cannot start.
    """
    stream = out or sys.stdout
    sdk = distribution_of(old)
    if distribution_of(new) != sdk:
        raise CompareError("compare", f"{old!r} and {new!r} name different SDKs; compare two releases of one SDK")
    workdir = Path(tempfile.mkdtemp(prefix="graph-contracts-compare-"))
    found: dict[str, tuple[Baseline, str]] = {}
    try:
        for label, requirement in (("old", old), ("new", new)):
            print(f"{requirement}: installing into a throwaway environment, then the gate ...", file=stream, flush=True)
            found[label] = gate_findings(requirement, sdk, workdir, label, examples)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    (old_findings, old_version), (new_findings, new_version) = found["old"], found["new"]
    diff = diff_findings(old_findings, new_findings)
    print(render_diff(diff, f"{sdk.distribution} {old_version}", f"{sdk.distribution} {new_version}"), file=stream)
    return 1 if diff.new else 0

"""``sdk-check --compare OLD NEW``: the gate on two releases of one SDK, and what changed between them.

A release reviewer wants the difference, not two tables: the breaks the new
release brings, the ones it fixes, the ones it keeps. Each requirement
(``msgraph-beta-sdk==1.65.0``) gets its own virtual environment (``uv`` when it
is on PATH, else ``venv`` and pip, whose download cache is left on), kept under
the user cache folder (``resources.user_cache_dir()/sdk-envs``), one per
requirement and Python version, and reused by the next ``--compare`` or
``--matrix`` naming the same requirement (delete the folder to start over).
The gate runs in a child process of this interpreter with that environment's
site-packages first on ``PYTHONPATH``: the SDK and its kiota libraries come
from the environment, graph-contracts and its checks from this one, so the two
runs differ in the SDK alone. Each run writes its breaks as a baseline file
(``--write-baseline``), and the comparison is of their keys, the keys a
baseline uses.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..errors import CompareError, GraphContractsError
from .baseline import Baseline, BaselineEntry, FindingId, load_baseline
from .models import SDKS, GateRun, SdkDistribution, Verdict

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
        _run(
            [uv, "pip", "install", "--quiet", "--python", str(_venv_python(env)), requirement],
            f"uv pip install {requirement}",
            INSTALL_TIMEOUT,
        )
    else:
        _run([sys.executable, "-m", "venv", str(env)], f"python -m venv {env}", INSTALL_TIMEOUT)
        _run(
            [str(_venv_python(env)), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", requirement],
            f"pip install {requirement}",
            INSTALL_TIMEOUT,
        )
    code = (
        "import sysconfig, importlib.metadata as m; "
        f"print(sysconfig.get_paths()['purelib']); print(m.version({sdk.distribution!r}))"
    )
    site, version = _run([str(_venv_python(env)), "-c", code], "reading the environment", 120).split()
    return Path(site), version


#: Written last into a finished environment: without it, the folder is a half-made one and is rebuilt.
READY = "graph-contracts-env.json"


def env_cache() -> Path:
    """Where the environments live (``GRAPH_CONTRACTS_SDK_ENVS`` overrides, e.g. a CI cache path)."""
    from ..resources import user_cache_dir

    override = os.environ.get("GRAPH_CONTRACTS_SDK_ENVS")
    return Path(override) if override else user_cache_dir() / "sdk-envs"


def env_dir(requirement: str) -> Path:
    """One folder per requirement and Python version: readable, and unique by a hash of the exact text."""
    text = " ".join(requirement.split())
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", text)[:60]
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:10]
    return env_cache() / f"py{sys.version_info[0]}{sys.version_info[1]}-{slug}-{digest}"


def ensure_env(
    requirement: str,
    sdk: SdkDistribution,
    *,
    installer: Callable[[str, Path, SdkDistribution], tuple[Path, str]] = install,
) -> tuple[Path, str, bool]:
    """The environment for ``requirement``: (site-packages, SDK version, whether it was reused).

    A finished environment (its ``READY`` file names the same requirement and a site folder that exists)
    is reused without running pip or uv; anything else in the folder is removed and installed afresh.
    """
    env = env_dir(requirement)
    marker = env / READY
    try:
        ready = json.loads(marker.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        ready = None
    if isinstance(ready, dict) and ready.get("requirement") == requirement and Path(ready.get("site", "")).is_dir():
        return Path(ready["site"]), str(ready["version"]), True
    shutil.rmtree(env, ignore_errors=True)
    env.parent.mkdir(parents=True, exist_ok=True)
    site, version = installer(requirement, env, sdk)
    partial = marker.with_suffix(".partial")
    partial.write_text(
        json.dumps({"requirement": requirement, "site": str(site), "version": version}), encoding="utf-8"
    )
    partial.replace(marker)  # atomic: a killed install leaves no marker
    return site, version, False


#: The program of the child process that gates a release (``_gate_child``), in that release's environment.
GATE_CHILD = "import sys; from graph_contracts.sdk.compare import _gate_child; sys.exit(_gate_child(sys.argv[1:]))"


def _gate_child(argv: Sequence[str]) -> int | str:
    """In the child process (the release's environment first on the path): the gate's breaks written as a
    baseline (``argv``: SDK name, examples, file). 0 when written, whatever it found; else why not, which
    ``sys.exit`` writes to the child's stderr for the parent to quote."""
    from . import run_gate

    sdk_name, examples, out = argv
    try:
        done = run_gate(sdk_name, None, int(examples), write_baseline=out)
    except GraphContractsError as exc:
        return str(exc)
    return done.missing_text if done.verdict is Verdict.NOT_GATED else 0


def gate_findings(
    requirement: str, sdk: SdkDistribution, workdir: Path, label: str, examples: int
) -> tuple[Baseline, str]:
    """The gate's breaks on ``requirement`` (as a baseline) and its version, in its cached environment."""
    site, version, _reused = ensure_env(requirement, sdk)
    out = workdir / f"findings-{label}.yaml"
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(site), env.get("PYTHONPATH", "")) if p)
    cmd = [sys.executable, "-c", GATE_CHILD, sdk.name, str(examples), str(out)]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=GATE_TIMEOUT, env=env, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise CompareError("compare", f"the gate on {requirement}: {exc}") from None
    if done.returncode != 0 or not out.exists():
        tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-15:])
        raise CompareError("compare", f"the gate on {requirement} failed (exit {done.returncode}):\n{tail}")
    return load_baseline(out, allow_todo=True), version


def render_diff(diff: FindingsDiff, old: str, new: str) -> str:
    lines = [
        f"SDK version diff: {old} -> {new}",
        f"  {len(diff.new)} new, {len(diff.fixed)} fixed, {len(diff.unchanged)} unchanged",
    ]
    for label, entries in (("new", diff.new), ("fixed", diff.fixed), ("unchanged", diff.unchanged)):
        for e in entries:
            where = f"{e.pointer}: " if e.pointer else ""
            lines.append(f"  [{label}] {e.version} {e.operation} {e.check}: {where}{e.message}")
            if e.observed:
                lines.append(f"      {e.observed[:200]}")
    return "\n".join(lines)


def quiet(line: str) -> None:
    """The default ``progress``: say nothing."""


def run_compare(old: str, new: str, examples: int, *, progress: Callable[[str], None] = quiet) -> GateRun:
    """Gate ``old`` and ``new`` (requirements on one SDK): the diff is the report, a break when ``new`` has one.

    Nothing is printed: ``progress`` is called with one line before each install-and-gate (minutes each),
    and the CLI prints the returned ``GateRun``.

    Raises ``CompareError`` (the CLI exits 2) for a requirement on anything but an msgraph SDK, two
    different SDKs, an install that fails, or a gate run that cannot start.
    """
    sdk = distribution_of(old)
    if distribution_of(new) != sdk:
        raise CompareError("compare", f"{old!r} and {new!r} name different SDKs; compare two releases of one SDK")
    workdir = Path(tempfile.mkdtemp(prefix="graph-contracts-compare-"))
    found: dict[str, tuple[Baseline, str]] = {}
    try:
        for label, requirement in (("old", old), ("new", new)):
            reuse = "reusing" if (env_dir(requirement) / READY).exists() else "installing"
            progress(f"{requirement}: {reuse} its environment ({env_dir(requirement)}), then the gate ...")
            found[label] = gate_findings(requirement, sdk, workdir, label, examples)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    (old_findings, old_version), (new_findings, new_version) = found["old"], found["new"]
    diff = diff_findings(old_findings, new_findings)
    text = render_diff(diff, f"{sdk.distribution} {old_version}", f"{sdk.distribution} {new_version}")
    return GateRun(Verdict.BREAK if diff.new else Verdict.PASS, (text,))

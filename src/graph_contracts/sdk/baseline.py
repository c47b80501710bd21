"""Acknowledged SDK findings: a YAML baseline, and how a run's breaks compare with it.

A release pipeline cannot wait for an SDK fix before it goes green, and must
not go green on a break nobody has looked at. A baseline names the breaks that
were looked at, each by a stable id (SDK, operation or type, check, code: no
version and no generated value, so the entry survives a version bump and a
different counterexample), with the reason it is accepted, a link to where
its fix is tracked, and an optional expiry date that forces a second look.

Outcomes of a run against a baseline:

=========  ==============================================  =====
known      a break the baseline names                      0
new        a break the baseline does not name              1
expired    a break the baseline names, past its expiry      1
fixed      an entry no break matches any more: remove it   0 (1 with ``strict``)
=========  ==============================================  =====

Warnings are findings, not breaks: they never need an entry.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml

from ..errors import InputFileError
from .report import CheckResult

Outcome = Literal["known", "new", "expired", "fixed"]
FindingId = tuple[str, str, str, str]

#: Keys of one entry; ``observed`` is informational (what the run that wrote it saw).
ID_KEYS = ("sdk", "operation", "check", "code")
REQUIRED_KEYS = (*ID_KEYS, "reason", "link")
OPTIONAL_KEYS = ("expires", "observed")
#: What ``--write-baseline`` puts where a person must fill in.
TODO_REASON = "TODO: why this break is acceptable for now"
TODO_LINK = "TODO: link to the issue tracking the fix"

HEADER = """\
# Acknowledged findings of `graph-contracts sdk-check` (see README, "Gating msgraph SDK releases").
# Each entry names a break by sdk, operation (or type), check and code; a break no entry names fails the
# gate, an entry past its `expires` date fails it again, and an entry nothing matches is reported as
# fixed (remove it). `observed` is what the run that wrote the entry saw; it is not matched.
"""


@dataclass(frozen=True)
class BaselineEntry:
    """One acknowledged break."""

    sdk: str
    operation: str
    check: str
    code: str
    reason: str
    link: str
    expires: dt.date | None = None
    observed: str = ""

    @property
    def id(self) -> FindingId:
        return (self.sdk, self.operation, self.check, self.code)

    def expired(self, today: dt.date) -> bool:
        return self.expires is not None and self.expires < today


@dataclass(frozen=True)
class Baseline:
    """The entries of one baseline file, in file order."""

    path: str
    entries: tuple[BaselineEntry, ...] = ()

    def find(self, finding_id: FindingId) -> BaselineEntry | None:
        return next((e for e in self.entries if e.id == finding_id), None)


@dataclass(frozen=True)
class Judged:
    """A break or an entry, and what the baseline makes of it."""

    outcome: Outcome
    result: CheckResult | None = None
    entry: BaselineEntry | None = None

    @property
    def id(self) -> FindingId:
        if self.result is not None:
            return self.result.finding_id
        assert self.entry is not None
        return self.entry.id


# --------------------------------------------------------------------------- reading


def _entry(raw: Any, index: int, path: str, line: int) -> BaselineEntry:
    where = f"findings[{index}]"
    if not isinstance(raw, Mapping):
        raise InputFileError(path, f"{where}: expected a mapping with {', '.join(REQUIRED_KEYS)}", line)
    unknown = sorted(set(map(str, raw)) - set(REQUIRED_KEYS) - set(OPTIONAL_KEYS))
    if unknown:
        raise InputFileError(
            path, f"{where}: unknown key {unknown[0]!r} (keys: {', '.join(REQUIRED_KEYS + OPTIONAL_KEYS)})", line
        )
    values: dict[str, str] = {}
    for key in REQUIRED_KEYS:
        value = raw.get(key)
        if key == "code" and value is None:
            value = ""  # a check with one kind of finding may leave the code empty
        if not isinstance(value, str) or (key != "code" and not value.strip()):
            raise InputFileError(path, f"{where}.{key}: required, a non-empty string", line)
        values[key] = value
    expires = raw.get("expires")
    if isinstance(expires, str):
        try:
            expires = dt.date.fromisoformat(expires)
        except ValueError:
            raise InputFileError(path, f"{where}.expires: {expires!r} is not a date (YYYY-MM-DD)", line) from None
    if isinstance(expires, dt.datetime):
        expires = expires.date()
    if expires is not None and not isinstance(expires, dt.date):
        raise InputFileError(path, f"{where}.expires: {expires!r} is not a date (YYYY-MM-DD)", line)
    observed = raw.get("observed") or ""
    return BaselineEntry(**values, expires=expires, observed=str(observed))


def _entry_lines(text: str) -> list[int]:
    """The line of each entry under ``findings``, for error messages (0 when the text does not compose)."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return []
    if not isinstance(node, yaml.MappingNode):
        return []
    for key, value in node.value:
        if key.value == "findings" and isinstance(value, yaml.SequenceNode):
            return [item.start_mark.line + 1 for item in value.value]
    return []


def load_baseline(path: str | Path) -> Baseline:
    """Read a baseline file; a missing, unparsable or malformed file raises ``InputFileError`` naming the place."""
    name = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise InputFileError(name, f"cannot read the baseline: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise InputFileError(name, f"the baseline is not UTF-8: {exc.reason}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 0
        raise InputFileError(name, f"not valid YAML: {getattr(exc, 'problem', exc)}", line) from None
    if data is None:
        return Baseline(name)
    if not isinstance(data, Mapping) or not isinstance(data.get("findings", []), list):
        raise InputFileError(name, "expected a mapping with a list under 'findings'")
    lines = _entry_lines(text)
    entries = [
        _entry(raw, i, name, lines[i] if i < len(lines) else 0) for i, raw in enumerate(data.get("findings") or [])
    ]
    seen: dict[FindingId, int] = {}
    for i, e in enumerate(entries):
        if e.id in seen:
            raise InputFileError(
                name, f"findings[{i}] repeats findings[{seen[e.id]}] ({', '.join(e.id)})", lines[i] if lines else 0
            )
        seen[e.id] = i
    return Baseline(name, tuple(entries))


# --------------------------------------------------------------------------- judging


def breaks(results: Iterable[CheckResult]) -> list[CheckResult]:
    """The results a baseline is about: every failure, once per finding id, in a stable order."""
    out: dict[FindingId, CheckResult] = {}
    for r in sorted((r for r in results if r.status == "fail"), key=lambda r: r.finding_id):
        out.setdefault(r.finding_id, r)
    return list(out.values())


def judge(
    results: Iterable[CheckResult], baseline: Baseline, *, sdks: Collection[str], today: dt.date | None = None
) -> list[Judged]:
    """Each break as known, new or expired; each entry of a checked SDK no break matches as fixed.

    Entries for SDKs not run (``--sdk msgraph`` with beta entries) are not judged at all.
    """
    today = today or dt.date.today()
    out: list[Judged] = []
    matched: set[FindingId] = set()
    for r in breaks(results):
        entry = baseline.find(r.finding_id)
        if entry is None:
            out.append(Judged("new", r))
            continue
        matched.add(entry.id)
        out.append(Judged("expired" if entry.expired(today) else "known", r, entry))
    out += [Judged("fixed", None, e) for e in baseline.entries if e.sdk in sdks and e.id not in matched]
    return out


def baseline_exit_code(judged: Iterable[Judged], *, strict: bool = False) -> int:
    """1 on a new or expired break (or, with ``strict``, an entry that is fixed), else 0."""
    failing = {"new", "expired", "fixed"} if strict else {"new", "expired"}
    return 1 if any(j.outcome in failing for j in judged) else 0


#: How each outcome reads in the summary; the order is the order of the summary.
OUTCOME_TEXT: Mapping[Outcome, str] = {
    "new": "NEW (not in the baseline)",
    "expired": "EXPIRED (acknowledged until {expires})",
    "known": "known",
    "fixed": "fixed, remove it",
}


def render_judgement(judged: Sequence[Judged], baseline: Baseline) -> str:
    """The baseline section of the report: one line per break or entry, worst first."""
    lines = [f"Baseline {baseline.path}: " + ", ".join(
        f"{sum(j.outcome == o for j in judged)} {o}" for o in OUTCOME_TEXT
    )]
    for outcome in OUTCOME_TEXT:
        for j in (j for j in judged if j.outcome == outcome):
            sdk, target, check, code = j.id
            text = OUTCOME_TEXT[outcome].format(expires=j.entry.expires if j.entry else "")
            version = f" {j.result.sdk_version}" if j.result else ""
            lines.append(f"  [{text}] {sdk}{version} {target} {check}" + (f" ({code})" if code else ""))
            if j.entry is not None and outcome != "new":
                lines.append(f"      reason: {j.entry.reason}")
                lines.append(f"      link: {j.entry.link}")
            if j.result is not None and outcome == "new":
                lines.append(f"      counterexample: {j.result.counterexample[:200]}")
    return "\n".join(lines)


# --------------------------------------------------------------------------- writing


def _observed(r: CheckResult) -> str:
    text = " ".join(r.counterexample.split())
    return f"{r.sdk} {r.sdk_version}: {text[:300]}"


def baseline_entries(results: Iterable[CheckResult], previous: Baseline | None = None) -> list[BaselineEntry]:
    """An entry per break; reason, link and expiry carried over from ``previous`` where it names the same id."""
    out: list[BaselineEntry] = []
    for r in breaks(results):
        old = previous.find(r.finding_id) if previous is not None else None
        sdk, target, check, code = r.finding_id
        out.append(
            BaselineEntry(
                sdk, target, check, code,
                reason=old.reason if old else TODO_REASON,
                link=old.link if old else TODO_LINK,
                expires=old.expires if old else None,
                observed=_observed(r),
            )
        )
    return out


def dump_baseline(entries: Iterable[BaselineEntry]) -> str:
    """The YAML text of a baseline, header first; ``load_baseline`` reads it back to the same entries."""
    items: list[dict[str, Any]] = []
    for e in entries:
        item: dict[str, Any] = {k: getattr(e, k) for k in REQUIRED_KEYS}
        if e.expires is not None:
            item["expires"] = e.expires.isoformat()
        if e.observed:
            item["observed"] = e.observed
        items.append(item)
    body = yaml.safe_dump({"findings": items}, sort_keys=False, allow_unicode=True, width=100)
    return HEADER + body


def write_baseline(path: str | Path, results: Iterable[CheckResult], previous: Baseline | None = None) -> int:
    """Write the run's breaks as a baseline file; returns how many entries it holds."""
    entries = baseline_entries(results, previous)
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(dump_baseline(entries), encoding="utf-8")
    return len(entries)

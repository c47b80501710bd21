"""Acknowledged SDK findings: a YAML baseline, and how a run's breaks compare with it.

A release pipeline cannot wait for an SDK fix before it goes green, and must
not go green on a break nobody has looked at. A baseline names the breaks that
were looked at, each exactly: Graph version, operation (or type), check, JSON
pointer and the problem's message with its generated values normalized away
(``report.break_key``). No SDK version and no generated value, so an entry
survives a version bump and another counterexample; no SDK name either, so the
break the Python gate finds and the same break in recorded ``--traffic`` are
one acknowledgement. Each entry says why it is accepted (reason), where its
fix is tracked (link), and optionally until when (expires). A reason or link
still reading ``TODO`` (as ``--write-baseline`` leaves them) is refused.

Every problem of every failed check is compared, one by one: an acknowledged
problem never hides a new one in the same check.

=========  ==================================================  =====
known      a problem an entry names                            0
new        a problem no entry names                            1
expired    a problem an entry names, past its expiry            1
fixed      an entry whose check ran and found no such problem  0 (1 with ``strict``)
=========  ==================================================  =====

An entry whose check did not run at all (another SDK, another version,
``--traffic`` without that operation) is not judged: it is neither known nor fixed.
Warnings are findings, not breaks: they never need an entry.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml

from ..errors import InputFileError, Setting
from .models import Verdict
from .report import CheckResult, FindingKey, break_key

Outcome = Literal["known", "new", "expired", "fixed"]
#: Kept as a name for callers: a baseline entry's id is a ``report.FindingKey``.
FindingId = FindingKey

#: Keys of one entry, in the order they are written; ``pointer`` may be empty (a problem of the whole body).
ID_KEYS = ("version", "operation", "check", "pointer", "message")
REQUIRED_KEYS = (*ID_KEYS, "reason", "link")
#: ``observed`` and ``seen_by`` are informational (what the run that wrote the entry saw, and which runner).
OPTIONAL_KEYS = ("expires", "observed", "seen_by")
#: What ``--write-baseline`` puts where a person must fill in; ``--baseline`` refuses it.
TODO_REASON = "TODO: why this break is acceptable for now"
TODO_LINK = "TODO: link to the issue tracking the fix"

HEADER = """\
# Acknowledged findings of `graph-contracts sdk-check` (see README, "Gating msgraph SDK releases").
# Each entry names one problem by Graph version, operation (or type), check, JSON pointer and message
# (generated values shown as '...'); a problem no entry names fails the gate, an entry past its
# `expires` date fails it again, and an entry whose check ran without that problem is reported as fixed
# (remove it). `reason` and `link` must be filled in (a TODO is refused). `observed` and `seen_by` say
# what the run that wrote the entry saw; they are not matched.
"""


@dataclass(frozen=True)
class BaselineEntry:
    """One acknowledged problem."""

    version: str
    operation: str
    check: str
    pointer: str
    message: str
    reason: str
    link: str
    expires: dt.date | None = None
    observed: str = ""
    seen_by: str = ""

    @property
    def id(self) -> FindingKey:
        return (self.version, self.operation, self.check, self.pointer, self.message)

    def expired(self, today: dt.date) -> bool:
        return self.expires is not None and self.expires < today


@dataclass(frozen=True)
class Baseline:
    """The entries of one baseline file, in file order."""

    path: str
    entries: tuple[BaselineEntry, ...] = ()

    def find(self, key: FindingKey) -> BaselineEntry | None:
        return next((e for e in self.entries if e.id == key), None)


@dataclass(frozen=True)
class Judged:
    """One problem of a failed check (or an entry), and what the baseline makes of it."""

    outcome: Outcome
    result: CheckResult | None = None
    entry: BaselineEntry | None = None
    key: FindingKey | None = None

    @property
    def id(self) -> FindingKey:
        if self.key is not None:
            return self.key
        assert self.entry is not None
        return self.entry.id


# --------------------------------------------------------------------------- reading


#: Keys an entry may leave empty: a problem of the whole body has no pointer.
MAY_BE_EMPTY = frozenset({"pointer"})
#: The keys of the format before exact entries, to say what to do with an old file.
OLD_KEYS = frozenset({"sdk", "code"})


def _entry(raw: Any, index: int, path: str, line: int, *, allow_todo: bool) -> BaselineEntry:
    where = f"findings[{index}]"
    if not isinstance(raw, Mapping):
        raise InputFileError(path, f"{where}: expected a mapping with {', '.join(REQUIRED_KEYS)}", line)
    keys = set(map(str, raw))
    if keys & OLD_KEYS and not keys & {"pointer", "message"}:
        raise InputFileError(
            path,
            (
                f"{where}: an entry of the old format (sdk, code); entries now name one problem by "
                f"{', '.join(ID_KEYS)}: rewrite it with ",
                Setting("write_baseline"),
                " and copy the reasons over",
            ),
            line,
        )
    unknown = sorted(keys - set(REQUIRED_KEYS) - set(OPTIONAL_KEYS))
    if unknown:
        raise InputFileError(
            path, f"{where}: unknown key {unknown[0]!r} (keys: {', '.join(REQUIRED_KEYS + OPTIONAL_KEYS)})", line
        )
    values: dict[str, str] = {}
    for key in REQUIRED_KEYS:
        value = raw.get(key)
        if key in MAY_BE_EMPTY and value is None:
            value = ""
        if not isinstance(value, str) or (key not in MAY_BE_EMPTY and not value.strip()):
            raise InputFileError(path, f"{where}.{key}: required, a non-empty string", line)
        if key in ("reason", "link") and not allow_todo and value.strip().upper().startswith("TODO"):
            raise InputFileError(
                path,
                f"{where}.{key}: still TODO; an acknowledged break needs a real {key} "
                "(why it is acceptable, and where its fix is tracked)",
                line,
            )
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
    return BaselineEntry(
        **values, expires=expires, observed=str(raw.get("observed") or ""), seen_by=str(raw.get("seen_by") or "")
    )


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


def load_baseline(path: str | Path, *, allow_todo: bool = False) -> Baseline:
    """Read a baseline file; a missing, unparsable or malformed file raises ``InputFileError`` naming the place.

    ``allow_todo`` reads a file ``--write-baseline`` just wrote (``--compare`` diffs two of them); a baseline
    that acknowledges breaks must not leave its reasons or links at TODO.
    """
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
        _entry(raw, i, name, lines[i] if i < len(lines) else 0, allow_todo=allow_todo)
        for i, raw in enumerate(data.get("findings") or [])
    ]
    seen: dict[FindingKey, int] = {}
    for i, e in enumerate(entries):
        if e.id in seen:
            label = " ".join(x for x in e.id if x)
            line = lines[i] if lines else 0
            raise InputFileError(name, f"findings[{i}] repeats findings[{seen[e.id]}] ({label})", line)
        seen[e.id] = i
    return Baseline(name, tuple(entries))


# --------------------------------------------------------------------------- judging


def breaks(results: Iterable[CheckResult]) -> list[tuple[FindingKey, CheckResult]]:
    """Every problem of every failed check, once per key (the first result showing it), in a stable order."""
    out: dict[FindingKey, CheckResult] = {}
    for r in (r for r in results if r.status == "fail"):
        for key in r.finding_keys:
            out.setdefault(key, r)
    return sorted(out.items(), key=lambda item: item[0])


#: How a failure that is not a finding about the SDK starts: the check could not run (no model class, no builder).
CANNOT_RUN = "cannot run:"


def _ran(r: CheckResult) -> bool:
    """Whether the check looked at the SDK at all: a skip did not, nor a failure that only says it could not run;
    an entry of such a check is neither known nor fixed (its problem may be there still)."""
    if r.status == "skip":
        return False
    return r.status != "fail" or any(not p.startswith(CANNOT_RUN) for p in r.problems)


def judge(results: Iterable[CheckResult], baseline: Baseline, *, today: dt.date | None = None) -> list[Judged]:
    """Each problem as known, new or expired; each entry whose check ran and saw no such problem as fixed.

    An entry whose (version, operation, check) did not run in ``results`` is not judged: ``--sdk msgraph``
    says nothing about beta entries, and ``--traffic`` nothing about response checks.
    """
    today = today or dt.date.today()
    results = list(results)
    ran = {r.checked for r in results if _ran(r)}
    out: list[Judged] = []
    matched: set[FindingKey] = set()
    for key, r in breaks(results):
        entry = baseline.find(key)
        if entry is None:
            out.append(Judged("new", r, key=key))
            continue
        matched.add(key)
        out.append(Judged("expired" if entry.expired(today) else "known", r, entry, key))
    out += [Judged("fixed", None, e) for e in baseline.entries if e.id[:3] in ran and e.id not in matched]
    return out


def acknowledged(judged: Iterable[Judged]) -> dict[FindingKey, str]:
    """The known problems, key -> "reason (link)", for the table and JUnit XML."""
    return {j.id: f"{j.entry.reason} ({j.entry.link})" for j in judged if j.outcome == "known" and j.entry}


def baseline_verdict(judged: Iterable[Judged], *, strict: bool = False) -> Verdict:
    """A break on a new or expired break (or, with ``strict``, an entry that is fixed), else a pass."""
    failing = {"new", "expired", "fixed"} if strict else {"new", "expired"}
    return Verdict.BREAK if any(j.outcome in failing for j in judged) else Verdict.PASS


#: How each outcome reads in the summary; the order is the order of the summary.
OUTCOME_TEXT: Mapping[Outcome, str] = {
    "new": "NEW (not in the baseline)",
    "expired": "EXPIRED (acknowledged until {expires})",
    "known": "known",
    "fixed": "fixed, remove it",
}


def _label(key: FindingKey) -> str:
    version, target, check, pointer, message = key
    return f"{version} {target} {check}: " + (f"{pointer}: " if pointer else "") + message


def render_judgement(judged: Sequence[Judged], baseline: Baseline) -> str:
    """The baseline section of the report: one line per problem or entry, worst first."""
    lines = [
        f"Baseline {baseline.path}: " + ", ".join(f"{sum(j.outcome == o for j in judged)} {o}" for o in OUTCOME_TEXT)
    ]
    for outcome in OUTCOME_TEXT:
        for j in (j for j in judged if j.outcome == outcome):
            text = OUTCOME_TEXT[outcome].format(expires=j.entry.expires if j.entry else "")
            runner = f" ({j.result.sdk} {j.result.sdk_version})" if j.result else ""
            lines.append(f"  [{text}] {_label(j.id)}{runner}")
            if j.entry is not None and outcome != "new":
                lines.append(f"      reason: {j.entry.reason}")
                lines.append(f"      link: {j.entry.link}")
            if j.result is not None and outcome == "new":
                example = next((p for p in j.result.problems if j.result.checked + break_key(p) == j.id), "")
                lines.append(f"      counterexample: {example[:200]}")
    return "\n".join(lines)


# --------------------------------------------------------------------------- writing


def _observed(key: FindingKey, r: CheckResult) -> str:
    example = next((p for p in r.problems if r.checked + break_key(p) == key), r.counterexample)
    return f"{r.sdk} {r.sdk_version}: {' '.join(example.split())[:300]}"


def baseline_entries(results: Iterable[CheckResult], previous: Baseline | None = None) -> list[BaselineEntry]:
    """An entry per problem; reason, link and expiry carried over from ``previous`` where it names the same key."""
    out: list[BaselineEntry] = []
    for key, r in breaks(results):
        old = previous.find(key) if previous is not None else None
        out.append(
            BaselineEntry(
                *key,
                reason=old.reason if old else TODO_REASON,
                link=old.link if old else TODO_LINK,
                expires=old.expires if old else None,
                observed=_observed(key, r),
                seen_by=r.sdk,
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
        if e.seen_by:
            item["seen_by"] = e.seen_by
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

"""The gate's results as data, and their two renderings: the text table and JUnit XML.

A check's ``status`` is ``pass``, ``fail`` (a contract break: the gate exits 1),
``warn`` (a documented finding that is not a break, such as the 7th fraction
digit of a date-time) or ``skip`` (nothing to check, such as a traffic request
no contract operation covers). A check that cannot run (no SDK class, no
request builder) is a ``fail`` whose counterexample says why; a baseline entry
with a reason is the only way to accept it.

A failed check carries every problem it saw (``details``), not only the first:
a baseline acknowledges problems one by one (``finding_keys``), so an
acknowledged problem cannot hide a new one in the same check.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

from ..wording import counted
from .models import Verdict

Status = Literal["pass", "fail", "warn", "skip"]
#: What a baseline names one problem by: Graph version, operation (or type), check, JSON pointer, normalized
#: message. No SDK name: the same break seen by the Python gate and in recorded traffic is one acknowledgement.
FindingKey = tuple[str, str, str, str, str]

#: The longest counterexample the table shows; JUnit XML gets it whole.
TABLE_WIDTH = 110


@dataclass(frozen=True)
class CheckResult:
    """One check of one SDK on one type or operation.

    ``target`` is a contract type (round trip) or an operation id (wire);
    ``counterexample`` is the first input that failed, with what differed;
    ``note`` says what the SDK does where the contract is silent.
    """

    sdk: str
    sdk_version: str
    api_version: str
    stage: Literal["roundtrip", "wire", "setup", "traffic"]
    target: str
    check: str
    status: Status
    examples: int = 0
    counterexample: str = ""
    note: str = ""
    code: str = ""
    details: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return f"{self.stage}:{self.target}:{self.check}"

    @property
    def problems(self) -> tuple[str, ...]:
        """Every problem of a failed check (``details``, else the counterexample); none for any other status."""
        if self.status != "fail":
            return ()
        return self.details or ((self.counterexample or self.note or self.check),)

    @property
    def checked(self) -> tuple[str, str, str]:
        """(version, target, check): what ran, so that a baseline entry of it can be judged fixed."""
        return (self.api_version, self.target, self.check)

    @property
    def finding_keys(self) -> tuple[FindingKey, ...]:
        """One key per distinct problem, in order (see ``break_key``)."""
        keys = dict.fromkeys((*self.checked, *break_key(p)) for p in self.problems)
        return tuple(keys)

    @property
    def finding_code(self) -> str:
        """What kind of finding this is, stable across runs: the given ``code``, else read off the counterexample.

        Counterexamples start with a JSON pointer and a kind (``/serialNumber: dropped``,
        ``/enrollmentState: error enum: ...``) or with a status (``status 400, ...``);
        array indices become ``*`` so that another generated body gives the same code.
        """
        if self.code:
            return self.code
        m = _POINTED.match(self.counterexample)
        if m is not None:
            return f"{m['kind']} {re.sub(r'/[0-9]+(?=/|$)', '/*', m['pointer'])}"
        m = _STATUS.match(self.counterexample)
        return f"status {m[1]}" if m is not None else ""


_POINTED = re.compile(r"^(?P<pointer>/\S*?): (?:(?:error|warning) )?(?P<kind>[A-Za-z][\w-]*)")
_STATUS = re.compile(r"^status (\d{3})")
_LEADING_POINTER = re.compile(r"^(?P<pointer>/\S*?): ")
#: Where a problem text stops describing the problem and starts showing the input (generated, so never matched).
_INPUT_TAIL = re.compile(r"(?: in body| in answer| reading|; body) [\[{].*$|; seen: .*$", re.S)
#: Generated values inside a message: quoted literals, GUIDs, date-times, long numbers.
_VALUES = (
    (re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\""), "'...'"),
    (re.compile(r"\b[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}\b"), "<guid>"),
    (re.compile(r"\b\d{4}-\d\d-\d\dT[\d:.]+(?:Z|[+-]\d\d:\d\d)?"), "<date-time>"),
    (re.compile(r"(?<![\w.])-?\d{4,}(?:\.\d+)?(?:[eE][+-]?\d+)?\b"), "<number>"),
)


def break_key(problem: str) -> tuple[str, str]:
    """(pointer, normalized message) of one problem text: what stays the same when the generated input changes.

    The pointer is the leading JSON pointer (array indices as ``*``); the message drops the input shown
    after it (`` in body {...}``, ``; body {...}``, ``; seen: <measurements>``) and replaces generated
    values (quoted literals, GUIDs, date-times, long numbers) with placeholders, so another body with the
    same break gives the same key, while another cause (``status 400`` for a different property) gives
    another.
    """
    text = " ".join(problem.split())
    pointer = ""
    m = _LEADING_POINTER.match(text)
    if m is not None:
        pointer = re.sub(r"/[0-9]+(?=/|$)", "/*", m["pointer"])
        text = text[m.end() :]
    text = _INPUT_TAIL.sub("", text)
    for pattern, placeholder in _VALUES:
        text = pattern.sub(placeholder, text)
    text = re.sub(r"/[0-9]+(?=/|:|\s|$)", "/*", text)
    return pointer, text.strip()[:240]


def with_problems(
    base: CheckResult, problems: Iterable[str], status_if: Status = "fail", **changes: Any
) -> CheckResult:
    """``base`` passed, or failed (``status_if``) with every distinct problem; the first is the counterexample.

    Distinct means another ``break_key``: the first text of each key is kept (the same break in 25 generated
    bodies is one problem, shown once).
    """
    by_key: dict[tuple[str, str], str] = {}
    for p in problems:
        if p:
            by_key.setdefault(break_key(p), p)
    found = tuple(by_key.values())
    if not found:
        return replace(base, status="pass", **changes)
    return replace(base, status=status_if, counterexample=found[0], details=found, **changes)


def verdict(results: Iterable[CheckResult]) -> Verdict:
    """A break when any check failed (warnings do not count), else a pass."""
    return Verdict.BREAK if any(r.status == "fail" for r in results) else Verdict.PASS


def findings(results: Iterable[CheckResult]) -> list[CheckResult]:
    """The results a reader must look at: every failure and every warning, failures first."""
    order = {"fail": 0, "warn": 1}
    return sorted((r for r in results if r.status in order), key=lambda r: (order[r.status], r.sdk, r.name))


def _short(text: str, width: int = TABLE_WIDTH) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 3] + "..."


def is_known(r: CheckResult, acknowledged: Mapping[FindingKey, str]) -> bool:
    """A failed check whose every problem a baseline acknowledges: it does not fail the run, so it is not a FAIL."""
    keys = r.finding_keys
    return r.status == "fail" and bool(keys) and all(k in acknowledged for k in keys)


def render_table(results: Sequence[CheckResult], acknowledged: Mapping[FindingKey, str] | None = None) -> str:
    """SDK version x operation/type x check, one line each, then the counterexamples of what did not pass.

    A failure the baseline acknowledges problem for problem (``acknowledged``) shows as KNOWN, not FAIL:
    the run exits 0 on it, and the table says so.
    """
    acknowledged = acknowledged or {}

    def status(r: CheckResult) -> str:
        return "known" if is_known(r, acknowledged) else r.status

    header = ("SDK", "stage", "target", "check", "result", "n")
    rows = [
        (
            f"{r.sdk} {r.sdk_version}",
            r.stage,
            f"{r.api_version} {r.target}",
            r.check,
            status(r).upper(),
            str(r.examples),
        )
        for r in results
    ]
    widths = [max(len(h), *(len(row[i]) for row in rows)) if rows else len(h) for i, h in enumerate(header)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in rows]
    counts = Counter(status(r) for r in results)
    lines.append("")
    lines.append(
        ", ".join(
            f"{counts.get(s, 0)} {s}"
            for s in ("pass", "fail", "known", "warn", "skip")
            if s != "known" or counts.get(s)
        )
    )
    notable = findings(results)
    if notable:
        lines.append("")
        lines.append("Findings (first counterexample):")
        for r in notable:
            lines.append(f"  [{status(r).upper()}] {r.sdk} {r.sdk_version} {r.api_version} {r.target} {r.check}")
            if r.counterexample:
                more = len(r.finding_keys) - 1
                extra = f" (and {counted(more, 'more distinct problem')})" if more > 0 else ""
                lines.append(f"      counterexample: {_short(r.counterexample)}{extra}")
            if r.note:
                lines.append(f"      note: {_short(r.note)}")
    return "\n".join(lines)


def write_junit(
    results: Sequence[CheckResult],
    path: str | Path,
    acknowledged: Mapping[FindingKey, str] | None = None,
) -> None:
    """One testsuite per SDK, one testcase per check; fail -> <failure>, skip -> <skipped>, warn -> system-out.

    A failure whose every problem is in ``acknowledged`` (a baseline's known breaks, key -> why) is written
    as <skipped> with that text, so a CI summary shows it without turning red; one unacknowledged problem
    keeps it a <failure>.
    """
    acknowledged = acknowledged or {}

    def known_why(r: CheckResult) -> str | None:
        if not is_known(r, acknowledged):
            return None
        return "; ".join(dict.fromkeys(acknowledged[k] for k in r.finding_keys))

    root = ET.Element("testsuites", name="graph-contracts sdk-check")
    by_sdk: dict[str, list[CheckResult]] = {}
    for r in results:
        by_sdk.setdefault(f"{r.sdk} {r.sdk_version}", []).append(r)
    for suite_name, items in by_sdk.items():
        known = [known_why(r) is not None for r in items]
        suite = ET.SubElement(
            root,
            "testsuite",
            name=suite_name,
            tests=str(len(items)),
            failures=str(sum(r.status == "fail" for r in items) - sum(known)),
            skipped=str(sum(r.status == "skip" for r in items) + sum(known)),
            errors="0",
        )
        for r in items:
            case = ET.SubElement(
                suite, "testcase", classname=f"sdk.{r.sdk}.{r.stage}.{r.api_version}.{r.target}", name=r.check
            )
            shown = "\n".join(f"problem: {p}" for p in r.details) or (
                r.counterexample and f"counterexample: {r.counterexample}"
            )
            detail = "\n".join(x for x in (shown, r.note) if x)
            why = known_why(r)
            if why is not None:
                skipped = ET.SubElement(case, "skipped", message=_short(f"known: {why}", 300))
                skipped.text = detail
            elif r.status == "fail":
                failure = ET.SubElement(case, "failure", message=_short(r.counterexample or r.note or r.check, 300))
                failure.text = detail
            elif r.status == "skip":
                ET.SubElement(case, "skipped", message=_short(r.note or "not exposed by the SDK", 300))
            elif r.status == "warn":
                out = ET.SubElement(case, "system-out")
                out.text = f"WARNING (finding, not a contract break)\n{detail}"
    tree = ET.ElementTree(root)
    ET.indent(tree)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    tree.write(path, encoding="utf-8", xml_declaration=True)

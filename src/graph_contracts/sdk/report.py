"""The gate's results as data, and their two renderings: the text table and JUnit XML.

A check's ``status`` is ``pass``, ``fail`` (a contract break: the gate exits 1),
``warn`` (a documented finding that is not a break, such as the 7th fraction
digit of a date-time) or ``skip`` (the SDK does not expose the operation).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

Status = Literal["pass", "fail", "warn", "skip"]

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

    @property
    def name(self) -> str:
        return f"{self.stage}:{self.target}:{self.check}"

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

    @property
    def finding_id(self) -> tuple[str, str, str, str]:
        """The stable id a baseline names a finding by: SDK, operation (or type), check, code."""
        return (self.sdk, self.target, self.check, self.finding_code)


_POINTED = re.compile(r"^(?P<pointer>/\S*?): (?:(?:error|warning) )?(?P<kind>[A-Za-z][\w-]*)")
_STATUS = re.compile(r"^status (\d{3})")


def exit_code(results: Iterable[CheckResult]) -> int:
    """0 when nothing failed, 1 on any contract break (warnings do not count)."""
    return 1 if any(r.status == "fail" for r in results) else 0


def findings(results: Iterable[CheckResult]) -> list[CheckResult]:
    """The results a reader must look at: every failure and every warning, failures first."""
    order = {"fail": 0, "warn": 1}
    return sorted((r for r in results if r.status in order), key=lambda r: (order[r.status], r.sdk, r.name))


def _short(text: str, width: int = TABLE_WIDTH) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 3] + "..."


def render_table(results: Sequence[CheckResult]) -> str:
    """SDK version x operation/type x check, one line each, then the counterexamples of what did not pass."""
    header = ("SDK", "stage", "target", "check", "result", "n")
    rows = [
        (f"{r.sdk} {r.sdk_version}", r.stage, f"{r.api_version} {r.target}", r.check, r.status.upper(), str(r.examples))
        for r in results
    ]
    widths = [max(len(h), *(len(row[i]) for row in rows)) if rows else len(h) for i, h in enumerate(header)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in rows]
    counts = Counter(r.status for r in results)
    lines.append("")
    lines.append(", ".join(f"{counts.get(s, 0)} {s}" for s in ("pass", "fail", "warn", "skip")))
    notable = findings(results)
    if notable:
        lines.append("")
        lines.append("Findings (first counterexample):")
        for r in notable:
            lines.append(f"  [{r.status.upper()}] {r.sdk} {r.sdk_version} {r.api_version} {r.target} {r.check}")
            if r.counterexample:
                lines.append(f"      counterexample: {_short(r.counterexample)}")
            if r.note:
                lines.append(f"      note: {_short(r.note)}")
    return "\n".join(lines)


def write_junit(
    results: Sequence[CheckResult],
    path: str | Path,
    acknowledged: Mapping[tuple[str, str, str, str], str] | None = None,
) -> None:
    """One testsuite per SDK, one testcase per check; fail -> <failure>, skip -> <skipped>, warn -> system-out.

    A failure whose finding id is in ``acknowledged`` (a baseline's known breaks, id -> why) is written as
    <skipped> with that text, so a CI summary shows it without turning red.
    """
    acknowledged = acknowledged or {}
    root = ET.Element("testsuites", name="graph-contracts sdk-check")
    by_sdk: dict[str, list[CheckResult]] = {}
    for r in results:
        by_sdk.setdefault(f"{r.sdk} {r.sdk_version}", []).append(r)
    for suite_name, items in by_sdk.items():
        known = [r.status == "fail" and r.finding_id in acknowledged for r in items]
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
            detail = "\n".join(x for x in (r.counterexample and f"counterexample: {r.counterexample}", r.note) if x)
            if r.status == "fail" and r.finding_id in acknowledged:
                skipped = ET.SubElement(case, "skipped", message=_short(f"known: {acknowledged[r.finding_id]}", 300))
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

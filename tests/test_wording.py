"""One plural rule, ``wording.counted``, for the library's messages and the CLI's reports.

The messages below wrote their own plural before; these pin them, singular and
plural, byte for byte.
"""

from __future__ import annotations

import pytest

from graph_contracts.cli import terminal
from graph_contracts.sdk.report import CheckResult, render_table
from graph_contracts.traffic.scan import ScanReport, SecretFinding
from graph_contracts.wording import counted


@pytest.mark.parametrize(("n", "text"), [(0, "0 files"), (1, "1 file"), (2, "2 files"), (-1, "-1 files")])
def test_counted_is_plural_unless_one(n: int, text: str) -> None:
    assert counted(n, "file") == text


def test_the_cli_says_counts_with_the_librarys_function() -> None:
    assert terminal.counted is counted


@pytest.mark.parametrize(
    ("findings", "files", "traffic", "exchanges", "summary"),
    [
        (
            (SecretFinding("a.har", 3, "jwt"),),
            1,
            1,
            1,
            "1 possible secret in 1 file; scanned 1 file: 1 of recorded traffic with 1 exchange, 0 read as text only",
        ),
        (
            (SecretFinding("a.har", 3, "jwt"), SecretFinding("b.log", 1, "jwt")),
            2,
            0,
            0,
            "2 possible secrets in 2 files; scanned 2 files: 0 of recorded traffic with 0 exchanges, "
            "2 read as text only",
        ),
    ],
)
def test_a_scans_summary_counts_in_words(
    findings: tuple[SecretFinding, ...], files: int, traffic: int, exchanges: int, summary: str
) -> None:
    assert ScanReport(findings, files, traffic, exchanges).summary() == summary


@pytest.mark.parametrize(
    ("problems", "tail"), [(2, " (and 1 more distinct problem)"), (3, " (and 2 more distinct problems)")]
)
def test_the_sdk_table_counts_the_other_problems_in_words(problems: int, tail: str) -> None:
    details = tuple(f"/{name}: dropped" for name in "abc"[:problems])
    result = CheckResult(
        "msgraph", "1.0", "v1.0", "wire", "op", "check", "fail", counterexample="/a: dropped", details=details
    )
    assert "      counterexample: /a: dropped" + tail in render_table([result]).splitlines()

"""A small run of the benchmark harness (N = 2,000, two repeats), so it cannot rot.

No timings are asserted: only that every contender ran, the tables were
written and printed, the contenders agree on what they read, and API calls
are the pages the protocol needs plus a constant.
"""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path
from typing import Any

import pytest

from benchmarks import report
from benchmarks.harness import main

N = 2000
# Per object, beyond its pages: crmbridge's describe calls (none below the
# Bulk API threshold) are the only extra allowed.
EXTRA_CALLS_PER_OBJECT = 1


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("bench-results")
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        main(
            [
                "--sizes",
                str(N),
                "--repeat",
                "2",
                "--results",
                str(folder),
                "--load-rate",
                "100",
                "--load-seconds",
                "1",
            ]
        )
    (folder / "printed.txt").write_text(printed.getvalue(), "utf-8")
    return folder


def _raw(results: Path) -> dict[str, Any]:
    [raw] = results.glob("*.json")
    data: dict[str, Any] = json.loads(raw.read_text("utf-8"))
    return data


def _runs(results: Path, contender: str) -> list[dict[str, Any]]:
    runs: list[dict[str, Any]] = _raw(results)["sizes"][0]["runs"][contender]
    return runs


def test_every_table_is_written_and_printed(results: Path) -> None:
    [table] = results.glob(f"*-{N}.md")
    text = table.read_text("utf-8")
    printed = (results / "printed.txt").read_text("utf-8")

    for contender in report.CONTENDERS:
        assert f"| {N:,} | {contender} |" in text
    assert "crmbridge/baseline" in text
    assert "`GET /api/people`" in text
    assert printed == text


def test_crmbridge_reads_the_rows_the_baseline_writes(results: Path) -> None:
    baseline = [run["records"] for run in _runs(results, report.BASELINE)]
    floor = [run["records"] for run in _runs(results, report.FLOOR)]
    full = [run["records"] for run in _runs(results, report.FULL)]

    # A second repeat runs after rows were changed: they must still be read.
    assert baseline == floor == [N, N]
    assert full == baseline


def test_api_calls_are_pages_plus_a_constant(results: Path) -> None:
    size = _raw(results)["sizes"][0]
    pages = size["rest_pages"]
    floor = _runs(results, report.FLOOR)
    baseline = _runs(results, report.BASELINE)
    full = _runs(results, report.FULL)
    nothing = _runs(results, report.NOTHING)

    assert {run["api_calls"] for run in floor + baseline} == {pages}
    for run in full:
        assert pages <= run["api_calls"] <= pages + 3 * EXTRA_CALLS_PER_OBJECT
    assert all(run["api_calls"] <= 3 and run["records"] == 0 for run in nothing)


def test_each_run_says_when_its_first_api_call_came(results: Path) -> None:
    runs = [run for name in report.CONTENDERS for run in _runs(results, name)]

    assert len(runs) == 2 * len(report.CONTENDERS)
    for run in runs:
        # Every contender here asks for records, so each made a call.
        assert 0 < run["first_call_seconds"] < run["wall_seconds"]
    [table] = results.glob(f"*-{N}.md")
    assert "| s to 1st API call |" in table.read_text("utf-8")


def test_the_read_routes_answered_under_load(results: Path) -> None:
    rows = _raw(results)["load"]

    assert len(rows) == 2
    assert all(row["ok"] == row["requests"] for row in rows)

"""Medians of the repeats, ratios, target checks, and the Markdown table."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field

FLOOR = "floor (httpx, download only)"
BASELINE = "baseline (simple-salesforce + sqlite3)"
FULL = "crmbridge full"
INCREMENTAL = "crmbridge incremental, 1% changed"
NOTHING = "crmbridge incremental, nothing changed"
CONTENDERS = (FLOOR, BASELINE, FULL, INCREMENTAL, NOTHING)


@dataclass(frozen=True)
class Run:
    """One measured run of one contender."""

    wall_seconds: float
    cpu_seconds: float
    peak_rss_mb: float
    records: int
    api_calls: int
    token_calls: int
    # From starting the contender to the emulator's first REST call: start-up,
    # login and set-up before any record is asked for; None if no call came.
    first_call_seconds: float | None = None


@dataclass
class Size:
    """Everything measured at one org size."""

    n: int
    counts: dict[str, int]
    rest_pages: int
    runs: dict[str, list[Run]] = field(default_factory=dict)

    def add(self, contender: str, run: Run) -> None:
        self.runs.setdefault(contender, []).append(run)

    def median(self, contender: str, attribute: str) -> float:
        values: list[float] = [getattr(run, attribute) for run in self.runs[contender]]
        return statistics.median(values)

    def first_call(self, contender: str) -> str:
        """The median seconds to the first API call, of the runs that made one."""
        values = [
            run.first_call_seconds
            for run in self.runs[contender]
            if run.first_call_seconds is not None
        ]
        return _number(statistics.median(values)) if values else "—"

    def ratio(self, contender: str, other: str) -> float | None:
        if contender not in self.runs or other not in self.runs:
            return None
        return self.median(contender, "wall_seconds") / self.median(
            other, "wall_seconds"
        )


def _number(value: float, digits: int = 2) -> str:
    return f"{value:,.{digits}f}"


def _row(size: Size, contender: str) -> str:
    wall = size.median(contender, "wall_seconds")
    records = size.median(contender, "records")
    cpu = size.median(contender, "cpu_seconds")
    calls = sorted({run.api_calls for run in size.runs[contender]})
    per_k = _number(cpu / records * 1000, 3) if records else "—"
    cells = [
        f"{size.n:,}",
        contender,
        _number(wall),
        size.first_call(contender),
        f"{int(records):,}",
        f"{records / wall:,.0f}" if records else "—",
        "/".join(f"{c:,}" for c in calls),
        _number(size.median(contender, "peak_rss_mb"), 0),
        per_k,
    ]
    return "| " + " | ".join(cells) + " |"


def _ratio_text(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}x"


def markdown(sizes: list[Size], command: str, repeats: int, machine: str) -> str:
    lines = [
        f"Command: `{command}`",
        "",
        f"Machine: {machine}. Medians of {repeats} run(s); API calls are the",
        "emulator's count of REST requests (all values seen, if runs differed);",
        "s to 1st API call runs from the contender's start to the first of them.",
        "",
        "| N | contender | wall s | s to 1st API call | records | records/s "
        "| API calls | peak RSS MB | CPU s / 1k records |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for size in sizes:
        lines += [_row(size, c) for c in CONTENDERS if c in size.runs]
    lines += [
        "",
        "| N | REST pages (min. calls) | crmbridge/baseline | crmbridge/floor "
        "| baseline/floor |",
        "|---:|---:|---:|---:|---:|",
    ]
    for size in sizes:
        cells = [
            f"{size.n:,}",
            f"{size.rest_pages:,}",
            _ratio_text(size.ratio(FULL, BASELINE)),
            _ratio_text(size.ratio(FULL, FLOOR)),
            _ratio_text(size.ratio(BASELINE, FLOOR)),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"

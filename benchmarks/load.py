"""Load test of the HTTP API's read routes, from another process on loopback.

`crmbridge serve` runs on the synced database; `benchmarks.loadgen` (a child
process) offers a fixed rate to one route at a time and measures latency.
If `wrk` is installed, a short closed-loop wrk run adds the peak rate.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

from benchmarks.measure import run_child
from benchmarks.options import Options

if TYPE_CHECKING:
    from benchmarks.crmbridge_runs import CrmbridgeRuns

# The people route at its default page size (100), as a product would call it.
ROUTES = ("/api/crm/salesforce", "/api/people")
ROOT = Path(__file__).resolve().parent.parent
CONNECTIONS = 64
WRK_SECONDS = 5


@dataclass(frozen=True)
class LoadRow:
    route: str
    offered_rate: float
    achieved_rate: float
    requests: int
    ok: int
    p50_ms: float | None
    p90_ms: float | None
    p99_ms: float | None
    max_ms: float | None
    server_cpu_share: float
    wrk_rate: float | None


@dataclass(frozen=True)
class LoadResult:
    people: int
    page: int
    workers: int
    rows: list[LoadRow]


def load_test(crm: CrmbridgeRuns, options: Options, workdir: Path) -> LoadResult:
    database = crm.synced_database()
    serving = crm.crmbridge.serving(
        database, workdir / "serve.log", workers=options.serve_workers
    )
    with serving as served:
        headers = {"Authorization": f"Bearer {served.token}"}
        page = _warm_up(served.url, headers)
        rows = [
            _one_route(served.url + route, headers, served.pid, rate, options, workdir)
            for route in ROUTES
            for rate in options.load_rates
        ]
    return LoadResult(
        people=crm.people(), page=page, workers=options.serve_workers, rows=rows
    )


def _warm_up(url: str, headers: dict[str, str]) -> int:
    """Check both routes answer 200, warm the process; people on one page."""
    with httpx.Client(headers=headers, trust_env=False, timeout=30) as client:
        for _ in range(20):
            for route in ROUTES:
                answer = client.get(url + route)
                answer.raise_for_status()
        body: Any = client.get(url + ROUTES[1]).json()
    items = body.get("items", body) if isinstance(body, dict) else body
    return len(items) if isinstance(items, list) else 0


def _one_route(
    url: str,
    headers: dict[str, str],
    pid: int,
    rate: float,
    options: Options,
    workdir: Path,
) -> LoadRow:
    job = {
        "url": url,
        "headers": headers,
        "rate": rate,
        "duration": options.load_seconds,
        "connections": CONNECTIONS,
    }
    cpu_before, started = _cpu_seconds(pid), time.perf_counter()
    with (workdir / "loadgen.log").open("ab") as log:
        measured = run_child(
            [sys.executable, "-m", "benchmarks.loadgen"],
            stdin=job,
            cwd=ROOT,
            log=log,
            timeout=options.load_seconds + 60,
        )
    busy = (_cpu_seconds(pid) - cpu_before) / (time.perf_counter() - started)
    out = measured.output
    return LoadRow(
        route=url.split("127.0.0.1", 1)[1].split("/", 1)[1],
        offered_rate=out["offered_rate"],
        achieved_rate=out["achieved_rate"],
        requests=out["requests"],
        ok=out["ok"],
        p50_ms=out["p50_ms"],
        p90_ms=out["p90_ms"],
        p99_ms=out["p99_ms"],
        max_ms=out["max_ms"],
        server_cpu_share=busy,
        wrk_rate=_wrk(url, headers),
    )


def _cpu_seconds(pid: int) -> float:
    """User + system CPU of a running process and its children, the worker
    processes, from /proc (Linux)."""
    ticks = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # gone meanwhile
        if stat.parent.name == str(pid) or fields[1] == str(pid):
            ticks += int(fields[11]) + int(fields[12])
    return ticks / 100  # USER_HZ is 100 on Linux


def _wrk(url: str, headers: dict[str, str]) -> float | None:
    """Closed-loop peak rate from wrk, when it is installed; else None."""
    wrk = shutil.which("wrk")
    if wrk is None:
        return None
    header = [f"--header={name}: {value}" for name, value in headers.items()]
    done = subprocess.run(  # noqa: S603 (a fixed loopback URL, bounded duration)
        [wrk, "-t1", f"-c{CONNECTIONS}", f"-d{WRK_SECONDS}s", *header, url],
        capture_output=True,
        text=True,
        timeout=WRK_SECONDS + 30,
        check=False,
    )
    found = re.search(r"Requests/sec:\s+([\d.]+)", done.stdout)
    return float(found.group(1)) if found else None


def _ms(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def load_table(result: LoadResult) -> str:
    lines = [
        f"HTTP API read routes on SQLite ({result.people:,} people stored, "
        f"{result.page} on a page), `crmbridge serve --workers {result.workers}`, "
        "offered at a fixed rate from a separate process on 127.0.0.1; server "
        "CPU is all its processes' CPU time over the run, 100% = one core:",
        "",
        "| route | offered req/s | achieved req/s | 2xx / sent | p50 ms | p90 ms "
        "| p99 ms | max ms | server CPU | wrk peak req/s |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in result.rows:
        wrk = "not installed" if row.wrk_rate is None else f"{row.wrk_rate:,.0f}"
        cells = [
            f"`GET /{row.route}`",
            f"{row.offered_rate:,.0f}",
            f"{row.achieved_rate:,.0f}",
            f"{row.ok:,} / {row.requests:,}",
            _ms(row.p50_ms),
            _ms(row.p90_ms),
            _ms(row.p99_ms),
            _ms(row.max_ms),
            f"{row.server_cpu_share:.0%}",
            wrk,
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"

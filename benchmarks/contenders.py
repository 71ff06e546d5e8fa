"""Each contender's measured run: a child process, framed by emulator counters."""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping, Set
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from benchmarks.emulator import Controls
from benchmarks.measure import Measured, run_child
from benchmarks.oauth import Session
from benchmarks.queries import full_sync_queries
from benchmarks.report import Run

ROOT = Path(__file__).resolve().parent.parent
# Far above any run here, so crmbridge's quota reserve never pauses a run.
QUOTA = 10_000_000
CHILD_TIMEOUT = 3600.0


@dataclass(frozen=True)
class Bench:
    """What every run needs: the emulator's controls, a session, the log;
    `wrap`, a command every contender runs under (a profiler)."""

    controls: Controls
    session: Session
    api_version: str
    described: Mapping[str, Set[str]]
    log: IO[bytes]
    wrap: tuple[str, ...] = ()

    def queries(self) -> dict[str, str]:
        """crmbridge's full-sync SOQL bounded at now: rows changed by an
        earlier repeat stay inside the window, as they do for crmbridge."""
        return full_sync_queries(self.described)


@dataclass(frozen=True)
class Counted:
    """A measured child and what the emulator saw of it."""

    measured: Measured
    api_calls: int
    token_calls: int
    first_call_at: float | None

    def run(self, records: int) -> Run:
        measured = self.measured
        first = self.first_call_at
        return Run(
            wall_seconds=measured.wall_seconds,
            cpu_seconds=measured.cpu_seconds,
            peak_rss_mb=measured.peak_rss_mb,
            records=records,
            api_calls=self.api_calls,
            token_calls=self.token_calls,
            first_call_seconds=None if first is None else first - measured.started_at,
        )


def counted(bench: Bench, measure: Callable[[], Measured]) -> Counted:
    """Run `measure` on a fresh quota and zeroed counters; the REST and token
    requests the emulator saw during it, and when the first REST one came."""
    bench.controls.fresh_quota(QUOTA)
    bench.controls.reset_stats()
    measured = measure()
    stats = bench.controls.stats()
    return Counted(
        measured,
        api_calls=int(stats["rest_calls"].get(bench.controls.emulator.org_id, 0)),
        token_calls=sum(int(count) for count in stats["token_requests"].values()),
        first_call_at=stats["first_rest_call_at"],
    )


def _job(bench: Bench, **extra: Any) -> dict[str, Any]:
    return {
        "instance_url": bench.session.instance_url,
        "access_token": bench.session.access_token,
        "api_version": bench.api_version,
        "queries": bench.queries(),
        **extra,
    }


def _module(bench: Bench, module: str, job: dict[str, Any]) -> Measured:
    return run_child(
        [*bench.wrap, sys.executable, "-m", module],
        stdin=job,
        cwd=ROOT,
        log=bench.log,
        timeout=CHILD_TIMEOUT,
    )


def floor(bench: Bench) -> Run:
    done = counted(bench, lambda: _module(bench, "benchmarks.floor", _job(bench)))
    return done.run(int(done.measured.output["records"]))


def baseline(bench: Bench, database: Path) -> Run:
    _remove(database)
    job = _job(bench, database=str(database))
    done = counted(bench, lambda: _module(bench, "benchmarks.baseline", job))
    _remove(database)
    return done.run(int(done.measured.output["records"]))


def _remove(database: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)

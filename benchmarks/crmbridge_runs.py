"""crmbridge's contenders: `crmbridge sync` runs, full and incremental.

Each full run starts from a copy of the connected-but-empty template; the
incremental runs that follow continue on the same file, as a user's would.
"""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

from benchmarks.changes import change, pick_ids
from benchmarks.contenders import CHILD_TIMEOUT, Bench, counted
from benchmarks.measure import run_child
from benchmarks.report import Run
from benchmarks.service import WORKSPACE, Crmbridge, copy_database

CHANGED_SHARE = 0.01
# The settle delay given to crmbridge is 1 s and stamps are whole seconds:
# wait until changes just made are inside the next run's window.
SETTLE_WAIT = 2.5


class SyncFailed(Exception):
    """Raised when a `crmbridge sync` run does not end `succeeded`."""


class CrmbridgeRuns:
    def __init__(
        self,
        bench: Bench,
        workdir: Path,
        port: int,
        counts: dict[str, int],
        source: Path | None = None,
    ) -> None:
        self.bench = bench
        self.workdir = workdir
        self.counts = counts
        self.crmbridge = Crmbridge(bench.controls.emulator, workdir, port, source)
        self.template = workdir / "connected.sqlite3"
        self.database = workdir / "crmbridge.sqlite3"
        self.ids: dict[str, list[str]] = {}

    def prepare(self) -> None:
        """Connect a workspace through the API once; pick the records to change."""
        _remove(self.template)
        with self.crmbridge.serving(self.template, self.workdir / "serve.log") as on:
            self.crmbridge.connect(self.bench.controls, on)
        self.ids = pick_ids(
            self.bench.session, self.bench.api_version, self.counts, CHANGED_SHARE
        )

    def full(self) -> Run:
        _remove(self.database)
        copy_database(self.template, self.database)
        return self._sync("full")

    def change(self, repeat: int) -> int:
        changed = change(self.bench.controls, self.ids, f"Changed in run {repeat}")
        time.sleep(SETTLE_WAIT)
        return changed

    def incremental(self) -> Run:
        return self._sync("incremental")

    def synced_database(self) -> Path:
        return self.database

    def people(self) -> int:
        with sqlite3.connect(self.database) as db:
            (count,) = db.execute("SELECT count(*) FROM people").fetchone()
        db.close()
        return int(count)

    def cleanup(self) -> None:
        _remove(self.template)
        _remove(self.database)

    def _sync(self, mode: str) -> Run:
        command = self.crmbridge.command(
            "sync", "--workspace", WORKSPACE, "--mode", mode
        )
        done = counted(
            self.bench,
            lambda: run_child(
                [*self.bench.wrap, *command],
                env=self.crmbridge.env(self.database),
                cwd=self.workdir,
                log=self.bench.log,
                timeout=CHILD_TIMEOUT,
            ),
        )
        state, seen = latest_job(self.database)
        if state != "succeeded":
            raise SyncFailed(f"crmbridge sync --mode {mode} ended {state}")
        return done.run(seen)


def latest_job(database: Path) -> tuple[str, int]:
    """The newest sync job's state and the records it saw, read from the file."""
    with sqlite3.connect(database) as db:
        row = db.execute(
            "SELECT state, progress FROM sync_jobs ORDER BY created_at DESC LIMIT 1"
        ).fetchone()
    db.close()
    if row is None:
        raise SyncFailed("crmbridge sync left no job")
    progress = json.loads(row[1])
    return str(row[0]), sum(int(item.get("seen", 0)) for item in progress)


def _remove(database: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)

"""A worker whose `serve` process is gone stops, and never takes the runner."""

from __future__ import annotations

import asyncio
import logging
import os
from pathlib import Path

import pytest

from adapters.memory import InMemoryStore
from domain.sync import SyncJob, SyncMode
from entrypoints.worker import ParentWatch
from tests.support.clock import FixedClock
from tests.unit.entrypoints.test_shared_runner import POLL, until, worker

# No process is its own parent: a watch on this one sees its parent gone.
GONE = os.getpid()


async def test_while_the_parent_lives_nothing_is_stopped() -> None:
    stops: list[str] = []
    watch = ParentWatch(os.getppid(), poll_seconds=POLL, stop=lambda: stops.append("x"))

    await watch.start()
    await asyncio.sleep(POLL * 10)
    await watch.stop()

    assert not watch.gone()
    assert stops == []


async def test_once_the_parent_is_gone_the_worker_is_stopped_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING)
    stops: list[str] = []
    watch = ParentWatch(GONE, poll_seconds=POLL, stop=lambda: stops.append("x"))

    await watch.start()
    await until(lambda: stops != [])
    await asyncio.sleep(POLL * 10)
    await watch.stop()

    assert watch.gone()
    assert stops == ["x"]
    assert f"the serve process {GONE} is gone: this worker stops" in caplog.text


async def test_an_orphaned_worker_never_takes_over_the_runner(tmp_path: Path) -> None:
    clock = FixedClock()
    store = InMemoryStore(clock=clock)
    folder = tmp_path / "runner"
    leader = worker(store, clock, folder)
    orphan = worker(store, clock, folder, supervisor=ParentWatch(GONE))
    job = SyncJob.request(
        workspace_id="ws-a",
        mode=SyncMode.INCREMENTAL,
        objects=None,
        requested_by="alice",
        now=clock.now(),
    )
    store.sync_jobs[("ws-a", job.job_id)] = job
    await leader.scheduler.start()
    await orphan.scheduler.start()

    try:
        await leader.scheduler.stop()
        await asyncio.sleep(POLL * 10)
        took_over = orphan.scheduler.runs_jobs
    finally:
        leader.run_sync.cue(job.job_id).set()
        await orphan.scheduler.stop()

    assert not took_over
    assert orphan.run_sync.started == []

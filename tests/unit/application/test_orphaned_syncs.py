"""A running sync whose process died is ended at once, not after the stale limit."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from adapters.liveness import InMemoryLiveness
from application.errors import Conflict
from application.sync.jobs import CancelSync, StartSync
from application.sync.options import SyncOptions
from application.sync.orphans import SyncOrphans
from domain.sync import SyncJob, SyncState
from tests.unit.application.conftest import ADMIN, App
from tests.unit.application.sync_support import RecordingScheduler


@dataclass
class Syncs:
    app: App
    liveness: InMemoryLiveness
    start: StartSync
    cancel: CancelSync

    async def running(self) -> SyncJob:
        """A job started, and marked running as RunSync would."""
        job = await self.start.execute(StartSync.Command(actor=ADMIN))
        now = self.app.clock.now()
        started = job.start(now=now, until=now)
        async with self.app.store.unit_of_work() as uow:
            await uow.sync_jobs.save(started)
            await uow.commit()
        return started

    def stored(self, job: SyncJob) -> SyncJob:
        return self.app.store.sync_jobs[(job.workspace_id, job.job_id)]


@pytest.fixture
async def syncs(app: App) -> Syncs:
    await app.connect()
    uow, clock, liveness = app.store.unit_of_work, app.clock, InMemoryLiveness()
    scheduler, options = RecordingScheduler(), SyncOptions()
    return Syncs(
        app=app,
        liveness=liveness,
        start=StartSync(uow, scheduler, clock, options, liveness),
        cancel=CancelSync(uow, scheduler, clock, options, liveness),
    )


async def test_a_job_whose_process_died_does_not_block_a_new_one(
    syncs: Syncs,
) -> None:
    dead = await syncs.running()
    syncs.liveness.die(dead.workspace_id, dead.job_id)

    fresh = await syncs.start.execute(StartSync.Command(actor=ADMIN))

    ended = syncs.stored(dead)
    assert ended.state is SyncState.FAILED
    assert ended.problem is not None
    assert ended.problem.code == "sync_interrupted"
    assert syncs.stored(fresh).state is SyncState.QUEUED


async def test_a_job_whose_process_lives_still_blocks_a_new_one(
    syncs: Syncs,
) -> None:
    live = await syncs.running()

    held = syncs.liveness.running(live.workspace_id, live.job_id)
    with held, pytest.raises(Conflict):
        await syncs.start.execute(StartSync.Command(actor=ADMIN))

    assert syncs.stored(live).state is SyncState.RUNNING


async def test_a_job_nobody_here_can_tell_about_waits_for_the_stale_limit(
    syncs: Syncs,
) -> None:
    elsewhere = await syncs.running()

    with pytest.raises(Conflict):
        await syncs.start.execute(StartSync.Command(actor=ADMIN))
    syncs.app.clock.advance(hours=1)
    fresh = await syncs.start.execute(StartSync.Command(actor=ADMIN))

    assert syncs.stored(elsewhere).state is SyncState.FAILED
    assert fresh.job_id != elsewhere.job_id


async def test_cancelling_a_job_whose_process_died_ends_it_at_once(
    syncs: Syncs,
) -> None:
    dead = await syncs.running()
    syncs.liveness.die(dead.workspace_id, dead.job_id)

    cancelled = await syncs.cancel.execute(ADMIN, dead.job_id)
    fresh = await syncs.start.execute(StartSync.Command(actor=ADMIN))

    assert cancelled.state is SyncState.CANCELLED
    assert syncs.stored(dead).state is SyncState.CANCELLED
    assert fresh.job_id != dead.job_id


async def test_cancelling_a_live_job_leaves_it_to_its_next_page(
    syncs: Syncs,
) -> None:
    live = await syncs.running()

    with syncs.liveness.running(live.workspace_id, live.job_id):
        flagged = await syncs.cancel.execute(ADMIN, live.job_id)

    assert flagged.state is SyncState.RUNNING
    assert flagged.cancel_requested


async def test_a_job_ended_just_before_its_lock_went_keeps_its_end(
    syncs: Syncs,
) -> None:
    job = await syncs.running()
    done = job.succeed(syncs.app.clock.now())
    async with syncs.app.store.unit_of_work() as uow:
        await uow.sync_jobs.save(done)
        await uow.commit()
    orphans = SyncOrphans(syncs.liveness, syncs.app.clock, 300)

    async with syncs.app.store.unit_of_work() as uow:
        ended = await orphans.end(uow, job)
        await uow.commit()

    assert ended is None
    assert syncs.stored(job).state is SyncState.SUCCEEDED


async def test_an_ended_orphan_s_lock_file_is_removed(syncs: Syncs) -> None:
    started = await syncs.running()
    syncs.liveness.die(started.workspace_id, started.job_id)
    await syncs.start.execute(StartSync.Command(actor=ADMIN))
    queued = syncs.app.store.sync_jobs
    [fresh] = [job for job in queued.values() if job.is_active]
    syncs.liveness.die(fresh.workspace_id, fresh.job_id)

    cancelled = await syncs.cancel.execute(ADMIN, fresh.job_id)

    assert syncs.liveness.is_held(started.workspace_id, started.job_id) is None
    assert cancelled.state is SyncState.CANCELLED
    assert syncs.liveness.is_held(fresh.workspace_id, fresh.job_id) is None


async def test_a_job_queued_by_a_process_that_died_does_not_block_a_new_one(
    syncs: Syncs,
) -> None:
    command = StartSync.Command(actor=ADMIN, job_id="job-of-a-killed-command")
    with syncs.liveness.running(ADMIN.workspace_id, "job-of-a-killed-command"):
        left = await syncs.start.execute(command)
        with pytest.raises(Conflict):
            await syncs.start.execute(StartSync.Command(actor=ADMIN))

    fresh = await syncs.start.execute(StartSync.Command(actor=ADMIN))

    ended = syncs.stored(left)
    assert left.job_id == "job-of-a-killed-command"
    assert ended.state is SyncState.FAILED
    assert ended.problem is not None
    assert ended.problem.code == "sync_interrupted"
    assert syncs.stored(fresh).state is SyncState.QUEUED
    assert syncs.liveness.is_held(left.workspace_id, left.job_id) is None


async def test_a_job_queued_for_the_runner_holds_no_lock_and_still_blocks(
    syncs: Syncs,
) -> None:
    await syncs.start.execute(StartSync.Command(actor=ADMIN))

    with pytest.raises(Conflict):
        await syncs.start.execute(StartSync.Command(actor=ADMIN))

"""RunSync against other writers of its job: starts, ends and cancels that
land between a read of the job and the write that follows it."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from application.sync.jobs import CancelSync, StartSync
from application.sync.orphans import SyncOrphans
from domain.sync import SyncJob, SyncMode, SyncState
from tests.unit.application.conftest import ADMIN
from tests.unit.application.sync_support import (
    CONTACT,
    LEAD,
    Sync,
    after_reading_a_job,
    after_saving,
    contact,
    lead,
    sync,
)

__all__ = ["sync"]
ONLY_LEADS = StartSync.Command(actor=ADMIN, objects=(LEAD,))


async def test_of_two_runners_of_one_queued_job_only_one_runs_it(
    sync: Sync,
) -> None:
    lead(sync.org, 1)
    job = await sync.start.execute(ONLY_LEADS)
    other: list[SyncJob | None] = []

    async def other_runner_first(seen: SyncJob) -> None:
        if seen.state is SyncState.QUEUED and not other:
            other.append(await sync.runner().execute(job.workspace_id, job.job_id))

    runner = sync.runner(
        after_reading_a_job(sync.app.store.unit_of_work, other_runner_first)
    )

    ran = await runner.execute(job.workspace_id, job.job_id)

    assert ran is None
    assert other[0] is not None
    assert other[0].state is SyncState.SUCCEEDED
    assert sync.app.store.sync_jobs[job.workspace_id, job.job_id] == other[0]
    assert sync.calls() == 1


async def test_a_queued_job_cancelled_while_a_runner_reads_it_never_starts(
    sync: Sync,
) -> None:
    lead(sync.org, 1)
    job = await sync.start.execute(ONLY_LEADS)
    cancel = CancelSync(sync.app.store.unit_of_work, sync.scheduler, sync.app.clock)
    cancelled: list[SyncJob] = []

    async def cancel_first(seen: SyncJob) -> None:
        if seen.state is SyncState.QUEUED and not cancelled:
            cancelled.append(await cancel.execute(ADMIN, job.job_id))

    runner = sync.runner(after_reading_a_job(sync.app.store.unit_of_work, cancel_first))

    ran = await runner.execute(job.workspace_id, job.job_id)

    assert ran is None
    assert cancelled[0].state is SyncState.CANCELLED
    assert sync.app.store.sync_jobs[job.workspace_id, job.job_id] == cancelled[0]
    assert sync.calls() == 0
    assert sync.people() == []


async def end_as_orphan(sync: Sync, seen: SyncJob) -> SyncJob | None:
    """End the job as the orphan check would, in its own unit of work."""
    orphans = SyncOrphans(None, sync.app.clock, stale_after_seconds=0)
    async with sync.app.store.unit_of_work() as uow:
        ended = await orphans.end(uow, seen)
        await uow.commit()
    return ended


async def test_an_end_stored_before_the_run_finishes_stands(sync: Sync) -> None:
    lead(sync.org, 1)
    job = await sync.start.execute(ONLY_LEADS)
    ending: list[asyncio.Task[SyncJob | None]] = []

    async def end_after_the_last_write(seen: SyncJob) -> None:
        # The last page is in: the next read of the job is the run's last
        # write (its object done), which holds the job until it commits.
        if seen.progress_of(LEAD).pages == 1 and not ending:
            ending.append(asyncio.create_task(end_as_orphan(sync, seen)))
            await let_others_run()

    runner = sync.runner(
        after_reading_a_job(sync.app.store.unit_of_work, end_after_the_last_write)
    )

    finished = await runner.execute(job.workspace_id, job.job_id)

    interrupted = await ending[0]
    assert interrupted is not None
    assert interrupted.state is SyncState.FAILED
    assert finished == interrupted
    assert sync.app.store.sync_jobs[job.workspace_id, job.job_id] == interrupted


async def test_a_cancel_after_the_last_write_is_too_late_and_shows_cleared(
    sync: Sync,
) -> None:
    lead(sync.org, 1)
    job = await sync.start.execute(ONLY_LEADS)
    cancel = CancelSync(sync.app.store.unit_of_work, sync.scheduler, sync.app.clock)
    cancels: list[asyncio.Task[SyncJob]] = []

    async def cancel_after_the_last_write(seen: SyncJob) -> None:
        if seen.progress_of(LEAD).pages == 1 and not cancels:
            cancels.append(asyncio.create_task(cancel.execute(ADMIN, job.job_id)))
            await let_others_run()

    runner = sync.runner(
        after_reading_a_job(sync.app.store.unit_of_work, cancel_after_the_last_write)
    )

    finished = await runner.execute(job.workspace_id, job.job_id)

    answer = await cancels[0]
    assert answer.state is SyncState.RUNNING
    assert answer.cancel_requested
    assert finished is not None
    assert finished.state is SyncState.SUCCEEDED
    assert not finished.cancel_requested
    assert sync.app.store.sync_jobs[job.workspace_id, job.job_id] == finished
    assert len(sync.people()) == 1


async def test_a_cancel_after_the_last_objects_sweep_is_too_late(
    sync: Sync,
) -> None:
    """helper-125: the sweep committed, then the object's done mark, in a
    write of its own, met the cancel, so a sync with all its data written
    ended cancelled. The sweep now marks the object done in its own write."""
    contact(sync.org, 1)
    purged = contact(sync.org, 2)
    await sync.once(SyncMode.FULL, objects=(CONTACT,))
    del sync.org.rows[CONTACT][purged]
    command = StartSync.Command(actor=ADMIN, mode=SyncMode.FULL, objects=(CONTACT,))
    job = await sync.start.execute(command)
    cancel = CancelSync(sync.app.store.unit_of_work, sync.scheduler, sync.app.clock)
    cancels: list[asyncio.Task[SyncJob]] = []

    async def cancel_once_swept(saved: SyncJob) -> None:
        if saved.progress_of(CONTACT).swept == 1 and not cancels:
            # Waits for the job's lock, which the sweep's write holds.
            cancels.append(asyncio.create_task(cancel.execute(ADMIN, job.job_id)))
            await let_others_run()

    runner = sync.runner(after_saving(sync.app.store.unit_of_work, cancel_once_swept))

    finished = await runner.execute(job.workspace_id, job.job_id)

    answer = await cancels[0]
    assert answer.cancel_requested
    assert finished is not None
    assert finished.state is SyncState.SUCCEEDED
    assert not finished.cancel_requested
    assert finished.progress_of(CONTACT).done
    assert finished.progress_of(CONTACT).swept == 1
    assert len(sync.people()) == 1


async def test_a_run_ending_on_an_error_leaves_an_end_stored_meanwhile(
    sync: Sync,
) -> None:
    sync.org.page_size = 1
    lead(sync.org, 1)
    lead(sync.org, 2)  # a second page to ask for, which the reserve refuses
    sync.app.salesforce.api_used = 12_001
    job = await sync.start.execute(ONLY_LEADS)
    ending: list[asyncio.Task[SyncJob | None]] = []

    async def end_while_the_run_pauses(seen: SyncJob) -> None:
        # The page hit the quota reserve: this read is the run's own end.
        if seen.progress_of(LEAD).pages == 1 and not ending:
            ending.append(asyncio.create_task(end_as_orphan(sync, seen)))
            await let_others_run()

    runner = sync.runner(
        after_reading_a_job(sync.app.store.unit_of_work, end_while_the_run_pauses)
    )

    finished = await runner.execute(job.workspace_id, job.job_id)

    assert finished is not None
    assert finished.state is SyncState.PAUSED
    assert await ending[0] is None
    assert sync.app.store.sync_jobs[job.workspace_id, job.job_id] == finished


async def test_the_ids_changed_after_a_full_window_keep_to_the_quota_reserve(
    sync: Sync,
) -> None:
    sync.org.page_size = 2
    lead(sync.org, 0)
    sync.org.now = sync.app.clock.now() + timedelta(minutes=1)
    for n in range(1, 7):
        lead(sync.org, n)
    job = await sync.start.execute(
        StartSync.Command(actor=ADMIN, mode=SyncMode.FULL, objects=(LEAD,))
    )
    original = sync.app.salesforce.query

    async def usage_jumps_on_the_changed_ids(
        tokens: object, soql: str, **options: object
    ) -> object:
        if soql.startswith("SELECT Id FROM"):
            sync.app.salesforce.api_used = 12_001
        return await original(tokens, soql, **options)  # type: ignore[arg-type]

    sync.app.salesforce.query = usage_jumps_on_the_changed_ids  # type: ignore[method-assign,assignment]

    finished = await sync.run.execute(job.workspace_id, job.job_id)

    assert finished is not None
    assert finished.state is SyncState.PAUSED
    assert finished.problem is not None
    assert finished.problem.code == "api_quota_reserve_reached"
    assert sync.app.salesforce.record_calls["query_more"] == 0


async def let_others_run() -> None:
    """Let tasks just created reach their first wait (a job's lock)."""
    for _ in range(20):
        await asyncio.sleep(0)

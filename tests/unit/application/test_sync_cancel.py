"""CancelSync, and runs whose job is cancelled or ended under them."""

from __future__ import annotations

import asyncio
from typing import Any

from application.sync.jobs import CancelSync, StartSync
from application.sync.ports import SyncUnitOfWorkFactory
from domain import problems
from domain.sync import SyncJob, SyncState
from tests.unit.application.conftest import ADMIN
from tests.unit.application.sync_support import LEAD, Sync, after_reading_a_job, lead
from tests.unit.application.sync_support import sync as sync  # the fixture


async def save_job(uow: SyncUnitOfWorkFactory, job: SyncJob) -> None:
    async with uow() as work:
        await work.sync_jobs.save(job)
        await work.commit()


async def test_a_cancelled_queued_job_never_runs(sync: Sync) -> None:
    lead(sync.org, 1)
    job = await sync.start.execute(StartSync.Command(actor=ADMIN))
    cancel = CancelSync(sync.app.store.unit_of_work, sync.scheduler, sync.app.clock)

    cancelled = await cancel.execute(ADMIN, job.job_id)
    ran = await sync.run.execute(job.workspace_id, job.job_id)

    assert cancelled.state is SyncState.CANCELLED
    assert ran is None
    assert sync.people() == []


async def test_cancelling_a_dead_running_job_ends_it_at_once(sync: Sync) -> None:
    job = await sync.start.execute(StartSync.Command(actor=ADMIN))
    async with sync.app.store.unit_of_work() as uow:
        now = sync.app.clock.now()
        await uow.sync_jobs.save(job.start(now=now, until=now))
        await uow.commit()
    sync.app.clock.advance(hours=1)
    cancel = CancelSync(sync.app.store.unit_of_work, sync.scheduler, sync.app.clock)

    cancelled = await cancel.execute(ADMIN, job.job_id)
    fresh = await sync.start.execute(StartSync.Command(actor=ADMIN))

    assert cancelled.state is SyncState.CANCELLED
    assert fresh.job_id != job.job_id


async def test_a_cancel_sent_while_a_page_is_written_stops_the_next_page(
    sync: Sync,
) -> None:
    sync.org.page_size = 2
    for n in range(6):
        lead(sync.org, n)
    only_leads = StartSync.Command(actor=ADMIN, objects=(LEAD,))
    job = await sync.start.execute(only_leads)
    cancel = CancelSync(sync.app.store.unit_of_work, sync.scheduler, sync.app.clock)
    cancels: list[asyncio.Task[SyncJob]] = []

    async def cancel_once(seen: SyncJob) -> None:
        # Not awaited: the page holds the job until it commits.
        if seen.state is SyncState.RUNNING and not cancels:
            cancels.append(asyncio.create_task(cancel.execute(ADMIN, job.job_id)))
            for _ in range(20):
                await asyncio.sleep(0)

    runner = sync.runner(after_reading_a_job(sync.app.store.unit_of_work, cancel_once))

    finished = await runner.execute(job.workspace_id, job.job_id)

    answer = await cancels[0]
    assert answer.state is SyncState.RUNNING
    assert answer.progress_of(LEAD).pages == 1
    assert finished is not None
    assert finished.state is SyncState.CANCELLED
    assert finished.progress_of(LEAD).pages == 1
    assert finished.progress_of(LEAD).written == 2


async def test_a_run_whose_job_was_ended_meanwhile_writes_nothing(
    sync: Sync,
) -> None:
    for n in range(3):
        lead(sync.org, n)
    job = await sync.start.execute(StartSync.Command(actor=ADMIN))
    original = sync.app.salesforce.query
    ended: list[SyncJob] = []

    async def end_the_job_first(tokens: Any, soql: str, **options: Any) -> Any:
        if not ended:
            async with sync.app.store.unit_of_work() as uow:
                stored = await uow.sync_jobs.get(job.workspace_id, job.job_id)
                assert stored is not None
                ended.append(stored.fail(problems.rate_limited(), sync.app.clock.now()))
                await uow.sync_jobs.save(ended[0])
                await uow.commit()
        return await original(tokens, soql, **options)

    sync.app.salesforce.query = end_the_job_first  # type: ignore[method-assign]

    finished = await sync.run.execute(job.workspace_id, job.job_id)

    assert finished == ended[0]
    assert sync.people() == []


async def test_a_run_ending_while_a_cancel_is_in_flight_stays_ended(
    sync: Sync,
) -> None:
    job = await sync.start.execute(StartSync.Command(actor=ADMIN))
    now = sync.app.clock.now()
    running = job.start(now=now, until=now)
    await save_job(sync.app.store.unit_of_work, running)
    ending: list[asyncio.Task[None]] = []

    async def end_the_run(seen: SyncJob) -> None:
        if not ending:
            done = running.succeed(now)
            ending.append(
                asyncio.create_task(save_job(sync.app.store.unit_of_work, done))
            )
            for _ in range(20):
                await asyncio.sleep(0)

    uow = after_reading_a_job(sync.app.store.unit_of_work, end_the_run)
    cancel = CancelSync(uow, sync.scheduler, sync.app.clock)

    await cancel.execute(ADMIN, job.job_id)
    await asyncio.gather(*ending)
    fresh = await sync.start.execute(StartSync.Command(actor=ADMIN))

    async with sync.app.store.unit_of_work() as reading:
        stored = await reading.sync_jobs.get(job.workspace_id, job.job_id)
    assert stored is not None
    assert stored.state is SyncState.SUCCEEDED
    assert stored.finished_at == now
    assert fresh.job_id != job.job_id


async def cancel_while(sync: Sync, waiting: asyncio.Event, **options: Any) -> Any:
    """Run a Lead sync, store a cancel once `waiting` is set, and give back
    how the run ended (at most 5 s later)."""
    job = await sync.start.execute(StartSync.Command(actor=ADMIN, objects=(LEAD,)))
    runner = sync.runner(cancel_check_seconds=0.01, **options)
    run = asyncio.create_task(runner.execute(job.workspace_id, job.job_id))
    await asyncio.wait_for(waiting.wait(), timeout=5)
    cancel = CancelSync(sync.app.store.unit_of_work, sync.scheduler, sync.app.clock)
    await cancel.execute(ADMIN, job.job_id)
    return await asyncio.wait_for(run, timeout=5)


async def test_a_cancel_cuts_a_call_that_keeps_waiting(sync: Sync) -> None:
    """As one waiting out Salesforce's Retry-After, or its retries, would."""
    lead(sync.org, 1)
    waiting = asyncio.Event()
    cut: list[bool] = []

    async def waits(*_: object, **__: object) -> None:
        waiting.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cut.append(True)
            raise

    sync.app.salesforce.query = waits  # type: ignore[method-assign,assignment]

    finished = await cancel_while(sync, waiting)

    assert finished.state is SyncState.CANCELLED
    assert cut == [True]
    assert sync.people() == []


async def test_a_cancel_cuts_the_pause_between_bulk_polls(sync: Sync) -> None:
    sync.org.page_size = 2
    for n in range(6):
        lead(sync.org, n)
    sync.org.bulk_polls = 1_000_000
    salesforce = sync.app.salesforce
    polled = asyncio.Event()
    poll = salesforce.bulk_query_state

    async def poll_once_seen(*args: Any) -> str:
        state = await poll(*args)
        polled.set()
        return state

    salesforce.bulk_query_state = poll_once_seen  # type: ignore[method-assign,assignment]

    finished = await cancel_while(
        sync,
        polled,
        bulk_threshold=4,
        bulk_poll_seconds=3_600,
        bulk_timeout_seconds=7_200,
    )

    assert finished.state is SyncState.CANCELLED
    assert salesforce.record_calls["bulk_query_state"] == 1

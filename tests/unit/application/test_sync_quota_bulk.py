"""Runs that stop (at the quota reserve, on a cancel, anywhere) while they go
on with, give up or abort a Bulk job an earlier run left: one call to learn
the reserve, and no job lost track of."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from application.sync.jobs import CancelSync, StartSync
from domain.crm import CrmObject
from domain.sync import SyncJob, SyncMode, SyncState
from tests.unit.application.conftest import ADMIN
from tests.unit.application.sync_support import (
    ACCOUNT,
    CONTACT,
    LEAD,
    Sync,
    contact,
    lead,
    of_other_fields,
    saving_into,
)
from tests.unit.application.sync_support import sync as sync  # the fixture

# 2 rows by REST, then a Bulk job polled for at most 5 ms.
BULK: dict[str, Any] = {
    "bulk_threshold": 4,
    "bulk_poll_seconds": 0.001,
    "bulk_timeout_seconds": 0.005,
}
NO_WAIT = BULK | {"bulk_timeout_seconds": 0}  # one poll, then timed out
PAST_THE_RESERVE = 13_500  # of 15,000; the reserve is 80%


async def left_in_bulk(sync: Sync, obj: CrmObject = LEAD, **options: Any) -> SyncJob:
    """12 new records of `obj`, and a sync of it whose Bulk job outlasted its
    wait (as every job does until `bulk_polls` is 0); the clock a second on."""
    sync.org.page_size = 2
    make = lead if obj is LEAD else contact
    for n in range(12):
        make(sync.org, n)
    sync.org.bulk_polls = 1_000_000
    timed_out = await sync.once(objects=(obj,), **(BULK | options))
    assert timed_out.progress_of(obj).bulk is not None
    sync.app.clock.advance(seconds=1)
    return timed_out


def assert_paused_at_the_reserve(job: SyncJob) -> None:
    assert job.state is SyncState.PAUSED
    assert job.problem is not None
    assert job.problem.code == "api_quota_reserve_reached"


@pytest.mark.parametrize(
    ("stale", "first_call"), [(False, "bulk_query_state"), (True, "describe")]
)
async def test_a_run_past_the_reserve_learns_it_from_any_first_call(
    sync: Sync, stale: bool, first_call: str
) -> None:
    """A status poll's or a describe's answer tells the usage, as a page's
    does: the run spends that one call, then pauses. Describes are cached
    for a day."""
    await left_in_bulk(sync)
    if stale:
        sync.app.clock.advance(days=2)
    salesforce = sync.app.salesforce
    salesforce.api_used = PAST_THE_RESERVE
    salesforce.record_calls.clear()

    paused = await sync.once(objects=(LEAD,), **BULK)

    assert_paused_at_the_reserve(paused)
    assert dict(salesforce.record_calls) == {first_call: 1}


async def test_a_job_given_up_on_at_the_reserve_is_kept_for_a_later_run(
    sync: Sync,
) -> None:
    """Its abort is refused, so a later run finds the job, to read it if it
    has finished by then, or else to abort it."""
    timed_out = await left_in_bulk(sync, **NO_WAIT)
    mark = timed_out.progress_of(LEAD).bulk
    salesforce = sync.app.salesforce
    poll = salesforce.bulk_query_state

    async def others_reach_the_reserve(*args: Any) -> str:
        state = await poll(*args)
        salesforce.api_used = PAST_THE_RESERVE
        return state

    salesforce.bulk_query_state = others_reach_the_reserve  # type: ignore[method-assign,assignment]
    salesforce.record_calls.clear()

    paused = await sync.once(objects=(LEAD,), **NO_WAIT)

    assert_paused_at_the_reserve(paused)
    assert paused.progress_of(LEAD).bulk == mark
    assert dict(salesforce.record_calls) == {"bulk_query_state": 1}
    salesforce.bulk_query_state = poll  # type: ignore[method-assign]
    salesforce.api_used = 10
    sync.app.clock.advance(seconds=1)
    given_up = await sync.once(objects=(LEAD,), **NO_WAIT)
    assert given_up.state is SyncState.FAILED
    assert given_up.progress_of(LEAD).bulk is None
    assert mark is not None
    assert sync.org.bulk_query_state(mark.job_id) == "Aborted"
    sync.org.bulk_polls = 0
    sync.app.clock.advance(seconds=1)
    assert (await sync.once(objects=(LEAD,), **BULK)).state is SyncState.SUCCEEDED
    assert len(sync.people()) == 12


async def test_a_job_of_other_fields_is_kept_if_the_reserve_forbids_its_abort(
    sync: Sync,
) -> None:
    other = await of_other_fields(sync, await left_in_bulk(sync))
    salesforce = sync.app.salesforce
    query = salesforce.query

    async def others_reach_the_reserve(*args: Any, **options: Any) -> Any:
        page = await query(*args, **options)
        salesforce.api_used = PAST_THE_RESERVE
        return page

    salesforce.query = others_reach_the_reserve  # type: ignore[method-assign]
    salesforce.record_calls.clear()

    paused = await sync.once(objects=(ACCOUNT, LEAD), **BULK)

    assert_paused_at_the_reserve(paused)
    assert dict(salesforce.record_calls) == {"query": 1}  # the Accounts'
    assert paused.progress_of(LEAD).bulk == other.progress_of(LEAD).bulk
    mark = other.progress_of(LEAD).bulk
    assert mark is not None
    assert sync.org.bulk_query_state(mark.job_id) == "InProgress"


async def test_jobs_left_that_a_paused_run_did_not_abort_are_the_next_run_s(
    sync: Sync,
) -> None:
    left = {}
    for obj in (LEAD, CONTACT):
        mark = (await left_in_bulk(sync, obj)).progress_of(obj).bulk
        assert mark is not None
        left[obj] = mark.job_id
    salesforce = sync.app.salesforce
    salesforce.api_used = PAST_THE_RESERVE  # one call to learn it: the Leads'
    salesforce.record_calls.clear()

    paused = await sync.once(SyncMode.FULL, **BULK)
    salesforce.api_used = 10
    sync.org.bulk_polls = 0  # new jobs finish at once
    sync.app.clock.advance(seconds=1)
    after = await sync.once(SyncMode.FULL, **BULK)

    assert_paused_at_the_reserve(paused)
    assert paused.progress_of(LEAD).aborting == ()
    assert paused.progress_of(CONTACT).aborting == (left[CONTACT],)
    assert salesforce.record_calls["abort_bulk_query"] == 2
    assert after.state is SyncState.SUCCEEDED
    assert after.progress_of(CONTACT).aborting == ()
    assert {sync.org.bulk_query_state(job_id) for job_id in left.values()} == {
        "Aborted"
    }


async def test_jobs_to_abort_are_marked_as_the_run_starts(sync: Sync) -> None:
    """In the very write that makes the run its objects' last sync: a run
    stopped right after leaves them to the next, whatever stopped it."""
    mark = (await left_in_bulk(sync)).progress_of(LEAD).bulk
    assert mark is not None
    saved: list[SyncJob] = []
    recording = saving_into(sync.app.store.unit_of_work, saved)

    await sync.once(SyncMode.FULL, uow=recording, **BULK)

    started = next(job for job in saved if job.state is SyncState.RUNNING)
    assert started.progress_of(LEAD).aborting == (mark.job_id,)


async def test_a_job_started_just_before_a_stop_is_the_next_run_s_to_abort(
    sync: Sync,
) -> None:
    """A run starts an object's Bulk job while its first page is written:
    stopped there, it never stores the job's mark, and its end marks the
    job to abort instead."""
    sync.org.page_size = 2
    for n in range(12):
        lead(sync.org, n)
    sync.org.bulk_polls = 1_000_000
    salesforce = sync.app.salesforce
    start = salesforce.start_bulk_query
    started: list[str] = []

    async def cancelled_at_once(*args: Any, **options: Any) -> str:
        job_id = await start(*args, **options)
        started.append(job_id)
        cancel = CancelSync(sync.app.store.unit_of_work, sync.scheduler, sync.app.clock)
        await cancel.execute(ADMIN, queued.job_id)
        return job_id

    salesforce.start_bulk_query = cancelled_at_once  # type: ignore[method-assign]
    queued = await sync.start.execute(StartSync.Command(actor=ADMIN, objects=(LEAD,)))

    cancelled = await sync.runner(**BULK).execute(queued.workspace_id, queued.job_id)
    made = sum(salesforce.record_calls.values())
    salesforce.start_bulk_query = start  # type: ignore[method-assign]
    sync.org.bulk_polls = 0
    sync.app.clock.advance(seconds=1)
    after = await sync.once(SyncMode.FULL, **BULK)

    assert cancelled is not None
    assert cancelled.state is SyncState.CANCELLED
    assert cancelled.progress_of(LEAD).aborting == tuple(started)
    # Its first page and the start, though neither was stored with a page
    # or the job's mark.
    assert cancelled.progress_of(LEAD).pages == 0
    assert cancelled.progress_of(LEAD).api_calls == made == 2
    assert after.state is SyncState.SUCCEEDED
    assert sync.org.bulk_query_state(started[0]) == "Aborted"


async def test_a_stop_signal_leaves_the_job_it_started_marked(sync: Sync) -> None:
    sync.org.page_size = 2
    for n in range(12):
        lead(sync.org, n)
    salesforce = sync.app.salesforce
    start = salesforce.start_bulk_query
    started: list[str] = []
    runs: list[asyncio.Task[SyncJob | None]] = []

    async def stopped_at_once(*args: Any, **options: Any) -> str:
        job_id = await start(*args, **options)
        started.append(job_id)
        runs[0].cancel()  # as the CLI's stop signal does
        return job_id

    salesforce.start_bulk_query = stopped_at_once  # type: ignore[method-assign]
    queued = await sync.start.execute(StartSync.Command(actor=ADMIN, objects=(LEAD,)))
    runner = sync.runner(**BULK)
    runs.append(asyncio.create_task(runner.execute(queued.workspace_id, queued.job_id)))

    with pytest.raises(asyncio.CancelledError):
        await runs[0]

    async with sync.app.store.unit_of_work() as uow:
        stored = await uow.sync_jobs.get(queued.workspace_id, queued.job_id)
    assert stored is not None
    assert stored.progress_of(LEAD).aborting == tuple(started)

"""RunSync moving large objects to Bulk queries, and waiting on their jobs."""

from __future__ import annotations

from typing import Any

from application.sync.jobs import CancelSync, StartSync
from domain.sync import SyncState
from tests.unit.application.conftest import ADMIN
from tests.unit.application.sync_support import LEAD, Sync, lead
from tests.unit.application.sync_support import sync as sync  # the fixture


async def test_large_objects_continue_in_bulk(sync: Sync) -> None:
    sync.org.page_size = 2
    ids = [lead(sync.org, n) for n in range(9)]

    job = await sync.once(bulk_threshold=4, bulk_page_size=3, bulk_poll_seconds=0)

    assert job.state is SyncState.SUCCEEDED
    assert sync.app.salesforce.record_calls["start_bulk_query"] == 1
    assert sorted(p.lead_id or "" for p in sync.people()) == sorted(ids)
    assert job.progress_of(LEAD).seen == 9


async def test_a_finished_bulk_read_shows_the_cursor_it_stored(sync: Sync) -> None:
    sync.org.page_size = 2
    ids = [lead(sync.org, n) for n in range(9)]

    job = await sync.once(bulk_threshold=4, bulk_page_size=3, bulk_poll_seconds=0)

    stored = sync.app.store.cursors[(job.workspace_id, LEAD)]
    assert (stored.modstamp, stored.record_id) == (sync.org.now, max(ids))
    assert job.progress_of(LEAD).cursor == stored


async def test_bulk_status_polls_count_as_calls_and_beat_the_heart(
    sync: Sync,
) -> None:
    sync.org.page_size = 2
    sync.org.bulk_polls = 3
    for n in range(6):
        lead(sync.org, n)

    job = await sync.once(bulk_threshold=3, bulk_page_size=10, bulk_poll_seconds=0)

    progress = job.progress_of(LEAD)
    # 1 query page, describes of 3 objects, 1 job, 4 polls, 1 result page.
    assert progress.api_calls == 1 + 3 + 1 + 4 + 1
    assert job.state is SyncState.SUCCEEDED


async def test_a_cancel_reaches_a_run_waiting_for_its_bulk_job(sync: Sync) -> None:
    sync.org.page_size = 2
    sync.org.bulk_polls = 1000
    for n in range(6):
        lead(sync.org, n)
    job = await sync.start.execute(StartSync.Command(actor=ADMIN))
    cancel = CancelSync(sync.app.store.unit_of_work, sync.scheduler, sync.app.clock)
    runner = sync.runner(bulk_threshold=3, bulk_poll_seconds=0)
    original = sync.app.salesforce.bulk_query_state
    polls = 0

    async def poll_then_cancel(tokens: Any, job_id: str) -> str:
        nonlocal polls
        polls += 1
        if polls == 2:
            await cancel.execute(ADMIN, job.job_id)
        return await original(tokens, job_id)

    sync.app.salesforce.bulk_query_state = poll_then_cancel  # type: ignore[method-assign]

    finished = await runner.execute(job.workspace_id, job.job_id)

    assert finished is not None
    assert finished.state is SyncState.CANCELLED
    assert polls == 2

"""RunSync reading the org page by page: full and incremental windows, ties, cursors."""

from __future__ import annotations

from typing import Any

from domain.sync import SyncMode, SyncState
from tests.unit.application.sync_support import ACCOUNT, LEAD, Sync, contact, lead
from tests.unit.application.sync_support import sync as sync  # the fixture


async def test_a_full_sync_brings_people_and_companies(sync: Sync) -> None:
    account = sync.org.create(ACCOUNT, {"Name": "Ünïcode 株式会社 🚀"})
    lead(sync.org, 1, LastName="O'Brien")
    contact(sync.org, 2, account)

    job = await sync.once(SyncMode.FULL)

    assert job.state is SyncState.SUCCEEDED
    people = sorted(sync.people(), key=lambda p: p.fields["email"] or "")
    assert [p.fields["email"] for p in people] == ["c2@x.example", "l1@x.example"]
    assert people[0].fields["company"] == "Ünïcode 株式会社 🚀"
    assert people[1].fields["last_name"] == "O'Brien"
    assert job.progress_of(ACCOUNT).written == 1
    assert sync.scheduler.submitted == [job.job_id]


async def test_an_unchanged_incremental_run_costs_one_call_per_object(
    sync: Sync,
) -> None:
    for n in range(5):
        lead(sync.org, n)
    await sync.once()
    before = sync.calls()

    job = await sync.once()

    assert sync.calls() - before == 3
    assert all(p.api_calls == 1 for p in job.progress)
    assert all(p.written == 0 for p in job.progress)


async def test_ties_on_systemmodstamp_neither_loop_nor_skip(sync: Sync) -> None:
    sync.org.page_size = 2
    first = [lead(sync.org, n) for n in range(5)]
    await sync.once()
    more = [lead(sync.org, n) for n in range(5, 8)]  # same SystemModstamp

    job = await sync.once()

    ids = sorted(p.lead_id or "" for p in sync.people())
    assert ids == sorted(first + more)
    assert job.progress_of(LEAD).seen == 3
    assert job.progress_of(LEAD).pages == 2


async def test_an_expired_query_cursor_is_asked_again_from_the_last_page(
    sync: Sync,
) -> None:
    sync.org.page_size = 2
    ids = [lead(sync.org, n) for n in range(7)]
    query_more = sync.app.salesforce.query_more
    pages = 0

    async def expiring(tokens: Any, next_records_url: str) -> Any:
        nonlocal pages
        pages += 1
        if pages == 2:
            sync.org.expire_query_cursors()
        return await query_more(tokens, next_records_url)

    sync.app.salesforce.query_more = expiring  # type: ignore[method-assign]

    job = await sync.once()

    assert job.state is SyncState.SUCCEEDED
    assert job.progress_of(LEAD).seen == 7
    assert sorted(p.lead_id or "" for p in sync.people()) == sorted(ids)

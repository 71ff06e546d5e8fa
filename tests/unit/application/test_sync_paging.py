"""RunSync reading the org page by page: full and incremental windows, ties, cursors."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from application.sync.ports import QueryPage
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


async def test_a_row_changed_during_the_read_leaves_the_cursor_in_the_window(
    sync: Sync,
) -> None:
    """A query cursor serves each page's values as it serves the page: a row
    changed since the query began shows a stamp past the run's bound. A
    cursor at it would pass a Lead stamped between the bound and that
    change, which no later incremental run would read (helper-116)."""
    sync.org.page_size = 2
    ids = [lead(sync.org, n) for n in range(4)]
    query_more = sync.app.salesforce.query_more
    between: list[str] = []

    async def changed_meanwhile(tokens: Any, next_records_url: str) -> QueryPage:
        page = await query_more(tokens, next_records_url)
        bound = sync.app.clock.now()  # the run's: settle_seconds=0
        made = {"LastName": "Lead 8", "Company": "Acme", "Email": "l8@x.example"}
        between.append(
            sync.org.create(LEAD, made, modstamp=bound + timedelta(seconds=1))
        )
        changed = bound + timedelta(seconds=2)
        sync.org.update(LEAD, ids[-1], {"Title": "new"}, modstamp=changed)
        records = [*page.records[:-1], sync.org.rows[LEAD][ids[-1]]]
        return QueryPage(
            records=records,
            total_size=page.total_size,
            next_records_url=page.next_records_url,
            api_usage=page.api_usage,
        )

    sync.app.salesforce.query_more = changed_meanwhile  # type: ignore[method-assign]
    first = await sync.once(objects=(LEAD,))
    sync.app.salesforce.query_more = query_more  # type: ignore[method-assign]
    cursor = first.progress_of(LEAD).cursor
    sync.app.clock.advance(seconds=5)

    second = await sync.once(objects=(LEAD,))

    assert first.until is not None
    assert cursor is not None
    assert cursor.modstamp <= first.until
    assert cursor.record_id == ids[-2]
    # The Lead made meanwhile, and the changed one again (it changed).
    assert second.progress_of(LEAD).seen == 2
    assert sorted(p.lead_id or "" for p in sync.people()) == sorted(ids + between)

"""RunSync marking deleted rows, and what a full sync's sweep may remove."""

from __future__ import annotations

from datetime import timedelta

from domain.sync import TRUSTED_GAP, SyncMode, SyncState
from tests.unit.application.sync_support import ACCOUNT, CONTACT, LEAD, Sync, lead
from tests.unit.application.sync_support import sync as sync  # the fixture


async def test_a_full_sync_leaves_rows_changed_after_its_window_alive(
    sync: Sync,
) -> None:
    """A row changed after the run's upper bound is in no page of that run;
    its sweep must not take it for deleted. The next run reads the change."""
    lead_id = lead(sync.org, 1)
    account = sync.org.create(ACCOUNT, {"Name": "Acme"})
    await sync.once(SyncMode.FULL)
    sync.org.now = sync.app.clock.now() + timedelta(minutes=1)
    sync.org.update(LEAD, lead_id, {"Title": "CTO"})
    sync.org.update(ACCOUNT, account, {"Name": "Acme 2"})

    job = await sync.once(SyncMode.FULL)

    assert job.state is SyncState.SUCCEEDED
    assert [p.lead_id for p in sync.people()] == [lead_id]
    company = await sync.app.store.unit_of_work().companies.get("ws-a", account)
    assert company is not None
    assert not company.deleted
    sync.app.clock.advance(minutes=2)
    await sync.once()
    (person,) = sync.people()
    assert person.fields["job_title"] == "CTO"


async def test_deleted_rows_are_marked_and_a_full_sync_sweeps_purged_ones(
    sync: Sync,
) -> None:
    kept, deleted, purged = (lead(sync.org, n) for n in range(3))
    await sync.once()
    sync.org.now += timedelta(minutes=1)
    sync.org.delete(LEAD, deleted)
    del sync.org.rows[LEAD][purged]

    incremental = await sync.once()
    after_incremental = {p.lead_id for p in sync.people()}
    full = await sync.once(SyncMode.FULL)

    assert after_incremental == {kept, purged}
    assert {p.lead_id for p in sync.people()} == {kept}
    # The deleted Lead read with IsDeleted; the purged one swept.
    assert incremental.progress_of(LEAD).deleted == 1
    assert incremental.progress_of(LEAD).swept == 0
    assert full.progress_of(LEAD).swept == 1
    assert all(full.progress_of(obj).swept == 0 for obj in (ACCOUNT, CONTACT))


def _later(sync: Sync, gap: timedelta) -> None:
    sync.app.clock.advance(seconds=gap.total_seconds())
    sync.org.now = sync.app.clock.now() - timedelta(minutes=1)


async def test_an_incremental_run_after_a_long_gap_reads_in_full_and_sweeps(
    sync: Sync,
) -> None:
    """Salesforce purges its Recycle Bin after 15 days: a deletion older than
    that never reaches `queryAll`, so the run reads Leads from the start."""
    kept, purged = lead(sync.org, 0), lead(sync.org, 1)
    await sync.once()
    _later(sync, TRUSTED_GAP + timedelta(hours=1))
    del sync.org.rows[LEAD][purged]

    job = await sync.once()

    assert job.state is SyncState.SUCCEEDED
    assert {p.lead_id for p in sync.people()} == {kept}
    assert job.progress_of(LEAD).read_in_full
    assert job.progress_of(LEAD).seen == 1
    # No Contact was ever stored: nothing to sweep, nothing read in full.
    assert not job.progress_of(CONTACT).read_in_full
    after = await sync.once()
    assert not after.progress_of(LEAD).read_in_full


async def test_each_run_that_reads_an_object_to_its_end_renews_its_mark(
    sync: Sync,
) -> None:
    kept, purged = lead(sync.org, 0), lead(sync.org, 1)
    await sync.once()
    _later(sync, TRUSTED_GAP / 2)
    await sync.once()  # nothing changed, yet Leads were read to the bound
    _later(sync, TRUSTED_GAP / 2 + timedelta(hours=1))
    del sync.org.rows[LEAD][purged]

    job = await sync.once()

    assert not job.progress_of(LEAD).read_in_full
    assert {p.lead_id for p in sync.people()} == {kept, purged}


def _pause_after_one_call(sync: Sync) -> None:
    """Pages of one row, and the org's usage one call short of the reserve
    (12,000 of 15,000): the next run stops after its first page."""
    sync.org.page_size = 1
    sync.app.salesforce.spend_api_quota = True
    sync.app.salesforce.api_used = 11_998


async def test_a_full_read_left_unfinished_goes_on_from_its_cursor_and_sweeps(
    sync: Sync,
) -> None:
    """A read the quota cut short is not started over by the next run, which
    would then never reach the newest rows: it goes on from where it stopped,
    and its sweep spares what either run saw."""
    first, second, purged = (lead(sync.org, n) for n in range(3))
    await sync.once()
    _later(sync, TRUSTED_GAP + timedelta(hours=1))
    del sync.org.rows[LEAD][purged]
    _pause_after_one_call(sync)
    stopped = await sync.once()
    sync.app.salesforce.api_used = 0
    newest = lead(sync.org, 3)

    job = await sync.once()

    assert stopped.state is SyncState.PAUSED
    assert stopped.progress_of(LEAD).read_in_full
    assert stopped.progress_of(LEAD).pages == 1
    assert not stopped.progress_of(LEAD).done
    assert job.state is SyncState.SUCCEEDED
    assert job.progress_of(LEAD).read_in_full
    assert job.progress_of(LEAD).continues == stopped.job_id
    # It went on from the stopped read's cursor: only the rest was read.
    assert job.progress_of(LEAD).seen == 2
    assert {p.lead_id for p in sync.people()} == {first, second, newest}
    later = await sync.once()
    assert not later.progress_of(LEAD).read_in_full  # its mark was renewed


async def test_a_full_read_cut_short_twice_is_swept_by_the_run_that_ends_it(
    sync: Sync,
) -> None:
    """A full sync paused, then an incremental run paused too: the third run
    ends the same read, and its sweep spares rows any of the three saw."""
    ids = [lead(sync.org, n) for n in range(4)]
    await sync.once()
    sync.app.clock.advance(minutes=1)  # jobs are told apart by when
    sync.org.now = sync.app.clock.now() - timedelta(seconds=30)
    del sync.org.rows[LEAD][ids[3]]
    _pause_after_one_call(sync)
    sync.app.salesforce.api_used = 11_997  # its Accounts, one page of Leads
    full = await sync.once(SyncMode.FULL)
    sync.app.clock.advance(minutes=1)
    sync.app.salesforce.api_used = 11_998
    second = await sync.once()
    sync.app.clock.advance(minutes=1)
    sync.app.salesforce.api_used = 0

    job = await sync.once()

    assert full.state is SyncState.PAUSED
    assert full.progress_of(LEAD).pages == 1
    assert second.state is SyncState.PAUSED
    assert second.progress_of(LEAD).pages == 1
    assert second.progress_of(LEAD).continues == full.job_id
    assert job.progress_of(LEAD).continues == full.job_id
    assert job.state is SyncState.SUCCEEDED
    assert {p.lead_id for p in sync.people()} == set(ids[:3])


async def test_a_full_read_that_stored_no_page_is_not_gone_on_with(
    sync: Sync,
) -> None:
    """A full sync stopped before its first Lead page left the cursor where
    the incremental runs had it: going on from there would sweep every Lead
    before it. The next incremental run reads on, and sweeps nothing."""
    first, purged = lead(sync.org, 0), lead(sync.org, 1)
    await sync.once()
    sync.app.clock.advance(minutes=1)  # jobs are told apart by when
    sync.org.now = sync.app.clock.now() - timedelta(seconds=30)
    del sync.org.rows[LEAD][purged]
    sync.org.create(ACCOUNT, {"Name": "Acme"})
    _pause_after_one_call(sync)  # the Account page takes the last call
    full = await sync.once(SyncMode.FULL)
    sync.app.clock.advance(minutes=1)
    sync.app.salesforce.api_used = 0

    job = await sync.once()

    assert full.state is SyncState.PAUSED
    assert full.progress_of(LEAD).pages == 0
    assert not job.progress_of(LEAD).read_in_full
    assert {p.lead_id for p in sync.people()} == {first, purged}


async def test_a_full_sync_that_stored_no_lead_leaves_the_last_read_to_go_on(
    sync: Sync,
) -> None:
    """helper-124: a full sync stopped in its Leads, then another stopped
    in its Accounts; the next incremental run goes on with the first one's
    read of Leads, and sweeps the purged one."""
    first, second, purged = (lead(sync.org, n) for n in range(3))
    sync.org.create(ACCOUNT, {"Name": "Acme"})
    await sync.once()
    sync.app.clock.advance(minutes=1)  # jobs are told apart by when
    sync.org.now = sync.app.clock.now() - timedelta(seconds=30)
    del sync.org.rows[LEAD][purged]
    _pause_after_one_call(sync)
    sync.app.salesforce.api_used = 11_997  # its Accounts, one page of Leads
    stopped_in_leads = await sync.once(SyncMode.FULL)
    sync.app.clock.advance(minutes=1)
    sync.app.salesforce.api_used = 11_998  # its Accounts only
    stopped_before = await sync.once(SyncMode.FULL)
    sync.app.clock.advance(minutes=1)
    sync.app.salesforce.api_used = 0

    job = await sync.once()

    assert stopped_in_leads.progress_of(LEAD).pages == 1
    assert stopped_before.progress_of(LEAD).pages == 0
    assert job.progress_of(LEAD).continues == stopped_in_leads.job_id
    assert job.progress_of(LEAD).swept == 1
    assert {p.lead_id for p in sync.people()} == {first, second}


async def test_syncs_of_other_objects_between_leave_a_stopped_read_to_go_on(
    sync: Sync,
) -> None:
    first, second, purged = (lead(sync.org, n) for n in range(3))
    await sync.once()
    sync.app.clock.advance(minutes=1)
    sync.org.now = sync.app.clock.now() - timedelta(seconds=30)
    del sync.org.rows[LEAD][purged]
    _pause_after_one_call(sync)
    sync.app.salesforce.api_used = 11_997  # its Accounts, one page of Leads
    full = await sync.once(SyncMode.FULL)
    sync.app.salesforce.api_used = 0
    for _ in range(25):  # past one page of the history looked back through
        sync.app.clock.advance(minutes=1)
        await sync.once(objects=(CONTACT,))
    sync.app.clock.advance(minutes=1)

    job = await sync.once()

    assert full.progress_of(LEAD).pages == 1
    assert job.progress_of(LEAD).continues == full.job_id
    assert {p.lead_id for p in sync.people()} == {first, second}

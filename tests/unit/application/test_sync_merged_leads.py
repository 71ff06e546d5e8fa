"""Converted Leads: one person with their Contact, however many Leads merge."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import msgspec

from domain.people import Person
from domain.sync import SyncJob, SyncMode, SyncState
from tests.unit.application.sync_support import (
    LEAD,
    SlowCommits,
    Sync,
    contact,
    lead,
    saving_into,
)
from tests.unit.application.sync_support import sync as sync  # the fixture


async def merged_pair(sync: Sync) -> tuple[str, str, str]:
    """A Contact and two Leads converted into it, synced once."""
    contact_id = contact(sync.org, 1)
    first, second = lead(sync.org, 1), lead(sync.org, 2)
    sync.org.convert_lead(first, contact_id=contact_id)
    sync.org.now += timedelta(seconds=1)
    sync.org.convert_lead(second, contact_id=contact_id)
    await sync.once()
    return contact_id, first, second


def everyone(sync: Sync) -> list[Person]:
    return [stored.person for stored in sync.app.store.people.values()]


async def test_every_lead_converted_into_one_contact_stays_in_the_copy(
    sync: Sync,
) -> None:
    contact_id, first, second = await merged_pair(sync)

    (person,) = everyone(sync)
    assert (person.lead_id, person.contact_id) == (first, contact_id)
    assert person.merged_leads == {second: False}


async def test_a_deleted_lead_never_marks_the_live_one_deleted(sync: Sync) -> None:
    _, first, second = await merged_pair(sync)
    sync.org.now += timedelta(minutes=1)
    sync.org.delete(LEAD, first)

    await sync.once()
    await sync.once(SyncMode.FULL)

    (person,) = everyone(sync)
    assert (person.lead_id, person.lead_deleted) == (second, False)
    assert person.merged_leads == {first: True}
    assert not person.deleted


async def test_a_full_sync_repairs_a_row_that_lost_a_lead(sync: Sync) -> None:
    _, first, second = await merged_pair(sync)
    ((key, stored),) = sync.app.store.people.items()
    broken = msgspec.structs.replace(
        stored.person, lead_id=second, lead_deleted=True, merged_leads={}
    )
    sync.app.store.people[key] = dataclasses.replace(stored, person=broken)

    job = await sync.once(SyncMode.FULL)

    assert job.state is SyncState.SUCCEEDED
    (person,) = everyone(sync)
    assert (person.lead_id, person.lead_deleted) == (first, False)
    assert person.merged_leads == {second: False}


async def test_a_converted_lead_and_its_contact_are_one_person(sync: Sync) -> None:
    lead_id = lead(sync.org, 1)
    await sync.once()
    sync.org.now += timedelta(minutes=1)
    contact_id = contact(sync.org, 1)
    sync.org.convert_lead(lead_id, contact_id=contact_id)

    await sync.once()

    (person,) = sync.people()
    assert (person.lead_id, person.contact_id) == (lead_id, contact_id)
    assert person.fields["email"] == "c1@x.example"


async def test_a_page_planned_during_a_write_sees_what_it_stores(sync: Sync) -> None:
    """Two Leads converted into one Contact, on consecutive pages: the second
    page is planned while the first is written, and must find its person."""
    sync.org.page_size = 1
    contact_id = contact(sync.org, 1)
    first, second = lead(sync.org, 1), lead(sync.org, 2)
    sync.org.convert_lead(first, contact_id=contact_id)
    sync.org.now += timedelta(seconds=1)
    sync.org.convert_lead(second, contact_id=contact_id)

    job = await sync.once(SyncMode.FULL, uow=SlowCommits(sync.app.store.unit_of_work))

    assert job.state is SyncState.SUCCEEDED, job.problem
    (person,) = sync.people()
    assert (person.lead_id, person.contact_id) == (first, contact_id)
    assert person.merged_leads == {second: False}


async def test_a_full_sync_marks_a_purged_merged_lead_deleted(sync: Sync) -> None:
    _, first, second = await merged_pair(sync)
    del sync.org.rows[LEAD][second]

    job = await sync.once(SyncMode.FULL)

    assert job.state is SyncState.SUCCEEDED, job.problem
    (person,) = everyone(sync)
    assert (person.lead_id, person.lead_deleted) == (first, False)
    assert person.merged_leads == {second: True}
    # Its page, then the two merged Leads asked for by Id: one call.
    assert job.progress_of(LEAD).api_calls == 1 + 1 + 1


async def test_merged_leads_are_asked_for_as_many_at_a_time_as_the_setting_says(
    sync: Sync,
) -> None:
    *_, second = await merged_pair(sync)
    del sync.org.rows[LEAD][second]

    job = await sync.once(SyncMode.FULL, related_batch_size=1)

    (person,) = everyone(sync)
    assert person.merged_leads == {second: True}
    # Its page, the changed-after query, then each of the two Leads alone.
    assert job.progress_of(LEAD).api_calls == 1 + 1 + 2


async def test_each_batch_of_merged_leads_asked_for_is_stored_as_it_ends(
    sync: Sync,
) -> None:
    """With a heartbeat: hundreds of batches must not look like a dead job."""
    *_, second = await merged_pair(sync)
    del sync.org.rows[LEAD][second]
    saved: list[SyncJob] = []
    recording = saving_into(sync.app.store.unit_of_work, saved)

    job = await sync.once(SyncMode.FULL, uow=recording, related_batch_size=1)

    calls = [j.progress_of(LEAD).api_calls for j in saved if j.job_id == job.job_id]
    # The page and the changed-after query (1 + 1), then one batch stored
    # before the other is asked for.
    assert 3 in calls
    assert calls[-1] == 4


async def test_with_no_lead_purged_a_full_sync_asks_nothing_more(sync: Sync) -> None:
    *_, second = await merged_pair(sync)
    lead(sync.org, 3)

    job = await sync.once(SyncMode.FULL)

    (person, _) = sorted(everyone(sync), key=lambda p: p.lead_id or "")
    assert person.merged_leads == {second: False}
    # Its page and the query of Leads changed after the window: the people
    # hold the three Leads read, so none can be gone.
    assert job.progress_of(LEAD).api_calls == 1 + 1


async def test_a_purged_named_lead_gives_its_name_to_a_live_one(sync: Sync) -> None:
    _, first, second = await merged_pair(sync)
    del sync.org.rows[LEAD][first]

    await sync.once(SyncMode.FULL)

    (person,) = everyone(sync)
    assert (person.lead_id, person.lead_deleted) == (second, False)
    assert person.merged_leads == {first: True}
    assert not person.deleted


async def test_a_merged_lead_changed_after_the_window_is_not_gone(sync: Sync) -> None:
    *_, second = await merged_pair(sync)
    sync.org.rows[LEAD][second]["SystemModstamp"] = "2999-01-01T00:00:00.000+0000"

    await sync.once(SyncMode.FULL)

    (person,) = everyone(sync)
    assert person.merged_leads == {second: False}


async def test_a_full_read_ended_by_a_later_run_asks_salesforce(sync: Sync) -> None:
    _, first, second = await merged_pair(sync)
    lead(sync.org, 3)
    del sync.org.rows[LEAD][second]
    # Pages of one row, and the org's usage one call short of its reserve.
    sync.org.page_size = 1
    sync.app.salesforce.spend_api_quota = True
    sync.app.salesforce.api_used = 11_998
    sync.app.clock.advance(seconds=1)  # each sync created after the one before
    stopped = await sync.once(SyncMode.FULL, objects=(LEAD,))
    sync.app.salesforce.api_used = 0
    sync.app.clock.advance(seconds=1)

    job = await sync.once()

    assert stopped.state is SyncState.PAUSED
    assert job.progress_of(LEAD).continues == stopped.job_id
    person = next(p for p in everyone(sync) if p.lead_id == first)
    assert person.merged_leads == {second: True}


async def test_a_swept_named_lead_gives_its_name_to_one_changed_since(
    sync: Sync,
) -> None:
    """helper-93: the named Lead purged, the other one changed after the
    run's window. No Lead of the person is read, so the sweep flags the
    named one; Salesforce is not asked of the other (alive, not gone), yet
    the live one must still be named."""
    _, first, second = await merged_pair(sync)
    del sync.org.rows[LEAD][first]
    sync.org.rows[LEAD][second]["SystemModstamp"] = "2999-01-01T00:00:00.000+0000"

    await sync.once(SyncMode.FULL)

    (person,) = everyone(sync)
    assert (person.lead_id, person.lead_deleted) == (second, False)
    assert person.merged_leads == {first: True}


async def test_a_lead_purged_before_costs_no_call_in_later_full_syncs(
    sync: Sync,
) -> None:
    """helper-94: purged Leads stay in the copy, flagged deleted; counted as
    held, they made every later full read ask Salesforce again."""
    *_, second = await merged_pair(sync)
    del sync.org.rows[LEAD][second]
    await sync.once(SyncMode.FULL)
    deleted = lead(sync.org, 3)
    sync.org.delete(LEAD, deleted)  # in the Recycle Bin: read, and flagged

    again = await sync.once(SyncMode.FULL)

    assert again.progress_of(LEAD).api_calls == 1 + 1

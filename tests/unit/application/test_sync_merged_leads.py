"""Leads converted into one Contact, and what a sync stamps as changed."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import msgspec

from domain.people import Person
from domain.sync import SyncMode, SyncState
from tests.unit.application.sync_support import (
    LEAD,
    Sync,
    contact,
    lead,
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

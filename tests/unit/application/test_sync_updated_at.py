"""What a sync stamps as changed: `updated_at` moves only with the stored values."""

from __future__ import annotations

from datetime import timedelta

from domain.people import Person
from domain.sync import SyncMode, SyncState
from tests.unit.application.sync_support import (
    ACCOUNT,
    LEAD,
    Sync,
    contact,
    lead,
)
from tests.unit.application.sync_support import sync as sync  # the fixture


def everyone(sync: Sync) -> list[Person]:
    return [stored.person for stored in sync.app.store.people.values()]


async def test_two_full_syncs_of_an_unchanged_org_change_no_updated_at(
    sync: Sync,
) -> None:
    account = sync.org.create(ACCOUNT, {"Name": "Acme"})
    contact(sync.org, 1, account)
    converted = lead(sync.org, 1)
    sync.org.convert_lead(converted, contact_id=contact(sync.org, 2, account))
    lead(sync.org, 2)
    await sync.once()
    await sync.once(SyncMode.FULL)
    before = stamps(sync)
    sync.app.clock.advance(minutes=5)

    job = await sync.once(SyncMode.FULL)
    await sync.once()

    assert job.state is SyncState.SUCCEEDED
    assert stamps(sync) == before


async def test_a_changed_field_bumps_updated_at_in_a_full_sync(sync: Sync) -> None:
    account = sync.org.create(ACCOUNT, {"Name": "Acme"})
    changed, unchanged = lead(sync.org, 1), lead(sync.org, 2)
    await sync.once(SyncMode.FULL)
    before = stamps(sync)
    sync.app.clock.advance(minutes=5)
    sync.org.now += timedelta(minutes=1)
    sync.org.update(LEAD, changed, {"Title": "CTO"})
    sync.org.update(ACCOUNT, account, {"Name": "Acme 2"})

    await sync.once(SyncMode.FULL)

    now = sync.app.clock.now()
    assert stamps(sync) == {
        **before,
        changed: now,
        account: now,
    }
    assert before[unchanged] != now


def stamps(sync: Sync) -> dict[str, object]:
    """`updated_at` of every row, by its Lead id, Contact id or Account id."""
    people = {
        p.lead_id or p.contact_id or p.person_id: p.updated_at for p in everyone(sync)
    }
    companies = {
        stored.company.account_id: stored.company.updated_at
        for stored in sync.app.store.companies.values()
    }
    return {**people, **companies}


async def test_only_changed_people_count_as_updated(sync: Sync) -> None:
    """Readers poll by `updated_at`: a run stamps whom it changed, nobody else."""
    changed, unchanged = lead(sync.org, 1), lead(sync.org, 2)
    await sync.once()
    first_run = sync.app.clock.now()
    sync.app.clock.advance(minutes=5)
    sync.org.now += timedelta(minutes=1)
    sync.org.update(LEAD, changed, {"Title": "CTO"})

    await sync.once()

    stamps = {p.lead_id: p.updated_at for p in sync.people()}
    assert stamps == {changed: sync.app.clock.now(), unchanged: first_run}

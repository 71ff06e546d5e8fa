"""RunSync and friends on the in-memory store and the fake org."""

from __future__ import annotations

from datetime import timedelta

from domain.sync import SyncMode, SyncState
from tests.unit.application.sync_support import (
    ACCOUNT,
    CONTACT,
    LEAD,
    SlowCommits,
    Sync,
    contact,
    lead,
)
from tests.unit.application.sync_support import sync as sync  # the fixture


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


async def test_an_account_rename_reaches_its_contacts(sync: Sync) -> None:
    account = sync.org.create(ACCOUNT, {"Name": "Old Name"})
    contact(sync.org, 1, account)
    await sync.once()
    sync.org.now += timedelta(minutes=1)
    sync.org.update(ACCOUNT, account, {"Name": "New Name"})

    await sync.once()

    (person,) = sync.people()
    assert person.fields["company"] == "New Name"


async def test_contacts_read_in_the_run_are_not_read_again_for_their_account(
    sync: Sync,
) -> None:
    """New Accounts with new Contacts: the run's Contact window reads them
    with the new Account values; the Account follow-up must not read them
    again (nor count them twice)."""
    old_account = sync.org.create(ACCOUNT, {"Name": "Old"})
    contact(sync.org, 0, old_account)
    await sync.once()
    sync.org.now += timedelta(minutes=1)
    sync.org.update(ACCOUNT, old_account, {"Name": "Renamed"})
    account = sync.org.create(ACCOUNT, {"Name": "New"})
    for n in range(1, 4):
        contact(sync.org, n, account)

    job = await sync.once()

    assert job.progress_of(CONTACT).seen == 3 + 1  # the window's, the rename's
    companies = sorted(str(p.fields["company"]) for p in sync.people())
    assert companies == ["New", "New", "New", "Renamed"]


def test_callback_error_text_is_cleaned() -> None:
    from domain.problems import problem_for_callback_error

    problem = problem_for_callback_error(
        "x\r\nSet-Cookie: a=1", "<script>" + "\n" * 3 + "y" * 5000
    )

    assert "\n" not in problem.message
    assert "\r" not in problem.message
    assert len(problem.message) < 500

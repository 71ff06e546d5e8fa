"""RunSync marking deleted rows, and what a full sync's sweep may remove."""

from __future__ import annotations

from datetime import timedelta

from domain.sync import SyncMode, SyncState
from tests.unit.application.sync_support import ACCOUNT, LEAD, Sync, lead
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

    await sync.once()
    after_incremental = {p.lead_id for p in sync.people()}
    await sync.once(SyncMode.FULL)

    assert after_incremental == {kept, purged}
    assert {p.lead_id for p in sync.people()} == {kept}

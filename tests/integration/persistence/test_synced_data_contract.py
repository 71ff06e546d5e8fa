"""Contracts behind a switch to another org, for every adapter: the org a
workspace's data came from, purging that data, and locking a job."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from domain.crm import CrmObject
from domain.soql import SyncCursor
from domain.sync import SyncJob
from tests.integration.persistence.conftest import Backend
from tests.integration.persistence.samples import NOW, is_waiting
from tests.integration.persistence.sync_samples import (
    OTHER_WS,
    WS,
    company,
    job,
    person,
    save_companies,
    save_people,
)

LEAD, CONTACT, ACCOUNT = CrmObject.LEAD, CrmObject.CONTACT, CrmObject.ACCOUNT
CURSOR = SyncCursor(modstamp=NOW, record_id="00Q000000000001")
ORG_A, ORG_B = "00D000000000001AAA", "00D000000000002AAA"
RUNNING = job("j1").start(now=NOW, until=NOW - timedelta(seconds=30))


async def test_the_synced_org_is_kept_per_workspace_and_replaced(
    backend: Backend,
) -> None:
    async with backend.uow() as uow:
        assert await uow.synced_orgs.get(WS) is None
        await uow.synced_orgs.set(WS, ORG_A)
        await uow.synced_orgs.set(OTHER_WS, ORG_A)
        await uow.commit()

    async with backend.other_process() as uow:
        await uow.synced_orgs.set(WS, ORG_B)
        await uow.commit()

    async with backend.uow() as uow:
        assert await uow.synced_orgs.get(WS) == ORG_B
        assert await uow.synced_orgs.get(OTHER_WS) == ORG_A


async def test_the_synced_org_changes_only_on_commit(backend: Backend) -> None:
    async with backend.uow() as uow:
        await uow.synced_orgs.set(WS, ORG_A)
        assert await uow.synced_orgs.get(WS) == ORG_A

    async with backend.uow() as uow:
        assert await uow.synced_orgs.get(WS) is None


async def test_a_purge_drops_the_workspaces_people_companies_and_cursors(
    backend: Backend,
) -> None:
    await _store_synced_data(backend, WS)
    await _store_synced_data(backend, OTHER_WS)

    async with backend.other_process() as uow:
        people = await uow.people.purge(WS)
        companies = await uow.companies.purge(WS)
        await uow.cursors.clear(WS)
        await uow.commit()

    assert (people, companies) == (3, 2)
    async with backend.uow() as uow:
        assert await uow.people.count(WS, include_deleted=True) == 0
        assert await uow.companies.get(WS, "001A") is None
        assert await uow.companies.get(WS, "001B") is None
        assert [await uow.cursors.get(WS, obj) for obj in CrmObject] == [None] * 3
        assert await uow.people.count(OTHER_WS, include_deleted=True) == 3
        assert await uow.companies.get(OTHER_WS, "001A") is not None
        assert await uow.cursors.get(OTHER_WS, LEAD) == CURSOR


async def test_purged_ids_can_be_stored_again_as_new_rows(backend: Backend) -> None:
    await _store_synced_data(backend, WS)
    async with backend.uow() as uow:
        await uow.people.purge(WS)
        await uow.commit()

    await save_people(backend.uow, [person("p9", lead_id="00Q1", email="b@x.test")])

    async with backend.uow() as uow:
        assert await uow.people.count(WS, include_deleted=True) == 1
        assert await uow.people.get(WS, "p1") is None


async def test_a_purge_shows_only_after_commit(backend: Backend) -> None:
    await _store_synced_data(backend, WS)

    async with backend.uow() as uow:
        await uow.people.purge(WS)
        await uow.companies.purge(WS)
        await uow.cursors.clear(WS)
        assert await uow.people.count(WS, include_deleted=True) == 0

    async with backend.uow() as uow:
        assert await uow.people.count(WS, include_deleted=True) == 3
        assert await uow.companies.get(WS, "001A") is not None
        assert await uow.cursors.get(WS, LEAD) == CURSOR


async def test_purging_an_empty_workspace_finds_nothing(backend: Backend) -> None:
    async with backend.uow() as uow:
        assert await uow.people.purge(WS) == 0
        assert await uow.companies.purge(WS) == 0
        await uow.cursors.clear(WS)
        await uow.commit()


async def test_a_cancel_waits_for_a_job_locked_for_update(backend: Backend) -> None:
    await _add(backend, RUNNING)

    async with backend.uow() as page:
        locked = await page.sync_jobs.get_for_update(WS, "j1")
        cancel = asyncio.create_task(_request_cancel(backend))
        assert await is_waiting(cancel)
        await page.commit()

    flagged = await cancel
    assert locked == RUNNING
    assert flagged is not None
    assert flagged.cancel_requested


async def test_a_lock_for_update_waits_for_a_cancel_then_sees_it(
    backend: Backend,
) -> None:
    await _add(backend, RUNNING)

    async with backend.uow() as cancelling:
        await cancelling.sync_jobs.request_cancel(WS, "j1")
        page = asyncio.create_task(_get_for_update(backend))
        assert await is_waiting(page)
        await cancelling.commit()

    locked = await page
    assert locked is not None
    assert locked.cancel_requested


async def test_locking_an_unknown_job_finds_nothing(backend: Backend) -> None:
    await _add(backend, RUNNING)

    async with backend.uow() as uow:
        assert await uow.sync_jobs.get_for_update(OTHER_WS, "j1") is None
        assert await uow.sync_jobs.get_for_update(WS, "unknown") is None


async def _store_synced_data(backend: Backend, workspace_id: str) -> None:
    people = [
        person("p1", lead_id="00Q1", workspace_id=workspace_id),
        person("p2", contact_id="0031", workspace_id=workspace_id),
        person("p3", lead_id="00Q3", workspace_id=workspace_id, lead_deleted=True),
    ]
    await save_people(backend.uow, people, workspace_id=workspace_id)
    companies = [
        company("001A", workspace_id=workspace_id),
        company("001B", workspace_id=workspace_id, deleted=True),
    ]
    await save_companies(backend.uow, companies, workspace_id=workspace_id)
    async with backend.uow() as uow:
        for obj in CrmObject:
            await uow.cursors.set(workspace_id, obj, CURSOR)
        await uow.commit()


async def _add(backend: Backend, value: SyncJob) -> None:
    async with backend.uow() as uow:
        await uow.sync_jobs.add(value)
        await uow.commit()


async def _request_cancel(backend: Backend) -> SyncJob | None:
    async with backend.other_process() as uow:
        flagged = await uow.sync_jobs.request_cancel(WS, "j1")
        await uow.commit()
    return flagged


async def _get_for_update(backend: Backend) -> SyncJob | None:
    async with backend.other_process() as uow:
        return await uow.sync_jobs.get_for_update(WS, "j1")

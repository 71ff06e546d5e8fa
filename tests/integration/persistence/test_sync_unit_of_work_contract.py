"""Contract of the SyncUnitOfWork port: a page's writes commit together."""

from __future__ import annotations

from datetime import timedelta

from application.sync.ports import SyncUnitOfWork
from domain.crm import CrmObject
from domain.mapping import FieldMapping
from domain.soql import SyncCursor
from tests.integration.persistence.conftest import Backend
from tests.integration.persistence.samples import NOW, connected
from tests.integration.persistence.sync_samples import WS, company, job, person

CURSOR = SyncCursor(modstamp=NOW, record_id="00Q1")
RUNNING = job("j1").start(now=NOW, until=NOW - timedelta(seconds=30))


async def test_a_page_shows_to_others_whole_and_only_after_commit(
    backend: Backend,
) -> None:
    async with backend.uow() as writer:
        await _write_a_page(writer)

        async with backend.other_process() as reader:
            assert await _seen(reader) == (None, None, None, None, None)

        await writer.commit()

    async with backend.other_process() as reader:
        assert await _seen(reader) == (
            person("p1", lead_id="00Q1"),
            company("0011"),
            RUNNING,
            CURSOR,
            FieldMapping(),
        )


async def test_leaving_without_commit_drops_every_change(backend: Backend) -> None:
    async with backend.uow() as uow:
        await uow.connections.save(connected(WS))
        await _write_a_page(uow)
        await uow.describes.clear(WS)

    async with backend.uow() as uow:
        assert await _seen(uow) == (None, None, None, None, None)
        assert await uow.connections.get(WS) is None


async def _write_a_page(uow: SyncUnitOfWork) -> None:
    await uow.sync_jobs.save(RUNNING)
    await uow.people.save_page(
        WS, [person("p1", lead_id="00Q1")], [], seen_by=(CrmObject.LEAD, "j1")
    )
    await uow.companies.save_page(WS, [company("0011")], job_id="j1")
    await uow.cursors.set(WS, CrmObject.LEAD, CURSOR)
    await uow.mappings.save(WS, FieldMapping())


async def _seen(uow: SyncUnitOfWork) -> tuple[object, ...]:
    return (
        await uow.people.get(WS, "p1"),
        await uow.companies.get(WS, "0011"),
        await uow.sync_jobs.get(WS, "j1"),
        await uow.cursors.get(WS, CrmObject.LEAD),
        await uow.mappings.get(WS),
    )

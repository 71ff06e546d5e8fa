"""Contract of the SyncUnitOfWork port: a page's writes commit together, and
may be sent together."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.persistence import writes
from adapters.persistence.writes import Write
from application.errors import Conflict
from application.sync.ports import SyncUnitOfWork
from domain.crm import CrmObject
from domain.mapping import FieldMapping
from domain.people import Person
from domain.soql import SyncCursor
from domain.sync import SyncState
from tests.integration.persistence.conftest import Backend
from tests.integration.persistence.samples import NOW, connected
from tests.integration.persistence.sync_samples import WS, company, job, person

CURSOR = SyncCursor(modstamp=NOW, record_id="00Q1")
RUNNING = job("j1").start(now=NOW, until=NOW - timedelta(seconds=30))
LEAD = CrmObject.LEAD
EXPECTED = (
    person("p1", lead_id="00Q1"),
    company("0011"),
    RUNNING,
    CURSOR,
    FieldMapping(),
)


async def test_a_page_shows_to_others_whole_and_only_after_commit(
    backend: Backend,
) -> None:
    async with backend.uow() as writer:
        await _write_a_page(writer)

        async with backend.other_process() as reader:
            assert await _seen(reader) == (None, None, None, None, None)

        await writer.commit()

    async with backend.other_process() as reader:
        assert await _seen(reader) == EXPECTED


async def test_leaving_without_commit_drops_every_change(backend: Backend) -> None:
    async with backend.uow() as uow:
        await uow.connections.save(connected(WS))
        await _write_a_page(uow)
        await uow.describes.clear(WS)

    async with backend.uow() as uow:
        assert await _seen(uow) == (None, None, None, None, None)
        assert await uow.connections.get(WS) is None


async def test_writes_sent_together_are_read_back_in_the_block_and_commit(
    backend: Backend,
) -> None:
    async with backend.uow() as uow:
        async with uow.together():
            await _write_a_page(uow)
            assert await _seen(uow) == EXPECTED
        await uow.commit()

    async with backend.other_process() as reader:
        assert await _seen(reader) == EXPECTED


async def test_writes_sent_together_are_dropped_without_commit(
    backend: Backend,
) -> None:
    async with backend.uow() as uow, uow.together():
        await _write_a_page(uow)

    async with backend.uow() as uow:
        assert await _seen(uow) == (None, None, None, None, None)


async def test_a_refusal_among_writes_sent_together_comes_out_of_the_block(
    backend: Backend,
) -> None:
    await _write_people(backend, [person("a", lead_id="00Q1")])

    async with backend.uow() as uow:
        with pytest.raises(Conflict):
            await _refused_together(uow)

    async with backend.uow() as uow:
        assert await uow.people.get(WS, "b") is None
        assert await uow.cursors.get(WS, CrmObject.LEAD) is None
        assert await uow.sync_jobs.get(WS, "j1") is None


# Only SQLite's driver pays a round trip to its thread per statement.
@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_a_page_of_writes_together_is_one_round_trip_on_sqlite(
    backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent: list[int] = []
    send = writes.execute_together

    async def counting(
        connection: AsyncConnection, queued: list[Write], *, on_loop: bool
    ) -> None:
        sent.append(len(queued))
        await send(connection, queued, on_loop=on_loop)

    async with backend.uow() as uow:
        await uow.sync_jobs.add(RUNNING)
        await uow.commit()

    monkeypatch.setattr("adapters.persistence.transaction.execute_together", counting)
    async with backend.uow() as uow:
        async with uow.together():
            await uow.sync_jobs.save(RUNNING, expected=SyncState.RUNNING)
            await uow.people.save_page(
                WS, [person("p1", lead_id="00Q1")], [], seen_by=(LEAD, "j1")
            )
            await uow.cursors.set(WS, CrmObject.LEAD, CURSOR)
        await uow.commit()

    assert sent == [3]


async def _refused_together(uow: SyncUnitOfWork) -> None:
    async with uow.together():
        await uow.cursors.set(WS, CrmObject.LEAD, CURSOR)
        await uow.people.save_page(
            WS, [person("b", lead_id="00Q1")], [], seen_by=(LEAD, "j1")
        )
        await uow.sync_jobs.save(RUNNING)


async def _write_people(backend: Backend, people: list[Person]) -> None:
    async with backend.uow() as uow:
        await uow.people.save_page(WS, people, [], seen_by=(LEAD, "j0"))
        await uow.commit()


async def _write_a_page(uow: SyncUnitOfWork) -> None:
    await uow.sync_jobs.add(RUNNING)
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

"""Contract of the SyncJobRepository cancel flag, for every adapter: set
only on an active job, never cleared by a save of an older copy while the
job is active, and settled by its end."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import msgspec

from application.sync.ports import SyncUnitOfWorkFactory
from domain.crm import CrmObject
from domain.sync import SyncJob, SyncState
from tests.integration.persistence.conftest import Backend
from tests.integration.persistence.samples import NOW, is_waiting
from tests.integration.persistence.sync_samples import OTHER_WS, WS, job

RUNNING = job("j1").start(now=NOW, until=NOW - timedelta(seconds=30))
LATER = NOW + timedelta(minutes=1)


async def test_a_cancel_flags_an_active_job_and_changes_nothing_else(
    backend: Backend,
) -> None:
    await _add(backend.uow, RUNNING)

    got = await _request_cancel(backend.other_process, WS, "j1")

    flagged = msgspec.structs.replace(RUNNING, cancel_requested=True)
    assert got == flagged
    assert await _get(backend.uow, "j1") == flagged


async def test_a_cancel_flags_a_queued_job(backend: Backend) -> None:
    await _add(backend.uow, job("j1"))

    got = await _request_cancel(backend.uow, WS, "j1")

    assert got == msgspec.structs.replace(job("j1"), cancel_requested=True)


async def test_a_cancel_of_an_ended_job_changes_nothing(backend: Backend) -> None:
    ended = RUNNING.succeed(LATER)
    await _add(backend.uow, ended)

    got = await _request_cancel(backend.uow, WS, "j1")

    assert got == ended
    assert await _get(backend.uow, "j1") == ended


async def test_a_cancel_of_an_unknown_job_finds_nothing(backend: Backend) -> None:
    await _add(backend.uow, RUNNING)

    assert await _request_cancel(backend.uow, OTHER_WS, "j1") is None
    assert await _request_cancel(backend.uow, WS, "unknown") is None
    assert await _get(backend.uow, "j1") == RUNNING


async def test_a_save_of_an_older_copy_keeps_a_stored_cancel(
    backend: Backend,
) -> None:
    await _add(backend.uow, RUNNING)
    await _request_cancel(backend.other_process, WS, "j1")
    progressed = _page(RUNNING)

    await _save(backend.uow, progressed)

    stored = await _get(backend.uow, "j1")
    assert stored == msgspec.structs.replace(progressed, cancel_requested=True)


async def test_a_cancelled_end_keeps_the_cancel_flag(backend: Backend) -> None:
    await _add(backend.uow, RUNNING)
    await _request_cancel(backend.uow, WS, "j1")

    await _save(backend.uow, RUNNING.cancel(LATER))

    stored = await _get(backend.uow, "j1")
    assert stored is not None
    assert stored.state is SyncState.CANCELLED
    assert stored.cancel_requested


async def test_another_end_stores_a_cancel_that_came_too_late_as_cleared(
    backend: Backend,
) -> None:
    await _add(backend.uow, RUNNING)
    await _request_cancel(backend.other_process, WS, "j1")

    await _save(backend.uow, RUNNING.succeed(LATER))

    stored = await _get(backend.uow, "j1")
    assert stored == RUNNING.succeed(LATER)
    assert stored is not None
    assert not stored.cancel_requested


async def test_a_cancel_waits_for_a_save_in_flight_then_sees_the_end(
    backend: Backend,
) -> None:
    await _add(backend.uow, RUNNING)
    ended = RUNNING.succeed(LATER)

    async with backend.uow() as run:
        await run.sync_jobs.save(ended)
        cancel = asyncio.create_task(_request_cancel(backend.other_process, WS, "j1"))
        assert await is_waiting(cancel)
        await run.commit()

    assert await cancel == ended
    assert await _get(backend.uow, "j1") == ended


async def test_a_save_waits_for_a_cancel_in_flight_then_keeps_it(
    backend: Backend,
) -> None:
    await _add(backend.uow, RUNNING)
    progressed = _page(RUNNING)

    async with backend.uow() as cancelling:
        await cancelling.sync_jobs.request_cancel(WS, "j1")
        run = asyncio.create_task(_save(backend.other_process, progressed))
        assert await is_waiting(run)
        await cancelling.commit()

    await run
    stored = await _get(backend.uow, "j1")
    assert stored == msgspec.structs.replace(progressed, cancel_requested=True)


def _page(running: SyncJob) -> SyncJob:
    return running.record_page(
        CrmObject.LEAD,
        seen=2,
        written=2,
        deleted=0,
        api_calls=1,
        cursor=None,
        now=LATER,
    )


async def _request_cancel(
    uow_factory: SyncUnitOfWorkFactory, workspace_id: str, job_id: str
) -> SyncJob | None:
    async with uow_factory() as uow:
        got = await uow.sync_jobs.request_cancel(workspace_id, job_id)
        await uow.commit()
    return got


async def _get(uow_factory: SyncUnitOfWorkFactory, job_id: str) -> SyncJob | None:
    async with uow_factory() as uow:
        return await uow.sync_jobs.get(WS, job_id)


async def _add(uow_factory: SyncUnitOfWorkFactory, value: SyncJob) -> None:
    async with uow_factory() as uow:
        await uow.sync_jobs.add(value)
        await uow.commit()


async def _save(uow_factory: SyncUnitOfWorkFactory, value: SyncJob) -> None:
    async with uow_factory() as uow:
        await uow.sync_jobs.save(value)
        await uow.commit()

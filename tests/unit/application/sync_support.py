"""Shared by the sync use-case tests: the `sync` fixture, its fakes and org rows."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import msgspec
import pytest

from application.sync.jobs import StartSync
from application.sync.options import SyncOptions
from application.sync.ports import SyncUnitOfWork, SyncUnitOfWorkFactory
from application.sync.run_sync import RunSync
from domain.crm import CrmObject
from domain.people import Person
from domain.sync import SyncJob, SyncMode, SyncState
from tests.fakes.salesforce import FakeOrg
from tests.unit.application.conftest import ADMIN, App

LEAD, CONTACT, ACCOUNT = CrmObject.LEAD, CrmObject.CONTACT, CrmObject.ACCOUNT


class RecordingScheduler:
    def __init__(self) -> None:
        self.submitted: list[str] = []
        self.cancelled: list[str] = []

    def submit(self, workspace_id: str, job_id: str) -> None:
        self.submitted.append(job_id)

    def cancel(self, workspace_id: str, job_id: str) -> None:
        self.cancelled.append(job_id)


@dataclass
class Sync:
    app: App
    org: FakeOrg
    scheduler: RecordingScheduler
    start: StartSync
    run: RunSync

    async def once(
        self,
        mode: SyncMode = SyncMode.INCREMENTAL,
        *,
        objects: tuple[CrmObject, ...] | None = None,
        uow: SyncUnitOfWorkFactory | None = None,
        **options: Any,
    ) -> SyncJob:
        command = StartSync.Command(actor=ADMIN, mode=mode, objects=objects)
        job = await self.start.execute(command)
        runner = self.runner(uow, **options) if uow or options else self.run
        finished = await runner.execute(job.workspace_id, job.job_id)
        assert finished is not None
        return finished

    def runner(
        self, uow: SyncUnitOfWorkFactory | None = None, **options: Any
    ) -> RunSync:
        app = self.app
        return RunSync(
            uow or app.store.unit_of_work,
            app.session,
            app.salesforce,
            app.clock,
            SyncOptions(settle_seconds=0, **options),
        )

    def people(self) -> list[Person]:
        return [
            p.person for p in self.app.store.people.values() if not p.person.deleted
        ]

    def calls(self) -> int:
        return sum(self.app.salesforce.record_calls.values())


class SlowCommits:
    """Units of work whose commit lets everything else run first, so a page
    planned ahead reads before the write in flight is stored."""

    def __init__(self, uow: SyncUnitOfWorkFactory) -> None:
        self._uow = uow

    def __call__(self) -> SyncUnitOfWork:
        inner = self._uow()
        commit = inner.commit

        async def slow_commit() -> None:
            for _ in range(20):
                await asyncio.sleep(0)
            await commit()

        inner.commit = slow_commit  # type: ignore[method-assign]
        return inner


def after_reading_a_job(
    uow: SyncUnitOfWorkFactory, then: Callable[[SyncJob], Awaitable[None]]
) -> SyncUnitOfWorkFactory:
    """Units of work that call `then` with each job their repository reads
    (by `get`, `get_for_update` or `request_cancel`) before handing it back."""

    def hooked(read: Callable[[str, str], Awaitable[SyncJob | None]]) -> Any:
        async def read_then(workspace_id: str, job_id: str) -> SyncJob | None:
            found = await read(workspace_id, job_id)
            if found is not None:
                await then(found)
            return found

        return read_then

    def factory() -> SyncUnitOfWork:
        inner = uow()
        jobs = inner.sync_jobs
        jobs.get = hooked(jobs.get)  # type: ignore[method-assign]
        jobs.get_for_update = hooked(jobs.get_for_update)  # type: ignore[method-assign]
        jobs.request_cancel = hooked(jobs.request_cancel)  # type: ignore[method-assign]
        return inner

    return factory


def after_saving(
    uow: SyncUnitOfWorkFactory, then: Callable[[SyncJob], Awaitable[None]]
) -> SyncUnitOfWorkFactory:
    """Units of work that call `then` with each job they save, once saved."""

    def factory() -> SyncUnitOfWork:
        inner = uow()
        save = inner.sync_jobs.save

        async def save_then(job: SyncJob, **options: Any) -> None:
            await save(job, **options)
            await then(job)

        inner.sync_jobs.save = save_then  # type: ignore[method-assign]
        return inner

    return factory


def saving_into(
    uow: SyncUnitOfWorkFactory, saved: list[SyncJob]
) -> SyncUnitOfWorkFactory:
    """Units of work that add each job they save to `saved`, in order."""

    def factory() -> SyncUnitOfWork:
        inner = uow()
        save = inner.sync_jobs.save

        async def save_seen(job: SyncJob, **options: Any) -> None:
            saved.append(job)
            await save(job, **options)

        inner.sync_jobs.save = save_seen  # type: ignore[method-assign]
        return inner

    return factory


async def of_other_fields(sync: Sync, stopped: SyncJob) -> SyncJob:
    """`stopped` (a failed run) stored again as if the mapping had changed
    since: its Bulk job of Leads selected other fields."""
    mark = stopped.progress_of(LEAD).bulk
    assert mark is not None
    other = stopped.mark_bulk(LEAD, msgspec.structs.replace(mark, fields=("Id",)))
    async with sync.app.store.unit_of_work() as uow:
        await uow.sync_jobs.save(other, expected=SyncState.FAILED)
        await uow.commit()
    return other


@pytest.fixture
async def sync(app: App) -> Sync:
    await app.connect()
    org = app.salesforce.org
    org.now = app.clock.now() - timedelta(hours=1)
    scheduler = RecordingScheduler()
    options = SyncOptions(settle_seconds=0)
    start = StartSync(app.store.unit_of_work, scheduler, app.clock, options)
    run = RunSync(
        app.store.unit_of_work, app.session, app.salesforce, app.clock, options
    )
    return Sync(app=app, org=org, scheduler=scheduler, start=start, run=run)


def lead(org: FakeOrg, n: int, **values: Any) -> str:
    fields = {"LastName": f"Lead {n}", "Company": "Acme", "Email": f"l{n}@x.example"}
    return org.create(LEAD, {**fields, **values})


def contact(org: FakeOrg, n: int, account_id: str | None = None) -> str:
    values = {"LastName": f"Contact {n}", "Email": f"c{n}@x.example"}
    return org.create(CONTACT, {**values, "AccountId": account_id})

"""Plan page n+1 while page n is being written.

Writing a page mostly waits on the database, planning it is mostly Python;
one after the other, each waits for the other. Here writes stay in page
order, one transaction at a time, and the next page is planned meanwhile
against what the write in flight is storing (`domain.people.overlay`).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from types import TracebackType
from typing import Any

from application.ports import Clock
from application.sync.page_writer import PagePlan, plan_page, write_plan
from application.sync.ports import QueryPage, SyncUnitOfWorkFactory
from domain.crm import CrmObject
from domain.mapping import FieldMapping
from domain.sync import BulkMark, SyncJob

Committed = Callable[[SyncJob, QueryPage], None]


class PagePipeline(contextlib.AbstractAsyncContextManager["PagePipeline"]):
    """Commits one object's pages of one job, in order, one write ahead.

    `job` is the newest job this pipeline knows: the one given, then each
    write's result. A write's error (`Cancelled`, a quota reserve raised by
    `committed`, a database error) comes out of the next `submit` or of
    `drain`; the pages after it are not written.

    Used as an async context manager, it `abandon`s when the block raises:
    a stop then lets the write in flight end first, so the job ends after
    it and the progress shown includes it.
    """

    def __init__(
        self,
        uow: SyncUnitOfWorkFactory,
        clock: Clock,
        job: SyncJob,
        obj: CrmObject,
        mapping: FieldMapping,
        committed: Committed,
    ) -> None:
        self.job = job
        self._uow = uow
        self._clock = clock
        self._obj = obj
        self._mapping = mapping
        self._committed = committed
        self._writing: asyncio.Task[SyncJob] | None = None
        self._pending: PagePlan | None = None

    async def submit(
        self,
        page: QueryPage,
        *,
        api_calls: int,
        advance_cursor: bool = True,
        job: SyncJob | None = None,
        bulk: BulkMark | None = None,
    ) -> SyncJob:
        """Plan `page`, wait for the write before it, start writing it.

        Returns the job as of the write before. `job`, if given, replaces
        ours when no write is in flight (a caller that changed it meanwhile).
        `bulk` is stored with the page (see `write_plan`).
        """
        if job is not None and self._writing is None:
            self.job = job
        plan = await plan_page(
            self._uow,
            self.job.workspace_id,
            self._obj,
            page.records,
            self._mapping,
            self._clock.now(),
            pending=self._pending,
        )
        await self.drain()
        self._pending = plan
        self._writing = asyncio.create_task(
            self._write(self.job, plan, page, api_calls, advance_cursor, bulk)
        )
        return self.job

    async def drain(self) -> SyncJob:
        """Wait for the write in flight; the job after every submitted page.

        A stop (the caller cancelled) does not reach the write: cut at an
        await, its SQLite connection could keep the write lock until the
        garbage collector frees a statement, and the job's pause would wait
        for it. `abandon` then lets it end, committed whole or not at all.
        """
        writing = self._writing
        if writing is not None:
            try:
                self.job = await asyncio.shield(writing)
            finally:
                if writing.done():
                    self._writing = None
            self._pending = None
        return self.job

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is not None:
            await self.abandon()

    async def abandon(self) -> None:
        """Let the write in flight end, committed whole or not at all, and
        drop its outcome: the caller is already failing."""
        writing, self._writing = self._writing, None
        self._pending = None
        if writing is not None:
            with contextlib.suppress(Exception):
                await writing

    async def _write(
        self,
        job: SyncJob,
        plan: PagePlan,
        page: QueryPage,
        api_calls: int,
        advance_cursor: bool,
        bulk: BulkMark | None,
    ) -> SyncJob:
        async with self._uow() as uow:
            job = await write_plan(
                uow,
                job,
                plan,
                api_calls=api_calls,
                now=self._clock.now(),
                advance_cursor=advance_cursor,
                bulk=bulk,
            )
        self._committed(job, page)
        return job


async def abandon(download: asyncio.Future[Any] | None) -> None:
    """Stop a read-ahead whose page will not be committed, and wait until it
    has let go."""
    if download is None:
        return
    download.cancel()
    with contextlib.suppress(BaseException):
        await download

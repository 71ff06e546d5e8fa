"""Application: what every part of one sync run uses: its calls to Salesforce,
each checked against the run's quota budget, its page pipelines, its writes
to the job under the job's lock, and the progress it reports."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from functools import partial
from typing import TypeVar

from application.ports import Clock
from application.session import SalesforceSession
from application.sync.cancel_watch import cut_on_cancel
from application.sync.options import SyncOptions
from application.sync.page_writer import hold_running, stop_if_asked
from application.sync.pipeline import PagePipeline
from application.sync.ports import (
    QueryPage,
    SalesforceRecords,
    SyncProgress,
    SyncUnitOfWork,
    SyncUnitOfWorkFactory,
)
from application.sync.quota import CallBudget
from domain.crm import CrmObject
from domain.mapping import FieldMapping
from domain.soql import SyncCursor
from domain.sync import SyncJob, SyncState
from domain.tokens import TokenSet

T = TypeVar("T")


class RunTools:
    """One run's shared means; `budget` is its own (see `CallBudget`)."""

    def __init__(
        self,
        uow: SyncUnitOfWorkFactory,
        session: SalesforceSession,
        records: SalesforceRecords,
        clock: Clock,
        budget: CallBudget,
        progress: SyncProgress | None = None,
        *,
        org_id: str | None = None,
        cancel_check_seconds: float = SyncOptions().cancel_check_seconds,
    ) -> None:
        self.uow = uow
        self.records = records
        self.clock = clock
        self.budget = budget
        self._session = session
        self._progress = progress
        self._org_id = org_id
        self._cancel_check = cancel_check_seconds
        # Bulk jobs this run started and has not read to their end, by id.
        self._started: dict[str, CrmObject] = {}
        # Calls this run sent (one each, retries and all).
        self._made = 0

    async def call(self, job: SyncJob, call: Callable[[TokenSet], Awaitable[T]]) -> T:
        """Every call of the run: refused once the run's count of the org's
        usage has reached the reserve (see `CallBudget`), and once the
        workspace is connected to another org than the run started on (its
        Bulk jobs and cursors mean nothing there): `NotConnected`. A call
        still waiting (on its retries, or a wait Salesforce asked for) when
        a cancel is stored is cut short: `Cancelled`."""
        self.budget.spend()
        sent = False

        async def answered(tokens: TokenSet) -> T:
            nonlocal sent
            if not sent:  # Once, though a refreshed token sends it again.
                sent = True
                self._made += 1
            try:
                return await call(tokens)
            finally:
                # Every answer tells the org's usage, a refusal's too.
                self.budget.seen(self.records.last_usage(tokens))

        running = self._session.run(job.workspace_id, answered, org_id=self._org_id)
        # Limitation: a Bulk job started by a call cut short is left running
        # unaborted (as with a stop signal): the answer that would tell its
        # id never comes.
        return await self._until_cancelled(job, running)

    async def pause(self, job: SyncJob, seconds: float) -> None:
        """Wait `seconds`, or raise `Cancelled` once a cancel is stored."""
        await self._until_cancelled(job, asyncio.sleep(seconds))

    async def _until_cancelled(self, job: SyncJob, work: Awaitable[T]) -> T:
        """`work`'s outcome, or `Cancelled` once a cancel of `job` is stored
        (or it has ended) while it lasts, looked for every
        `cancel_check_seconds`. Only a read: the run's next write would see
        the cancel as well (`hold_running`)."""

        async def check() -> None:
            async with self.uow() as uow:
                stored = await uow.sync_jobs.get(job.workspace_id, job.job_id)
            stop_if_asked(job, stored)

        return await cut_on_cancel(work, check, self._cancel_check)

    def bulk_started(self, obj: CrmObject, job_id: str) -> None:
        """A Bulk job this run started for `obj`: marked to abort at the
        run's end (`unstored`) unless the run reads it, or stores its mark
        for the next run to go on with."""
        self._started[job_id] = obj

    def bulk_done(self, job_id: str) -> None:
        """A Bulk job this run started is read to its end."""
        self._started.pop(job_id, None)

    def unstored(self, job: SyncJob) -> SyncJob:
        """`job` (as stored) with what this run did and did not store, for
        its end: every Bulk job it started marked to abort, but one it is
        done with or one whose mark it stores (the next run goes on with
        that), and the calls it made and did not count. A job started just
        before a stop (the first page's write refused by a cancel, say) is
        found by the next run this way."""
        for job_id, obj in self._started.items():
            mark = job.progress_of(obj).bulk
            if mark is None or mark.job_id != job_id:
                job = job.to_abort(obj, job_id)
        return job.count_uncounted(self._made, self.clock.now())

    async def pages(self, job: SyncJob, soql: str) -> AsyncIterator[QueryPage]:
        """Every page of a `queryAll`, one call each, the next asked for only
        once the caller is done with the one before."""
        query = partial(self.records.query, soql=soql, include_deleted=True)
        page = await self.call(job, query)
        yield page
        while page.next_records_url is not None:
            more = partial(
                self.records.query_more, next_records_url=page.next_records_url
            )
            page = await self.call(job, more)
            yield page

    async def store(
        self,
        job: SyncJob,
        change: Callable[[SyncJob], SyncJob],
        also: Callable[[SyncUnitOfWork], Awaitable[None]] | None = None,
    ) -> SyncJob:
        """`change` the running job and store it, with `also`'s writes, under
        its lock: raises `Cancelled` if a cancel is stored or the job has
        ended meanwhile."""
        async with self.uow() as uow:
            await hold_running(uow, job)
            job = change(job)
            if also is not None:
                await also(uow)
            await uow.sync_jobs.save(job, expected=SyncState.RUNNING)
            await uow.commit()
        return job

    async def finish_object(self, job: SyncJob, obj: CrmObject) -> SyncJob:
        """`obj` is read to the run's bound: say so in the job and in its
        cursor, unless the object's last write did (see `sweep`)."""
        if job.progress_of(obj).done:
            return job
        finished = partial(SyncJob.finish_object, obj=obj)
        return await self.store(job, finished, partial(self.read_through, job, obj))

    @staticmethod
    def read_through(
        job: SyncJob, obj: CrmObject, uow: SyncUnitOfWork
    ) -> Awaitable[None]:
        """In `uow`: `obj` is read to `job`'s bound, in its cursor."""
        assert job.until is not None
        return uow.cursors.mark_read_through(job.workspace_id, obj, job.until)

    async def start_cursor(self, job: SyncJob, obj: CrmObject) -> SyncCursor | None:
        """Where `obj` starts: its stored cursor, or the beginning when the
        run reads it in full (and goes on with no earlier run's read)."""
        if job.reads_from_start(obj):
            return None
        async with self.uow() as uow:
            return await uow.cursors.get(job.workspace_id, obj)

    def pipeline(
        self, job: SyncJob, obj: CrmObject, mapping: FieldMapping
    ) -> PagePipeline:
        """A pipeline for `obj`'s pages, showing progress as each commits.

        The reserve is checked before the next call (see `call`), not on a
        commit: a run with no call left ends as it would.
        """

        def committed(job: SyncJob, page: QueryPage) -> None:
            if self._progress is not None:
                self._progress.page_committed(job, obj, page.total_size)

        return PagePipeline(self.uow, self.clock, job, obj, mapping, committed)

    def counted(self, job: SyncJob, obj: CrmObject) -> None:
        """Show `obj`'s counts, changed without a page."""
        if self._progress is not None:
            self._progress.counted(job, obj)

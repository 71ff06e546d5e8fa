"""Use case: run one queued sync job to its end, committing page by page."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime, timedelta
from functools import partial
from typing import TypeVar

from application.errors import (
    ApiError,
    CredentialsUnreadable,
    NeedsReauthorization,
    NotConnected,
    QuotaExhausted,
    SalesforceError,
    SyncJobChanged,
)
from application.ports import ApiUsage, Clock
from application.session import SalesforceSession
from application.sync.account_follow_up import AccountFollowUp, follows_accounts
from application.sync.bulk import BulkReader, field_types
from application.sync.describes import DescribeSource
from application.sync.opening import Opening, OpeningAhead, StartedBulk
from application.sync.options import SyncOptions, reserve_reached
from application.sync.page_writer import Cancelled, hold_running, last_cursor
from application.sync.pipeline import PagePipeline, abandon
from application.sync.ports import (
    QueryPage,
    SalesforceRecords,
    SyncProgress,
    SyncUnitOfWorkFactory,
)
from application.sync.problems import problem_for_sync_error, quota_reserve_reached
from application.sync.quota import CallBudget, QuotaReserveReached
from domain import problems
from domain.crm import CrmObject
from domain.default_mapping import DEFAULT_MAPPING
from domain.mapping import FieldMapping
from domain.problems import Problem
from domain.soql import (
    SyncCursor,
    changed_after_query,
    related_query,
    select_fields,
    window_query,
)
from domain.sync import FollowUpMark, SyncJob, SyncMode, SyncState
from domain.tokens import TokenSet

logger = logging.getLogger(__name__)
T = TypeVar("T")
# Ids changed after a run's window, and the calls that read them.
Changed = tuple[set[str], int]
# Accounts stored since when, how far a run got, and the Contacts read up to.
FollowUp = tuple[datetime, FollowUpMark | None, datetime]


class RunSync:
    """Business rules:

    - objects run in order Account, Lead, Contact; each from its committed
      `(SystemModstamp, Id)` cursor (a full sync from the start), up to a bound
      fixed when the run starts;
    - once an object's last page is in, the next object's first page (and
      Bulk job) and the sweep's query are asked for while its last writes go
      on, unless the quota reserve is that close; they are only reads;
    - every page commits its rows, the cursor and the job's progress together,
      so after a kill the next incremental run goes on where it stopped,
      losing and repeating nothing (a full run starts from the beginning);
    - pagination follows `nextRecordsUrl` until Salesforce says done;
    - above `bulk_threshold` rows the rest is read with Bulk API 2.0;
    - the run pauses when the quota reserve is reached or Salesforce says
      REQUEST_LIMIT_EXCEEDED, and never retries hot;
    - a full sync marks records it did not see as deleted;
    - an expired session refreshes (single-flight) and the run continues;
    - a dead grant, or stored tokens no configured key opens, fails the run;
    - each write (page, cursor, sweep, progress) first locks the stored job
      and stops the run if a cancel is stored or the job has ended, so
      nothing is written once a cancel (or a switch to another org) is in.
    """

    def __init__(
        self,
        uow: SyncUnitOfWorkFactory,
        session: SalesforceSession,
        records: SalesforceRecords,
        clock: Clock,
        options: SyncOptions,
        progress: SyncProgress | None = None,
    ) -> None:
        self._uow = uow
        self._session = session
        self._records = records
        self._clock = clock
        self._options = options
        self._progress = progress
        self._bulk = BulkReader(records, clock, options)
        self._describes = DescribeSource(uow, session, records, clock)
        self._account_follow_up = AccountFollowUp(uow, options.related_batch_size)
        self._budgets: dict[str, CallBudget] = {}

    async def execute(self, workspace_id: str, job_id: str) -> SyncJob | None:
        job = await self._start(workspace_id, job_id)
        if job is None:
            return None
        self._budgets[job_id] = CallBudget(self._options.quota_reserve)
        try:
            return await self._run(job)
        finally:
            del self._budgets[job_id]

    async def _run(self, job: SyncJob) -> SyncJob:
        workspace_id = job.workspace_id
        try:
            mapping = await self._mapping(workspace_id)
            follow_up = await self._follow_up_since(job, mapping)
            job = await self._sync_objects(job, mapping)
            if follow_up is not None:
                job = await self._refresh_contacts(job, mapping, follow_up)
        except Cancelled:
            return await self._end(job, SyncState.CANCELLED, None)
        except QuotaReserveReached as exc:
            problem = quota_reserve_reached(exc.usage, job.mode)
            return await self._end(job, SyncState.PAUSED, problem)
        except QuotaExhausted:
            return await self._end(job, SyncState.PAUSED, problems.rate_limited())
        except (NeedsReauthorization, CredentialsUnreadable) as exc:
            return await self._end(job, SyncState.FAILED, exc.problem)
        except (SalesforceError, NotConnected) as exc:
            problem = problem_for_sync_error(exc)
            return await self._end(job, SyncState.FAILED, problem)
        return await self._succeed(job)

    async def _start(self, workspace_id: str, job_id: str) -> SyncJob | None:
        """Move the queued job to running; None if it is not queued, or
        another runner (or a cancel) moved it on first."""
        now = self._clock.now()
        async with self._uow() as uow:
            job = await uow.sync_jobs.get(workspace_id, job_id)
            if job is None or job.state is not SyncState.QUEUED:
                return None
            until = now - timedelta(seconds=self._options.settle_seconds)
            job = job.start(now=now, until=until)
            try:
                await uow.sync_jobs.save(job, expected=SyncState.QUEUED)
            except SyncJobChanged:
                logger.info(
                    "sync not started workspace=%s job=%s: moved on meanwhile",
                    workspace_id,
                    job_id,
                )
                return None
            await uow.commit()
        logger.info(
            "sync started workspace=%s job=%s mode=%s",
            workspace_id,
            job_id,
            job.mode.value,
        )
        return job

    async def _mapping(self, workspace_id: str) -> FieldMapping:
        async with self._uow() as uow:
            return await uow.mappings.get(workspace_id) or DEFAULT_MAPPING

    async def _sync_objects(self, job: SyncJob, mapping: FieldMapping) -> SyncJob:
        ahead = OpeningAhead()
        objects = job.objects
        try:
            for index, obj in enumerate(objects):
                following = objects[index + 1] if index + 1 < len(objects) else None
                job = await self._sync_object(job, obj, mapping, ahead, following)
        finally:
            await ahead.abandon()
        return job

    async def _sync_object(
        self,
        job: SyncJob,
        obj: CrmObject,
        mapping: FieldMapping,
        ahead: OpeningAhead,
        following: CrmObject | None,
    ) -> SyncJob:
        fields = select_fields(obj, mapping.source_fields(obj))
        opening = await ahead.take(obj) or await self._open(job, obj, fields)
        page, calls = opening.page, opening.calls
        changed: asyncio.Future[Changed] | None = None

        def downloaded(usage: ApiUsage | None) -> None:
            """The last page is in: ask for what comes after it meanwhile."""
            nonlocal changed
            full = job.mode is SyncMode.FULL
            # The sweep's query; the next object's first page and Bulk job.
            spending = int(full) + (2 if following is not None else 0)
            if usage is not None and self._reserve_reached(usage, spending=spending):
                return  # near the reserve: one call at a time, as before
            if full:
                changed = asyncio.ensure_future(self._changed_after_window(job, obj))
            if following is not None:
                after_fields = select_fields(
                    following, mapping.source_fields(following)
                )
                ahead.start(
                    following, partial(self._open, job, following, after_fields)
                )

        pipeline = self._pipeline(job, obj, mapping)
        ahead_page: asyncio.Task[tuple[QueryPage, int]] | None = None
        try:
            while True:
                after = last_cursor(page.records) or job.progress_of(obj).cursor
                ahead_page = self._read_ahead(job, obj, fields, page, after)
                next_url = page.next_records_url
                if next_url is None:
                    downloaded(page.api_usage)
                job = await pipeline.submit(page, api_calls=calls)
                if next_url is None:
                    job = await pipeline.drain()
                    break
                if page.total_size > self._options.bulk_threshold:
                    job = await pipeline.drain()
                    job = await self._continue_in_bulk(
                        job, obj, fields, mapping, opening.bulk, downloaded
                    )
                    break
                if ahead_page is None:
                    # Near the reserve: this page is stored before the next
                    # call, which `_call` may refuse.
                    job = await pipeline.drain()
                page, calls = await (
                    ahead_page or self._next_page(job, obj, fields, next_url, after)
                )
                ahead_page = None
            if job.mode is SyncMode.FULL:
                job = await self._sweep(job, obj, changed)
        except BaseException:
            await abandon(ahead_page)
            await abandon(changed)
            await pipeline.abandon()
            raise

        job = await self._store(job, lambda current: current.finish_object(obj))
        self._counted(job, obj)
        return job

    async def _open(
        self, job: SyncJob, obj: CrmObject, fields: tuple[str, ...]
    ) -> Opening:
        """`obj`'s first page and, if its window holds more rows than REST
        should read, the Bulk job for the rest, started before that page is
        written (Salesforce prepares the job meanwhile)."""
        cursor = await self._start_cursor(job, obj)
        assert job.until is not None
        soql = window_query(obj, fields, after=cursor, until=job.until)
        page = await self._call(
            job, lambda t: self._records.query(t, soql, include_deleted=True)
        )
        usage = page.api_usage
        if not self._goes_to_bulk(page) or (
            usage is not None and self._reserve_reached(usage, spending=1)
        ):
            return Opening(page, 1)
        after = last_cursor(page.records) or job.progress_of(obj).cursor
        started = await self._bulk.start(
            job, obj, fields, after, call=lambda c: self._call(job, c)
        )
        return Opening(page, 1, started)

    def _goes_to_bulk(self, page: QueryPage) -> bool:
        return (
            page.next_records_url is not None
            and page.total_size > self._options.bulk_threshold
        )

    def _read_ahead(
        self,
        job: SyncJob,
        obj: CrmObject,
        fields: tuple[str, ...],
        page: QueryPage,
        after: SyncCursor | None,
    ) -> asyncio.Task[tuple[QueryPage, int]] | None:
        """Start downloading the next page while this one commits.

        None when there is no next page, when the rest goes to Bulk, or when
        the quota reserve is one call away (no call is spent past it).
        """
        next_url = page.next_records_url
        if next_url is None or self._goes_to_bulk(page):
            return None
        usage = page.api_usage
        if usage is not None and self._reserve_reached(usage, spending=1):
            return None
        return asyncio.create_task(self._next_page(job, obj, fields, next_url, after))

    async def _next_page(
        self,
        job: SyncJob,
        obj: CrmObject,
        fields: tuple[str, ...],
        next_url: str,
        after: SyncCursor | None,
    ) -> tuple[QueryPage, int]:
        """The page at `next_url`, and the API calls it took; `after` is the
        last row before it, where an expired cursor is asked again from."""
        try:
            following = await self._call(
                job, partial(self._records.query_more, next_records_url=next_url)
            )
        except ApiError as exc:
            if exc.error_code != "INVALID_QUERY_LOCATOR":
                raise
        else:
            return following, 1
        # Query cursors expire and are limited per user: ask again from the
        # last committed row, which loses and repeats nothing.
        logger.warning(
            "query cursor expired workspace=%s object=%s: querying again",
            job.workspace_id,
            obj.value,
        )
        assert job.until is not None
        soql = window_query(obj, fields, after=after, until=job.until)
        again = await self._call(
            job, partial(self._records.query, soql=soql, include_deleted=True)
        )
        return again, 2

    async def _follow_up_since(
        self, job: SyncJob, mapping: FieldMapping
    ) -> FollowUp | None:
        """From when Accounts need their Contacts re-read, how far an earlier
        run got at it, and up to which Contact modstamp (later ones this run
        reads anyway); None if not at all (no `Account.*` rule, or this run
        reads every Contact)."""
        if CrmObject.CONTACT not in job.objects or not follows_accounts(mapping):
            return None
        cursor = await self._start_cursor(job, CrmObject.CONTACT)
        if cursor is None:
            return None
        since, resume = await self._account_follow_up.since(job.workspace_id)
        return since, resume, cursor.modstamp

    async def _refresh_contacts(
        self, job: SyncJob, mapping: FieldMapping, follow_up: FollowUp
    ) -> SyncJob:
        """Re-read the Contacts of Accounts stored since the first bound that
        the run's own Contact window did not read (changed by the third),
        going on after the second; each batch done is marked in the job."""
        since, resume, read_up_to = follow_up
        obj = CrmObject.CONTACT
        fields = select_fields(obj, mapping.source_fields(obj))
        assert job.until is not None
        changed = self._account_follow_up.changed(job.workspace_id, since, resume)
        async for batch, mark in changed:
            # Contacts changed after the start cursor were just read with
            # the stored Accounts' new values: not again.
            soql = related_query(
                obj,
                fields,
                reference="AccountId",
                ids=batch,
                until=min(job.until, read_up_to),
            )
            # One page at a time: the quota is checked before each next call.
            pipeline = self._pipeline(job, obj, mapping)
            async for page in self._pages(job, soql):
                await pipeline.submit(page, api_calls=1, advance_cursor=False)
                job = await pipeline.drain()
            job = await self._store(job, partial(SyncJob.follow_up_to, mark=mark))
        return job

    async def _continue_in_bulk(
        self,
        job: SyncJob,
        obj: CrmObject,
        fields: tuple[str, ...],
        mapping: FieldMapping,
        started: StartedBulk | None,
        downloaded: Callable[[ApiUsage | None], None],
    ) -> SyncJob:
        describes, calls = await self._describes.get(
            job.workspace_id, before_call=self._budgets[job.job_id].spend
        )
        job = job.count_calls(obj, calls, self._clock.now())
        pipeline = self._pipeline(job, obj, mapping)

        async def commit(
            current: SyncJob, page: QueryPage, calls: int, advance: bool
        ) -> SyncJob:
            return await pipeline.submit(
                page, api_calls=calls, advance_cursor=advance, job=current
            )

        async def save_cursor(current: SyncJob, cursor: SyncCursor) -> SyncJob:
            current = await pipeline.drain()
            async with self._uow() as uow:
                await hold_running(uow, current)
                await uow.cursors.set(current.workspace_id, obj, cursor)
                await uow.commit()
            return current

        try:
            await self._bulk.read(
                job,
                obj,
                fields,
                field_types(fields, obj, describes),
                call=lambda c: self._call(job, c),
                commit=commit,
                save_cursor=save_cursor,
                polled=lambda current: self._polled(current, obj),
                settle=pipeline.drain,
                started=started,
                downloaded=downloaded,
            )
            return await pipeline.drain()
        except BaseException:
            await pipeline.abandon()
            raise

    async def _polled(self, job: SyncJob, obj: CrmObject) -> SyncJob:
        """Count a status poll and beat the heart, so a long Bulk job neither
        looks dead to StartSync nor ignores a cancel."""
        now = self._clock.now()
        job = await self._store(job, lambda current: current.count_calls(obj, 1, now))
        self._counted(job, obj)
        return job

    async def _store(
        self, job: SyncJob, change: Callable[[SyncJob], SyncJob]
    ) -> SyncJob:
        """`change` the running job and store it, under its lock: raises
        `Cancelled` if a cancel is stored or the job has ended meanwhile."""
        async with self._uow() as uow:
            await hold_running(uow, job)
            job = change(job)
            await uow.sync_jobs.save(job, expected=SyncState.RUNNING)
            await uow.commit()
        return job

    async def _start_cursor(self, job: SyncJob, obj: CrmObject) -> SyncCursor | None:
        if job.mode is SyncMode.FULL:
            return None
        async with self._uow() as uow:
            return await uow.cursors.get(job.workspace_id, obj)

    async def _call(self, job: SyncJob, call: Callable[[TokenSet], Awaitable[T]]) -> T:
        """Every call of the run: refused once the run's count of the org's
        usage has reached the reserve (see `CallBudget`)."""
        budget = self._budgets[job.job_id]
        budget.spend()
        answer = await self._session.run(job.workspace_id, call)
        budget.seen(getattr(answer, "api_usage", None))
        return answer

    def _pipeline(
        self, job: SyncJob, obj: CrmObject, mapping: FieldMapping
    ) -> PagePipeline:
        def committed(job: SyncJob, page: QueryPage) -> None:
            self._page_committed(job, obj, page)

        return PagePipeline(self._uow, self._clock, job, obj, mapping, committed)

    def _page_committed(self, job: SyncJob, obj: CrmObject, page: QueryPage) -> None:
        """Show progress. The reserve is checked before the next call (see
        `_call`), not here: a run with no call left ends as it would."""
        if self._progress is not None:
            self._progress.page_committed(job, obj, page.total_size)

    def _reserve_reached(self, usage: ApiUsage, *, spending: int = 0) -> bool:
        return reserve_reached(usage, self._options.quota_reserve, spending=spending)

    async def _sweep(
        self, job: SyncJob, obj: CrmObject, changed: asyncio.Future[Changed] | None
    ) -> SyncJob:
        """Mark what the full run did not see as deleted, except rows changed
        after its window: no page showed them, yet they exist. `changed` is
        that query if it was asked for once the last page was in."""
        alive, calls = await (changed or self._changed_after_window(job, obj))
        async with self._uow() as uow:
            await hold_running(uow, job)
            if obj is CrmObject.ACCOUNT:
                swept = await uow.companies.sweep_unseen(
                    job.workspace_id, job.job_id, keep=alive
                )
            else:
                swept = await uow.people.sweep_unseen(
                    job.workspace_id, obj, job.job_id, keep=alive
                )
            job = job.count_calls(obj, calls, self._clock.now())
            await uow.sync_jobs.save(job, expected=SyncState.RUNNING)
            await uow.commit()
        logger.info(
            "full sync swept workspace=%s object=%s missing=%d changed_since=%d",
            job.workspace_id,
            obj.value,
            swept,
            len(alive),
        )
        return job

    async def _changed_after_window(self, job: SyncJob, obj: CrmObject) -> Changed:
        """Ids of `obj` rows changed after the run's bound (deleted ones too),
        and the API calls it took to read them.

        Each next page is asked for only while the quota reserve is not
        reached; reached, the run pauses before its sweep, which needs them
        all.
        """
        assert job.until is not None
        soql = changed_after_query(obj, job.until)
        ids: set[str] = set()
        calls = 0
        # Limitation: a pause between these pages (`_call` refusing the next)
        # leaves the calls spent on them out of the job's count: they are
        # stored with the sweep.
        async for page in self._pages(job, soql):
            ids.update(record["Id"] for record in page.records)
            calls += 1
        return ids, calls

    async def _pages(self, job: SyncJob, soql: str) -> AsyncIterator[QueryPage]:
        """Every page of a `queryAll`, one call each, the next asked for only
        once the caller is done with the one before."""
        page = await self._call(
            job, partial(self._records.query, soql=soql, include_deleted=True)
        )
        yield page
        while page.next_records_url is not None:
            page = await self._call(
                job,
                partial(
                    self._records.query_more, next_records_url=page.next_records_url
                ),
            )
            yield page

    async def _succeed(self, job: SyncJob) -> SyncJob:
        """End the run's job as succeeded: every page is written, so a cancel
        stored after the last write came too late and is cleared; an end
        another writer stored meanwhile stands."""
        async with self._uow() as uow:
            ended = job.succeed(self._clock.now())
            try:
                await uow.sync_jobs.save(ended, expected=SyncState.RUNNING)
            except SyncJobChanged:
                return await uow.sync_jobs.get(job.workspace_id, job.job_id) or job
            await uow.commit()
        return self._finished(ended)

    async def _end(
        self, job: SyncJob, state: SyncState, problem: Problem | None
    ) -> SyncJob:
        """End the stored job (it holds the last committed progress), read
        and written under its lock, so an end stored meanwhile stands."""
        async with self._uow() as uow:
            stored = await uow.sync_jobs.get_for_update(job.workspace_id, job.job_id)
            if stored is None or not stored.is_active:
                return stored or job
            now = self._clock.now()
            if state is SyncState.CANCELLED:
                ended = stored.cancel(now)
            elif state is SyncState.PAUSED:
                assert problem is not None
                ended = stored.pause(problem, now)
            else:
                assert problem is not None
                ended = stored.fail(problem, now)
            await uow.sync_jobs.save(ended, expected=stored.state)
            await uow.commit()
        return self._finished(ended)

    def _counted(self, job: SyncJob, obj: CrmObject) -> None:
        if self._progress is not None:
            self._progress.counted(job, obj)

    def _finished(self, job: SyncJob) -> SyncJob:
        for obj in job.objects:  # The counts the report shows.
            self._counted(job, obj)
        logger.info(
            "sync finished workspace=%s job=%s state=%s problem=%s",
            job.workspace_id,
            job.job_id,
            job.state.value,
            job.problem.code if job.problem else None,
        )
        return job

"""Application: one object's part of a sync run: its REST pages, read one
ahead, and past `bulk_threshold` rows its Bulk job; then, in a full run, its
sweep."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from functools import partial

from application.errors import ApiError
from application.ports import ApiUsage
from application.sync.bulk import BulkMeans, BulkReader, field_types
from application.sync.describes import DescribeSource
from application.sync.opening import Opening, OpeningAhead, StartedBulk
from application.sync.options import SyncOptions, reserve_reached
from application.sync.page_writer import last_cursor
from application.sync.pipeline import abandon
from application.sync.ports import QueryPage, SyncUnitOfWork
from application.sync.run_tools import RunTools
from application.sync.sweep import Changed, changed_after_window, sweep
from domain.crm import CrmObject
from domain.mapping import FieldMapping
from domain.soql import SyncCursor, select_fields, window_query
from domain.sync import BulkMark, SyncJob

logger = logging.getLogger(__name__)


class ObjectSync:
    """Reads and stores one object after another for one run (see `RunSync`
    for the rules)."""

    def __init__(
        self,
        tools: RunTools,
        options: SyncOptions,
        bulk: BulkReader,
        describes: DescribeSource,
    ) -> None:
        self._tools = tools
        self._options = options
        self._bulk = bulk
        self._describes = describes

    async def run(
        self,
        job: SyncJob,
        obj: CrmObject,
        mapping: FieldMapping,
        ahead: OpeningAhead,
        following: CrmObject | None,
    ) -> SyncJob:
        """Sync `obj`; once its last page is in, ask `ahead` for `following`'s
        opening calls, unless the quota reserve is that close."""
        tools = self._tools
        fields = select_fields(obj, mapping.source_fields(obj))
        if job.progress_of(obj).bulk is None:
            opening = await ahead.take(obj) or await self.open(job, obj, fields)
        else:
            await ahead.abandon()  # none is asked for (see `downloaded`)
            job = await self._go_on_in_bulk(job, obj, fields, mapping)
            opening = await self.open(job, obj, fields)
        page, calls = opening.page, opening.calls
        until = job.until
        assert until is not None
        changed: asyncio.Future[Changed] | None = None

        def downloaded(usage: ApiUsage | None) -> None:
            """The last page is in: ask for what comes after it meanwhile."""
            nonlocal changed
            full = job.reads_in_full(obj)
            # The next object's opening, unless it first goes on with a Bulk
            # job an earlier run stopped in: it reads on from where that
            # job ends, not from its cursor now.
            opens = following is not None and job.progress_of(following).bulk is None
            # The sweep's query; the next object's first page and Bulk job.
            spending = int(full) + (2 if opens else 0)
            if usage is not None and self._reserve_reached(usage, spending=spending):
                return  # near the reserve: one call at a time, as before
            if full:
                changed = asyncio.ensure_future(changed_after_window(tools, job, obj))
            if opens and following is not None:
                after_fields = select_fields(
                    following, mapping.source_fields(following)
                )
                ahead.start(following, partial(self.open, job, following, after_fields))

        ahead_page: asyncio.Task[tuple[QueryPage, int]] | None = None
        async with tools.pipeline(job, obj, mapping) as pipeline:
            try:
                while True:
                    after = (
                        last_cursor(page.records, until) or job.progress_of(obj).cursor
                    )
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
                        # call, which `RunTools.call` may refuse.
                        job = await pipeline.drain()
                    page, calls = await (
                        ahead_page or self._next_page(job, obj, fields, next_url, after)
                    )
                    ahead_page = None
                if job.reads_in_full(obj):
                    job = await sweep(
                        tools,
                        job,
                        obj,
                        changed,
                        related_batch=self._options.related_batch_size,
                    )
            except BaseException:
                await abandon(ahead_page)
                await abandon(changed)
                raise

        job = await tools.finish_object(job, obj)
        tools.counted(job, obj)
        return job

    async def open(
        self, job: SyncJob, obj: CrmObject, fields: tuple[str, ...]
    ) -> Opening:
        """`obj`'s first page and, if its window holds more rows than REST
        should read, the Bulk job for the rest, started before that page is
        written (Salesforce prepares the job meanwhile)."""
        tools = self._tools
        cursor = await tools.start_cursor(job, obj)
        assert job.until is not None
        soql = window_query(obj, fields, after=cursor, until=job.until)
        page = await tools.call(
            job, lambda t: tools.records.query(t, soql, include_deleted=True)
        )
        usage = page.api_usage
        if not self._goes_to_bulk(page) or (
            usage is not None and self._reserve_reached(usage, spending=1)
        ):
            return Opening(page, 1)
        after = last_cursor(page.records, job.until) or job.progress_of(obj).cursor
        started = await self._bulk.start(
            job,
            obj,
            fields,
            after,
            call=lambda c: tools.call(job, c),
            on_start=partial(tools.bulk_started, obj),
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
        tools = self._tools
        try:
            following = await tools.call(
                job, partial(tools.records.query_more, next_records_url=next_url)
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
        again = await tools.call(
            job, partial(tools.records.query, soql=soql, include_deleted=True)
        )
        return again, 2

    async def _continue_in_bulk(
        self,
        job: SyncJob,
        obj: CrmObject,
        fields: tuple[str, ...],
        mapping: FieldMapping,
        started: StartedBulk | None,
        downloaded: Callable[[ApiUsage | None], None],
    ) -> SyncJob:
        return await self._in_bulk(
            job,
            obj,
            fields,
            mapping,
            lambda job, types, means: self._bulk.read(
                job, obj, fields, types, means, started=started, downloaded=downloaded
            ),
        )

    async def abort_left(self, job: SyncJob, obj: CrmObject, job_id: str) -> SyncJob:
        """Abort the Bulk job an earlier run left for `obj` that this run
        does not go on with (see `domain.full_reads.bulk_jobs_left`)."""
        logger.info(
            "aborting bulk query job %s an earlier sync left workspace=%s object=%s",
            job_id,
            job.workspace_id,
            obj.value,
        )
        tools = self._tools
        return await self._bulk.abort(
            job,
            obj,
            job_id,
            lambda c: tools.call(job, c),
            lambda current: self._polled(current, obj, aborted=job_id),
        )

    async def _go_on_in_bulk(
        self,
        job: SyncJob,
        obj: CrmObject,
        fields: tuple[str, ...],
        mapping: FieldMapping,
    ) -> SyncJob:
        """Store the rest of the Bulk job an earlier run stopped in, which
        moves the cursor to where the job ends; forget a job that selected
        other fields (the mapping changed since), and abort it if it had not
        finished: the read from the cursor brings its rows again."""
        mark = job.progress_of(obj).bulk
        assert mark is not None
        if mark.fields != fields:
            return await self._in_bulk(
                job,
                obj,
                fields,
                mapping,
                lambda job, _types, means: self._bulk.drop(job, obj, means),
            )
        logger.info(
            "going on with a stopped bulk query workspace=%s object=%s",
            job.workspace_id,
            obj.value,
        )
        return await self._in_bulk(
            job,
            obj,
            fields,
            mapping,
            lambda job, types, means: self._bulk.go_on(job, obj, types, means),
        )

    async def _in_bulk(
        self,
        job: SyncJob,
        obj: CrmObject,
        fields: tuple[str, ...],
        mapping: FieldMapping,
        read: Callable[[SyncJob, dict[str, str], BulkMeans], Awaitable[SyncJob]],
    ) -> SyncJob:
        """`read` a Bulk job's results with the means it commits them by."""
        tools = self._tools
        describes, calls = await self._describes.get(
            job.workspace_id, call=partial(tools.call, job)
        )
        job = job.count_calls(obj, calls, tools.clock.now())
        pipeline = tools.pipeline(job, obj, mapping)

        async def commit(
            current: SyncJob, page: QueryPage, calls: int, mark: BulkMark
        ) -> SyncJob:
            return await pipeline.submit(
                page, api_calls=calls, advance_cursor=False, job=current, bulk=mark
            )

        async def save_cursor(current: SyncJob, cursor: SyncCursor | None) -> SyncJob:
            """Store where the job moved the cursor, if anywhere, and forget
            the job. The job shows the cursor it stores: a later run goes on
            from a stopped read only where the two agree."""
            current = await pipeline.drain()

            def moved(job: SyncJob) -> SyncJob:
                job = job.mark_bulk(obj, None)
                return job if cursor is None else job.move_cursor(obj, cursor)

            async def store_cursor(uow: SyncUnitOfWork) -> None:
                if cursor is not None:
                    await uow.cursors.set(current.workspace_id, obj, cursor)

            done = current.progress_of(obj).bulk
            pipeline.job = await tools.store(current, moved, also=store_cursor)
            if done is not None:
                tools.bulk_done(done.job_id)
            return pipeline.job

        async def polled(current: SyncJob) -> SyncJob:
            # Before any page: the pipeline's job is the newest there is.
            pipeline.job = await self._polled(current, obj)
            return pipeline.job

        means = BulkMeans(
            call=lambda c: tools.call(job, c),
            commit=commit,
            save_cursor=save_cursor,
            polled=polled,
            settle=pipeline.drain,
            pause=partial(tools.pause, job),
            started=partial(tools.bulk_started, obj),
        )
        async with pipeline:
            await read(job, field_types(fields, obj, describes), means)
            return await pipeline.drain()

    async def _polled(
        self, job: SyncJob, obj: CrmObject, *, aborted: str | None = None
    ) -> SyncJob:
        """Count a status poll and beat the heart, so a long Bulk job neither
        looks dead to StartSync nor ignores a cancel; if the call `aborted`
        a job left for `obj`, that is done with too."""
        now = self._tools.clock.now()

        def counted(current: SyncJob) -> SyncJob:
            current = current.count_calls(obj, 1, now)
            return current if aborted is None else current.aborted(obj, aborted)

        job = await self._tools.store(job, counted)
        self._tools.counted(job, obj)
        return job

    def _reserve_reached(self, usage: ApiUsage, *, spending: int = 0) -> bool:
        return reserve_reached(usage, self._options.quota_reserve, spending=spending)

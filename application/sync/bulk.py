"""Continue a large object's sync with a Bulk API 2.0 query job."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime
from functools import partial
from typing import Any, TypedDict

import msgspec

from application.errors import (
    ApiDisabled,
    ApiError,
    ApiVersionRetired,
    QuotaExhausted,
    SalesforceUnavailable,
)
from application.ports import ApiUsage, Clock
from application.sync.opening import StartedBulk
from application.sync.options import SyncOptions, reserve_reached
from application.sync.pipeline import abandon
from application.sync.ports import BulkPage, QueryPage, Record, SalesforceRecords
from domain.crm import CrmObject, ObjectDescribe
from domain.mapping import resolve_field
from domain.soql import SyncCursor, cursor_limit, parse_record_datetime, window_query
from domain.sync import BulkMark, SyncJob
from domain.tokens import TokenSet

logger = logging.getLogger(__name__)
Call = Callable[[Callable[[TokenSet], Awaitable[Any]]], Awaitable[Any]]
Commit = Callable[[SyncJob, QueryPage, int, BulkMark], Awaitable[SyncJob]]
SaveCursor = Callable[[SyncJob, SyncCursor | None], Awaitable[SyncJob]]
Polled = Callable[[SyncJob], Awaitable[SyncJob]]
Settle = Callable[[], Awaitable[SyncJob]]
Pause = Callable[[float], Awaitable[None]]
Started = Callable[[str], None]
Downloaded = Callable[[ApiUsage | None], None]


class BulkMeans(TypedDict):
    """What a run gives `BulkReader` to make its calls and commit by.

    `polled` is told after each call that brings no page (the job's start,
    each status poll): it records the call and a heartbeat, and raises
    `Cancelled` if asked to stop. `commit` raises to stop the run (a
    cancel, the quota reserve); the download in flight is then cancelled.
    `settle` waits for the commits in flight and raises as they would.
    `save_cursor` stores the cursor the job moves to (None: it moves
    nowhere) and forgets the job. `pause` waits between status polls, and
    raises `Cancelled` if asked to stop meanwhile. `started` is told the id
    of each job the reader starts, as soon as Salesforce answers.
    """

    call: Call
    commit: Commit
    save_cursor: SaveCursor
    polled: Polled
    settle: Settle
    pause: Pause
    started: Started


FINISHED = "JobComplete"
BROKEN = frozenset({"Failed", "Aborted"})
BULK_JOB_FAILED = "BULK_JOB_FAILED"
# Records committed together, whatever a Bulk page holds: bounded, so a
# commit's work and memory do not grow with the page; larger than a REST
# page, as fewer commits cost less per record (benchmarks/README.md, item 26).
COMMIT_BATCH = 5_000


TIMED_OUT = "the Bulk API query job did not finish in time"
GIVEN_UP = (
    "the Bulk API query job still did not finish after a second run's wait, "
    "so it was given up; the next sync starts a new one"
)


class BulkJobUnfinished(SalesforceUnavailable):
    """Raised when a query job is still not finished after
    `bulk_timeout_seconds` of polling."""


def field_types(
    fields: tuple[str, ...],
    obj: CrmObject,
    describes: dict[CrmObject, ObjectDescribe],
) -> dict[str, str]:
    """Describe types of the selected fields, so CSV text can become typed values."""
    types: dict[str, str] = {}
    for name in fields:
        described = resolve_field(name, obj, describes)
        types[name] = described.type if described else "string"
    return types


class BulkReader:
    """Runs a query job for the rest of the window and commits its pages.

    Bulk results come in no promised order, so the cursor moves only when the
    whole job is committed. Until then each commit also stores how far the
    job's results are stored (`BulkMark`), and the next run goes on with the
    job from there (`go_on`) rather than read its rows again: a page stopped
    halfway is fetched again, which upserts absorb without duplicates.
    """

    def __init__(
        self,
        records: SalesforceRecords,
        clock: Clock,
        options: SyncOptions,
        *,
        commit_batch: int = COMMIT_BATCH,
    ) -> None:
        self._records = records
        self._clock = clock
        self._options = options
        self._commit_batch = commit_batch

    async def read(
        self,
        job: SyncJob,
        obj: CrmObject,
        fields: tuple[str, ...],
        types: dict[str, str],
        means: BulkMeans,
        *,
        started: StartedBulk | None = None,
        downloaded: Downloaded | None = None,
    ) -> SyncJob:
        """Start a job for `obj`'s rows after its cursor, or take `started`
        (a job already started for this window) if it starts there, and
        store its results by `means`; `downloaded` is told once the last
        page is in, with its usage."""
        after = job.progress_of(obj).cursor
        if started is None or started.after != after:
            started = await self.start(
                job, obj, fields, after, call=means["call"], on_start=means["started"]
            )
        mark = BulkMark(job_id=started.job_id, after=after, fields=fields)
        # The start's call counts now: a run paused while the job is still
        # being prepared has spent it, and the next run can go on with it.
        job = await means["polled"](job.mark_bulk(obj, mark))
        job = await self._wait(job, mark.job_id, means)
        return await self._store_results(job, mark, types, means, downloaded)

    async def go_on(
        self,
        job: SyncJob,
        obj: CrmObject,
        types: dict[str, str],
        means: BulkMeans,
    ) -> SyncJob:
        """Store what is left of the Bulk job an earlier run stopped in (the
        `BulkMark` in `job`'s progress of `obj`), as `read` would.

        If Salesforce no longer has the job or its results, or the job
        failed, it is forgotten with the cursor where it was: the caller
        reads on from there, as if there had been no job. A job still not
        finished after this run's wait too (two runs' `bulk_timeout_seconds`)
        is forgotten as well, and the run fails as a timeout does: the next
        one starts a job of its own rather than wait on this one again.
        """
        mark = job.progress_of(obj).bulk
        assert mark is not None
        try:
            if not mark.complete:
                job = await self._wait(job, mark.job_id, means)
            return await self._store_results(job, mark, types, means, None)
        except BulkJobUnfinished:
            logger.warning(
                "bulk query job still unfinished workspace=%s object=%s: given up",
                job.workspace_id,
                obj.value,
            )
            # Aborted first: a run that may not make the call (the quota
            # reserve, a cancel) keeps the job for the next one to find.
            job = await means["settle"]()  # with the wait's polls counted
            job = await self.abort(
                job, obj, mark.job_id, means["call"], means["polled"]
            )
            await means["save_cursor"](job, None)
            raise BulkJobUnfinished(GIVEN_UP) from None
        except ApiError as exc:
            if not _gone(exc):
                raise
            logger.warning(
                "bulk query job gone workspace=%s object=%s (%s): reading again",
                job.workspace_id,
                obj.value,
                exc.error_code,
            )
            # The refused call counts, as a poll does.
            job = await means["polled"](await means["settle"]())
            return await means["save_cursor"](job, None)

    async def drop(self, job: SyncJob, obj: CrmObject, means: BulkMeans) -> SyncJob:
        """Abort the Bulk job an earlier run stopped in (its fields are no
        longer the mapping's) unless it had finished: a run stored some of
        its results only then. Then forget it, with the cursor where it was.
        One that finished before the stop stored any refuses the abort, which
        is logged and costs the call."""
        mark = job.progress_of(obj).bulk
        assert mark is not None
        logger.info(
            "bulk query job of other fields dropped workspace=%s object=%s",
            job.workspace_id,
            obj.value,
        )
        if not mark.results_stored:
            # First, as above: a run that may not abort it keeps it.
            job = await self.abort(
                job, obj, mark.job_id, means["call"], means["polled"]
            )
        return await means["save_cursor"](job, None)

    async def abort(
        self, job: SyncJob, obj: CrmObject, job_id: str, call: Call, polled: Polled
    ) -> SyncJob:
        """Abort a job no run will read, so that Salesforce stops preparing
        its results. One call, counted as a poll is (`polled`); if the job
        ended meanwhile, or Salesforce cannot be reached, it is left as it
        is: the caller forgets it either way. A call the run may not make
        (`QuotaReserveReached`, `Cancelled`) raises, and the caller keeps it."""
        try:
            await call(lambda t: self._records.abort_bulk_query(t, job_id))
        except (ApiError, SalesforceUnavailable) as exc:
            logger.warning(
                "bulk query job %s not aborted workspace=%s object=%s (%s)",
                job_id,
                job.workspace_id,
                obj.value,
                getattr(exc, "error_code", None) or type(exc).__name__,
            )
        return await polled(job)

    async def _store_results(
        self,
        job: SyncJob,
        mark: BulkMark,
        types: dict[str, str],
        means: BulkMeans,
        downloaded: Downloaded | None,
    ) -> SyncJob:
        """Fetch and commit the job's pages from `mark.locator` on, then move
        the cursor to the newest row stored from the job."""
        call, commit = means["call"], means["commit"]
        job_id = mark.job_id
        locator = mark.locator
        page = None
        if not mark.complete:
            page = await self._fetch(call, job_id, locator, types)
        calls = 1
        while page is not None:
            # The next page downloads (Salesforce renders it meanwhile) while
            # this one commits; the one before is gone, so at most two are
            # held at once.
            ahead = self._read_ahead(call, job_id, page, types)
            if page.locator is None and downloaded is not None:
                downloaded(page.api_usage)
            try:
                job, mark = await self._commit(job, page, locator, calls, mark, commit)
            except BaseException:
                await abandon(ahead)
                raise
            locator = page.locator
            del page
            if locator is None:
                break
            if ahead is None:
                # Near the quota reserve: the commits in flight decide, as
                # they do for the read-ahead, whether one more call may go.
                job = await means["settle"]()
                ahead = asyncio.ensure_future(self._fetch(call, job_id, locator, types))
            page = await ahead
            ahead = None
            calls = 1
        newest = mark.newest
        return await means["save_cursor"](job, newest if newest != mark.after else None)

    async def start(
        self,
        job: SyncJob,
        obj: CrmObject,
        fields: tuple[str, ...],
        after: SyncCursor | None,
        *,
        call: Call,
        on_start: Started,
    ) -> StartedBulk:
        """Start a query job for `obj`'s rows after `after` in the run's
        window; `on_start` is told its id at once, before anything else
        (a write the run may stop at) can come between."""
        assert job.until is not None
        soql = window_query(obj, fields, after=after, until=job.until, ordered=False)
        job_id = str(
            await call(
                lambda t: self._records.start_bulk_query(t, soql, include_deleted=True)
            )
        )
        on_start(job_id)
        logger.info(
            "bulk query started workspace=%s object=%s", job.workspace_id, obj.value
        )
        return StartedBulk(job_id, after)

    def _read_ahead(
        self, call: Call, job_id: str, page: BulkPage, types: dict[str, str]
    ) -> asyncio.Future[BulkPage] | None:
        """The next page's download, started now; None after the last page, or
        when one more call would reach the quota reserve (the commit decides)."""
        if page.locator is None:
            return None
        usage = page.api_usage
        if usage is not None and reserve_reached(
            usage, self._options.quota_reserve, spending=1
        ):
            return None
        return asyncio.ensure_future(self._fetch(call, job_id, page.locator, types))

    async def _fetch(
        self, call: Call, job_id: str, locator: str | None, types: dict[str, str]
    ) -> BulkPage:
        page = await call(
            partial(self._page, job_id=job_id, locator=locator, types=types)
        )
        assert isinstance(page, BulkPage)
        return page

    async def _commit(
        self,
        job: SyncJob,
        page: BulkPage,
        fetched_with: str | None,
        calls: int,
        mark: BulkMark,
        commit: Commit,
    ) -> tuple[SyncJob, BulkMark]:
        """Commit the page in batches of a REST page's size (an empty page too:
        its call counts), so the work of one commit does not grow with
        `bulk_page_size`. Each batch stores how far the job is stored: a page
        committed in part is fetched again (with `fetched_with`), and once
        it is whole, the next one."""
        records = page.records
        size = self._commit_batch
        until = job.until
        assert until is not None
        for start in range(0, max(len(records), 1), size):
            batch = records[start : start + size]
            whole = start + size >= len(records)
            mark = msgspec.structs.replace(
                mark,
                newest=max_cursor(mark.newest, batch, until),
                locator=page.locator if whole else fetched_with,
                complete=whole and page.locator is None,
            )
            as_query = QueryPage(
                records=batch,
                total_size=0,
                next_records_url=None,
                api_usage=page.api_usage,
            )
            job = await commit(job, as_query, calls, mark)
            calls = 0
        return job, mark

    async def _page(
        self, tokens: TokenSet, job_id: str, locator: str | None, types: dict[str, str]
    ) -> BulkPage:
        return await self._records.bulk_results(
            tokens,
            job_id,
            locator=locator,
            max_records=self._options.bulk_page_size,
            field_types=types,
        )

    async def _wait(self, job: SyncJob, job_id: str, means: BulkMeans) -> SyncJob:
        """Poll the job until it is finished, with pauses growing to
        `bulk_poll_max_seconds`; the last pause ends at `bulk_timeout_seconds`
        and one more poll follows it, so the wait neither overshoots its
        timeout nor ends on a pause."""
        call, polled = means["call"], means["polled"]
        timeout = self._options.bulk_timeout_seconds
        delay = self._options.bulk_poll_seconds
        waited = 0.0
        while True:
            state = await call(lambda t: self._records.bulk_query_state(t, job_id))
            job = await polled(job)
            if state == FINISHED:
                return job
            if state in BROKEN:
                raise ApiError(
                    f"the Bulk API query job ended {state}",
                    error_code=BULK_JOB_FAILED,
                    status=200,
                )
            if waited >= timeout:
                raise BulkJobUnfinished(TIMED_OUT)
            pause = min(delay, timeout - waited)
            await means["pause"](pause)
            waited += pause
            delay = min(delay * 2, self._options.bulk_poll_max_seconds)


def _gone(exc: ApiError) -> bool:
    """Whether `exc` says a job cannot be gone on with: Salesforce refuses
    the job (its results deleted, a locator it no longer knows) or the job
    failed. Not a refusal of the org's API as a whole (quota, access, a
    retired version), which a new job would meet as well."""
    if isinstance(exc, QuotaExhausted | ApiDisabled | ApiVersionRetired):
        return False
    return exc.error_code == BULK_JOB_FAILED or 400 <= exc.status < 500


def max_cursor(
    current: SyncCursor | None, records: Iterable[Record], until: datetime
) -> SyncCursor | None:
    """The newest of `current` and `records`' rows stamped within the window
    ending at `until`, and before its second (see `last_cursor`)."""
    bound = cursor_limit(until)
    best = current
    for record in records:
        modstamp = parse_record_datetime(record["SystemModstamp"])
        if modstamp > bound:
            continue
        candidate = SyncCursor(modstamp=modstamp, record_id=record["Id"])
        if best is None or candidate > best:
            best = candidate
    return best

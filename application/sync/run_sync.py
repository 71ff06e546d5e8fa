"""Use case: run one queued sync job to its end, committing page by page."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from application.errors import (
    ApplicationError,
    CredentialsUnreadable,
    NeedsReauthorization,
    NotConnected,
    QuotaExhausted,
    SalesforceError,
    StorageUnavailable,
    SyncJobChanged,
)
from application.ports import Clock
from application.session import SalesforceSession
from application.sync.account_follow_up import AccountFollowUp
from application.sync.bulk import BulkReader
from application.sync.contact_refresh import follow_up_since, refresh_contacts
from application.sync.describes import DescribeSource
from application.sync.history import history
from application.sync.object_sync import ObjectSync
from application.sync.opening import OpeningAhead
from application.sync.options import SyncOptions
from application.sync.page_writer import Cancelled
from application.sync.ports import (
    SalesforceRecords,
    SyncProgress,
    SyncUnitOfWork,
    SyncUnitOfWorkFactory,
)
from application.sync.problems import (
    database_lost,
    problem_for_sync_error,
    quota_reserve_reached,
)
from application.sync.quota import CallBudget, QuotaReserveReached
from application.sync.run_end import end, keep_unstored, succeed
from application.sync.run_tools import RunTools
from domain import problems
from domain.crm import CrmObject
from domain.default_mapping import DEFAULT_MAPPING
from domain.full_reads import bulk_jobs_left, choose_full_reads, last_of_each_found
from domain.mapping import FieldMapping
from domain.soql import SyncCursor
from domain.sync import SyncJob, SyncMode, SyncState

logger = logging.getLogger(__name__)
# Jobs read at a time while looking back for each object's last sync.
HISTORY_PAGE = 20


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
    - a full sync marks records it did not see as deleted; so does an
      incremental one for each object last read to its end longer ago than
      Salesforce keeps deleted records (`misses_deletions`), which it reads
      from the start, and for each object whose full read the last job of
      it stopped short, which it reads on from where that read stopped;
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

    async def execute(self, workspace_id: str, job_id: str) -> SyncJob | None:
        # The org first: one connected after it cancels this job, queued or
        # running, and the run's calls refuse to go to it.
        org_id = await self._session.org_of(workspace_id)
        server_now = await self._server_now(workspace_id)
        job = await self._start(workspace_id, job_id, server_now)
        if job is None:
            return None
        tools = RunTools(
            self._uow,
            self._session,
            self._records,
            self._clock,
            CallBudget(self._options.quota_reserve),
            self._progress,
            org_id=org_id,
            cancel_check_seconds=self._options.cancel_check_seconds,
        )
        return await self._run(tools, job)

    async def _run(self, tools: RunTools, job: SyncJob) -> SyncJob:
        accounts = self._account_follow_up
        try:
            mapping = await self._mapping(job.workspace_id)
            left = job.jobs_to_abort()
            follow_up = await follow_up_since(tools, accounts, job, mapping)
            job = await self._sync_objects(tools, job, mapping, left)
            if follow_up is not None:
                job = await refresh_contacts(tools, accounts, job, mapping, follow_up)
        except Cancelled:
            return await end(tools, job, SyncState.CANCELLED, None)
        except QuotaReserveReached as exc:
            problem = quota_reserve_reached(exc.usage, job.mode)
            return await end(tools, job, SyncState.PAUSED, problem)
        except QuotaExhausted:
            return await end(tools, job, SyncState.PAUSED, problems.rate_limited())
        except (NeedsReauthorization, CredentialsUnreadable) as exc:
            return await end(tools, job, SyncState.FAILED, exc.problem)
        except (SalesforceError, NotConnected) as exc:
            problem = problem_for_sync_error(exc)
            return await end(tools, job, SyncState.FAILED, problem)
        except StorageUnavailable as exc:
            logger.warning(
                "sync lost the database workspace=%s job=%s",
                job.workspace_id,
                job.job_id,
            )
            problem = database_lost(job.mode, exc)
            # Limitation: if the database refuses this end too, the Bulk jobs
            # the run started and did not record (`RunTools.unstored`) are not
            # stored anywhere, and no later run aborts them.
            return await end(tools, job, SyncState.FAILED, problem)
        except (asyncio.CancelledError, Exception):
            # A stop signal (the task cancelled), or a bug: the caller ends
            # the job, and should know what Bulk jobs this run leaves, and its calls.
            await asyncio.shield(keep_unstored(tools, job))
            raise
        return await succeed(tools, job)

    async def _server_now(self, workspace_id: str) -> datetime | None:
        """Salesforce's clock, if its answer tells; a failure here is the
        first call's to report."""
        try:
            return await self._session.run(workspace_id, self._records.server_time)
        except ApplicationError as exc:
            logger.debug(
                "salesforce time unknown workspace=%s (%s)",
                workspace_id,
                type(exc).__name__,
            )
            return None

    async def _start(
        self, workspace_id: str, job_id: str, server_now: datetime | None
    ) -> SyncJob | None:
        """Move the queued job to running; None if it is not queued, or
        another runner (or a cancel) moved it on first.

        The run's bound is `settle_seconds` before now by the earlier of our
        clock and Salesforce's: modstamps are Salesforce's, and a bound ahead
        of its clock would let the cursor pass rows still being stamped. What
        it reads how is chosen in the same transaction (`_reads_chosen`).
        """
        now = self._clock.now()
        async with self._uow() as uow:
            job = await uow.sync_jobs.get(workspace_id, job_id)
            if job is None or job.state is not SyncState.QUEUED:
                return None
            until = run_bound(now, server_now, self._options.settle_seconds)
            job = await _reads_chosen(uow, job.start(now=now, until=until))
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
        _log_full_reads(job)
        return job

    async def _mapping(self, workspace_id: str) -> FieldMapping:
        async with self._uow() as uow:
            return await uow.mappings.get(workspace_id) or DEFAULT_MAPPING

    async def _sync_objects(
        self,
        tools: RunTools,
        job: SyncJob,
        mapping: FieldMapping,
        left: Sequence[tuple[CrmObject, str]],
    ) -> SyncJob:
        """Sync each object in turn, after aborting the Bulk jobs earlier
        runs left (`left`, by object): all first, so that few runs stop with
        one marked to abort. A run that does leaves the rest to the next."""
        objects = ObjectSync(tools, self._options, self._bulk, self._describes)
        for obj, job_id in left:
            job = await objects.abort_left(job, obj, job_id)
        ahead = OpeningAhead()
        order = job.objects
        try:
            for index, obj in enumerate(order):
                following = order[index + 1] if index + 1 < len(order) else None
                job = await objects.run(job, obj, mapping, ahead, following)
        finally:
            await ahead.abandon()
        return job


async def _reads_chosen(uow: SyncUnitOfWork, job: SyncJob) -> SyncJob:
    """`job`, just started, with the objects this incremental run reads in
    full marked (`choose_full_reads`): those whose deletions since their
    last complete read may be purged, and those whose full read the last run
    of them left unfinished (a pause, a stop). That read goes on from where
    it stopped, not from the start, or a read that one day's quota cannot
    hold would never reach the newest rows; this run sweeps it.

    Also marked: the Bulk jobs earlier runs stopped in that this one does not
    go on with, to abort (`bulk_jobs_left`). The marks are stored with the
    start, as this run counts as each object's last sync from then on: one
    that stops before its aborts leaves them to the next.
    """
    cursors = {o: await uow.cursors.get(job.workspace_id, o) for o in job.objects}
    read_through = {
        o: await uow.cursors.read_through(job.workspace_id, o) for o in job.objects
    }
    earlier = await _back_to_each_last_sync(uow, job, cursors)
    if job.mode is SyncMode.INCREMENTAL:
        job = choose_full_reads(job, earlier, cursors, read_through)
    for obj, job_id in bulk_jobs_left(job, earlier):
        job = job.to_abort(obj, job_id)
    return job


async def _back_to_each_last_sync(
    uow: SyncUnitOfWork,
    job: SyncJob,
    cursors: Mapping[CrmObject, SyncCursor | None],
) -> list[SyncJob]:
    """The syncs before `job`, newest first, back to the last one to store
    any of each of its objects that has a cursor (an object without one has
    no read to go on with), however many syncs came between; and at
    least the newest `HISTORY_PAGE`, as an object without a cursor may still
    have Bulk jobs to abort (a sync stopped before its first page left)."""
    # Limitation: for such an object only the newest syncs are looked at, so
    # a job left that many syncs of other objects ago is not aborted.
    wanted = [obj for obj in job.objects if cursors.get(obj) is not None]
    earlier: list[SyncJob] = []
    before = None
    while True:
        page = await history(uow.sync_jobs, job.workspace_id, HISTORY_PAGE, before)
        earlier += [other for other in page.items if other.job_id != job.job_id]
        if page.next_before is None or last_of_each_found(wanted, earlier):
            return earlier
        before = page.next_before


def _log_full_reads(job: SyncJob) -> None:
    for obj in job.objects:
        progress = job.progress_of(obj)
        if progress.continues is not None:
            logger.warning(
                "incremental sync goes on with %s's unfinished full read "
                "workspace=%s: from its last committed page, swept at the end",
                obj.value,
                job.workspace_id,
            )
        elif progress.read_in_full:
            logger.warning(
                "incremental sync reads %s in full workspace=%s: its last "
                "complete read is older than Salesforce keeps deleted records",
                obj.value,
                job.workspace_id,
            )


def run_bound(now: datetime, server_now: datetime | None, settle: float) -> datetime:
    """A run's upper bound: `settle` seconds before the earlier clock (see
    `cursor_limit` for the second the bound falls in)."""
    behind = now if server_now is None else min(now, server_now)
    # Salesforce's Date header has whole seconds: less than one says nothing.
    if behind < now - timedelta(seconds=max(settle / 2, 1.0)):
        logger.warning(
            "salesforce's clock is %.0f s behind ours: the sync's bound follows it",
            (now - behind).total_seconds(),
        )
    return behind - timedelta(seconds=settle)

"""Use cases: request, cancel, show and list sync jobs."""

from __future__ import annotations

import logging
from datetime import datetime

import msgspec

from application.access import domain_rules, require_manager
from application.errors import (
    Conflict,
    NotFound,
    SyncJobChanged,
    SyncNotScheduled,
    shown_id,
)
from application.ports import Clock, ProcessLiveness
from application.session import usable
from application.sync.history import SyncHistory, history
from application.sync.options import SyncOptions
from application.sync.orphans import SyncOrphans
from application.sync.ports import (
    SyncScheduler,
    SyncUnitOfWork,
    SyncUnitOfWorkFactory,
)
from domain.crm import CrmObject
from domain.sync import SyncJob, SyncMode, SyncState
from domain.workspace import Actor

logger = logging.getLogger(__name__)

MAX_LISTED = 100


class Queued(msgspec.Struct, frozen=True, kw_only=True):
    """A job `StartSync.queue` added, and the orphan it ended on its way."""

    job: SyncJob
    orphan: SyncJob | None


class StartSync:
    """Business rules:

    - only an Owner or Admin may start a sync, and only when connected;
    - one sync at a time per workspace: another active one is a conflict,
      unless its worker died (its process's lock reads free, or no progress
      for `stale_after_seconds`), which then ends as failed;
    - the job is queued and handed to the scheduler; the answer is at once;
      a job the scheduler cannot take ends failed at once, not left queued.
    """

    class Command(msgspec.Struct, frozen=True, kw_only=True):
        """`job_id`, when given, names the new job: `crmbridge sync` picks it
        to hold the job's liveness lock from before the job is queued."""

        actor: Actor
        mode: SyncMode = SyncMode.INCREMENTAL
        objects: tuple[CrmObject, ...] | None = None
        job_id: str | None = None

    def __init__(
        self,
        uow: SyncUnitOfWorkFactory,
        scheduler: SyncScheduler,
        clock: Clock,
        options: SyncOptions,
        liveness: ProcessLiveness | None = None,
    ) -> None:
        self._uow = uow
        self._scheduler = scheduler
        self._clock = clock
        self._orphans = SyncOrphans(liveness, clock, options.stale_after_seconds)

    async def execute(self, command: Command) -> SyncJob:
        require_manager(command.actor, "start a sync")
        async with self._uow() as uow:
            queued = await self.queue(uow, command)
            await uow.commit()
        return await self.submit(queued)

    async def clear_way(self, uow: SyncUnitOfWork, workspace_id: str) -> SyncJob | None:
        """In the caller's transaction: lock the connection's row until it
        ends (the lock serialises concurrent starts), refuse an unusable
        connection or a live sync (`Conflict`), and end an orphaned one;
        that one is returned, for `cleared` once the caller commits."""
        usable(await uow.connections.get_for_update(workspace_id))
        return await self._end_if_orphaned(uow, workspace_id)

    def cleared(self, orphan: SyncJob | None) -> None:
        """An orphan `clear_way` ended is committed: forget its lock."""
        if orphan is not None:
            self._orphans.forget(orphan)

    async def queue(self, uow: SyncUnitOfWork, command: Command) -> Queued:
        """`clear_way`, then add `command`'s job, in the caller's
        transaction; after the commit, `submit` hands it to the scheduler."""
        orphan = await self.clear_way(uow, command.actor.workspace_id)
        return Queued(job=await self.add(uow, command), orphan=orphan)

    async def add(self, uow: SyncUnitOfWork, command: Command) -> SyncJob:
        """Add `command`'s job in the caller's transaction, whose
        `clear_way` let it."""
        with domain_rules():
            job = SyncJob.request(
                workspace_id=command.actor.workspace_id,
                mode=command.mode,
                objects=command.objects,
                requested_by=command.actor.subject,
                now=self._clock.now(),
                job_id=command.job_id,
            )
        await uow.sync_jobs.add(job)
        return job

    async def submit(self, queued: Queued) -> SyncJob:
        """Hand a committed job to the scheduler; one it cannot take ends
        failed at once (`SyncNotScheduled`)."""
        self.cleared(queued.orphan)
        job = queued.job
        try:
            self._scheduler.submit(job.workspace_id, job.job_id)
        except SyncNotScheduled as exc:
            await self._fail_unscheduled(job, exc)
            raise
        logger.info(
            "sync queued workspace=%s job=%s mode=%s",
            job.workspace_id,
            job.job_id,
            job.mode.value,
        )
        return job

    async def _fail_unscheduled(self, job: SyncJob, exc: SyncNotScheduled) -> None:
        """Queued, a job no runner took would block the next one until stale.

        Only while it is still queued: a runner that started it meanwhile
        (one restarting right now) keeps it.
        """
        async with self._uow() as uow:
            current = await uow.sync_jobs.get(job.workspace_id, job.job_id)
            if current is None or current.state is not SyncState.QUEUED:
                return
            failed = current.fail(exc.problem, self._clock.now())
            try:
                await uow.sync_jobs.save(failed, expected=SyncState.QUEUED)
            except SyncJobChanged:
                return
            await uow.commit()
        logger.warning(
            "sync not scheduled workspace=%s job=%s: ended as failed",
            job.workspace_id,
            job.job_id,
        )

    async def _end_if_orphaned(
        self, uow: SyncUnitOfWork, workspace_id: str
    ) -> SyncJob | None:
        """The orphan ended, if one was in the way; the caller commits."""
        active = await uow.sync_jobs.active(workspace_id)
        if active is None:
            return None
        if not self._orphans.is_orphan(active):
            raise Conflict(
                "a sync is already running for this workspace",
                hint=f"Wait for sync {active.job_id} to end, or cancel it.",
            )
        await self._orphans.end(uow, active)
        return active


class CancelSync:
    """Owner or Admin; a queued job ends at once, a running one at its next
    page, and a running one whose worker died (its process's lock reads free,
    or silent too long) at once."""

    def __init__(
        self,
        uow: SyncUnitOfWorkFactory,
        scheduler: SyncScheduler,
        clock: Clock,
        options: SyncOptions | None = None,
        liveness: ProcessLiveness | None = None,
    ) -> None:
        self._uow = uow
        self._scheduler = scheduler
        self._clock = clock
        stale_after = (options or SyncOptions()).stale_after_seconds
        self._orphans = SyncOrphans(liveness, clock, stale_after)

    async def execute(self, actor: Actor, job_id: str) -> SyncJob:
        require_manager(actor, "cancel a sync")
        async with self._uow() as uow:
            # Only the flag is written: a run's progress or end, committed
            # since anyone read the job, stays as it is.
            job = await uow.sync_jobs.request_cancel(actor.workspace_id, job_id)
            if job is None:
                raise NotFound(f"no sync {shown_id(job_id)} in this workspace")
            with domain_rules(hint="Only a queued or running sync can be cancelled."):
                job.request_cancel()  # Refuses a job that had already ended.

            # The flag's write locks the row: a live run cannot store its
            # end, nor let its lock go, before this commits.
            if job.started_at is None or self._orphans.is_orphan(job):
                read = job.state
                job = job.cancel(self._clock.now())
                await uow.sync_jobs.save(job, expected=read)
            await uow.commit()
        if not job.is_active:
            self._orphans.forget(job)
        self._scheduler.cancel(actor.workspace_id, job_id)
        logger.info(
            "sync cancel requested workspace=%s job=%s", actor.workspace_id, job_id
        )
        return job


class GetSync:
    """Any member; a job of another workspace is not found."""

    def __init__(self, uow: SyncUnitOfWorkFactory) -> None:
        self._uow = uow

    async def execute(self, actor: Actor, job_id: str) -> SyncJob:
        async with self._uow() as uow:
            job = await uow.sync_jobs.get(actor.workspace_id, job_id)
        if job is None:
            raise NotFound(f"no sync {shown_id(job_id)} in this workspace")
        return job


class ListSyncs:
    """Any member; newest first, at most 100 per page, older via `before`."""

    def __init__(self, uow: SyncUnitOfWorkFactory) -> None:
        self._uow = uow

    async def execute(
        self, actor: Actor, *, limit: int = 20, before: datetime | None = None
    ) -> SyncHistory:
        limit = max(1, min(limit, MAX_LISTED))
        async with self._uow() as uow:
            return await history(uow.sync_jobs, actor.workspace_id, limit, before)

"""Run one sync job to an end, whatever happens: the part every runner shares.

`RunSync` ends a job itself on everything Salesforce can answer. What is left
is ours: a bug (the job fails, one stack trace is logged) and a shutdown (the
job pauses; its cursors hold the last committed page, so the next sync goes on
from there). A queue consumer added later runs jobs through this class too.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Protocol

from application.errors import StorageUnavailable, SyncJobChanged
from application.ports import Clock, ProcessLiveness
from application.sync.ports import SyncUnitOfWorkFactory
from application.sync.problems import database_lost, started_again
from domain.problems import Problem
from domain.sync import SyncJob, SyncMode

logger = logging.getLogger(__name__)


def stopped(mode: SyncMode) -> Problem:
    return Problem(
        code="sync_stopped",
        message="The sync stopped before it finished: the service or command "
        "running it shut down.",
        hint=f"Start the sync again: {started_again(mode)}",
    )


def crashed(mode: SyncMode) -> Problem:
    return Problem(
        code="internal_error",
        message="The sync stopped on an unexpected error on our side.",
        hint=f"Start the sync again: {started_again(mode)} If it keeps failing, "
        "contact support.",
    )


class JobRunner(Protocol):
    """What runs a queued job: `RunSync`. None when the job was not queued."""

    async def execute(self, workspace_id: str, job_id: str) -> SyncJob | None: ...


JobRunnerFactory = Callable[[], Awaitable[JobRunner]]


class SyncJobExecutor:
    """Runs a job with a fresh `RunSync` and makes sure it does not stay running.

    While it runs, and until its end is stored, it holds the job's liveness
    lock: a process that finds the lock free knows this one died. Once the
    end is stored, the lock's file goes with the lock; a job left active (its
    end could not be stored) leaves it, so others end the job at once.
    """

    def __init__(
        self,
        run_sync: JobRunnerFactory,
        uow: SyncUnitOfWorkFactory,
        clock: Clock,
        liveness: ProcessLiveness | None = None,
    ) -> None:
        self._run_sync = run_sync
        self._uow = uow
        self._clock = clock
        self._liveness = liveness

    async def run(
        self, workspace_id: str, job_id: str, *, claimed: bool = False
    ) -> SyncJob | None:
        """The job as it ended; None if it was no longer queued, or another
        live process runs it. `claimed`: the caller holds `claim` already."""
        if claimed:
            return await self._run(workspace_id, job_id)
        with self.claim(workspace_id, job_id) as ours:
            if not ours:
                logger.warning(
                    "sync not run here, another process runs it workspace=%s job=%s",
                    workspace_id,
                    job_id,
                )
                return None
            return await self._run(workspace_id, job_id)

    def claim(
        self, workspace_id: str, job_id: str
    ) -> contextlib.AbstractContextManager[bool]:
        """The job's liveness lock (see `ProcessLiveness.running`)."""
        if self._liveness is None:
            return contextlib.nullcontext(True)
        return self._liveness.running(workspace_id, job_id)

    async def _run(self, workspace_id: str, job_id: str) -> SyncJob | None:
        try:
            use_case = await self._run_sync()
            ended = await use_case.execute(workspace_id, job_id)
        except asyncio.CancelledError:
            await self.stop(workspace_id, job_id)
            raise
        except StorageUnavailable as exc:
            # Its start (or the reads chosen with it) met no database, or the
            # run lost it and could not store its end either.
            logger.warning(
                "sync stopped without its database workspace=%s job=%s: %s",
                workspace_id,
                job_id,
                exc.message,
            )
            lost = partial(database_lost, exc=exc)
            ended = await self._end(workspace_id, job_id, lost, resumable=False)
        except Exception as exc:
            logger.error(
                "sync crashed workspace=%s job=%s", workspace_id, job_id, exc_info=exc
            )
            ended = await self._end(workspace_id, job_id, crashed, resumable=False)
        await self._forget_if_over(workspace_id, job_id, ended)
        return ended

    async def stop(self, workspace_id: str, job_id: str) -> SyncJob | None:
        """Pause the job as a shutdown does (`sync_stopped`), unless it has
        ended, and let its lock go once its end is stored. For a stop that
        came while the job was being queued too: stored queued, it would
        wait for the next sync's start to end it as interrupted. None if
        the job is not stored (its lock stays: it may be stored yet) or its
        end could not be."""
        ended = await self._end(workspace_id, job_id, stopped, resumable=True)
        if ended is not None:
            await self._forget_if_over(workspace_id, job_id, ended)
        return ended

    async def _forget_if_over(
        self, workspace_id: str, job_id: str, ended: SyncJob | None
    ) -> None:
        """Forget the job's lock file if its end is stored; read the store
        when `ended` cannot say (RunSync found it not queued, or no end was
        stored)."""
        if self._liveness is None:
            return
        if ended is None or ended.is_active:
            try:
                async with self._uow() as uow:
                    ended = await uow.sync_jobs.get(workspace_id, job_id)
            except Exception as exc:
                logger.debug("sync job lock kept, job unread: %s", exc)
                return
        if ended is None or not ended.is_active:
            self._liveness.forget(workspace_id, job_id)

    async def _end(
        self,
        workspace_id: str,
        job_id: str,
        problem: Callable[[SyncMode], Problem],
        *,
        resumable: bool,
    ) -> SyncJob | None:
        """Pause (resumable) or fail the job, unless it has ended already."""
        try:
            return await self._store_end(workspace_id, job_id, problem, resumable)
        except StorageUnavailable as exc:
            # A known condition, said in words, not a stack trace.
            logger.error(
                "could not end sync workspace=%s job=%s as %s: %s; it ends as "
                "interrupted at the next sync's start, or serve's, once the "
                "database is back",
                workspace_id,
                job_id,
                problem(SyncMode.FULL).code,
                exc.message,
            )
            return None
        except Exception as exc:
            # Left running, the job ends under StartSync's stale rule instead.
            logger.error(
                "could not end sync workspace=%s job=%s as %s",
                workspace_id,
                job_id,
                problem(SyncMode.FULL).code,
                exc_info=exc,
            )
            return None

    async def _store_end(
        self,
        workspace_id: str,
        job_id: str,
        problem: Callable[[SyncMode], Problem],
        resumable: bool,
    ) -> SyncJob | None:
        try:
            async with self._uow() as uow:
                job = await uow.sync_jobs.get(workspace_id, job_id)
                if job is None or not job.is_active:
                    return job
                now = self._clock.now()
                end = job.pause if resumable else job.fail
                ended = end(problem(job.mode), now)
                await uow.sync_jobs.save(ended, expected=job.state)
                await uow.commit()
        except SyncJobChanged:
            # Moved since it was read (another runner started it, a cancel or
            # the orphan check ended it): what that writer stored stands.
            async with self._uow() as uow:
                return await uow.sync_jobs.get(workspace_id, job_id)
        logger.warning(
            "sync ended workspace=%s job=%s state=%s problem=%s",
            workspace_id,
            job_id,
            ended.state.value,
            ended.problem.code if ended.problem else None,
        )
        return ended

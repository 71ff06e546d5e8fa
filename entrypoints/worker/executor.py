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
from typing import Protocol

from application.ports import Clock
from application.sync.ports import JobLiveness, SyncUnitOfWorkFactory
from application.sync.problems import started_again
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
    lock: a process that finds the lock free knows this one died.
    """

    def __init__(
        self,
        run_sync: JobRunnerFactory,
        uow: SyncUnitOfWorkFactory,
        clock: Clock,
        liveness: JobLiveness | None = None,
    ) -> None:
        self._run_sync = run_sync
        self._uow = uow
        self._clock = clock
        self._liveness = liveness

    async def run(self, workspace_id: str, job_id: str) -> SyncJob | None:
        """The job as it ended; None if it was no longer queued, or another
        live process runs it."""
        with self._held(workspace_id, job_id) as ours:
            if not ours:
                logger.warning(
                    "sync not run here, another process runs it workspace=%s job=%s",
                    workspace_id,
                    job_id,
                )
                return None
            return await self._run(workspace_id, job_id)

    def _held(
        self, workspace_id: str, job_id: str
    ) -> contextlib.AbstractContextManager[bool]:
        if self._liveness is None:
            return contextlib.nullcontext(True)
        return self._liveness.running(workspace_id, job_id)

    async def _run(self, workspace_id: str, job_id: str) -> SyncJob | None:
        try:
            use_case = await self._run_sync()
            return await use_case.execute(workspace_id, job_id)
        except asyncio.CancelledError:
            await self._end(workspace_id, job_id, stopped, resumable=True)
            raise
        except Exception as exc:
            logger.error(
                "sync crashed workspace=%s job=%s", workspace_id, job_id, exc_info=exc
            )
            return await self._end(workspace_id, job_id, crashed, resumable=False)

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
        async with self._uow() as uow:
            job = await uow.sync_jobs.get(workspace_id, job_id)
            if job is None or not job.is_active:
                return job
            now = self._clock.now()
            end = job.pause if resumable else job.fail
            ended = end(problem(job.mode), now)
            await uow.sync_jobs.save(ended)
            await uow.commit()
        logger.warning(
            "sync ended workspace=%s job=%s state=%s problem=%s",
            workspace_id,
            job_id,
            ended.state.value,
            ended.problem.code if ended.problem else None,
        )
        return ended

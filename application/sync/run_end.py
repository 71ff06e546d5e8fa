"""Application: how a sync run ends its job (succeeded, paused, failed or
cancelled) without overwriting an end stored meanwhile."""

from __future__ import annotations

import logging

from application.errors import SyncJobChanged
from application.sync.run_tools import RunTools
from domain.problems import Problem
from domain.sync import SyncJob, SyncState

logger = logging.getLogger(__name__)


async def succeed(tools: RunTools, job: SyncJob) -> SyncJob:
    """End the run's job as succeeded: every page is written, so a cancel
    stored after the last write came too late and is cleared; an end another
    writer stored meanwhile stands."""
    async with tools.uow() as uow:
        ended = job.succeed(tools.clock.now())
        try:
            await uow.sync_jobs.save(ended, expected=SyncState.RUNNING)
        except SyncJobChanged:
            return await uow.sync_jobs.get(job.workspace_id, job.job_id) or job
        await uow.commit()
    return _finished(tools, ended)


async def end(
    tools: RunTools, job: SyncJob, state: SyncState, problem: Problem | None
) -> SyncJob:
    """End the stored job (it holds the last committed progress), read and
    written under its lock, so an end stored meanwhile stands."""
    async with tools.uow() as uow:
        stored = await uow.sync_jobs.get_for_update(job.workspace_id, job.job_id)
        if stored is None or not stored.is_active:
            return stored or job
        now = tools.clock.now()
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
    return _finished(tools, ended)


def _finished(tools: RunTools, job: SyncJob) -> SyncJob:
    for obj in job.objects:  # The counts the report shows.
        tools.counted(job, obj)
    logger.info(
        "sync finished workspace=%s job=%s state=%s problem=%s",
        job.workspace_id,
        job.job_id,
        job.state.value,
        job.problem.code if job.problem else None,
    )
    return job

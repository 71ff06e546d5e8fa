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
        ended = tools.unstored(job).succeed(tools.clock.now())
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
        marked = tools.unstored(stored)
        if state is SyncState.CANCELLED:
            ended = marked.cancel(now)
        elif state is SyncState.PAUSED:
            assert problem is not None
            ended = marked.pause(problem, now)
        else:
            assert problem is not None
            ended = marked.fail(problem, now)
        await uow.sync_jobs.save(ended, expected=stored.state)
        await uow.commit()
    return _finished(tools, ended)


async def keep_unstored(tools: RunTools, job: SyncJob) -> None:
    """Before the run stops on something it does not end the job for (a
    stop signal, a bug): store what it did and did not store
    (`RunTools.unstored`): the Bulk jobs it started and will not read, for
    the next run to abort, and its calls. Failing that, the stop goes on as
    it came."""
    try:
        async with tools.uow() as uow:
            stored = await uow.sync_jobs.get_for_update(job.workspace_id, job.job_id)
            if stored is None or not stored.is_active:
                return
            marked = tools.unstored(stored)
            if marked == stored:
                return
            await uow.sync_jobs.save(marked, expected=stored.state)
            await uow.commit()
    except Exception as exc:
        logger.warning(
            "bulk query jobs to abort and calls not stored workspace=%s job=%s: %s",
            job.workspace_id,
            job.job_id,
            type(exc).__name__,
        )


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

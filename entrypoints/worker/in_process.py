"""The default runner: sync jobs as asyncio tasks of the service process.

The embedded default needs no other server. Another runner (a queue consumer,
say) is another `SyncScheduler` whose `submit` enqueues `(workspace, job)` and
whose worker process calls `SyncJobExecutor.run` for each message.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Protocol, runtime_checkable

from application.sync.orphans import SyncOrphans
from application.sync.ports import SyncScheduler, SyncUnitOfWorkFactory
from domain.sync import SyncJob, SyncState
from entrypoints.worker.executor import SyncJobExecutor

logger = logging.getLogger(__name__)

Key = tuple[str, str]


@runtime_checkable
class ServiceTask(Protocol):
    """Something the service starts after its resources and stops before them."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


async def cancel_and_wait(task: asyncio.Task[None] | None) -> None:
    """Cancel a service's background task, if any, and wait until it ends."""
    if task is None:
        return
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


class InProcessSyncScheduler(SyncScheduler, ServiceTask):
    """Runs each submitted job as a task; at most `workers` talk to Salesforce.

    - `submit` returns at once; the task waits for a free slot;
    - `cancel` drops a job still waiting for a slot (CancelSync has ended it);
      a running one stops by itself at its next page, where RunSync reads the
      job's cancel flag;
    - `start` ends active jobs whose process's lock reads free
      (`sync_interrupted`: a killed run, or a job a killed `crmbridge sync`
      queued), resubmits the other queued jobs a dead process left behind,
      and leaves the other running ones to StartSync's stale rule (their
      worker may live on);
    - `stop` cancels every task: each job ends paused, resumable from its
      last committed page.

    Limitation: one service per database. Two would both resubmit a queued
    job at start-up, and RunSync's start is not a compare-and-set. (The
    workers of one `crmbridge serve` share one runner: see `shared.py`.)
    """

    def __init__(
        self,
        executor: SyncJobExecutor,
        uow: SyncUnitOfWorkFactory,
        *,
        workers: int = 2,
        stop_timeout: float = 10.0,
        orphans: SyncOrphans | None = None,
    ) -> None:
        self._executor = executor
        self._uow = uow
        self._orphans = orphans
        self._slots = asyncio.Semaphore(workers)
        self._stop_timeout = stop_timeout
        self._tasks: dict[Key, asyncio.Task[None]] = {}
        self._running: set[Key] = set()
        self._stopping = False

    @property
    def jobs(self) -> frozenset[Key]:
        """`(workspace, job)` of every task waiting or running."""
        return frozenset(self._tasks)

    def submit(self, workspace_id: str, job_id: str) -> None:
        key = (workspace_id, job_id)
        if self._stopping:
            logger.warning(
                "sync not started, the service is stopping workspace=%s job=%s; "
                "it stays queued for the next start",
                workspace_id,
                job_id,
            )
            return
        if key in self._tasks:
            return
        task = asyncio.get_running_loop().create_task(
            self._run(key), name=f"sync {job_id}"
        )
        self._tasks[key] = task
        task.add_done_callback(lambda _: self._tasks.pop(key, None))

    def cancel(self, workspace_id: str, job_id: str) -> None:
        key = (workspace_id, job_id)
        task = self._tasks.get(key)
        if task is not None and key not in self._running:
            task.cancel()

    async def start(self) -> None:
        async with self._uow() as uow:
            left = await uow.sync_jobs.all_active()
        for job in left:
            if await self._ended_if_lost(job):
                logger.warning(
                    "a sync was %s when its process died workspace=%s "
                    "job=%s: ended as interrupted; a new sync goes on from "
                    "its last committed page",
                    job.state.value,
                    job.workspace_id,
                    job.job_id,
                )
            elif job.state is SyncState.QUEUED:
                logger.info(
                    "resubmitting a queued sync workspace=%s job=%s",
                    job.workspace_id,
                    job.job_id,
                )
                self.submit(job.workspace_id, job.job_id)
            else:
                logger.warning(
                    "a sync was running when its process stopped workspace=%s "
                    "job=%s: it is not resumed; once silent past the stale "
                    "limit, a new sync ends it and goes on from its last "
                    "committed page",
                    job.workspace_id,
                    job.job_id,
                )

    async def _ended_if_lost(self, job: SyncJob) -> bool:
        if self._orphans is None or not self._orphans.lost(job):
            return False
        async with self._uow() as uow:
            ended = await self._orphans.end(uow, job)
            await uow.commit()
        self._orphans.forget(job)
        return ended is not None

    async def stop(self) -> None:
        self._stopping = True
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=self._stop_timeout)
        logger.info("sync runner stopped, %d job(s) interrupted", len(tasks))

    async def _run(self, key: Key) -> None:
        async with self._slots:
            self._running.add(key)
            try:
                await self._executor.run(*key)
            finally:
                self._running.discard(key)

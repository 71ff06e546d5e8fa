"""Sync jobs whose process died: telling them from live ones, and ending them."""

from __future__ import annotations

from application.ports import Clock, ProcessLiveness
from application.sync.ports import SyncUnitOfWork
from domain.problems import Problem
from domain.sync import SyncJob

INTERRUPTED = Problem(
    code="sync_interrupted",
    message="The worker running this sync stopped, or could not store how "
    "the sync ended (its database was unavailable). A new incremental "
    "sync goes on from its last committed page; a full sync starts over.",
)


class SyncOrphans:
    """Which active jobs no process runs any more, and how they end.

    - an active job whose liveness lock reads free lost its process: an
      orphan at once (running, or queued by `crmbridge sync`, which holds
      the lock from before it queues);
    - otherwise (lock held, or no way to tell) an active job silent for
      `stale_after_seconds` is taken as dead, as before there was a lock;
    - an orphan ends `failed` with `sync_interrupted`, its cursors kept;
      once that is committed, `forget` removes the lock file it left.
    """

    def __init__(
        self, liveness: ProcessLiveness | None, clock: Clock, stale_after_seconds: float
    ) -> None:
        self._liveness = liveness
        self._clock = clock
        self._stale_after = stale_after_seconds

    def lost(self, job: SyncJob) -> bool:
        """Active, and the lock of its process reads free: that process died.

        A queued job's lock is there only while a process that queued it to
        run it itself, or is starting it, holds it; the in-process runner's
        queue holds none, so a job waiting there is never lost.
        """
        if self._liveness is None or not job.is_active:
            return False
        return self._liveness.is_held(job.workspace_id, job.job_id) is False

    def is_orphan(self, job: SyncJob) -> bool:
        return self.lost(job) or job.is_stale(self._clock.now(), self._stale_after)

    async def end(self, uow: SyncUnitOfWork, job: SyncJob) -> SyncJob | None:
        """Fail the job as interrupted, if it is still active; the caller commits.

        Read again under the job's lock: its process, if it ended the job
        just before letting the lock go, has committed that end.
        """
        current = await uow.sync_jobs.get_for_update(job.workspace_id, job.job_id)
        if current is None or not current.is_active:
            return None
        ended = current.fail(INTERRUPTED, self._clock.now())
        await uow.sync_jobs.save(ended)
        return ended

    def forget(self, job: SyncJob) -> None:
        """Remove the lock file the job left, once its end is committed."""
        if self._liveness is not None:
            self._liveness.forget(job.workspace_id, job.job_id)

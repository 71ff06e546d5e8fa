"""Application port storing sync jobs, with compare-and-set saves and cancels."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from domain.sync import SyncJob, SyncState


class SyncJobRepository(Protocol):
    """Sync jobs of every workspace, keyed by workspace and job id.

    A save is a compare-and-set on the job's state: it replaces the stored
    job only if that is still in the state the writer read, so no writer
    overwrites a start, an end or progress another stored meanwhile. The
    cancel flag is sticky while the job is active: no save of an active job
    clears it, so a cancel stored while a run holds an older copy of the
    job still reaches the run. The job's end settles it: a job that ends
    `cancelled` keeps it, any other end stores it cleared (the cancel came
    too late to change anything).
    """

    async def add(self, job: SyncJob) -> None: ...

    async def save(self, job: SyncJob, *, expected: SyncState | None = None) -> None:
        """Replace the stored job with `job` if the stored one is in state
        `expected` (the state its writer read) or, with no `expected`, is
        still queued or running: an ended job never changes.

        Raises:
            SyncJobChanged: the stored job is in another state, or there is
                none; nothing was stored. Inside `together()` it may come at
                the end of the block; then leave the unit of work.
            Conflict: `job` would be a second active job of its workspace.
        """
        ...

    async def request_cancel(self, workspace_id: str, job_id: str) -> SyncJob | None:
        """Set `cancel_requested` if the job is still queued or running, in one
        step no concurrent save can undo, and write nothing else.

        Returns:
            The job as stored afterwards (unchanged if it had ended); None if
            the workspace has no such job.
        """
        ...

    async def get(self, workspace_id: str, job_id: str) -> SyncJob | None:
        """The job if it belongs to the workspace; None otherwise."""
        ...

    async def get_for_update(self, workspace_id: str, job_id: str) -> SyncJob | None:
        """Like `get`, and lock the job until the unit of work ends.

        A `request_cancel` or `save` of the job in another unit of work waits
        for this one to end; one already in flight is waited for, and its
        outcome is what this returns.
        """
        ...

    async def active(self, workspace_id: str) -> SyncJob | None:
        """The workspace's queued or running job, if any."""
        ...

    async def all_active(self) -> list[SyncJob]:
        """Queued or running jobs of every workspace, oldest first (a runner
        starting up picks up what a dead process left queued)."""
        ...

    async def list(
        self, workspace_id: str, *, limit: int, before: datetime | None = None
    ) -> list[SyncJob]:
        """Newest first."""
        ...

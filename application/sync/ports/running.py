"""Application ports around a running sync job: where it runs, who hears of it."""

from __future__ import annotations

from typing import Protocol

from domain.crm import CrmObject
from domain.sync import SyncJob


class SyncScheduler(Protocol):
    """Runs queued sync jobs somewhere: a task in this process, or a queue."""

    def submit(self, workspace_id: str, job_id: str) -> None:
        """Arrange for the job to run soon; returns at once.

        Raises `SyncNotScheduled` when no runner can take it: then it never
        runs, and the caller ends it.
        """
        ...

    def cancel(self, workspace_id: str, job_id: str) -> None:
        """Ask a running job to stop at its next page."""
        ...


class SyncProgress(Protocol):
    """Told about each committed page (a CLI progress bar listens here)."""

    def page_committed(
        self, job: SyncJob, obj: CrmObject, total: int | None
    ) -> None: ...

    def counted(self, job: SyncJob, obj: CrmObject) -> None:
        """`obj`'s counts in `job` changed without a page: a sweep's or a
        status poll's call, or the run's end (its counts are then final)."""
        ...

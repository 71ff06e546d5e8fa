"""The scheduler of `crmbridge sync`: the command runs the job itself."""

from __future__ import annotations

from application.sync.ports import SyncScheduler


class ForegroundScheduler(SyncScheduler):
    """Schedules nothing: right after `StartSync` the caller runs the job in
    the foreground, and stops it with Ctrl-C."""

    def submit(self, workspace_id: str, job_id: str) -> None:
        return None

    def cancel(self, workspace_id: str, job_id: str) -> None:
        return None

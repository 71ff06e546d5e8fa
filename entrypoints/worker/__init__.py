"""Sync runners: where queued sync jobs run (in this process by default)."""

from entrypoints.worker.executor import SyncJobExecutor
from entrypoints.worker.foreground import ForegroundScheduler
from entrypoints.worker.in_process import InProcessSyncScheduler, ServiceTask
from entrypoints.worker.parent import ParentWatch
from entrypoints.worker.shared import (
    RunnerFolderUnusable,
    SharedSyncScheduler,
    check_runner_folder,
    runner_folder,
)

__all__ = [
    "ForegroundScheduler",
    "InProcessSyncScheduler",
    "ParentWatch",
    "RunnerFolderUnusable",
    "ServiceTask",
    "SharedSyncScheduler",
    "SyncJobExecutor",
    "check_runner_folder",
    "runner_folder",
]

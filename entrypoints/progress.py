"""A terminal progress bar for `crmbridge sync`, fed by the SyncProgress port."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    Task,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from application.sync.ports import SyncProgress
from domain.crm import CrmObject
from domain.sync import SyncJob
from domain.wording import plural


class ProgressBars(SyncProgress):
    """One bar per object: records seen of Salesforce's totalSize, pages, calls.

    A page's totalSize counts its own query, so a bar's total never drops
    below what it has seen. Until a total is known (Bulk results carry
    none, and a Bulk job's status polls come before any page), a bar shows
    none, and its time runs on; once the object is done, what it saw is its
    total. An object whose pages go on after it was done
    is being read again: the Contacts of changed Accounts (the Account
    follow-up), whose number no query tells. Its bar then says so and shows
    no total until the object is done again.
    """

    def __init__(self, console: Console) -> None:
        self._bars = Progress(
            TextColumn("{task.description:<8}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("records, {task.fields[pages]}"),
            TextColumn("{task.fields[calls]}"),
            TimeElapsedColumn(),
            console=console,
        )
        self._tasks: dict[CrmObject, TaskID] = {}
        self._totals: dict[CrmObject, int] = {}
        self._done: set[CrmObject] = set()

    def __enter__(self) -> Self:
        self._bars.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._bars.stop()

    def show(self, job: SyncJob) -> None:
        """A bar per object of the job, before its first page arrives."""
        for obj in job.objects:
            self._task(obj)

    def page_committed(self, job: SyncJob, obj: CrmObject, total: int | None) -> None:
        progress = job.progress_of(obj)
        told = max(self._totals.get(obj, 0), total or 0)
        if told or progress.done:
            told = max(told, progress.seen)
        self._totals[obj] = told
        again = obj in self._done and not progress.done
        if progress.done:
            self._done.add(obj)
        task = self._task(obj)
        self._bars.update(
            task,
            description=f"{obj.value} again, of changed Accounts"
            if again
            else obj.value,
            completed=progress.seen,
            # None leaves the total unset (the bar showing none), not zero:
            # a total of 0 would mark the bar finished, its time stopped.
            total=told or (0 if progress.done else None),
            pages=plural(progress.pages, "page"),
            calls=plural(progress.api_calls, "API call"),
        )
        if again:
            # `update` takes a None total as "unchanged": unset it on the task.
            self._shown(obj).total = None

    def counted(self, job: SyncJob, obj: CrmObject) -> None:
        """Counts that came without a page; at the run's end, the ones the
        report after it shows."""
        self.page_committed(job, obj, None)

    def shown(self, obj: CrmObject) -> dict[str, object]:
        """What `obj`'s bar shows: records seen, of what total, pages, calls,
        and whether its time has stopped (`finished`)."""
        task = self._shown(obj)
        return {
            "name": task.description,
            "seen": task.completed,
            "total": task.total,
            "finished": task.finished,
            **task.fields,
        }

    def _shown(self, obj: CrmObject) -> Task:
        return next(t for t in self._bars.tasks if t.id == self._task(obj))

    def _task(self, obj: CrmObject) -> TaskID:
        if obj not in self._tasks:
            self._tasks[obj] = self._bars.add_task(
                obj.value,
                total=None,
                pages=plural(0, "page"),
                calls=plural(0, "API call"),
            )
        return self._tasks[obj]

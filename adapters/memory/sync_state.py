"""In-memory persistence: sync jobs, cursors, mappings, describes and the org
a workspace last synced."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import msgspec

from adapters.memory.tables import Staged, drop_workspace, in_workspace
from application.errors import Conflict, SyncJobChanged
from application.sync.ports import (
    DescribeCache,
    MappingRepository,
    SyncCursorRepository,
    SyncedOrgRepository,
    SyncJobRepository,
)
from domain.crm import CrmObject, ObjectDescribe
from domain.mapping import FieldMapping
from domain.soql import SyncCursor
from domain.sync import SyncJob, SyncState

if TYPE_CHECKING:
    from adapters.memory.store import InMemoryUnitOfWork


class InMemorySyncJobRepository(SyncJobRepository):
    """Jobs keyed by workspace and id; one queued or running per workspace."""

    def __init__(self, uow: InMemoryUnitOfWork) -> None:
        self._uow = uow
        self._table = uow.staged_sync_jobs

    async def add(self, job: SyncJob) -> None:
        await self._lock_row(job.workspace_id, job.job_id)
        if self._table.get((job.workspace_id, job.job_id)) is not None:
            raise _job_conflict(job)
        if job.is_active:
            await self._uow.lock(f"active-sync:{job.workspace_id}")
            if await self.active(job.workspace_id) is not None:
                raise _job_conflict(job)

        self._table.put((job.workspace_id, job.job_id), job)

    async def save(self, job: SyncJob, *, expected: SyncState | None = None) -> None:
        await self._lock_row(job.workspace_id, job.job_id)
        stored = self._table.get((job.workspace_id, job.job_id))
        if stored is None or not _in_state(stored, expected):
            raise SyncJobChanged(job.workspace_id, job.job_id)
        if job.is_active:
            # As a unique index would: a second writer waits for the first.
            await self._uow.lock(f"active-sync:{job.workspace_id}")
            active = await self.active(job.workspace_id)
            if active is not None and active.job_id != job.job_id:
                raise _job_conflict(job)
            if stored.cancel_requested:
                job = msgspec.structs.replace(job, cancel_requested=True)

        self._table.put((job.workspace_id, job.job_id), job)

    async def request_cancel(self, workspace_id: str, job_id: str) -> SyncJob | None:
        await self._lock_row(workspace_id, job_id)
        stored = self._table.get((workspace_id, job_id))
        if stored is None or not stored.is_active:
            return stored

        flagged = msgspec.structs.replace(stored, cancel_requested=True)
        self._table.put((workspace_id, job_id), flagged)
        return flagged

    async def get(self, workspace_id: str, job_id: str) -> SyncJob | None:
        return self._table.get((workspace_id, job_id))

    async def get_for_update(self, workspace_id: str, job_id: str) -> SyncJob | None:
        await self._lock_row(workspace_id, job_id)
        return self._table.get((workspace_id, job_id))

    async def active(self, workspace_id: str) -> SyncJob | None:
        jobs = _newest_first(self._table, workspace_id)
        return next((job for job in jobs if job.is_active), None)

    async def all_active(self) -> list[SyncJob]:
        """Every queued or running job of every workspace, oldest first."""
        jobs = [job for _, job in self._table.items() if job.is_active]
        return sorted(jobs, key=lambda j: (j.created_at, j.workspace_id, j.job_id))

    async def list(
        self, workspace_id: str, *, limit: int, before: datetime | None = None
    ) -> list[SyncJob]:
        jobs = _newest_first(self._table, workspace_id)
        return [job for job in jobs if before is None or job.created_at < before][
            :limit
        ]

    async def _lock_row(self, workspace_id: str, job_id: str) -> None:
        # As a row lock would: writers of one job take turns until each unit
        # ends, so each reads the job as the one before it left it.
        await self._uow.lock(f"sync-job:{workspace_id}:{job_id}")


class InMemorySyncCursorRepository(SyncCursorRepository):
    def __init__(self, uow: InMemoryUnitOfWork) -> None:
        self._table = uow.staged_cursors
        self._read_through = uow.staged_read_through

    async def get(self, workspace_id: str, obj: CrmObject) -> SyncCursor | None:
        return self._table.get((workspace_id, obj))

    async def set(
        self, workspace_id: str, obj: CrmObject, cursor: SyncCursor | None
    ) -> None:
        if cursor is None:
            self._table.drop((workspace_id, obj))
            self._read_through.drop((workspace_id, obj))
        else:
            self._table.put((workspace_id, obj), cursor)

    async def clear(self, workspace_id: str) -> None:
        drop_workspace(self._table, workspace_id)
        drop_workspace(self._read_through, workspace_id)

    async def read_through(self, workspace_id: str, obj: CrmObject) -> datetime | None:
        return self._read_through.get((workspace_id, obj))

    async def mark_read_through(
        self, workspace_id: str, obj: CrmObject, until: datetime
    ) -> None:
        if self._table.get((workspace_id, obj)) is not None:
            self._read_through.put((workspace_id, obj), until)


class InMemoryMappingRepository(MappingRepository):
    def __init__(self, uow: InMemoryUnitOfWork) -> None:
        self._table = uow.staged_mappings

    async def get(self, workspace_id: str) -> FieldMapping | None:
        return self._table.get(workspace_id)

    async def save(self, workspace_id: str, mapping: FieldMapping) -> None:
        self._table.put(workspace_id, mapping)


class InMemoryDescribeCache(DescribeCache):
    def __init__(self, uow: InMemoryUnitOfWork) -> None:
        self._table = uow.staged_describes

    async def get(
        self, workspace_id: str, obj: CrmObject
    ) -> tuple[ObjectDescribe, datetime] | None:
        return self._table.get((workspace_id, obj))

    async def save(
        self, workspace_id: str, obj: CrmObject, describe: ObjectDescribe, at: datetime
    ) -> None:
        self._table.put((workspace_id, obj), (describe, at))

    async def clear(self, workspace_id: str) -> None:
        drop_workspace(self._table, workspace_id)


class InMemorySyncedOrgRepository(SyncedOrgRepository):
    def __init__(self, uow: InMemoryUnitOfWork) -> None:
        self._table = uow.staged_synced_orgs

    async def get(self, workspace_id: str) -> str | None:
        return self._table.get(workspace_id)

    async def set(self, workspace_id: str, org_id: str) -> None:
        self._table.put(workspace_id, org_id)


def _newest_first(
    table: Staged[tuple[str, str], SyncJob], workspace_id: str
) -> list[SyncJob]:
    jobs = [job for _, job in in_workspace(table, workspace_id)]
    return sorted(jobs, key=lambda job: (job.created_at, job.job_id), reverse=True)


def _in_state(stored: SyncJob, expected: SyncState | None) -> bool:
    return stored.is_active if expected is None else stored.state is expected


def _job_conflict(job: SyncJob) -> Conflict:
    return Conflict(
        f"sync {job.job_id} conflicts: another is queued or running in "
        "this workspace, or the id is taken",
        hint="Wait for it to end, or cancel it.",
    )

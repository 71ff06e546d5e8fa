"""Database rows for sync jobs, cursors, field mappings, cached describes,
and the org each workspace's synced data came from.

Nested domain values (a job's progress and problem, a mapping, a describe)
are stored as msgspec JSON text: they are read whole and never queried into.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Self

import msgspec
from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from adapters.persistence.rows import Base
from adapters.persistence.types import UtcDateTime
from domain.crm import CrmObject, ObjectDescribe
from domain.mapping import FieldMapping
from domain.problems import Problem
from domain.soql import SyncCursor
from domain.sync import ACTIVE, ObjectProgress, SyncJob, SyncMode, SyncState

ACTIVE_STATES = sorted(state.value for state in ACTIVE)
ONE_ACTIVE_JOB_INDEX = "uq_sync_jobs_one_active_per_workspace"

_objects = msgspec.json.Decoder(tuple[CrmObject, ...])
_progress = msgspec.json.Decoder(tuple[ObjectProgress, ...])
_problem = msgspec.json.Decoder(Problem)
_mapping = msgspec.json.Decoder(FieldMapping)
_describe = msgspec.json.Decoder(ObjectDescribe)


def _json(value: object) -> str:
    return msgspec.json.encode(value).decode()


class SyncJobRow(Base):
    __tablename__ = "sync_jobs"

    workspace_id: Mapped[str] = mapped_column(String, primary_key=True)
    job_id: Mapped[str] = mapped_column(String, primary_key=True)
    mode: Mapped[str] = mapped_column(String(16))
    objects: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16))
    requested_by: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    cancel_requested: Mapped[bool]
    progress: Mapped[str] = mapped_column(Text)
    problem: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        Index("ix_sync_jobs_workspace_id_created_at", "workspace_id", "created_at"),
        # A backstop: the use case already serialises starts under the
        # connection's lock, so only a bug elsewhere could trip this.
        Index(
            ONE_ACTIVE_JOB_INDEX,
            "workspace_id",
            unique=True,
            sqlite_where=state.in_(ACTIVE_STATES),
            postgresql_where=state.in_(ACTIVE_STATES),
        ),
    )

    @classmethod
    def to_row(cls, job: SyncJob) -> Self:
        return cls(
            workspace_id=job.workspace_id,
            job_id=job.job_id,
            mode=job.mode.value,
            objects=_json(job.objects),
            state=job.state.value,
            requested_by=job.requested_by,
            created_at=job.created_at,
            started_at=job.started_at,
            finished_at=job.finished_at,
            heartbeat_at=job.heartbeat_at,
            until=job.until,
            cancel_requested=job.cancel_requested,
            progress=_json(job.progress),
            problem=_json(job.problem) if job.problem is not None else None,
        )

    def to_domain(self) -> SyncJob:
        return SyncJob(
            job_id=self.job_id,
            workspace_id=self.workspace_id,
            mode=SyncMode(self.mode),
            objects=_objects.decode(self.objects),
            state=SyncState(self.state),
            requested_by=self.requested_by,
            created_at=self.created_at,
            progress=_progress.decode(self.progress),
            started_at=self.started_at,
            finished_at=self.finished_at,
            heartbeat_at=self.heartbeat_at,
            until=self.until,
            cancel_requested=self.cancel_requested,
            problem=_problem.decode(self.problem) if self.problem is not None else None,
        )


class SyncCursorRow(Base):
    __tablename__ = "sync_cursors"

    workspace_id: Mapped[str] = mapped_column(String, primary_key=True)
    object: Mapped[str] = mapped_column(String(16), primary_key=True)
    modstamp: Mapped[datetime] = mapped_column(UtcDateTime)
    record_id: Mapped[str] = mapped_column(String)
    # The bound of the last run that read the object to its end; a cursor
    # written since leaves it (see `misses_deletions`).
    read_through: Mapped[datetime | None] = mapped_column(UtcDateTime)

    # What a cursor's upsert writes: the cursor, not `read_through`.
    CURSOR_COLUMNS = ("workspace_id", "object", "modstamp", "record_id")

    def cursor_values(self) -> tuple[Any, ...]:
        return (self.workspace_id, self.object, self.modstamp, self.record_id)

    @classmethod
    def to_row(cls, workspace_id: str, obj: CrmObject, cursor: SyncCursor) -> Self:
        return cls(
            workspace_id=workspace_id,
            object=obj.value,
            modstamp=cursor.modstamp,
            record_id=cursor.record_id,
        )

    def to_domain(self) -> SyncCursor:
        return SyncCursor(modstamp=self.modstamp, record_id=self.record_id)


class FieldMappingRow(Base):
    __tablename__ = "field_mappings"

    workspace_id: Mapped[str] = mapped_column(String, primary_key=True)
    mapping: Mapped[str] = mapped_column(Text)

    @classmethod
    def to_row(cls, workspace_id: str, mapping: FieldMapping) -> Self:
        return cls(workspace_id=workspace_id, mapping=_json(mapping))

    def to_domain(self) -> FieldMapping:
        return _mapping.decode(self.mapping)


class DescribeRow(Base):
    __tablename__ = "describe_cache"

    workspace_id: Mapped[str] = mapped_column(String, primary_key=True)
    object: Mapped[str] = mapped_column(String(16), primary_key=True)
    describe: Mapped[str] = mapped_column(Text)
    fetched_at: Mapped[datetime] = mapped_column(UtcDateTime)

    @classmethod
    def to_row(
        cls,
        workspace_id: str,
        obj: CrmObject,
        describe: ObjectDescribe,
        fetched_at: datetime,
    ) -> Self:
        return cls(
            workspace_id=workspace_id,
            object=obj.value,
            describe=_json(describe),
            fetched_at=fetched_at,
        )

    def to_domain(self) -> tuple[ObjectDescribe, datetime]:
        return _describe.decode(self.describe), self.fetched_at


class SyncedOrgRow(Base):
    __tablename__ = "synced_orgs"

    workspace_id: Mapped[str] = mapped_column(String, primary_key=True)
    org_id: Mapped[str] = mapped_column(String)

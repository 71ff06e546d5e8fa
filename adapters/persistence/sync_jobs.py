"""SQLAlchemy adapter of the SyncJobRepository port."""

from __future__ import annotations

import logging
from datetime import datetime
from functools import partial

from sqlalchemy import Executable, Select, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.persistence.row_update import RowUpdate
from adapters.persistence.rows import column_names, column_values, row_values, table_of
from adapters.persistence.sync_rows import ACTIVE_STATES, SyncJobRow
from adapters.persistence.transaction import Transaction
from application.errors import Conflict, SyncJobChanged
from application.sync.ports import SyncJobRepository
from domain.sync import SyncJob, SyncState

logger = logging.getLogger(__name__)

_Row = SyncJobRow
_KEY = ("workspace_id", "job_id")
_ACTIVE_GUARDS = (SyncState.QUEUED.value, SyncState.RUNNING.value)
# An active job keeps a stored cancel; an ended one stores its own flag.
_SAVE_ACTIVE = RowUpdate(
    table_of(_Row),
    column_names(_Row),
    _KEY,
    guard="state",
    sticky=("cancel_requested",),
)
_SAVE_ENDED = RowUpdate(table_of(_Row), column_names(_Row), _KEY, guard="state")


class SqlAlchemySyncJobRepository(SyncJobRepository):
    """Jobs keyed by workspace and id, so no workspace reaches another's.

    A partial unique index allows one queued or running job per workspace;
    `add` and `save` raise `Conflict` when a change would make a second one
    (or when `add` is given a job id already stored). `request_cancel` is one
    conditional UPDATE; so is `save`, guarded by the stored state (its row
    count tells a lost race), and it ORs the stored cancel flag into an
    active job.
    `get_for_update` is SELECT … FOR UPDATE on PostgreSQL; on SQLite the
    unit's BEGIN IMMEDIATE, which it starts, locks the whole database.
    """

    def __init__(self, transaction: Transaction) -> None:
        self._transaction = transaction

    async def add(self, job: SyncJob) -> None:
        values = column_values(_Row.to_row(job))
        await self._write(job, insert(_Row).values(values))

    async def save(self, job: SyncJob, *, expected: SyncState | None = None) -> None:
        update_row = _SAVE_ACTIVE if job.is_active else _SAVE_ENDED
        guards = _ACTIVE_GUARDS if expected is None else (expected.value,) * 2
        write = update_row.write(
            self._transaction.sql_dialect,
            row_values(_Row.to_row(job)),
            guards,
            unmatched=partial(SyncJobChanged, job.workspace_id, job.job_id),
            refused=partial(_conflict, job),
        )
        await self._transaction.run(write)
        _saved(job)

    async def request_cancel(self, workspace_id: str, job_id: str) -> SyncJob | None:
        session = await self._transaction.for_writing()
        flag = (
            update(_Row)
            .where(_Row.workspace_id == workspace_id, _Row.job_id == job_id)
            .where(_Row.state.in_(ACTIVE_STATES))
            .values(cancel_requested=True)
            .execution_options(synchronize_session=False)
        )
        await session.execute(flag)

        stored = await self.get(workspace_id, job_id)
        logger.debug(
            "sync cancel requested workspace=%s job=%s state=%s",
            workspace_id,
            job_id,
            stored.state.value if stored else None,
        )
        return stored

    async def get(self, workspace_id: str, job_id: str) -> SyncJob | None:
        session = await self._transaction.for_reading()
        row = await session.scalar(_in(workspace_id).where(_Row.job_id == job_id))
        return row.to_domain() if row else None

    async def get_for_update(self, workspace_id: str, job_id: str) -> SyncJob | None:
        session = await self._transaction.for_writing()
        statement = _in(workspace_id).where(_Row.job_id == job_id).with_for_update()

        row = await session.scalar(statement)

        logger.debug("sync job locked workspace=%s job=%s", workspace_id, job_id)
        return row.to_domain() if row else None

    async def active(self, workspace_id: str) -> SyncJob | None:
        session = await self._transaction.for_reading()
        statement = (
            _in(workspace_id)
            .where(_Row.state.in_(ACTIVE_STATES))
            .order_by(_Row.created_at.desc(), _Row.job_id.desc())
            .limit(1)
        )
        row = await session.scalar(statement)
        return row.to_domain() if row else None

    async def all_active(self) -> list[SyncJob]:
        """Every queued or running job of every workspace, oldest first: what a
        restarted worker finds left over. Not in the port yet."""
        session = await self._transaction.for_reading()
        statement = (
            select(_Row)
            .where(_Row.state.in_(ACTIVE_STATES))
            .order_by(_Row.created_at, _Row.workspace_id, _Row.job_id)
            .execution_options(populate_existing=True)
        )

        rows = await session.scalars(statement)

        return [row.to_domain() for row in rows]

    async def list(
        self, workspace_id: str, *, limit: int, before: datetime | None = None
    ) -> list[SyncJob]:
        session = await self._transaction.for_reading()
        statement = _in(workspace_id)
        if before is not None:
            statement = statement.where(_Row.created_at < before)

        rows = await session.scalars(
            statement.order_by(_Row.created_at.desc(), _Row.job_id.desc()).limit(limit)
        )

        return [row.to_domain() for row in rows]

    async def _write(self, job: SyncJob, statement: Executable) -> None:
        session = await self._transaction.for_writing()
        try:
            await _in_savepoint(session, statement)
        except IntegrityError as exc:
            raise _conflict(job, exc) from exc
        _saved(job)


def _conflict(job: SyncJob, _error: IntegrityError) -> Conflict:
    return Conflict(
        f"sync {job.job_id} conflicts: another is queued or running in "
        "this workspace, or the id is taken",
        hint="Wait for it to end, or cancel it.",
    )


def _saved(job: SyncJob) -> None:
    logger.debug(
        "sync job saved workspace=%s job=%s state=%s",
        job.workspace_id,
        job.job_id,
        job.state.value,
    )


async def _in_savepoint(session: AsyncSession, statement: Executable) -> None:
    # A refusal leaves the unit of work usable, on PostgreSQL as on SQLite.
    async with session.begin_nested():
        await session.execute(statement)


def _in(workspace_id: str) -> Select[tuple[SyncJobRow]]:
    return (
        select(_Row)
        .where(_Row.workspace_id == workspace_id)
        .execution_options(populate_existing=True)
    )

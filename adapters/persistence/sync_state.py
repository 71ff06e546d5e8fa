"""SQLAlchemy adapters of the per-workspace sync state: cursors, field
mappings, cached describes, and the org the synced data came from."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import delete, select, update

from adapters.persistence.page_upsert import PageUpsert
from adapters.persistence.rows import column_values, table_of
from adapters.persistence.sync_rows import (
    DescribeRow,
    FieldMappingRow,
    SyncCursorRow,
    SyncedOrgRow,
)
from adapters.persistence.transaction import Transaction
from application.sync.ports import (
    DescribeCache,
    MappingRepository,
    SyncCursorRepository,
    SyncedOrgRepository,
)
from domain.crm import CrmObject, ObjectDescribe
from domain.mapping import FieldMapping
from domain.soql import SyncCursor

logger = logging.getLogger(__name__)

_PER_OBJECT = ("workspace_id", "object")
_CURSOR_UPSERT = PageUpsert(
    table_of(SyncCursorRow), SyncCursorRow.CURSOR_COLUMNS, _PER_OBJECT
)


class SqlAlchemySyncCursorRepository(SyncCursorRepository):
    """One row per workspace and object; setting None deletes it."""

    def __init__(self, transaction: Transaction) -> None:
        self._transaction = transaction

    async def get(self, workspace_id: str, obj: CrmObject) -> SyncCursor | None:
        session = await self._transaction.for_reading()
        row = await session.get(
            SyncCursorRow, (workspace_id, obj.value), populate_existing=True
        )
        return row.to_domain() if row else None

    async def set(
        self, workspace_id: str, obj: CrmObject, cursor: SyncCursor | None
    ) -> None:
        if cursor is None:
            session = await self._transaction.for_writing()
            await session.execute(
                delete(SyncCursorRow)
                .where(
                    SyncCursorRow.workspace_id == workspace_id,
                    SyncCursorRow.object == obj.value,
                )
                .execution_options(synchronize_session=False)
            )
        else:
            row = SyncCursorRow.to_row(workspace_id, obj, cursor).cursor_values()
            await self._transaction.run(
                _CURSOR_UPSERT.write(self._transaction.sql_dialect, [row])
            )

        logger.debug(
            "sync cursor set workspace=%s object=%s cursor=%s",
            workspace_id,
            obj.value,
            cursor,
        )

    async def clear(self, workspace_id: str) -> None:
        session = await self._transaction.for_writing()

        await session.execute(
            delete(SyncCursorRow)
            .where(SyncCursorRow.workspace_id == workspace_id)
            .execution_options(synchronize_session=False)
        )

        logger.debug("sync cursors cleared workspace=%s", workspace_id)

    async def read_through(self, workspace_id: str, obj: CrmObject) -> datetime | None:
        session = await self._transaction.for_reading()
        found = await session.scalar(
            select(SyncCursorRow.read_through).where(
                SyncCursorRow.workspace_id == workspace_id,
                SyncCursorRow.object == obj.value,
            )
        )
        return found

    async def mark_read_through(
        self, workspace_id: str, obj: CrmObject, until: datetime
    ) -> None:
        await self._transaction.changed(
            update(SyncCursorRow)
            .where(
                SyncCursorRow.workspace_id == workspace_id,
                SyncCursorRow.object == obj.value,
            )
            .values(read_through=until)
            .execution_options(synchronize_session=False)
        )


class SqlAlchemyMappingRepository(MappingRepository):
    """One row per workspace holding the whole mapping as JSON."""

    def __init__(self, transaction: Transaction) -> None:
        self._transaction = transaction

    async def get(self, workspace_id: str) -> FieldMapping | None:
        session = await self._transaction.for_reading()
        row = await session.get(FieldMappingRow, workspace_id, populate_existing=True)
        return row.to_domain() if row else None

    async def save(self, workspace_id: str, mapping: FieldMapping) -> None:
        session = await self._transaction.for_writing()
        values = column_values(FieldMappingRow.to_row(workspace_id, mapping))

        await session.execute(
            self._transaction.upsert(FieldMappingRow, values, "workspace_id")
        )

        logger.debug(
            "field mapping saved workspace=%s rules=%d",
            workspace_id,
            len(mapping.people) + len(mapping.companies),
        )


class SqlAlchemyDescribeCache(DescribeCache):
    """One row per workspace and object, with the time it was fetched."""

    def __init__(self, transaction: Transaction) -> None:
        self._transaction = transaction

    async def get(
        self, workspace_id: str, obj: CrmObject
    ) -> tuple[ObjectDescribe, datetime] | None:
        session = await self._transaction.for_reading()
        row = await session.get(
            DescribeRow, (workspace_id, obj.value), populate_existing=True
        )
        return row.to_domain() if row else None

    async def save(
        self, workspace_id: str, obj: CrmObject, describe: ObjectDescribe, at: datetime
    ) -> None:
        session = await self._transaction.for_writing()
        row = DescribeRow.to_row(workspace_id, obj, describe, at)

        await session.execute(
            self._transaction.upsert(DescribeRow, column_values(row), _PER_OBJECT)
        )

        logger.debug("describe cached workspace=%s object=%s", workspace_id, obj.value)

    async def clear(self, workspace_id: str) -> None:
        session = await self._transaction.for_writing()

        await session.execute(
            delete(DescribeRow)
            .where(DescribeRow.workspace_id == workspace_id)
            .execution_options(synchronize_session=False)
        )

        logger.debug("describes cleared workspace=%s", workspace_id)


class SqlAlchemySyncedOrgRepository(SyncedOrgRepository):
    """One row per workspace that ever connected."""

    def __init__(self, transaction: Transaction) -> None:
        self._transaction = transaction

    async def get(self, workspace_id: str) -> str | None:
        session = await self._transaction.for_reading()
        row = await session.get(SyncedOrgRow, workspace_id, populate_existing=True)
        return row.org_id if row else None

    async def set(self, workspace_id: str, org_id: str) -> None:
        session = await self._transaction.for_writing()
        values = {"workspace_id": workspace_id, "org_id": org_id}

        await session.execute(
            self._transaction.upsert(SyncedOrgRow, values, "workspace_id")
        )

        logger.debug("synced org set workspace=%s org=%s", workspace_id, org_id)

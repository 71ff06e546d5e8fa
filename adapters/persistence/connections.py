"""SQLAlchemy adapter of the ConnectionRepository port."""

from __future__ import annotations

import logging

from sqlalchemy import Select, func, select

from adapters.encryption import FernetTokenCipher
from adapters.persistence.rows import ConnectionRow, column_values
from adapters.persistence.transaction import Transaction
from application.ports import ConnectionRepository
from domain.connection import Connection

logger = logging.getLogger(__name__)

_LOCK_NAMESPACE = "crmbridge.connections:"


class SqlAlchemyConnectionRepository(ConnectionRepository):
    """One row per workspace; the token set is one encrypted column."""

    def __init__(self, transaction: Transaction, cipher: FernetTokenCipher) -> None:
        self._transaction = transaction
        self._cipher = cipher

    async def get(self, workspace_id: str) -> Connection | None:
        session = await self._transaction.for_reading()
        row = await session.scalar(_by_workspace(workspace_id))
        return row.to_domain(self._cipher) if row else None

    async def get_for_update(self, workspace_id: str) -> Connection | None:
        session = await self._transaction.for_writing()

        if self._transaction.dialect == "postgresql":
            # A row lock cannot cover a connection not stored yet: the advisory
            # lock does, so two first saves of a workspace also take turns.
            key = func.hashtextextended(_LOCK_NAMESPACE + workspace_id, 0)
            await session.execute(select(func.pg_advisory_xact_lock(key)))
        row = await session.scalar(_by_workspace(workspace_id).with_for_update())

        logger.debug("connection locked workspace=%s", workspace_id)
        return row.to_domain(self._cipher) if row else None

    async def save(self, connection: Connection) -> None:
        session = await self._transaction.for_writing()
        values = column_values(ConnectionRow.to_row(connection, self._cipher))

        upsert = self._transaction.upsert(ConnectionRow, values, "workspace_id")
        await session.execute(upsert)

        logger.debug(
            "connection saved workspace=%s status=%s",
            connection.workspace_id,
            connection.status.value,
        )


def _by_workspace(workspace_id: str) -> Select[tuple[ConnectionRow]]:
    return (
        select(ConnectionRow)
        .where(ConnectionRow.workspace_id == workspace_id)
        .execution_options(populate_existing=True)
    )

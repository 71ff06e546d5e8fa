"""SQLAlchemy adapter of the ConnectionRepository port."""

from __future__ import annotations

import logging
from collections import OrderedDict
from datetime import datetime

from sqlalchemy import Select, bindparam, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.encryption import FernetTokenCipher, UndecryptableSecret
from adapters.persistence.reads import ReadQuery
from adapters.persistence.rows import (
    ConnectionRow,
    connection_of,
    connection_values,
    table_of,
)
from adapters.persistence.sealing import open_tokens
from adapters.persistence.transaction import Transaction
from application.errors import CredentialsUnreadable
from application.ports import ConnectionOverview, ConnectionRepository
from domain.connection import Connection
from domain.refresh_lease import RefreshLease

logger = logging.getLogger(__name__)

_LOCK_NAMESPACE = "crmbridge.connections:"
_COLUMNS = tuple(ConnectionRow.__table__.c)
_TABLE = table_of(ConnectionRow)
_NAMES = tuple(column.key for column in _COLUMNS)
_OVERVIEW = ReadQuery(
    select(*_COLUMNS).where(ConnectionRow.workspace_id == bindparam("workspace_id"))
)
_LEASE = ReadQuery(
    select(_TABLE.c.refresh_lease_holder, _TABLE.c.refresh_lease_until).where(
        _TABLE.c.workspace_id == bindparam("workspace_id")
    )
)


class InstanceUrls:
    """Where each sealed token set reaches, opened once per sealed value.

    A member is shown the instance URL, which is stored sealed with the
    tokens. This keeps only that URL (no secret), keyed by workspace and
    ciphertext, so an unchanged row is not decrypted on every read; every
    save seals anew, so changed tokens are a new key. Failures are not kept:
    a value that cannot be opened is tried again each time.
    """

    def __init__(self, cipher: FernetTokenCipher, size: int = 1024) -> None:
        self._cipher = cipher
        self._size = size
        self._known: OrderedDict[tuple[str, str], str] = OrderedDict()

    def of(self, workspace_id: str, sealed: str) -> str:
        key = (workspace_id, sealed)
        known = self._known.get(key)
        if known is None:
            known = open_tokens(self._cipher, workspace_id, sealed).instance_url
            self._known[key] = known
            if len(self._known) > self._size:
                self._known.popitem(last=False)
        return known


class SqlAlchemyConnectionRepository(ConnectionRepository):
    """One row per workspace; the token set is one encrypted column."""

    def __init__(
        self,
        transaction: Transaction,
        cipher: FernetTokenCipher,
        instance_urls: InstanceUrls | None = None,
    ) -> None:
        self._transaction = transaction
        self._cipher = cipher
        self._instance_urls = instance_urls or InstanceUrls(cipher)

    async def get(self, workspace_id: str) -> Connection | None:
        session = await self._transaction.for_reading()
        row = await session.scalar(_by_workspace(workspace_id))
        return self._opened(row) if row else None

    async def overview(self, workspace_id: str) -> ConnectionOverview | None:
        rows = await self._transaction.read(_OVERVIEW, {"workspace_id": workspace_id})
        if not rows:
            return None

        values = dict(zip(_NAMES, rows[0], strict=True))
        sealed = values["sealed_tokens"]
        connection = connection_of(values, None)
        if sealed is None:
            return ConnectionOverview(connection=connection, instance_url=None)
        try:
            instance_url = self._instance_urls.of(workspace_id, sealed)
        except UndecryptableSecret:
            logger.debug("overview of unreadable tokens workspace=%s", workspace_id)
            return ConnectionOverview(
                connection=connection, instance_url=None, credentials_unreadable=True
            )
        return ConnectionOverview(connection=connection, instance_url=instance_url)

    async def get_for_update(self, workspace_id: str) -> Connection | None:
        session = await self._lock(workspace_id)
        row = await session.scalar(_by_workspace(workspace_id).with_for_update())

        logger.debug("connection locked workspace=%s", workspace_id)
        return self._opened(row) if row else None

    async def save(self, connection: Connection) -> None:
        session = await self._transaction.for_writing()
        values = connection_values(ConnectionRow.to_row(connection, self._cipher))

        upsert = self._transaction.upsert(ConnectionRow, values, "workspace_id")
        await session.execute(upsert)

        logger.debug(
            "connection saved workspace=%s status=%s",
            connection.workspace_id,
            connection.status.value,
        )

    async def take_refresh_lease(
        self, workspace_id: str, lease: RefreshLease, *, now: datetime
    ) -> RefreshLease | None:
        await self._lock(workspace_id)
        holder, until = _TABLE.c.refresh_lease_holder, _TABLE.c.refresh_lease_until
        free = or_(holder.is_(None), holder == lease.holder, until <= now)

        taken = await self._transaction.changed(
            update(_TABLE)
            .where(_TABLE.c.workspace_id == workspace_id, free)
            .values(refresh_lease_holder=lease.holder, refresh_lease_until=lease.until)
        )
        if taken:
            logger.debug("refresh lease taken workspace=%s", workspace_id)
            return lease

        rows = await self._transaction.read(_LEASE, {"workspace_id": workspace_id})
        if not rows or rows[0][0] is None:
            return None
        return RefreshLease(holder=rows[0][0], until=rows[0][1])

    async def end_refresh_lease(self, workspace_id: str, holder: str) -> None:
        await self._lock(workspace_id)
        await self._transaction.changed(
            update(_TABLE)
            .where(
                _TABLE.c.workspace_id == workspace_id,
                _TABLE.c.refresh_lease_holder == holder,
            )
            .values(refresh_lease_holder=None, refresh_lease_until=None)
        )

    async def clear_refresh_lease(self, workspace_id: str) -> None:
        await self._lock(workspace_id)
        await self._transaction.changed(
            update(_TABLE)
            .where(
                _TABLE.c.workspace_id == workspace_id,
                _TABLE.c.refresh_lease_holder.is_not(None),
            )
            .values(refresh_lease_holder=None, refresh_lease_until=None)
        )

    async def _lock(self, workspace_id: str) -> AsyncSession:
        session = await self._transaction.for_writing()
        if self._transaction.dialect == "postgresql":
            # A row lock cannot cover a connection not stored yet: the advisory
            # lock does, so two first saves of a workspace also take turns.
            key = func.hashtextextended(_LOCK_NAMESPACE + workspace_id, 0)
            await session.execute(select(func.pg_advisory_xact_lock(key)))
        return session

    def _opened(self, row: ConnectionRow) -> Connection:
        try:
            return row.to_domain(self._cipher)
        except UndecryptableSecret as exc:
            logger.warning(
                "stored tokens cannot be decrypted with the configured keys "
                "workspace=%s",
                row.workspace_id,
            )
            raise CredentialsUnreadable() from exc


def _by_workspace(workspace_id: str) -> Select[tuple[ConnectionRow]]:
    return (
        select(ConnectionRow)
        .where(ConnectionRow.workspace_id == workspace_id)
        .execution_options(populate_existing=True)
    )

"""A unit of work's session, how each database takes its write lock, and
where the unit's plain reads run."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Mapping
from typing import Any

from sqlalchemy import CursorResult, Executable, Insert, Table, delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.persistence.database import IMMEDIATE
from adapters.persistence.reads import Reader, ReadQuery, Row
from adapters.persistence.writes import Write, execute, execute_together


class Transaction:
    """Hands repositories the session, in a transaction fit for what they do.

    SQLite can only lock the whole database, and a transaction that read before
    it writes may fail at once when another writer got in between. So, on
    SQLite, the first write (or lock) of a unit of work rolls back what was only
    read and begins again with BEGIN IMMEDIATE, which waits for other writers.
    Reads before that see committed data, as READ COMMITTED does on PostgreSQL.

    So `read` runs a plain read on the `reader`, outside this transaction,
    until the unit writes (or takes a lock); from then on in the transaction,
    so that it sees the unit's own changes. A unit that never touches its
    session does not close it either.

    Inside `together()`, on SQLite, the writes repositories `run` are queued
    and sent in one round trip when the block ends, or before anything else
    touches the session (so reads still see them); with `writes_on_loop`,
    run on the event loop's thread instead (see `writes.execute_together`).
    """

    def __init__(
        self,
        session: AsyncSession,
        reader: Reader | None = None,
        *,
        writes_on_loop: bool = False,
    ) -> None:
        self.session = session
        self._writes_on_loop = writes_on_loop
        self.sql_dialect = session.get_bind().dialect
        self.dialect = self.sql_dialect.name
        self._reader = reader
        self._writing = False
        self._used = False
        self._queued: list[Write] | None = None

    async def read(self, query: ReadQuery, values: Mapping[str, Any]) -> list[Row]:
        """The rows of a read-only query, typed as the Core path types them."""
        if self._reader is not None and not self._writing:
            return await self._reader.rows(query, values)
        session = await self.for_reading()
        result = await session.execute(query.statement, dict(values))
        return list(result.all())

    async def for_reading(self) -> AsyncSession:
        self._used = True
        await self._send_queued()
        return self.session

    async def for_writing(self) -> AsyncSession:
        await self._begin_writing()
        await self._send_queued()
        return self.session

    async def run(self, write: Write) -> None:
        """Run `write` in this transaction, or queue it inside `together()`.

        A refusal raises `write.refused(error)`; run at once, it leaves the
        unit usable (a savepoint undoes the statement).
        """
        await self._begin_writing()
        if self._queued is not None:
            self._queued.append(write)
            return
        if write.refused is None:
            await execute(await self.session.connection(), write)
            return
        try:
            async with self.session.begin_nested():
                await execute(await self.session.connection(), write)
        except IntegrityError as exc:
            raise write.refused(exc) from exc

    @contextlib.asynccontextmanager
    async def together(self) -> AsyncIterator[None]:
        """Send the writes run in the block together (on SQLite; elsewhere
        they run at once). A refusal is raised when they are sent, at the
        latest at the end of the block, and then the unit must roll back."""
        if self.dialect != "sqlite" or self._queued is not None:
            yield
            return
        self._queued = []
        try:
            yield
            await self._send_queued()
        finally:
            self._queued = None

    async def commit(self) -> None:
        self._used = True
        await self._send_queued()
        await self.session.commit()
        self._writing = False

    async def close(self) -> None:
        """Roll back whatever was not committed and give the connection back."""
        if self._queued:
            self._queued.clear()
        if self._used:
            await self.session.close()
        self._writing = False

    async def _begin_writing(self) -> None:
        # Limitation: on SQLite one writer at a time for the whole database, so
        # a long write in one workspace delays writes in all others (reads go
        # on); hence no unit of work may stay open across a call to Salesforce.
        self._used = True
        if self.dialect == "sqlite" and not self._writing:
            if self.session.in_transaction():
                await self.session.rollback()
            await self.session.connection(execution_options=IMMEDIATE)
        self._writing = True

    async def _send_queued(self) -> None:
        if not self._queued:
            return
        queued = list(self._queued)
        self._queued.clear()
        await execute_together(
            await self.session.connection(), queued, on_loop=self._writes_on_loop
        )

    async def changed(self, statement: Executable) -> int:
        """Run an UPDATE or DELETE in this transaction; the rows it changed."""
        session = await self.for_writing()
        result = await session.execute(statement)
        return result.rowcount if isinstance(result, CursorResult) else 0

    async def purge(self, table: Table, workspace_id: str) -> int:
        """Delete the workspace's rows of `table`; how many there were."""
        return await self.changed(
            delete(table).where(table.c.workspace_id == workspace_id)
        )

    def upsert(
        self,
        row_class: type[Any],
        values: dict[str, Any],
        key: str | tuple[str, ...],
    ) -> Insert:
        """INSERT, or UPDATE every other column when `key` already exists."""
        keys = (key,) if isinstance(key, str) else key
        insert = sqlite.insert if self.dialect == "sqlite" else postgresql.insert
        statement = insert(row_class).values(values)
        changes = {
            name: statement.excluded[name] for name in values if name not in keys
        }
        return statement.on_conflict_do_update(index_elements=keys, set_=changes)

"""A unit of work's session, how each database takes its write lock, and
where the unit's plain reads run."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Insert, or_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.persistence.database import IMMEDIATE
from adapters.persistence.reads import Reader, ReadQuery, Row


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
    """

    def __init__(self, session: AsyncSession, reader: Reader | None = None) -> None:
        self.session = session
        self.dialect = session.get_bind().dialect.name
        self._reader = reader
        self._writing = False
        self._used = False

    async def read(self, query: ReadQuery, values: Mapping[str, Any]) -> list[Row]:
        """The rows of a read-only query, typed as the Core path types them."""
        if self._reader is not None and not self._writing:
            return await self._reader.rows(query, values)
        session = await self.for_reading()
        result = await session.execute(query.statement, dict(values))
        return list(result.all())

    async def for_reading(self) -> AsyncSession:
        self._used = True
        return self.session

    async def for_writing(self) -> AsyncSession:
        # Limitation: on SQLite one writer at a time for the whole database, so
        # a refresh in one workspace delays writes in all others (reads go on).
        self._used = True
        if self.dialect == "sqlite" and not self._writing:
            if self.session.in_transaction():
                await self.session.rollback()
            await self.session.connection(execution_options=IMMEDIATE)
        self._writing = True
        return self.session

    async def commit(self) -> None:
        self._used = True
        await self.session.commit()
        self._writing = False

    async def close(self) -> None:
        """Roll back whatever was not committed and give the connection back."""
        if self._used:
            await self.session.close()
        self._writing = False

    def upsert(
        self,
        row_class: type[Any],
        values: dict[str, Any],
        key: str | tuple[str, ...],
        *,
        sticky: Iterable[str] = (),
    ) -> Insert:
        """INSERT, or UPDATE every other column when `key` already exists; a
        `sticky` boolean column, once true in the stored row, stays true."""
        statement = self.upsert_many(row_class, values, key, sticky=sticky)
        return statement.values(values)

    def upsert_many(
        self,
        target: Any,
        columns: Iterable[str],
        key: str | tuple[str, ...],
        *,
        sticky: Iterable[str] = (),
    ) -> Insert:
        """Like `upsert`, without values: execute it with a list of rows, which
        runs as one executemany. `target` is a row class or a table."""
        keys = (key,) if isinstance(key, str) else key
        insert = sqlite.insert if self.dialect == "sqlite" else postgresql.insert
        statement = insert(target)
        changes: dict[str, Any] = {
            name: statement.excluded[name] for name in columns if name not in keys
        }
        for name in sticky:
            # The stored row's value, read under the row lock the upsert holds.
            changes[name] = or_(changes[name], statement.table.c[name])
        return statement.on_conflict_do_update(index_elements=keys, set_=changes)

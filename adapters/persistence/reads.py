"""Reads outside a unit of work's transaction: one statement, one round trip.

A use case that only reads needs no transaction around its one SELECT, yet a
unit of work on SQLite pays for one, each step a hop to aiosqlite's thread:
BEGIN (three hops), the SELECT (four: cursor, execute, fetch, close), then
ROLLBACK twice (the session's, then the pool's reset on return). That was most
of the CPU `GET /api/crm/salesforce` cost. A `Reader` runs a `ReadQuery` as
one call instead:

- SQLite: on one connection kept for reads, in autocommit (no BEGIN: each
  SELECT reads its own snapshot of what was committed) and `query_only`, so
  nothing can write through it. The statement is compiled once per dialect;
  its columns' own processors (for JSON, the engine's decoder itself)
  convert values, so rows come back as the Core path would type them.
- PostgreSQL: on a pooled connection in AUTOCOMMIT, which skips the BEGIN and
  ROLLBACK round trips; SQLAlchemy compiles (cached) and types the rows.

Either way a read sees what was committed when it ran, as a unit of work's
reads before its first write do (see `Transaction`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import partial
from typing import Any, Protocol, cast

from sqlalchemy import JSON, Select, event
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.persistence.database import JSON_CODEC
from adapters.persistence.errors import raised_as_unavailable
from adapters.persistence.positional import PerDialect, bind_processor

Row = Sequence[Any]
Processor = Callable[[Any], Any]


class ReadQuery:
    """A Core SELECT whose variable parts are named `bindparam`s."""

    def __init__(self, statement: Select[Any]) -> None:
        self.statement = statement
        self._compiled = PerDialect(partial(_Compiled, statement))

    def compiled_for(self, dialect: Dialect) -> _Compiled:
        """The SQL, parameter order and processors for `dialect`, made once.

        Keyed by dialect name: every engine here comes from
        `create_database_engine`, so one dialect name means one configuration.
        """
        return self._compiled(dialect)


class Reader(Protocol):
    """Runs read queries outside any unit of work; see the module docstring."""

    async def rows(self, query: ReadQuery, values: Mapping[str, Any]) -> list[Row]:
        """The query's rows for `values`, typed as the Core path types them."""
        ...


def reader_for(engine: AsyncEngine) -> Reader:
    """A reader on `engine`'s database: each call makes a new one."""
    if engine.dialect.name == "sqlite":
        return SqliteReader(engine)
    return AutocommitReader(engine)


class AutocommitReader(Reader):
    """A pooled connection per read, in AUTOCOMMIT: no BEGIN, no ROLLBACK."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine.execution_options(isolation_level="AUTOCOMMIT")

    async def rows(self, query: ReadQuery, values: Mapping[str, Any]) -> list[Row]:
        with raised_as_unavailable():
            async with self._engine.connect() as connection:
                result = await connection.execute(query.statement, dict(values))
                return list(result.all())


class SqliteReader(Reader):
    """One connection kept for reads; each read is one call on its thread.

    The connection comes from the engine's pool, so it is configured as every
    other one (WAL, busy timeout, no driver-issued BEGIN), then detached from
    the pool, so it does not count against it. It opens at the first read and
    closes when the engine is disposed; a read after that opens a new one.
    Reads from concurrent requests queue on its thread, which is where SQLite
    work happens in this process anyway.
    """

    # Limitation: one read connection per engine and process: a slow read (a
    # 500-person page) delays the reads queued behind it in that process.

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._driver: Any = None
        self._adapted: Any = None
        self._opening = asyncio.Lock()
        event.listen(engine.sync_engine, "engine_disposed", self._on_dispose)

    async def rows(self, query: ReadQuery, values: Mapping[str, Any]) -> list[Row]:
        compiled = query.compiled_for(self._engine.dialect)
        driver = self._driver or await self._open()
        with raised_as_unavailable():
            raw = await driver.execute_fetchall(
                compiled.sql, compiled.parameters(values)
            )
        return compiled.typed(raw)

    async def _open(self) -> Any:
        async with self._opening:
            if self._driver is None:
                pooled = await self._engine.raw_connection()
                adapted, driver = pooled.dbapi_connection, pooled.driver_connection
                pooled.detach()
                assert driver is not None
                try:
                    await driver.execute_fetchall("PRAGMA query_only = ON")
                except BaseException:
                    await driver.close()
                    raise
                self._adapted, self._driver = adapted, driver
        return self._driver

    def _on_dispose(self, _engine: Any) -> None:
        # AsyncEngine.dispose() runs this inside SQLAlchemy's greenlet, where
        # `run_async` may await the driver.
        adapted, self._driver, self._adapted = self._adapted, None, None
        if adapted is not None:
            adapted.run_async(lambda driver: driver.close())


class _Compiled:
    """A statement compiled for one dialect with positional parameters."""

    def __init__(self, statement: Select[Any], dialect: Dialect) -> None:
        compiled = statement.compile(dialect=dialect)
        names = compiled.positiontup
        if names is None:
            raise ValueError(f"{dialect.name}: reads need a positional paramstyle")
        self.sql = compiled.string
        self._compiled = compiled
        self._names = tuple(names)
        self._binds = tuple(
            bind_processor(compiled.binds[name].type, dialect) for name in names
        )
        results = (
            _result_processor(column.type, dialect)
            for column in statement.selected_columns
        )
        self._results: tuple[tuple[int, Processor], ...] = tuple(
            (position, process)
            for position, process in enumerate(results)
            if process is not None
        )

    def parameters(self, values: Mapping[str, Any]) -> tuple[Any, ...]:
        """`values` by name, with the statement's literals, in SQL order."""
        given = self._compiled.construct_params(dict(values))
        return tuple(
            value if process is None else process(value)
            for value, process in zip(
                (given[name] for name in self._names), self._binds, strict=True
            )
        )

    def typed(self, rows: Iterable[Row]) -> list[Row]:
        """Rows with each column's result processor applied (None stays None)."""
        if not self._results:
            return list(rows)
        typed: list[Row] = []
        for row in rows:
            values = list(row)
            for position, process in self._results:
                value = values[position]
                if value is not None:
                    values[position] = process(value)
            typed.append(values)
        return typed


def _result_processor(kind: Any, dialect: Dialect) -> Processor | None:
    if isinstance(kind, JSON):
        # The engine's own decoder (see `create_database_engine`), without the
        # two wrappers SQLAlchemy puts around it, which doubled its cost.
        return cast(Processor, JSON_CODEC["json_deserializer"])
    processor: Processor | None = kind.dialect_impl(dialect).result_processor(
        dialect, None
    )
    return processor

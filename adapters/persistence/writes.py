"""Writes in the driver's own SQL, run one at a time or sent to SQLite together.

Through aiosqlite every statement is about three round trips between the event
loop and aiosqlite's thread (cursor, execute, close), and each round trip waits
for the GIL while the loop is busy planning the next page. A sync commits a
page with three statements (its rows, its cursor, its job); sent together,
they cost one round trip.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection


@dataclass(frozen=True, slots=True)
class Write:
    """One statement and its parameters, already through the bind processors.

    `params` is one row (a tuple), or a list of rows when `many`. `refused`
    turns an integrity error of this statement into the repository's own;
    `unmatched`, if given, is raised when the statement changed no row.
    """

    sql: str
    params: Any
    many: bool = False
    refused: Callable[[IntegrityError], Exception] | None = None
    unmatched: Callable[[], Exception] | None = None


async def execute(connection: AsyncConnection, write: Write) -> None:
    result = await connection.exec_driver_sql(write.sql, write.params)
    if write.unmatched is not None and result.rowcount == 0:
        raise write.unmatched()


async def execute_together(
    connection: AsyncConnection, writes: Sequence[Write], *, on_loop: bool = False
) -> None:
    """Run `writes` in order on an aiosqlite connection, in one round trip to
    its thread; stops at the first failure, which is raised as SQLAlchemy
    would raise it (after `refused`, if the write has one), or at the first
    write with `unmatched` that changed no row, raising what that makes.

    `on_loop` runs them on the calling thread instead, blocking the event
    loop meanwhile: no hand-over at all, and no fight with the loop for the
    GIL on every row. Only for a process whose loop serves nothing else (a
    sync from the command line); the connection's thread is idle meanwhile,
    as this unit of work awaits nothing else on it, and the unit already
    holds the write lock (BEGIN IMMEDIATE), so no statement here waits for
    another writer.
    """
    if not writes:
        return
    raw = await connection.get_raw_connection()
    driver: Any = raw.driver_connection
    if on_loop:
        failure = _execute_all(driver, writes)
    else:
        # aiosqlite runs calls on its own thread; `_execute` queues one
        # function there. SQLAlchemy's own aiosqlite adapter uses it too.
        failure = await driver._execute(_execute_all, driver, writes)
    if failure is None:
        return
    index, error = failure
    write = writes[index]
    if error is None:
        assert write.unmatched is not None
        raise write.unmatched()
    wrapped = DBAPIError.instance(write.sql, None, error, sqlite3.Error)
    if write.refused is not None and isinstance(wrapped, IntegrityError):
        raise write.refused(wrapped) from wrapped
    raise wrapped from error


def _execute_all(
    driver: Any, writes: Sequence[Write]
) -> tuple[int, sqlite3.Error | None] | None:
    """Where the writes stopped, and on which error (None: matched no row)."""
    cursor: sqlite3.Cursor = driver._conn.cursor()
    try:
        for index, write in enumerate(writes):
            try:
                if write.many:
                    cursor.executemany(write.sql, write.params)
                else:
                    cursor.execute(write.sql, write.params)
            except sqlite3.Error as error:
                return index, error
            if write.unmatched is not None and cursor.rowcount == 0:
                return index, None
    finally:
        cursor.close()
    return None

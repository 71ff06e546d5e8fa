"""Writes sent to SQLite together: order, failures, and what they raise."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.persistence import create_database_engine
from adapters.persistence.writes import Write, execute_together


class Refused(Exception):
    pass


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = create_database_engine(f"sqlite+aiosqlite:///{tmp_path}/w.sqlite3")
    async with engine.begin() as connection:
        await connection.execute(text("CREATE TABLE t (k TEXT PRIMARY KEY, v INT)"))
    yield engine
    await engine.dispose()


async def test_writes_run_in_order_one_row_or_many(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        await execute_together(
            connection,
            [
                Write("INSERT INTO t VALUES (?, ?)", [("a", 1), ("b", 2)], many=True),
                Write("UPDATE t SET v = v * 10 WHERE k = ?", ("a",)),
            ],
        )

    async with engine.connect() as connection:
        rows = (await connection.execute(text("SELECT k, v FROM t ORDER BY k"))).all()
    assert [tuple(row) for row in rows] == [("a", 10), ("b", 2)]


async def test_a_refusal_is_raised_as_the_write_says_and_stops_the_rest(
    engine: AsyncEngine,
) -> None:
    insert = "INSERT INTO t VALUES (?, ?)"
    async with engine.connect() as connection:
        await connection.begin()
        with pytest.raises(Refused) as raised:
            await execute_together(
                connection,
                [
                    Write(insert, ("a", 1)),
                    Write(insert, ("a", 2), refused=lambda _error: Refused()),
                    Write(insert, ("c", 3)),
                ],
            )
        keys = (await connection.execute(text("SELECT k FROM t"))).scalars().all()

    assert isinstance(raised.value.__cause__, IntegrityError)
    assert keys == ["a"]


async def test_other_failures_are_raised_as_sqlalchemy_raises_them(
    engine: AsyncEngine,
) -> None:
    async with engine.begin() as connection:
        with pytest.raises(OperationalError, match="no such table"):
            await execute_together(
                connection,
                [Write("INSERT INTO nowhere VALUES (?)", (1,), refused=Refused)],
            )

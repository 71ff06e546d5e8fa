"""Writes sent to SQLite together: order, failures, and what they raise."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.persistence import create_database_engine, writes
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


ON_LOOP = pytest.mark.parametrize("on_loop", [False, True], ids=["thread", "loop"])


@ON_LOOP
async def test_writes_run_in_order_one_row_or_many(
    engine: AsyncEngine, on_loop: bool
) -> None:
    async with engine.begin() as connection:
        await execute_together(
            connection,
            [
                Write("INSERT INTO t VALUES (?, ?)", [("a", 1), ("b", 2)], many=True),
                Write("UPDATE t SET v = v * 10 WHERE k = ?", ("a",)),
            ],
            on_loop=on_loop,
        )

    async with engine.connect() as connection:
        rows = (await connection.execute(text("SELECT k, v FROM t ORDER BY k"))).all()
    assert [tuple(row) for row in rows] == [("a", 10), ("b", 2)]


@ON_LOOP
async def test_a_refusal_is_raised_as_the_write_says_and_stops_the_rest(
    engine: AsyncEngine, on_loop: bool
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
                on_loop=on_loop,
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


@ON_LOOP
async def test_they_run_on_the_loop_only_when_asked(
    engine: AsyncEngine, on_loop: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    threads: list[int] = []
    run_all = writes._execute_all

    def spied(driver: Any, queued: Sequence[Write]) -> Any:
        threads.append(threading.get_ident())
        return run_all(driver, queued)

    monkeypatch.setattr(writes, "_execute_all", spied)
    async with engine.begin() as connection:
        await execute_together(
            connection,
            [Write("INSERT INTO t VALUES (?, ?)", ("a", 1))],
            on_loop=on_loop,
        )

    assert (threads == [threading.get_ident()]) is on_loop
    assert len(threads) == 1

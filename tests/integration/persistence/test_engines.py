"""Engine creation: async drivers, SQLite pragmas, refused configurations."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from adapters.persistence import create_database_engine


async def test_plain_urls_get_async_drivers(tmp_path: Path) -> None:
    sqlite = create_database_engine(f"sqlite:///{tmp_path}/a.sqlite3")
    postgres = create_database_engine("postgresql://nobody@127.0.0.1:1/none")

    assert sqlite.url.drivername == "sqlite+aiosqlite"
    assert postgres.url.drivername == "postgresql+asyncpg"
    await sqlite.dispose()
    await postgres.dispose()


async def test_sqlite_is_set_up_for_concurrent_writers(tmp_path: Path) -> None:
    engine = create_database_engine(
        f"sqlite+aiosqlite:///{tmp_path}/new/folder/db.sqlite3", busy_timeout=7
    )

    async with engine.connect() as connection:
        pragmas = [
            await connection.scalar(text(f"PRAGMA {name}"))
            for name in ("journal_mode", "busy_timeout", "foreign_keys", "synchronous")
        ]
    await engine.dispose()

    assert pragmas == ["wal", 7000, 1, 2]


def test_an_in_memory_sqlite_database_is_refused() -> None:
    with pytest.raises(ValueError, match="InMemoryStore"):
        create_database_engine("sqlite+aiosqlite://")


async def test_a_failed_statement_does_not_show_its_parameters(tmp_path: Path) -> None:
    engine = create_database_engine(f"sqlite:///{tmp_path}/a.sqlite3")
    sealed = "gAAAAA-sealed-refresh-token"

    with pytest.raises(DBAPIError) as failed:
        async with engine.connect() as connection:
            await connection.execute(
                text("INSERT INTO no_such_table VALUES (:token)"), {"token": sealed}
            )
    await engine.dispose()

    assert "no_such_table" in str(failed.value)
    assert sealed not in str(failed.value)


async def test_a_dropped_sqlite_connection_gives_up_its_write_lock(
    tmp_path: Path,
) -> None:
    """SQLAlchemy drops a connection whose task was cancelled inside a
    statement; a statement left open would keep its transaction, and the
    write lock, until the garbage collector freed it."""
    engine = create_database_engine(f"sqlite:///{tmp_path}/a.sqlite3", busy_timeout=0.2)
    async with engine.begin() as connection:
        await connection.exec_driver_sql("CREATE TABLE t (x)")
    dropped = await engine.connect()
    await dropped.begin()
    await dropped.exec_driver_sql("INSERT INTO t VALUES (1)")
    driver = (await dropped.get_raw_connection()).driver_connection
    assert driver is not None
    # Held here as a cancelled statement's traceback would hold it.
    left_open = await driver.execute("SELECT * FROM sqlite_master")

    await dropped.invalidate()
    async with engine.begin() as other:
        await other.exec_driver_sql("INSERT INTO t VALUES (2)")
        rows = await other.scalar(text("SELECT group_concat(x) FROM t"))
    await engine.dispose()

    assert rows == "2"
    assert left_open is not None


async def test_a_new_sqlite_file_and_its_wal_are_for_their_owner_only(
    tmp_path: Path,
) -> None:
    database = tmp_path / "new" / "db.sqlite3"
    engine = create_database_engine(f"sqlite:///{database}")

    async with engine.begin() as connection:
        await connection.execute(text("CREATE TABLE t (x)"))
        await connection.execute(text("INSERT INTO t VALUES (1)"))
        modes = {
            path.name: path.stat().st_mode & 0o777 for path in database.parent.iterdir()
        }
    await engine.dispose()

    assert modes == {
        "db.sqlite3": 0o600,
        "db.sqlite3-wal": 0o600,
        "db.sqlite3-shm": 0o600,
    }


async def test_an_existing_sqlite_file_keeps_its_mode(tmp_path: Path) -> None:
    database = tmp_path / "shared.sqlite3"
    database.touch(mode=0o640)
    database.chmod(0o640)
    engine = create_database_engine(f"sqlite:///{database}")

    async with engine.connect() as connection:
        await connection.scalar(text("SELECT 1"))
    await engine.dispose()

    assert database.stat().st_mode & 0o777 == 0o640


async def test_a_file_uri_makes_its_file_for_its_owner_only_too(
    tmp_path: Path,
) -> None:
    database = tmp_path / "by uri" / "db.sqlite3"
    read_only = tmp_path / "ro.sqlite3"
    engine = create_database_engine(
        f"sqlite:///file:{quote(str(database))}?uri=true&mode=rwc"
    )
    create_database_engine(f"sqlite:///file:{read_only}?uri=true&mode=ro")

    async with engine.begin() as connection:
        await connection.execute(text("CREATE TABLE t (x)"))
    await engine.dispose()

    assert database.stat().st_mode & 0o777 == 0o600
    assert not read_only.exists()


def test_an_engine_makes_no_file_until_it_connects(tmp_path: Path) -> None:
    database = tmp_path / "later.sqlite3"

    create_database_engine(f"sqlite:///{database}")

    assert not database.exists()

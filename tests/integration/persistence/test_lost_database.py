"""PostgreSQL ending connections (a restart, an admin), or a SQLite file kept
locked: the next work goes on, and work caught by it fails as
`StorageUnavailable`, not as a crash."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from adapters.encryption import FernetTokenCipher
from adapters.persistence import (
    SqlAlchemyUnitOfWorkFactory,
    create_database_engine,
    create_session_factory,
    upgrade_engine_to_head,
)
from adapters.persistence.errors import lost_database, unavailable
from application.errors import StorageUnavailable
from tests.integration.persistence.conftest import Backend, open_sql_backend
from tests.support.databases import sqlite_url

WORKSPACE = "ws-lost"


@pytest.fixture
async def postgres(
    postgres_url: str, cipher: FernetTokenCipher
) -> AsyncIterator[Backend]:
    async with open_sql_backend("postgres", postgres_url, cipher) as backend:
        yield backend


async def end_every_other_connection(url: str) -> int:
    """What `pg_terminate_backend` does to the database's other sessions."""
    admin = create_database_engine(url)
    try:
        async with admin.connect() as connection:
            ended = await connection.execute(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            )
            return int(ended.scalar_one())
    finally:
        await admin.dispose()


async def read_once(backend: Backend) -> None:
    async with backend.uow() as uow:
        assert await uow.connections.get(WORKSPACE) is None
        assert await uow.connections.overview(WORKSPACE) is None


@pytest.mark.postgres
async def test_work_after_the_server_ended_the_pooled_connections_goes_on(
    postgres: Backend,
) -> None:
    await read_once(postgres)  # the pool now holds an open connection
    assert postgres.url is not None

    assert await end_every_other_connection(postgres.url) >= 1

    await read_once(postgres)


@pytest.mark.postgres
async def test_a_connection_ended_inside_a_unit_of_work_is_storage_unavailable(
    postgres: Backend,
) -> None:
    assert postgres.url is not None

    url = postgres.url

    async def lock_twice_losing_the_connection_between() -> None:
        async with postgres.uow() as uow:
            await uow.connections.get_for_update(WORKSPACE)
            await end_every_other_connection(url)
            await uow.connections.get_for_update(WORKSPACE)

    with pytest.raises(StorageUnavailable) as lost:
        await lock_twice_losing_the_connection_between()

    assert lost.value.code == "database_unavailable"
    await read_once(postgres)


@pytest.mark.parametrize(
    ("error", "lost"),
    [
        (ConnectionRefusedError(111, "Connection refused"), True),
        (ConnectionResetError(104, "Connection reset by peer"), True),
        (ValueError("not a database error"), False),
        (OSError(28, "No space left on device"), False),
    ],
)
def test_a_dropped_connection_is_told_from_other_failures(
    error: BaseException, lost: bool
) -> None:
    assert lost_database(error) is lost


def test_a_statement_s_own_failure_is_not_a_lost_database() -> None:
    refused = IntegrityError("INSERT ...", None, Exception("duplicate key"))

    assert lost_database(refused) is False


async def test_a_sqlite_file_locked_past_the_busy_timeout_is_storage_unavailable(
    tmp_path: Path, cipher: FernetTokenCipher
) -> None:
    url = sqlite_url(tmp_path / "crmbridge.sqlite3")
    engine = create_database_engine(url, busy_timeout=0.2)
    try:
        await upgrade_engine_to_head(engine)
        units = SqlAlchemyUnitOfWorkFactory(create_session_factory(engine), cipher)
        holder = sqlite3.connect(tmp_path / "crmbridge.sqlite3")
        holder.execute("BEGIN EXCLUSIVE")  # another process's long write
        try:

            async def lock_the_connection_row() -> None:
                async with units() as uow:
                    await uow.connections.get_for_update(WORKSPACE)

            with pytest.raises(StorageUnavailable) as busy:
                await lock_the_connection_row()
        finally:
            holder.rollback()
            holder.close()

        assert busy.value.code == "database_unavailable"
        assert busy.value.message == "the database stayed locked by another writer"
        await lock_the_connection_row()  # the lock gone, work goes on
    finally:
        await engine.dispose()


def test_a_locked_sqlite_file_is_told_from_other_sqlite_failures() -> None:
    assert unavailable(sqlite3.OperationalError("database is locked")) is not None
    assert unavailable(sqlite3.OperationalError("no such table: people")) is None


def test_a_sqlite_file_that_cannot_be_written_is_storage_unavailable(
    tmp_path: Path,
) -> None:
    """Read-only (as a file system mounted so, or a file made immutable,
    leaves it even to root), full or failing: the machine's to fix."""
    path = tmp_path / "crmbridge.sqlite3"
    with sqlite3.connect(path) as made:
        made.execute("CREATE TABLE people (id TEXT)")
    made.close()
    read_only = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        with pytest.raises(sqlite3.OperationalError) as refused:
            read_only.execute("INSERT INTO people VALUES ('p1')")
    finally:
        read_only.close()

    lost = unavailable(refused.value)

    assert lost is not None
    assert lost.code == "database_unavailable"
    assert lost.message == "the database file cannot be written (it is read-only)"
    assert lost.hint is not None
    assert "writable" in lost.hint

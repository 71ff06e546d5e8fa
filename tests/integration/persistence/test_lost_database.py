"""PostgreSQL ending connections (a restart, an admin): the next work goes on,
and work caught by it fails as `StorageUnavailable`, not as a crash."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from adapters.encryption import FernetTokenCipher
from adapters.persistence import create_database_engine
from adapters.persistence.errors import lost_database
from application.errors import StorageUnavailable
from tests.integration.persistence.conftest import Backend, open_sql_backend

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

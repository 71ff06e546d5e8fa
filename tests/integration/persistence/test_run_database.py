"""PostgreSQL tests work in a database of their run's own, never the shared one."""

from __future__ import annotations

import asyncio
import os
import sys

import pytest
from sqlalchemy import text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import create_async_engine

from adapters.persistence import create_database_engine, upgrade_to_head
from tests.integration.persistence.conftest import Backend
from tests.support.databases import drop_abandoned, run_database_name

pytestmark = pytest.mark.postgres

WHERE = text("SELECT current_database(), current_schema()")
MIGRATED = text("SELECT to_regclass('alembic_version') IS NOT NULL")


@pytest.mark.parametrize("sql_backend", ["postgres"], indirect=True)
async def test_engines_and_migrations_land_in_the_run_s_own_database(
    sql_backend: Backend, postgres_server_url: URL
) -> None:
    assert sql_backend.url is not None
    own = make_url(sql_backend.url).database
    fresh = create_database_engine(sql_backend.url)

    try:
        await upgrade_to_head(sql_backend.url)
        async with fresh.connect() as connection:
            fresh_place = tuple((await connection.execute(WHERE)).one())
            migrated = await connection.scalar(MIGRATED)
        async with sql_backend.sql.connect() as connection:
            backend_place = tuple((await connection.execute(WHERE)).one())
    finally:
        await fresh.dispose()

    assert own is not None
    assert own.startswith("crmbridge_test_")
    assert own != postgres_server_url.database
    assert fresh_place == backend_place == (own, "public")
    assert migrated is True


async def test_a_killed_run_s_database_is_dropped_by_the_next_run(
    postgres_server_url: URL,
) -> None:
    ended = await asyncio.create_subprocess_exec(sys.executable, "-c", "pass")
    await ended.wait()
    killed = run_database_name(ended.pid)
    live = run_database_name(os.getpid())
    elsewhere = run_database_name(ended.pid, host="0" * 8)
    made = [killed, live, elsewhere]
    server = create_async_engine(postgres_server_url, isolation_level="AUTOCOMMIT")
    try:
        async with server.connect() as connection:
            for name in made:
                await connection.execute(text(f'CREATE DATABASE "{name}"'))

        dropped = await drop_abandoned(postgres_server_url)

        async with server.connect() as connection:
            left = set(
                await connection.scalars(
                    text("SELECT datname FROM pg_database WHERE datname = ANY(:n)"),
                    {"n": made},
                )
            )
    finally:
        async with server.connect() as connection:
            for name in made:
                await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        await server.dispose()

    # Only this host's runs whose process is gone (an earlier killed run's
    # database may go too).
    assert killed in dropped
    assert not {live, elsewhere} & set(dropped)
    assert left == {live, elsewhere}

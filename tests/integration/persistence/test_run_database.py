"""PostgreSQL tests work in a database of their run's own, never the shared one."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.engine import URL, make_url

from adapters.persistence import create_database_engine, upgrade_to_head
from tests.integration.persistence.conftest import Backend

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

"""Bring a database's schema to the newest Alembic revision, from code.

No alembic.ini is needed at run time: the configuration is built here and the
migrations ship inside this package. Concurrent upgrades take turns: SQLite
through BEGIN IMMEDIATE, PostgreSQL through an advisory lock.
"""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.persistence.database import IMMEDIATE, create_database_engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"

logger = logging.getLogger(__name__)


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic's configuration; `connection` is the one env.py migrates on."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


async def upgrade_to_head(database_url: str) -> None:
    """Create or upgrade the schema at `database_url`; safe to call at each start."""
    engine = create_database_engine(database_url)
    try:
        await upgrade_engine_to_head(engine)
    finally:
        await engine.dispose()


async def upgrade_engine_to_head(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        await connection.execution_options(**IMMEDIATE)
        async with connection.begin():
            if connection.dialect.name == "postgresql":
                key = func.hashtextextended("crmbridge.migrations", 0)
                await connection.execute(select(func.pg_advisory_xact_lock(key)))
            await connection.run_sync(_upgrade)


async def current_revision(engine: AsyncEngine) -> str | None:
    async with engine.connect() as connection:
        return await connection.run_sync(
            lambda sync: MigrationContext.configure(sync).get_current_revision()
        )


def _upgrade(connection: Connection) -> None:
    command.upgrade(alembic_config(connection), "head")
    logger.debug("schema at revision %s", head_revision())

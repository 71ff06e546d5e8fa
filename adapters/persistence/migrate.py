"""Bring a database's schema to the newest Alembic revision, from code.

No alembic.ini is needed at run time: the configuration is built here and the
migrations ship inside this package. Concurrent upgrades take turns: SQLite
through BEGIN IMMEDIATE, PostgreSQL through an advisory lock.

Alembic costs a quarter of a second to import, so `ensure_at_head` first reads
`alembic_version` with one query and imports Alembic only when the database
is behind, or new.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, func, inspect, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.persistence.database import IMMEDIATE, create_database_engine
from adapters.persistence.errors import SchemaRevisionUnknown

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent / "migrations"

# The newest file in migrations/versions; a test holds it to Alembic's answer.
HEAD_REVISION = "0009"

logger = logging.getLogger(__name__)


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic's configuration; `connection` is the one env.py migrates on."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str | None:
    """The head as Alembic computes it from the migration scripts."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


async def upgrade_to_head(database_url: str) -> None:
    """Create or upgrade the schema at `database_url`; safe to call at each start."""
    engine = create_database_engine(database_url)
    try:
        await upgrade_engine_to_head(engine)
    finally:
        await engine.dispose()


async def ensure_at_head(database_url: str) -> bool:
    """`ensure_engine_at_head` on a short-lived engine for `database_url`."""
    engine = create_database_engine(database_url)
    try:
        return await ensure_engine_at_head(engine)
    finally:
        await engine.dispose()


async def ensure_engine_at_head(engine: AsyncEngine) -> bool:
    """Upgrade the schema only if it is not at `HEAD_REVISION`; True if it was.

    Raises:
        SchemaRevisionUnknown: the database is stamped with a revision this
            code does not know (as `upgrade_to_head` does).
    """
    if await stamped_revisions(engine) == {HEAD_REVISION}:
        return True
    await upgrade_engine_to_head(engine)
    return False


async def stamped_revisions(engine: AsyncEngine) -> set[str]:
    """What `alembic_version` holds; empty when the table does not exist."""
    async with engine.connect() as connection:
        try:
            rows = await connection.execute(
                text("SELECT version_num FROM alembic_version")
            )
        except DBAPIError:
            # No table yet (SQLite: OperationalError; PostgreSQL:
            # ProgrammingError). Anything else, Alembic meets again below.
            return set()
        return {str(version) for version in rows.scalars()}


async def upgrade_engine_to_head(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        await connection.execution_options(**IMMEDIATE)
        async with connection.begin():
            if connection.dialect.name == "postgresql":
                key = func.hashtextextended("crmbridge.migrations", 0)
                await connection.execute(select(func.pg_advisory_xact_lock(key)))
            await connection.run_sync(_upgrade)


async def current_revision(engine: AsyncEngine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    async with engine.connect() as connection:
        return await connection.run_sync(
            lambda sync: MigrationContext.configure(sync).get_current_revision()
        )


def _upgrade(connection: Connection) -> None:
    _refuse_unknown_revisions(connection)  # Before Alembic's import logs.

    from alembic import command

    command.upgrade(alembic_config(connection), "head")
    logger.debug("schema at revision %s", HEAD_REVISION)


def known_revisions() -> set[str]:
    """The revisions of the migration scripts, by their files' names.

    Not from Alembic: loading its scripts logs a dozen lines of set-up, which
    would bury the one line saying a revision is unknown. A test holds this
    to Alembic's answer.
    """
    scripts = (MIGRATIONS / "versions").glob("[0-9]*_*.py")
    return {script.name.split("_", 1)[0] for script in scripts}


def _refuse_unknown_revisions(connection: Connection) -> None:
    """Alembic would fail on them deep in its revision map, with a traceback."""
    if not inspect(connection).has_table("alembic_version"):
        return
    rows = connection.execute(text("SELECT version_num FROM alembic_version"))
    unknown = sorted({str(version) for version in rows.scalars()} - known_revisions())
    if unknown:
        raise SchemaRevisionUnknown(unknown, head=HEAD_REVISION)

"""Alembic environment: migrates the connection handed in by `migrate.py`.

Run from the command line (`alembic -c adapters/persistence/alembic.ini ...`),
it connects to CRMBRIDGE_DATABASE_URL, or to the default SQLite file.
"""

from __future__ import annotations

import asyncio
import os

from alembic import context
from sqlalchemy import Connection

from adapters.persistence.database import (
    DEFAULT_DATABASE_URL,
    create_database_engine,
)
from adapters.persistence.schema import metadata


def configure_and_run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


def database_url() -> str:
    return os.environ.get("CRMBRIDGE_DATABASE_URL", DEFAULT_DATABASE_URL)


def run_offline() -> None:
    context.configure(url=database_url(), target_metadata=metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


async def run_from_command_line() -> None:
    engine = create_database_engine(database_url())
    try:
        async with engine.begin() as connection:
            await connection.run_sync(configure_and_run)
    finally:
        await engine.dispose()


handed_in = context.config.attributes.get("connection")
if context.is_offline_mode():
    run_offline()
elif handed_in is not None:
    configure_and_run(handed_in)
else:
    asyncio.run(run_from_command_line())

"""Moving a test database's schema back, for the migration tests."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from alembic import command
from sqlalchemy import TextClause

from adapters.persistence import create_database_engine
from adapters.persistence.migrate import alembic_config
from tests.integration.persistence.conftest import Backend


async def downgrade(backend: Backend, revision: str) -> None:
    """Alembic's downgrade of the backend's database to `revision`."""
    assert backend.url is not None
    engine = create_database_engine(backend.url)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(
                lambda sync: command.downgrade(alembic_config(sync), revision)
            )
    finally:
        await engine.dispose()


async def stored_at(
    backend: Backend,
    revision: str,
    insert: TextClause,
    rows: Sequence[Mapping[str, Any]],
) -> None:
    """Downgrade the backend's database to `revision`, then store `rows`
    with `insert`, a statement of that revision's schema."""
    await downgrade(backend, revision)
    async with backend.sql.begin() as connection:
        await connection.execute(insert, list(rows))

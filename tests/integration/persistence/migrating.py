"""Moving a test database's schema back, for the migration tests."""

from __future__ import annotations

from alembic import command

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

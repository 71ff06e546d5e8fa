"""Backends for the persistence contract suites: memory, SQLite, PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.encryption import FernetTokenCipher
from adapters.memory import InMemoryStore
from adapters.persistence import (
    SqlAlchemyUnitOfWorkFactory,
    create_database_engine,
    create_session_factory,
    upgrade_engine_to_head,
)
from application.ports import UnitOfWorkFactory
from tests.support.databases import postgres_server_url, postgres_url, sqlite_url

__all__ = ["postgres_server_url", "postgres_url"]

SQL_BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
ALL_BACKENDS = ["memory", *SQL_BACKENDS]


@dataclass(frozen=True)
class Backend:
    """A store and two ways into it, as two processes of the service have."""

    name: str
    uow: UnitOfWorkFactory
    other_process: UnitOfWorkFactory
    url: str | None = None
    engine: AsyncEngine | None = None

    @property
    def sql(self) -> AsyncEngine:
        assert self.engine is not None, f"{self.name} has no database"
        return self.engine

    def reopened_with(self, cipher: FernetTokenCipher) -> UnitOfWorkFactory:
        """Units of work on the same database under another key list."""
        return SqlAlchemyUnitOfWorkFactory(create_session_factory(self.sql), cipher)


@pytest.fixture
def encryption_key() -> str:
    return FernetTokenCipher.generate_key()


@pytest.fixture
def cipher(encryption_key: str) -> FernetTokenCipher:
    """The key list every backend of a test encrypts with."""
    return FernetTokenCipher([encryption_key])


@pytest.fixture(params=ALL_BACKENDS)
async def backend(
    request: pytest.FixtureRequest, tmp_path: Path, cipher: FernetTokenCipher
) -> AsyncIterator[Backend]:
    if request.param == "memory":
        store = InMemoryStore()
        yield Backend("memory", store.unit_of_work, store.unit_of_work)
        return
    url = database_url(request, tmp_path)
    async with open_sql_backend(request.param, url, cipher) as sql:
        yield sql


@pytest.fixture(params=SQL_BACKENDS)
async def sql_backend(
    request: pytest.FixtureRequest, tmp_path: Path, cipher: FernetTokenCipher
) -> AsyncIterator[Backend]:
    url = database_url(request, tmp_path)
    async with open_sql_backend(request.param, url, cipher) as sql:
        yield sql


def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "postgres":
        url: str = request.getfixturevalue("postgres_url")
        return url
    return sqlite_url(tmp_path / "crmbridge.sqlite3")


@asynccontextmanager
async def open_sql_backend(
    name: str, url: str, cipher: FernetTokenCipher
) -> AsyncIterator[Backend]:
    """Two engines on one migrated, empty database: two processes' pools."""
    first, second = create_database_engine(url), create_database_engine(url)
    try:
        await upgrade_engine_to_head(first)
        await empty(first)
        yield Backend(
            name,
            SqlAlchemyUnitOfWorkFactory(create_session_factory(first), cipher),
            SqlAlchemyUnitOfWorkFactory(create_session_factory(second), cipher),
            url=url,
            engine=first,
        )
    finally:
        await first.dispose()
        await second.dispose()


async def empty(engine: AsyncEngine) -> None:
    """PostgreSQL's database lives for the whole run: clear what tests left."""
    async with engine.begin() as connection:
        for table in ("connections", "pending_authorizations"):
            await connection.execute(text(f"DELETE FROM {table}"))  # noqa: S608

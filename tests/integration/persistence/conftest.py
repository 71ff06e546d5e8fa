"""Backends for the persistence contract suites: memory, SQLite, PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.encryption import FernetTokenCipher
from adapters.memory import InMemoryStore
from adapters.persistence import (
    SqlAlchemyUnitOfWorkFactory,
    create_database_engine,
    create_session_factory,
    upgrade_engine_to_head,
)
from adapters.persistence.schema import metadata
from application.ports import UnitOfWorkFactory
from application.sync.ports import SyncUnitOfWorkFactory
from tests.integration.persistence.samples import NOW
from tests.support.databases import postgres_server_url, postgres_url, sqlite_url

__all__ = ["postgres_server_url", "postgres_url"]

SQL_BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
ALL_BACKENDS = ["memory", *SQL_BACKENDS]


class SettableClock:
    """What stores stamp people and companies saved without a time, or swept."""

    def __init__(self) -> None:
        self.current = NOW

    def now(self) -> datetime:
        return self.current


@dataclass(frozen=True)
class Backend:
    """A store and two ways into it, as two processes of the service have."""

    name: str
    uow: SyncUnitOfWorkFactory
    other_process: SyncUnitOfWorkFactory
    clock: SettableClock
    url: str | None = None
    engine: AsyncEngine | None = None
    store: InMemoryStore | None = None

    @property
    def sql(self) -> AsyncEngine:
        assert self.engine is not None, f"{self.name} has no database"
        return self.engine

    def reopened_with(self, cipher: FernetTokenCipher) -> UnitOfWorkFactory:
        """Units of work on the same database under another key list."""
        return SqlAlchemyUnitOfWorkFactory(create_session_factory(self.sql), cipher)

    def losing_keys(self) -> tuple[SyncUnitOfWorkFactory, SyncUnitOfWorkFactory]:
        """Two ways into the store as after the key of all stored secrets was
        dropped: the SQL stores under a stranger key, the memory store told to."""
        if self.store is not None:
            self.store.lose_keys()
            return self.uow, self.other_process
        stranger = FernetTokenCipher([FernetTokenCipher.generate_key()])
        sessions = create_session_factory(self.sql)
        return (
            SqlAlchemyUnitOfWorkFactory(sessions, stranger),
            SqlAlchemyUnitOfWorkFactory(sessions, stranger),
        )


@pytest.fixture
def encryption_key() -> str:
    return FernetTokenCipher.generate_key()


@pytest.fixture
def cipher(encryption_key: str) -> FernetTokenCipher:
    """The key list every backend of a test encrypts with."""
    return FernetTokenCipher([encryption_key])


@pytest.fixture
def clock() -> SettableClock:
    return SettableClock()


@pytest.fixture(params=ALL_BACKENDS)
async def backend(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    cipher: FernetTokenCipher,
    clock: SettableClock,
) -> AsyncIterator[Backend]:
    if request.param == "memory":
        store = InMemoryStore(clock=clock)
        yield Backend(
            "memory", store.unit_of_work, store.unit_of_work, clock, store=store
        )
        return
    url = database_url(request, tmp_path)
    async with open_sql_backend(request.param, url, cipher, clock) as sql:
        yield sql


@pytest.fixture(params=SQL_BACKENDS)
async def sql_backend(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    cipher: FernetTokenCipher,
    clock: SettableClock,
) -> AsyncIterator[Backend]:
    url = database_url(request, tmp_path)
    async with open_sql_backend(request.param, url, cipher, clock) as sql:
        yield sql


def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "postgres":
        url: str = request.getfixturevalue("postgres_url")
        return url
    return sqlite_url(tmp_path / "crmbridge.sqlite3")


@asynccontextmanager
async def open_sql_backend(
    name: str,
    url: str,
    cipher: FernetTokenCipher,
    clock: SettableClock | None = None,
) -> AsyncIterator[Backend]:
    """Two engines on one migrated, empty database: two processes' pools."""
    clock = clock or SettableClock()
    first, second = create_database_engine(url), create_database_engine(url)
    try:
        await upgrade_engine_to_head(first)
        await empty(first)
        yield Backend(
            name,
            SqlAlchemyUnitOfWorkFactory(create_session_factory(first), cipher, clock),
            SqlAlchemyUnitOfWorkFactory(create_session_factory(second), cipher, clock),
            clock,
            url=url,
            engine=first,
        )
    finally:
        await first.dispose()
        await second.dispose()


async def empty(engine: AsyncEngine) -> None:
    """PostgreSQL's database lives for the whole run: clear what tests left."""
    async with engine.begin() as connection:
        for table in reversed(metadata.sorted_tables):
            await connection.execute(table.delete())

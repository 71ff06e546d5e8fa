"""SQLAlchemy adapter of the UnitOfWork ports, and a factory of fresh ones."""

from __future__ import annotations

import contextlib
from contextlib import AbstractAsyncContextManager
from types import TracebackType
from typing import Self

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from adapters.clock import SystemClock
from adapters.encryption import FernetTokenCipher
from adapters.persistence.authorizations import SqlAlchemyAuthorizationRepository
from adapters.persistence.companies import SqlAlchemyCompanyRepository
from adapters.persistence.connections import (
    InstanceUrls,
    SqlAlchemyConnectionRepository,
)
from adapters.persistence.errors import unavailable
from adapters.persistence.people import SqlAlchemyPeopleRepository
from adapters.persistence.reads import Reader, reader_for
from adapters.persistence.sync_jobs import SqlAlchemySyncJobRepository
from adapters.persistence.sync_state import (
    SqlAlchemyDescribeCache,
    SqlAlchemyMappingRepository,
    SqlAlchemySyncCursorRepository,
    SqlAlchemySyncedOrgRepository,
)
from adapters.persistence.transaction import Transaction
from application.ports import Clock
from application.sync.ports import SyncUnitOfWork


class SqlAlchemyUnitOfWork(SyncUnitOfWork):
    """One database transaction; leaving without `commit()` rolls it back."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        cipher: FernetTokenCipher,
        clock: Clock | None = None,
        *,
        reader: Reader | None = None,
        instance_urls: InstanceUrls | None = None,
        writes_on_loop: bool = False,
    ) -> None:
        transaction = Transaction(sessions(), reader, writes_on_loop=writes_on_loop)
        clock = clock or SystemClock()
        self._transaction = transaction
        self.connections = SqlAlchemyConnectionRepository(
            transaction, cipher, instance_urls
        )
        self.authorizations = SqlAlchemyAuthorizationRepository(transaction, cipher)
        self.people = SqlAlchemyPeopleRepository(transaction, clock)
        self.companies = SqlAlchemyCompanyRepository(transaction, clock)
        self.sync_jobs = SqlAlchemySyncJobRepository(transaction)
        self.cursors = SqlAlchemySyncCursorRepository(transaction)
        self.mappings = SqlAlchemyMappingRepository(transaction)
        self.describes = SqlAlchemyDescribeCache(transaction)
        self.synced_orgs = SqlAlchemySyncedOrgRepository(transaction)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        lost = None if exc is None else unavailable(exc)
        if lost is None:
            await self._transaction.close()
            return
        # A dropped connection takes the transaction with it: closing can
        # only fail again, and must not hide why.
        with contextlib.suppress(Exception):
            await self._transaction.close()
        raise lost from exc

    async def commit(self) -> None:
        await self._transaction.commit()

    def together(self) -> AbstractAsyncContextManager[None]:
        return self._transaction.together()


class SqlAlchemyUnitOfWorkFactory:
    """Makes a fresh `SqlAlchemyUnitOfWork` per call: a `SyncUnitOfWorkFactory`.

    `clock` stamps people and companies saved without `updated_at`, and those
    a sweep marks deleted; the system clock unless given. Its units share one
    reader for their plain reads (see `adapters.persistence.reads`).
    `writes_on_loop`: SQLite units send the writes of `together()` from the
    event loop's own thread, for a process that only syncs.
    """

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        cipher: FernetTokenCipher,
        clock: Clock | None = None,
        *,
        writes_on_loop: bool = False,
    ) -> None:
        self._writes_on_loop = writes_on_loop
        self._sessions = sessions
        self._cipher = cipher
        self._clock = clock or SystemClock()
        self._reader = reader_for(_engine_of(sessions))
        self._instance_urls = InstanceUrls(cipher)

    def __call__(self) -> SqlAlchemyUnitOfWork:
        return SqlAlchemyUnitOfWork(
            self._sessions,
            self._cipher,
            self._clock,
            reader=self._reader,
            instance_urls=self._instance_urls,
            writes_on_loop=self._writes_on_loop,
        )


def _engine_of(sessions: async_sessionmaker[AsyncSession]) -> AsyncEngine:
    engine = sessions.kw.get("bind")
    if not isinstance(engine, AsyncEngine):
        raise TypeError("the session factory must be bound to an AsyncEngine")
    return engine

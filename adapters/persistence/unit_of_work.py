"""SQLAlchemy adapter of the UnitOfWork ports, and a factory of fresh ones."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.clock import SystemClock
from adapters.encryption import FernetTokenCipher
from adapters.persistence.authorizations import SqlAlchemyAuthorizationRepository
from adapters.persistence.companies import SqlAlchemyCompanyRepository
from adapters.persistence.connections import SqlAlchemyConnectionRepository
from adapters.persistence.people import SqlAlchemyPeopleRepository
from adapters.persistence.sync_jobs import SqlAlchemySyncJobRepository
from adapters.persistence.sync_state import (
    SqlAlchemyDescribeCache,
    SqlAlchemyMappingRepository,
    SqlAlchemySyncCursorRepository,
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
    ) -> None:
        transaction = Transaction(sessions())
        clock = clock or SystemClock()
        self._transaction = transaction
        self.connections = SqlAlchemyConnectionRepository(transaction, cipher)
        self.authorizations = SqlAlchemyAuthorizationRepository(transaction, cipher)
        self.people = SqlAlchemyPeopleRepository(transaction, clock)
        self.companies = SqlAlchemyCompanyRepository(transaction, clock)
        self.sync_jobs = SqlAlchemySyncJobRepository(transaction)
        self.cursors = SqlAlchemySyncCursorRepository(transaction)
        self.mappings = SqlAlchemyMappingRepository(transaction)
        self.describes = SqlAlchemyDescribeCache(transaction)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._transaction.close()

    async def commit(self) -> None:
        await self._transaction.commit()


class SqlAlchemyUnitOfWorkFactory:
    """Makes a fresh `SqlAlchemyUnitOfWork` per call: a `SyncUnitOfWorkFactory`.

    `clock` stamps people and companies saved without `updated_at`, and those
    a sweep marks deleted; the system clock unless given.
    """

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        cipher: FernetTokenCipher,
        clock: Clock | None = None,
    ) -> None:
        self._sessions = sessions
        self._cipher = cipher
        self._clock = clock or SystemClock()

    def __call__(self) -> SqlAlchemyUnitOfWork:
        return SqlAlchemyUnitOfWork(self._sessions, self._cipher, self._clock)

"""SQLAlchemy adapter of the UnitOfWork port, and a factory of fresh ones."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.encryption import FernetTokenCipher
from adapters.persistence.authorizations import SqlAlchemyAuthorizationRepository
from adapters.persistence.connections import SqlAlchemyConnectionRepository
from adapters.persistence.transaction import Transaction
from application.ports import UnitOfWork


class SqlAlchemyUnitOfWork(UnitOfWork):
    """One database transaction; leaving without `commit()` rolls it back."""

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], cipher: FernetTokenCipher
    ) -> None:
        self._transaction = Transaction(sessions())
        self.connections = SqlAlchemyConnectionRepository(self._transaction, cipher)
        self.authorizations = SqlAlchemyAuthorizationRepository(
            self._transaction, cipher
        )

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
    """Makes a fresh `SqlAlchemyUnitOfWork` per call: a `UnitOfWorkFactory`."""

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], cipher: FernetTokenCipher
    ) -> None:
        self._sessions = sessions
        self._cipher = cipher

    def __call__(self) -> SqlAlchemyUnitOfWork:
        return SqlAlchemyUnitOfWork(self._sessions, self._cipher)

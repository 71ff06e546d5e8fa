"""In-memory persistence adapters: for tests and a database-free service.

They keep the SQL adapters' promises, checked by the same contract suite:
changes show only after commit, and a unit of work that locks or writes a
workspace's connection (or takes a state) holds that key until it ends, as a
row lock would.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import datetime
from types import TracebackType
from typing import Self

from application.ports import (
    AuthorizationRepository,
    ConnectionRepository,
    UnitOfWork,
)
from domain.authorization import PendingAuthorization
from domain.connection import Connection


class KeyedLocks:
    """One asyncio lock per key, forgotten once nobody holds or awaits it."""

    def __init__(self, timeout: float) -> None:
        self._timeout = timeout
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    async def acquire(self, key: str) -> None:
        lock, users = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, users + 1)
        try:
            async with asyncio.timeout(self._timeout):
                await lock.acquire()
        except TimeoutError:
            self._forget(key)
            raise TimeoutError(
                f"waited {self._timeout}s for {key}: is a unit of work opened "
                "inside another that holds it?"
            ) from None
        except BaseException:
            self._forget(key)
            raise

    def release(self, key: str) -> None:
        self._locks[key][0].release()
        self._forget(key)

    def __len__(self) -> int:
        """How many keys are held or awaited right now."""
        return len(self._locks)

    def _forget(self, key: str) -> None:
        lock, users = self._locks[key]
        if users == 1:
            del self._locks[key]
        else:
            self._locks[key] = (lock, users - 1)


class InMemoryStore:
    """The committed state shared by every unit of work made from it."""

    def __init__(self, *, lock_timeout: float = 10.0) -> None:
        self.connections: dict[str, Connection] = {}
        self.authorizations: dict[str, PendingAuthorization] = {}
        self.locks = KeyedLocks(lock_timeout)

    def unit_of_work(self) -> InMemoryUnitOfWork:
        """A fresh unit of work: `store.unit_of_work` is a UnitOfWorkFactory."""
        return InMemoryUnitOfWork(self)


class InMemoryConnectionRepository(ConnectionRepository):
    def __init__(self, uow: InMemoryUnitOfWork) -> None:
        self._uow = uow

    async def get(self, workspace_id: str) -> Connection | None:
        if workspace_id in self._uow.staged_connections:
            return self._uow.staged_connections[workspace_id]
        return self._uow.store.connections.get(workspace_id)

    async def get_for_update(self, workspace_id: str) -> Connection | None:
        await self._uow.lock(f"connection:{workspace_id}")
        return await self.get(workspace_id)

    async def save(self, connection: Connection) -> None:
        await self._uow.lock(f"connection:{connection.workspace_id}")
        self._uow.staged_connections[connection.workspace_id] = connection


class InMemoryAuthorizationRepository(AuthorizationRepository):
    def __init__(self, uow: InMemoryUnitOfWork) -> None:
        self._uow = uow

    async def add(self, pending: PendingAuthorization) -> None:
        await self._uow.lock(f"authorization:{pending.state}")
        self._uow.staged_authorizations[pending.state] = pending

    async def take(self, state: str) -> PendingAuthorization | None:
        # Like DELETE ... RETURNING: a second taker waits for the first to end,
        # then finds nothing if the first committed.
        await self._uow.lock(f"authorization:{state}")
        pending = self._uow.authorization(state)
        self._uow.staged_authorizations[state] = None
        return pending

    async def discard_workspace(self, workspace_id: str) -> None:
        for pending in list(self._uow.visible_authorizations()):
            if pending.workspace_id == workspace_id:
                self._uow.staged_authorizations[pending.state] = None

    async def purge_expired(self, now: datetime) -> int:
        expired = [
            pending
            for pending in self._uow.visible_authorizations()
            if pending.is_expired(now)
        ]
        for pending in expired:
            self._uow.staged_authorizations[pending.state] = None
        return len(expired)


class InMemoryUnitOfWork(UnitOfWork):
    """Stages changes and applies them all at `commit()`; locks end with it."""

    def __init__(self, store: InMemoryStore) -> None:
        self.store = store
        self.staged_connections: dict[str, Connection] = {}
        self.staged_authorizations: dict[str, PendingAuthorization | None] = {}
        self._held: set[str] = set()
        self.connections = InMemoryConnectionRepository(self)
        self.authorizations = InMemoryAuthorizationRepository(self)

    async def lock(self, key: str) -> None:
        if key not in self._held:
            await self.store.locks.acquire(key)
            self._held.add(key)

    def authorization(self, state: str) -> PendingAuthorization | None:
        if state in self.staged_authorizations:
            return self.staged_authorizations[state]
        return self.store.authorizations.get(state)

    def visible_authorizations(self) -> Iterator[PendingAuthorization]:
        states = self.store.authorizations.keys() | self.staged_authorizations.keys()
        for state in states:
            pending = self.authorization(state)
            if pending is not None:
                yield pending

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._clear()
        for key in self._held:
            self.store.locks.release(key)
        self._held.clear()

    async def commit(self) -> None:
        self.store.connections.update(self.staged_connections)
        for state, pending in self.staged_authorizations.items():
            if pending is None:
                self.store.authorizations.pop(state, None)
            else:
                self.store.authorizations[state] = pending
        self._clear()

    def _clear(self) -> None:
        self.staged_connections.clear()
        self.staged_authorizations.clear()

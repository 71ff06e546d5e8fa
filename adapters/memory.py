"""In-memory persistence adapters: for tests and a database-free service."""

from __future__ import annotations

import asyncio
from collections import defaultdict
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


class InMemoryStore:
    """The committed state shared by every unit of work made from it."""

    def __init__(self) -> None:
        self.connections: dict[str, Connection] = {}
        self.authorizations: dict[str, PendingAuthorization] = {}
        self.locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        self.commit_lock = asyncio.Lock()

    def unit_of_work(self) -> InMemoryUnitOfWork:
        return InMemoryUnitOfWork(self)


class InMemoryConnectionRepository(ConnectionRepository):
    def __init__(self, uow: InMemoryUnitOfWork) -> None:
        self._uow = uow

    async def get(self, workspace_id: str) -> Connection | None:
        if workspace_id in self._uow.staged_connections:
            return self._uow.staged_connections[workspace_id]
        return self._uow.store.connections.get(workspace_id)

    async def get_for_update(self, workspace_id: str) -> Connection | None:
        await self._uow.lock(workspace_id)
        return await self.get(workspace_id)

    async def save(self, connection: Connection) -> None:
        self._uow.staged_connections[connection.workspace_id] = connection


class InMemoryAuthorizationRepository(AuthorizationRepository):
    def __init__(self, uow: InMemoryUnitOfWork) -> None:
        self._uow = uow

    async def add(self, pending: PendingAuthorization) -> None:
        self._uow.staged_authorizations[pending.state] = pending

    async def take(self, state: str) -> PendingAuthorization | None:
        # Taking removes from the shared store at once: two units of work racing
        # for one state cannot both get it, as with DELETE ... RETURNING.
        staged = self._uow.staged_authorizations.pop(state, None)
        return staged or self._uow.store.authorizations.pop(state, None)

    async def discard_workspace(self, workspace_id: str) -> None:
        for key, pending in list(self._uow.store.authorizations.items()):
            if pending.workspace_id == workspace_id:
                self._uow.discarded.add(key)
        for key, pending in list(self._uow.staged_authorizations.items()):
            if pending.workspace_id == workspace_id:
                del self._uow.staged_authorizations[key]

    async def purge_expired(self, now: datetime) -> int:
        expired = [
            key
            for key, pending in self._uow.store.authorizations.items()
            if pending.is_expired(now)
        ]
        self._uow.discarded.update(expired)
        return len(expired)


class InMemoryUnitOfWork(UnitOfWork):
    def __init__(self, store: InMemoryStore) -> None:
        self.store = store
        self.staged_connections: dict[str, Connection] = {}
        self.staged_authorizations: dict[str, PendingAuthorization] = {}
        self.discarded: set[str] = set()
        self._held: list[asyncio.Lock] = []
        self.connections = InMemoryConnectionRepository(self)
        self.authorizations = InMemoryAuthorizationRepository(self)

    async def lock(self, workspace_id: str) -> None:
        lock = self.store.locks[workspace_id]
        if lock not in self._held:
            await lock.acquire()
            self._held.append(lock)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._clear()
        for lock in self._held:
            lock.release()
        self._held.clear()

    async def commit(self) -> None:
        self.store.connections.update(self.staged_connections)
        for key in self.discarded:
            self.store.authorizations.pop(key, None)
        self.store.authorizations.update(self.staged_authorizations)
        self._clear()

    def _clear(self) -> None:
        self.staged_connections.clear()
        self.staged_authorizations.clear()
        self.discarded.clear()

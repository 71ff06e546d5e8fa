"""In-memory persistence: the committed state, and the unit of work that
stages changes to it until commit."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from types import TracebackType
from typing import Any, Self

from adapters.clock import SystemClock
from adapters.memory.companies import InMemoryCompanyRepository
from adapters.memory.connections import (
    InMemoryAuthorizationRepository,
    InMemoryConnectionRepository,
)
from adapters.memory.people import InMemoryPeopleRepository
from adapters.memory.rows import StoredCompany, StoredPerson
from adapters.memory.sync_state import (
    InMemoryDescribeCache,
    InMemoryMappingRepository,
    InMemorySyncCursorRepository,
    InMemorySyncedOrgRepository,
    InMemorySyncJobRepository,
)
from adapters.memory.tables import KeyedLocks, Staged
from application.ports import Clock
from application.sync.ports import SyncUnitOfWork
from domain.authorization import PendingAuthorization
from domain.connection import Connection
from domain.crm import CrmObject, ObjectDescribe
from domain.mapping import FieldMapping
from domain.refresh_lease import RefreshLease
from domain.soql import SyncCursor
from domain.sync import SyncJob


class InMemoryStore:
    """The committed state shared by every unit of work made from it.

    `clock` stamps people and companies saved without `updated_at`, and those
    a sweep marks deleted; the system clock unless given. Nothing is
    encrypted here: `lose_keys` plays what a dropped encryption key does to
    a database's stored secrets.
    """

    def __init__(
        self, *, lock_timeout: float = 10.0, clock: Clock | None = None
    ) -> None:
        self.connections: dict[str, Connection] = {}
        self.refresh_leases: dict[str, RefreshLease] = {}
        self.authorizations: dict[str, PendingAuthorization] = {}
        # Workspaces whose tokens, and states whose verifiers, no key opens.
        self.unreadable_tokens: set[str] = set()
        self.unreadable_verifiers: set[str] = set()
        self.people: dict[tuple[str, str], StoredPerson] = {}
        self.companies: dict[tuple[str, str], StoredCompany] = {}
        self.sync_jobs: dict[tuple[str, str], SyncJob] = {}
        self.cursors: dict[tuple[str, CrmObject], SyncCursor] = {}
        self.read_through: dict[tuple[str, CrmObject], datetime] = {}
        self.mappings: dict[str, FieldMapping] = {}
        self.describes: dict[
            tuple[str, CrmObject], tuple[ObjectDescribe, datetime]
        ] = {}
        self.synced_orgs: dict[str, str] = {}
        self.locks = KeyedLocks(lock_timeout)
        self.clock = clock or SystemClock()

    def unit_of_work(self) -> InMemoryUnitOfWork:
        """A fresh unit of work: `store.unit_of_work` is a UnitOfWorkFactory."""
        return InMemoryUnitOfWork(self)

    def lose_keys(self) -> None:
        """Make every secret committed so far unreadable until it is replaced,
        as dropping the key that encrypted them does to the SQL stores."""
        held = {key for key, found in self.connections.items() if found.tokens}
        self.unreadable_tokens |= held
        self.unreadable_verifiers |= self.authorizations.keys()


class InMemoryUnitOfWork(SyncUnitOfWork):
    """Stages changes and applies them all at `commit()`; locks end with it."""

    def __init__(self, store: InMemoryStore) -> None:
        self.store = store
        self.staged_connections: dict[str, Connection] = {}
        self.staged_leases = Staged(store.refresh_leases)
        self.staged_authorizations: dict[str, PendingAuthorization | None] = {}
        self.staged_people = Staged(store.people)
        self.staged_companies = Staged(store.companies)
        self.staged_sync_jobs = Staged(store.sync_jobs)
        self.staged_cursors = Staged(store.cursors)
        self.staged_read_through = Staged(store.read_through)
        self.staged_mappings = Staged(store.mappings)
        self.staged_describes = Staged(store.describes)
        self.staged_synced_orgs = Staged(store.synced_orgs)
        self._held: set[str] = set()
        self.connections = InMemoryConnectionRepository(self)
        self.authorizations = InMemoryAuthorizationRepository(self)
        self.people = InMemoryPeopleRepository(self)
        self.companies = InMemoryCompanyRepository(self)
        self.sync_jobs = InMemorySyncJobRepository(self)
        self.cursors = InMemorySyncCursorRepository(self)
        self.mappings = InMemoryMappingRepository(self)
        self.describes = InMemoryDescribeCache(self)
        self.synced_orgs = InMemorySyncedOrgRepository(self)

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

    def together(self) -> AbstractAsyncContextManager[None]:
        # Writes are staged until commit anyway.
        return contextlib.nullcontext()

    async def commit(self) -> None:
        self.store.connections.update(self.staged_connections)
        self.store.unreadable_tokens -= self.staged_connections.keys()
        self.store.unreadable_verifiers -= self.staged_authorizations.keys()
        for state, pending in self.staged_authorizations.items():
            if pending is None:
                self.store.authorizations.pop(state, None)
            else:
                self.store.authorizations[state] = pending
        for table in self._tables():
            table.commit()
        self._clear()

    def _tables(self) -> tuple[Staged[Any, Any], ...]:
        return (
            self.staged_leases,
            self.staged_people,
            self.staged_companies,
            self.staged_sync_jobs,
            self.staged_cursors,
            self.staged_read_through,
            self.staged_mappings,
            self.staged_describes,
            self.staged_synced_orgs,
        )

    def _clear(self) -> None:
        self.staged_connections.clear()
        self.staged_authorizations.clear()
        for table in self._tables():
            table.changes.clear()

"""In-memory persistence adapters: for tests and a database-free service.

They keep the SQL adapters' promises, checked by the same contract suites:
changes show only after commit, and a unit of work that locks or writes a
workspace's connection (or takes a state, or locks or writes a sync job, or
makes one active) holds that key until it ends, as a row lock or a unique
index would.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import Callable, Collection, Iterable, Iterator
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Any, Generic, Self, TypeVar

import msgspec

from adapters.clock import SystemClock
from application.errors import (
    AuthorizationUnreadable,
    Conflict,
    CredentialsUnreadable,
    SyncJobChanged,
)
from application.ports import (
    AuthorizationRepository,
    Clock,
    ConnectionOverview,
    ConnectionRepository,
)
from application.sync.ports import (
    CompanyQuery,
    CompanyRepository,
    DescribeCache,
    MappingRepository,
    PeopleQuery,
    PeopleRepository,
    PersonEntry,
    SyncCursorRepository,
    SyncedOrgRepository,
    SyncJobRepository,
    SyncUnitOfWork,
)
from domain.authorization import PendingAuthorization
from domain.connection import Connection
from domain.crm import CrmObject, ObjectDescribe
from domain.mapping import FieldMapping
from domain.people import Company, Person
from domain.refresh_lease import RefreshLease
from domain.soql import SyncCursor
from domain.sync import SyncJob, SyncState

K = TypeVar("K")
V = TypeVar("V")


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


@dataclass(frozen=True)
class StoredPerson:
    """A person and the last jobs that saw its Lead and its Contact."""

    person: Person
    lead_seen_job: str | None = None
    contact_seen_job: str | None = None


@dataclass(frozen=True)
class StoredCompany:
    company: Company
    seen_job: str | None = None


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


class InMemoryConnectionRepository(ConnectionRepository):
    def __init__(self, uow: InMemoryUnitOfWork) -> None:
        self._uow = uow

    async def get(self, workspace_id: str) -> Connection | None:
        if self._unreadable(workspace_id):
            raise CredentialsUnreadable()
        return self._visible(workspace_id)

    async def overview(self, workspace_id: str) -> ConnectionOverview | None:
        connection = self._visible(workspace_id)
        if connection is None:
            return None
        unreadable = self._unreadable(workspace_id)
        tokens = None if unreadable else connection.tokens
        return ConnectionOverview(
            connection=msgspec.structs.replace(connection, tokens=None),
            instance_url=tokens.instance_url if tokens else None,
            credentials_unreadable=unreadable,
        )

    async def get_for_update(self, workspace_id: str) -> Connection | None:
        await self._uow.lock(f"connection:{workspace_id}")
        return await self.get(workspace_id)

    async def save(self, connection: Connection) -> None:
        await self._uow.lock(f"connection:{connection.workspace_id}")
        self._uow.staged_connections[connection.workspace_id] = connection

    async def take_refresh_lease(
        self, workspace_id: str, lease: RefreshLease, *, now: datetime
    ) -> RefreshLease | None:
        await self._uow.lock(f"connection:{workspace_id}")
        if self._visible(workspace_id) is None:
            return None

        standing = self._uow.staged_leases.get(workspace_id)
        if standing is not None and standing.blocks(lease.holder, now):
            return standing
        self._uow.staged_leases.put(workspace_id, lease)
        return lease

    async def end_refresh_lease(self, workspace_id: str, holder: str) -> None:
        await self._uow.lock(f"connection:{workspace_id}")
        standing = self._uow.staged_leases.get(workspace_id)
        if standing is not None and standing.holder == holder:
            self._uow.staged_leases.drop(workspace_id)

    async def clear_refresh_lease(self, workspace_id: str) -> None:
        await self._uow.lock(f"connection:{workspace_id}")
        self._uow.staged_leases.drop(workspace_id)

    def _visible(self, workspace_id: str) -> Connection | None:
        if workspace_id in self._uow.staged_connections:
            return self._uow.staged_connections[workspace_id]
        return self._uow.store.connections.get(workspace_id)

    def _unreadable(self, workspace_id: str) -> bool:
        staged = workspace_id in self._uow.staged_connections
        return not staged and workspace_id in self._uow.store.unreadable_tokens


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
        staged = state in self._uow.staged_authorizations
        pending = self._uow.authorization(state)
        self._uow.staged_authorizations[state] = None
        if pending and not staged and state in self._uow.store.unreadable_verifiers:
            raise AuthorizationUnreadable(workspace_id=pending.workspace_id)
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


class Staged(Generic[K, V]):
    """A committed table seen through one unit of work's uncommitted changes."""

    def __init__(self, committed: dict[K, V]) -> None:
        self.committed = committed
        self.changes: dict[K, V | None] = {}

    def get(self, key: K) -> V | None:
        if key in self.changes:
            return self.changes[key]
        return self.committed.get(key)

    def put(self, key: K, value: V) -> None:
        self.changes[key] = value

    def drop(self, key: K) -> None:
        self.changes[key] = None

    def items(self) -> Iterator[tuple[K, V]]:
        for key in self.committed.keys() | self.changes.keys():
            value = self.get(key)
            if value is not None:
                yield key, value

    def commit(self) -> None:
        for key, value in self.changes.items():
            if value is None:
                self.committed.pop(key, None)
            else:
                self.committed[key] = value
        self.changes.clear()


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
            self.staged_mappings,
            self.staged_describes,
            self.staged_synced_orgs,
        )

    def _clear(self) -> None:
        self.staged_connections.clear()
        self.staged_authorizations.clear()
        for table in self._tables():
            table.changes.clear()


class InMemoryPeopleRepository(PeopleRepository):
    """People keyed by workspace and person id, with their seen marks."""

    def __init__(self, uow: InMemoryUnitOfWork) -> None:
        self._table = uow.staged_people
        self._clock = uow.store.clock

    async def find(
        self, workspace_id: str, *, lead_ids: Iterable[str], contact_ids: Iterable[str]
    ) -> list[Person]:
        leads, contacts = set(lead_ids), set(contact_ids)
        return [
            stored.person
            for stored in self._of(workspace_id)
            if stored.person.lead_id in leads or stored.person.contact_id in contacts
        ]

    async def save_page(
        self,
        workspace_id: str,
        changed: Iterable[Person],
        removed: Iterable[str],
        *,
        seen_by: tuple[CrmObject, str],
    ) -> None:
        obj, job_id = seen_by
        if obj is CrmObject.ACCOUNT:
            raise ValueError("people are not seen by Account pages")
        now = self._clock.now()
        page = {p.person_id: _stamped(p, workspace_id, now) for p in changed}

        for person_id in set(removed):
            self._table.drop((workspace_id, person_id))
        self._refuse_shared_ids(workspace_id, page)
        for person_id, person in page.items():
            key = (workspace_id, person_id)
            stored = self._table.get(key) or StoredPerson(person)
            person = _unless_unchanged(person, stored.person)
            self._table.put(key, _seen(stored, person, obj, job_id))

    async def sweep_unseen(
        self,
        workspace_id: str,
        obj: CrmObject,
        job_id: str,
        *,
        keep: Collection[str] = (),
    ) -> int:
        if obj is CrmObject.ACCOUNT:
            raise ValueError("people are not swept for Account")
        now = self._clock.now()
        kept = set(keep)
        unseen = [s for s in self._of(workspace_id) if _unseen(s, obj, job_id, kept)]

        for stored in unseen:
            person = msgspec.structs.replace(
                stored.person,
                lead_deleted=stored.person.lead_deleted or obj is CrmObject.LEAD,
                contact_deleted=stored.person.contact_deleted
                or obj is CrmObject.CONTACT,
                updated_at=now,
            )
            key = (workspace_id, person.person_id)
            self._table.put(key, dataclasses.replace(stored, person=person))

        return len(unseen)

    async def purge(self, workspace_id: str) -> int:
        people = list(self._of(workspace_id))
        for stored in people:
            self._table.drop((workspace_id, stored.person.person_id))
        return len(people)

    async def get(self, workspace_id: str, person_id: str) -> Person | None:
        stored = self._table.get((workspace_id, person_id))
        return stored.person if stored else None

    async def list(self, workspace_id: str, query: PeopleQuery) -> list[PersonEntry]:
        email = query.email.lower() if query.email is not None else None
        people = [
            person
            for stored in self._of(workspace_id)
            if _listed(
                person := stored.person, query.updated_since, query.include_deleted
            )
            and (email is None or _email(person) == email)
            and (query.source is None or person.source is query.source)
        ]
        page = _keyset(people, lambda p: p.person_id, query.after, query.limit)
        return [PersonEntry.of(person) for person in page]

    async def count(self, workspace_id: str, *, include_deleted: bool) -> int:
        people = (stored.person for stored in self._of(workspace_id))
        return sum(1 for person in people if include_deleted or not person.deleted)

    def _of(self, workspace_id: str) -> Iterator[StoredPerson]:
        # Limitation: every read scans every stored person; fine for tests and
        # demos, not for an org of millions (use SQLite for those).
        for (workspace, _), stored in self._table.items():
            if workspace == workspace_id:
                yield stored

    def _refuse_shared_ids(self, workspace_id: str, page: dict[str, Person]) -> None:
        """As the SQL unique indexes do: one person per Lead id, per Contact id."""
        holders: dict[tuple[str, str], str] = {}
        for stored in self._of(workspace_id):
            if stored.person.person_id not in page:
                holders.update(dict.fromkeys(_crm_ids(stored.person), "stored"))
        for person in page.values():
            for crm_id in _crm_ids(person):
                if holders.setdefault(crm_id, person.person_id) != person.person_id:
                    raise Conflict(
                        f"a page gives a Lead or Contact id of workspace "
                        f"{workspace_id} to a second person"
                    )


class InMemoryCompanyRepository(CompanyRepository):
    def __init__(self, uow: InMemoryUnitOfWork) -> None:
        self._table = uow.staged_companies
        self._clock = uow.store.clock

    async def save_page(
        self, workspace_id: str, companies: Iterable[Company], *, job_id: str
    ) -> None:
        now = self._clock.now()
        page = {c.account_id: _stamped(c, workspace_id, now) for c in companies}
        for account_id, company in page.items():
            key = (workspace_id, account_id)
            stored = self._table.get(key)
            if stored is not None:
                company = _unless_unchanged(company, stored.company)
            self._table.put(key, StoredCompany(company, job_id))

    async def sweep_unseen(
        self, workspace_id: str, job_id: str, *, keep: Collection[str] = ()
    ) -> int:
        now = self._clock.now()
        kept = set(keep)
        unseen = [
            stored
            for stored in self._of(workspace_id)
            if not stored.company.deleted
            and stored.seen_job != job_id
            and stored.company.account_id not in kept
        ]

        for stored in unseen:
            company = msgspec.structs.replace(
                stored.company, deleted=True, updated_at=now
            )
            key = (workspace_id, company.account_id)
            self._table.put(key, StoredCompany(company, stored.seen_job))

        return len(unseen)

    async def purge(self, workspace_id: str) -> int:
        companies = list(self._of(workspace_id))
        for stored in companies:
            self._table.drop((workspace_id, stored.company.account_id))
        return len(companies)

    async def get(self, workspace_id: str, account_id: str) -> Company | None:
        stored = self._table.get((workspace_id, account_id))
        return stored.company if stored else None

    async def list(self, workspace_id: str, query: CompanyQuery) -> list[Company]:
        companies = [
            stored.company
            for stored in self._of(workspace_id)
            if _listed(stored.company, query.updated_since, query.include_deleted)
        ]
        return _keyset(companies, lambda c: c.account_id, query.after, query.limit)

    def _of(self, workspace_id: str) -> Iterator[StoredCompany]:
        for (workspace, _), stored in self._table.items():
            if workspace == workspace_id:
                yield stored


class InMemorySyncJobRepository(SyncJobRepository):
    """Jobs keyed by workspace and id; one queued or running per workspace."""

    def __init__(self, uow: InMemoryUnitOfWork) -> None:
        self._uow = uow
        self._table = uow.staged_sync_jobs

    async def add(self, job: SyncJob) -> None:
        await self._lock_row(job.workspace_id, job.job_id)
        if self._table.get((job.workspace_id, job.job_id)) is not None:
            raise _job_conflict(job)
        if job.is_active:
            await self._uow.lock(f"active-sync:{job.workspace_id}")
            if await self.active(job.workspace_id) is not None:
                raise _job_conflict(job)

        self._table.put((job.workspace_id, job.job_id), job)

    async def save(self, job: SyncJob, *, expected: SyncState | None = None) -> None:
        await self._lock_row(job.workspace_id, job.job_id)
        stored = self._table.get((job.workspace_id, job.job_id))
        if stored is None or not _in_state(stored, expected):
            raise SyncJobChanged(job.workspace_id, job.job_id)
        if job.is_active:
            # As a unique index would: a second writer waits for the first.
            await self._uow.lock(f"active-sync:{job.workspace_id}")
            active = await self.active(job.workspace_id)
            if active is not None and active.job_id != job.job_id:
                raise _job_conflict(job)
            if stored.cancel_requested:
                job = msgspec.structs.replace(job, cancel_requested=True)

        self._table.put((job.workspace_id, job.job_id), job)

    async def request_cancel(self, workspace_id: str, job_id: str) -> SyncJob | None:
        await self._lock_row(workspace_id, job_id)
        stored = self._table.get((workspace_id, job_id))
        if stored is None or not stored.is_active:
            return stored

        flagged = msgspec.structs.replace(stored, cancel_requested=True)
        self._table.put((workspace_id, job_id), flagged)
        return flagged

    async def get(self, workspace_id: str, job_id: str) -> SyncJob | None:
        return self._table.get((workspace_id, job_id))

    async def get_for_update(self, workspace_id: str, job_id: str) -> SyncJob | None:
        await self._lock_row(workspace_id, job_id)
        return self._table.get((workspace_id, job_id))

    async def active(self, workspace_id: str) -> SyncJob | None:
        jobs = _newest_first(self._table, workspace_id)
        return next((job for job in jobs if job.is_active), None)

    async def all_active(self) -> list[SyncJob]:
        """Every queued or running job of every workspace, oldest first."""
        jobs = [job for _, job in self._table.items() if job.is_active]
        return sorted(jobs, key=lambda j: (j.created_at, j.workspace_id, j.job_id))

    async def list(
        self, workspace_id: str, *, limit: int, before: datetime | None = None
    ) -> list[SyncJob]:
        jobs = _newest_first(self._table, workspace_id)
        return [job for job in jobs if before is None or job.created_at < before][
            :limit
        ]

    async def _lock_row(self, workspace_id: str, job_id: str) -> None:
        # As a row lock would: writers of one job take turns until each unit
        # ends, so each reads the job as the one before it left it.
        await self._uow.lock(f"sync-job:{workspace_id}:{job_id}")


class InMemorySyncCursorRepository(SyncCursorRepository):
    def __init__(self, uow: InMemoryUnitOfWork) -> None:
        self._table = uow.staged_cursors

    async def get(self, workspace_id: str, obj: CrmObject) -> SyncCursor | None:
        return self._table.get((workspace_id, obj))

    async def set(
        self, workspace_id: str, obj: CrmObject, cursor: SyncCursor | None
    ) -> None:
        if cursor is None:
            self._table.drop((workspace_id, obj))
        else:
            self._table.put((workspace_id, obj), cursor)

    async def clear(self, workspace_id: str) -> None:
        for key, _ in list(self._table.items()):
            if key[0] == workspace_id:
                self._table.drop(key)


class InMemoryMappingRepository(MappingRepository):
    def __init__(self, uow: InMemoryUnitOfWork) -> None:
        self._table = uow.staged_mappings

    async def get(self, workspace_id: str) -> FieldMapping | None:
        return self._table.get(workspace_id)

    async def save(self, workspace_id: str, mapping: FieldMapping) -> None:
        self._table.put(workspace_id, mapping)


class InMemoryDescribeCache(DescribeCache):
    def __init__(self, uow: InMemoryUnitOfWork) -> None:
        self._table = uow.staged_describes

    async def get(
        self, workspace_id: str, obj: CrmObject
    ) -> tuple[ObjectDescribe, datetime] | None:
        return self._table.get((workspace_id, obj))

    async def save(
        self, workspace_id: str, obj: CrmObject, describe: ObjectDescribe, at: datetime
    ) -> None:
        self._table.put((workspace_id, obj), (describe, at))

    async def clear(self, workspace_id: str) -> None:
        for key, _ in list(self._table.items()):
            if key[0] == workspace_id:
                self._table.drop(key)


class InMemorySyncedOrgRepository(SyncedOrgRepository):
    def __init__(self, uow: InMemoryUnitOfWork) -> None:
        self._table = uow.staged_synced_orgs

    async def get(self, workspace_id: str) -> str | None:
        return self._table.get(workspace_id)

    async def set(self, workspace_id: str, org_id: str) -> None:
        self._table.put(workspace_id, org_id)


Stamped = TypeVar("Stamped", Person, Company)


def _stamped(value: Stamped, workspace_id: str, now: datetime) -> Stamped:
    """The value as stored: refused in another workspace, stamped if it was not."""
    if value.workspace_id != workspace_id:
        raise ValueError(f"{value!r} is not in workspace {workspace_id}")
    if value.updated_at is not None:
        return value
    return msgspec.structs.replace(value, updated_at=now)


def _unless_unchanged(value: Stamped, stored: Stamped) -> Stamped:
    """`value`, or `stored` if they differ in `updated_at` alone: as the SQL
    upsert does, a row saved with the values it holds keeps its stamp."""
    same = msgspec.structs.replace(value, updated_at=stored.updated_at) == stored
    return stored if same else value


def _seen(
    stored: StoredPerson, person: Person, obj: CrmObject, job_id: str
) -> StoredPerson:
    if obj is CrmObject.LEAD:
        return StoredPerson(person, job_id, stored.contact_seen_job)
    return StoredPerson(person, stored.lead_seen_job, job_id)


def _unseen(stored: StoredPerson, obj: CrmObject, job_id: str, kept: set[str]) -> bool:
    """Swept: holds an `obj` id, not in `kept`, not deleted, not seen by the job."""
    person = stored.person
    if obj is CrmObject.LEAD:
        return (
            bool(person.lead_id)
            and person.lead_id not in kept
            and not person.lead_deleted
            and (stored.lead_seen_job != job_id)
        )
    return (
        bool(person.contact_id)
        and person.contact_id not in kept
        and not person.contact_deleted
        and (stored.contact_seen_job != job_id)
    )


def _crm_ids(person: Person) -> list[tuple[str, str]]:
    ids = [("Lead", person.lead_id), ("Contact", person.contact_id)]
    return [(kind, crm_id) for kind, crm_id in ids if crm_id is not None]


def _email(person: Person) -> str | None:
    email = person.fields.get("email")
    return email.lower() if isinstance(email, str) else None


def _listed(
    value: Person | Company, since: datetime | None, include_deleted: bool
) -> bool:
    assert value.updated_at is not None  # Stamped when saved.
    if since is not None and value.updated_at < since:
        return False
    return include_deleted or not value.deleted


def _keyset(
    values: list[Stamped],
    key: Callable[[Stamped], str],
    after: tuple[datetime, str] | None,
    limit: int,
) -> list[Stamped]:
    """Ordered by `(updated_at, key)`, strictly after `after`, at most `limit`."""
    ordered = sorted(values, key=lambda value: (value.updated_at, key(value)))
    if after is not None:
        ordered = [v for v in ordered if (v.updated_at, key(v)) > after]
    return ordered[:limit]


def _newest_first(
    table: Staged[tuple[str, str], SyncJob], workspace_id: str
) -> list[SyncJob]:
    jobs = [job for (workspace, _), job in table.items() if workspace == workspace_id]
    return sorted(jobs, key=lambda job: (job.created_at, job.job_id), reverse=True)


def _in_state(stored: SyncJob, expected: SyncState | None) -> bool:
    return stored.is_active if expected is None else stored.state is expected


def _job_conflict(job: SyncJob) -> Conflict:
    return Conflict(
        f"sync {job.job_id} conflicts: another is queued or running in "
        "this workspace, or the id is taken",
        hint="Wait for it to end, or cancel it.",
    )

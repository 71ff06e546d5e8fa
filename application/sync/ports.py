"""The ports the sync use cases need, beyond those of the connect flow."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Any, Protocol

import msgspec

from application.ports import ApiUsage, UnitOfWork
from domain.crm import CrmObject, ObjectDescribe
from domain.mapping import FieldMapping
from domain.people import Company, Person
from domain.soql import SyncCursor
from domain.sync import SyncJob, SyncState
from domain.tokens import TokenSet

Record = dict[str, Any]


class QueryPage(msgspec.Struct, frozen=True, kw_only=True):
    """One page of a REST query: records as Salesforce sent them."""

    records: list[Record]
    total_size: int
    next_records_url: str | None
    api_usage: ApiUsage | None = None


class BulkPage(msgspec.Struct, frozen=True, kw_only=True):
    """One page of Bulk API 2.0 results, already typed like REST records."""

    records: list[Record]
    locator: str | None
    api_usage: ApiUsage | None = None


class SalesforceRecords(Protocol):
    """Reading records from Salesforce. Errors as in `SalesforceApi`.

    Every call but `server_time` is one API request against the daily quota;
    callers count them.
    """

    async def server_time(self, tokens: TokenSet) -> datetime | None:
        """Salesforce's clock now, as its answers date them; None when an
        answer carries no date. Not an API request: no quota is spent."""
        ...

    async def query(
        self, tokens: TokenSet, soql: str, *, include_deleted: bool
    ) -> QueryPage:
        """First page of `/query` (or `/queryAll` with deleted rows)."""
        ...

    async def query_more(self, tokens: TokenSet, next_records_url: str) -> QueryPage:
        """The page at `nextRecordsUrl`, followed exactly as given."""
        ...

    async def describe(self, tokens: TokenSet, obj: CrmObject) -> ObjectDescribe:
        """The object's fields from `/sobjects/{obj}/describe`."""
        ...

    async def start_bulk_query(
        self, tokens: TokenSet, soql: str, *, include_deleted: bool
    ) -> str:
        """Create a Bulk API 2.0 query job (`queryAll` with deleted rows); its id."""
        ...

    async def bulk_query_state(self, tokens: TokenSet, job_id: str) -> str:
        """The job's state: UploadComplete, InProgress, JobComplete, Failed, Aborted."""
        ...

    async def bulk_results(
        self,
        tokens: TokenSet,
        job_id: str,
        *,
        locator: str | None,
        max_records: int,
        field_types: Mapping[str, str],
    ) -> BulkPage:
        """A page of CSV results, converted to typed records using `field_types`
        (describe types by selected field name, relationship fields dotted)."""
        ...


class PeopleQuery(msgspec.Struct, frozen=True, kw_only=True):
    email: str | None = None
    updated_since: datetime | None = None
    source: CrmObject | None = None
    include_deleted: bool = False
    after: tuple[datetime, str] | None = None
    limit: int = 100


class PersonEntry(msgspec.Struct, frozen=True, kw_only=True):
    """A person as the people reads hand it out: stored values, ready to show.

    `fields` stays the JSON object text the store holds: readers pass it on
    unchanged. Decoding every row's fields only for the answer to encode them
    again was the largest part of the per-row work of serving a page.
    """

    person_id: str
    source: CrmObject
    lead_id: str | None
    contact_id: str | None
    account_id: str | None
    deleted: bool
    lead_deleted: bool
    contact_deleted: bool
    merged_leads: dict[str, bool]
    fields: msgspec.Raw
    modstamp: datetime
    updated_at: datetime | None

    @classmethod
    def of(cls, person: Person) -> PersonEntry:
        return cls(
            person_id=person.person_id,
            source=person.source,
            lead_id=person.lead_id,
            contact_id=person.contact_id,
            account_id=person.account_id,
            deleted=person.deleted,
            lead_deleted=person.lead_deleted,
            contact_deleted=person.contact_deleted,
            merged_leads=person.merged_leads,
            fields=msgspec.Raw(msgspec.json.encode(person.fields)),
            modstamp=person.modstamp,
            updated_at=person.updated_at,
        )


class CompanyQuery(msgspec.Struct, frozen=True, kw_only=True):
    updated_since: datetime | None = None
    include_deleted: bool = False
    after: tuple[datetime, str] | None = None
    limit: int = 100


class PeopleRepository(Protocol):
    """People of a workspace. Pages are ordered by `(updated_at, person_id)`."""

    async def find(
        self, workspace_id: str, *, lead_ids: Iterable[str], contact_ids: Iterable[str]
    ) -> list[Person]:
        """People holding any of these Lead or Contact ids."""
        ...

    async def save_page(
        self,
        workspace_id: str,
        changed: Iterable[Person],
        removed: Iterable[str],
        *,
        seen_by: tuple[CrmObject, str],
    ) -> None:
        """Upsert `changed`, delete `removed` (merged away) and mark `changed` as
        seen for that object by that job (for the sweep after a full sync)."""
        ...

    async def sweep_unseen(
        self,
        workspace_id: str,
        obj: CrmObject,
        job_id: str,
        *,
        keep: Collection[str] = (),
    ) -> int:
        """Mark people whose `obj` record the job did not see as deleted there,
        except those whose `obj` id is in `keep` (changed after the run's
        window: unseen, yet alive)."""
        ...

    async def purge(self, workspace_id: str) -> int:
        """Delete every person of the workspace, deleted ones too; how many."""
        ...

    async def get(self, workspace_id: str, person_id: str) -> Person | None: ...

    async def list(self, workspace_id: str, query: PeopleQuery) -> list[PersonEntry]:
        """A page of `query`, each person as a `PersonEntry`."""
        ...

    async def count(self, workspace_id: str, *, include_deleted: bool) -> int: ...


class CompanyRepository(Protocol):
    """Companies (Accounts) of a workspace, ordered by `(updated_at, account_id)`."""

    async def save_page(
        self, workspace_id: str, companies: Iterable[Company], *, job_id: str
    ) -> None: ...

    async def sweep_unseen(
        self, workspace_id: str, job_id: str, *, keep: Collection[str] = ()
    ) -> int:
        """Mark Accounts the job did not see, and not in `keep`, as deleted."""
        ...

    async def purge(self, workspace_id: str) -> int:
        """Delete every company of the workspace, deleted ones too; how many."""
        ...

    async def get(self, workspace_id: str, account_id: str) -> Company | None: ...

    async def list(self, workspace_id: str, query: CompanyQuery) -> list[Company]: ...


class SyncJobRepository(Protocol):
    """Sync jobs of every workspace, keyed by workspace and job id.

    A save is a compare-and-set on the job's state: it replaces the stored
    job only if that is still in the state the writer read, so no writer
    overwrites a start, an end or progress another stored meanwhile. The
    cancel flag is sticky while the job is active: no save of an active job
    clears it, so a cancel stored while a run holds an older copy of the
    job still reaches the run. The job's end settles it: a job that ends
    `cancelled` keeps it, any other end stores it cleared (the cancel came
    too late to change anything).
    """

    async def add(self, job: SyncJob) -> None: ...

    async def save(self, job: SyncJob, *, expected: SyncState | None = None) -> None:
        """Replace the stored job with `job` if the stored one is in state
        `expected` (the state its writer read) or, with no `expected`, is
        still queued or running: an ended job never changes.

        Raises:
            SyncJobChanged: the stored job is in another state, or there is
                none; nothing was stored. Inside `together()` it may come at
                the end of the block; then leave the unit of work.
            Conflict: `job` would be a second active job of its workspace.
        """
        ...

    async def request_cancel(self, workspace_id: str, job_id: str) -> SyncJob | None:
        """Set `cancel_requested` if the job is still queued or running, in one
        step no concurrent save can undo, and write nothing else.

        Returns:
            The job as stored afterwards (unchanged if it had ended); None if
            the workspace has no such job.
        """
        ...

    async def get(self, workspace_id: str, job_id: str) -> SyncJob | None:
        """The job if it belongs to the workspace; None otherwise."""
        ...

    async def get_for_update(self, workspace_id: str, job_id: str) -> SyncJob | None:
        """Like `get`, and lock the job until the unit of work ends.

        A `request_cancel` or `save` of the job in another unit of work waits
        for this one to end; one already in flight is waited for, and its
        outcome is what this returns.
        """
        ...

    async def active(self, workspace_id: str) -> SyncJob | None:
        """The workspace's queued or running job, if any."""
        ...

    async def all_active(self) -> list[SyncJob]:
        """Queued or running jobs of every workspace, oldest first (a runner
        starting up picks up what a dead process left queued)."""
        ...

    async def list(
        self, workspace_id: str, *, limit: int, before: datetime | None = None
    ) -> list[SyncJob]:
        """Newest first."""
        ...


class SyncCursorRepository(Protocol):
    """The last committed `(SystemModstamp, Id)` per workspace and object."""

    async def get(self, workspace_id: str, obj: CrmObject) -> SyncCursor | None: ...

    async def set(
        self, workspace_id: str, obj: CrmObject, cursor: SyncCursor | None
    ) -> None: ...

    async def clear(self, workspace_id: str) -> None:
        """Forget every cursor of the workspace: its next run reads from the start."""
        ...


class SyncedOrgRepository(Protocol):
    """Which Salesforce org each workspace's synced data (people, companies,
    cursors, cached describes) came from; changes show after commit."""

    async def get(self, workspace_id: str) -> str | None:
        """The org id; None when none was recorded (a workspace that never
        connected, or whose data predates the record)."""
        ...

    async def set(self, workspace_id: str, org_id: str) -> None:
        """Record (or replace) the org the workspace's data comes from."""
        ...


class MappingRepository(Protocol):
    async def get(self, workspace_id: str) -> FieldMapping | None:
        """The workspace's mapping; None means the default applies."""
        ...

    async def save(self, workspace_id: str, mapping: FieldMapping) -> None: ...


class DescribeCache(Protocol):
    async def get(
        self, workspace_id: str, obj: CrmObject
    ) -> tuple[ObjectDescribe, datetime] | None: ...

    async def save(
        self, workspace_id: str, obj: CrmObject, describe: ObjectDescribe, at: datetime
    ) -> None: ...

    async def clear(self, workspace_id: str) -> None: ...


class SyncUnitOfWork(UnitOfWork, Protocol):
    """The connect flow's unit of work plus the sync repositories."""

    people: PeopleRepository
    companies: CompanyRepository
    sync_jobs: SyncJobRepository
    cursors: SyncCursorRepository
    mappings: MappingRepository
    describes: DescribeCache
    synced_orgs: SyncedOrgRepository

    def together(self) -> AbstractAsyncContextManager[None]:
        """A block whose writes the store may send together when it ends.

        For a caller that commits several writes at once (a sync page): a
        store that pays a round trip per statement saves all but one. Reads
        in the block still see its writes. A refusal (`Conflict`) may come at
        the end of the block instead of from the call; after one, leave the
        unit of work without committing.
        """
        ...


class SyncScheduler(Protocol):
    """Runs queued sync jobs somewhere: a task in this process, or a queue."""

    def submit(self, workspace_id: str, job_id: str) -> None:
        """Arrange for the job to run soon; returns at once.

        Raises `SyncNotScheduled` when no runner can take it: then it never
        runs, and the caller ends it.
        """
        ...

    def cancel(self, workspace_id: str, job_id: str) -> None:
        """Ask a running job to stop at its next page."""
        ...


class SyncProgress(Protocol):
    """Told about each committed page (a CLI progress bar listens here)."""

    def page_committed(
        self, job: SyncJob, obj: CrmObject, total: int | None
    ) -> None: ...

    def counted(self, job: SyncJob, obj: CrmObject) -> None:
        """`obj`'s counts in `job` changed without a page: a sweep's or a
        status poll's call, or the run's end (its counts are then final)."""
        ...


SyncUnitOfWorkFactory = Callable[[], SyncUnitOfWork]

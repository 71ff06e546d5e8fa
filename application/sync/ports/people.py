"""Application port for a workspace's synced people, and what its reads hand out."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime
from typing import Protocol

import msgspec

from domain.crm import CrmObject
from domain.people import Person


class PeopleQuery(msgspec.Struct, frozen=True, kw_only=True):
    # Matched as `domain.person.email_key` makes both it and the stored one.
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


class PeopleRepository(Protocol):
    """People of a workspace. Pages are ordered by `(updated_at, person_id)`."""

    async def find(
        self, workspace_id: str, *, lead_ids: Iterable[str], contact_ids: Iterable[str]
    ) -> list[Person]:
        """People holding any of these Lead or Contact ids."""
        ...

    async def with_merged_leads(self, workspace_id: str) -> list[Person]:
        """People with other Leads merged into them (`merged_leads`)."""
        ...

    async def count_live_named_leads(self, workspace_id: str) -> int:
        """People whose `lead_id` names a Lead not flagged deleted."""
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

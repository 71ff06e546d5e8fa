"""In-memory persistence: people, with the marks of the jobs that saw them."""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Iterable, Iterator
from typing import TYPE_CHECKING

import msgspec

from adapters.memory.rows import (
    StoredPerson,
    keyset,
    listed,
    stamped,
    unless_unchanged,
)
from adapters.memory.tables import in_workspace
from application.errors import Conflict
from application.sync.ports import PeopleQuery, PeopleRepository, PersonEntry
from domain.crm import CrmObject
from domain.people import Person
from domain.person import email_key

if TYPE_CHECKING:
    from adapters.memory.store import InMemoryUnitOfWork


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

    async def with_merged_leads(self, workspace_id: str) -> list[Person]:
        return [s.person for s in self._of(workspace_id) if s.person.merged_leads]

    async def count_live_named_leads(self, workspace_id: str) -> int:
        people = (stored.person for stored in self._of(workspace_id))
        return sum(1 for p in people if p.lead_id is not None and not p.lead_deleted)

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
        page = {p.person_id: stamped(p, workspace_id, now) for p in changed}

        for person_id in set(removed):
            self._table.drop((workspace_id, person_id))
        self._refuse_shared_ids(workspace_id, page)
        for person_id, person in page.items():
            key = (workspace_id, person_id)
            stored = self._table.get(key) or StoredPerson(person)
            person = unless_unchanged(person, stored.person)
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
        email = email_key(query.email)
        people = [
            person
            for stored in self._of(workspace_id)
            if listed(
                person := stored.person, query.updated_since, query.include_deleted
            )
            and (email is None or _email(person) == email)
            and (query.source is None or person.source is query.source)
        ]
        page = keyset(people, lambda p: p.person_id, query.after, query.limit)
        return [PersonEntry.of(person) for person in page]

    async def count(self, workspace_id: str, *, include_deleted: bool) -> int:
        people = (stored.person for stored in self._of(workspace_id))
        return sum(1 for person in people if include_deleted or not person.deleted)

    def _of(self, workspace_id: str) -> Iterator[StoredPerson]:
        # Limitation: every read scans every stored person; fine for tests and
        # demos, not for an org of millions (use SQLite for those).
        for _, stored in in_workspace(self._table, workspace_id):
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
    return email_key(person.fields.get("email"))

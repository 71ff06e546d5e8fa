"""The people a page touches: ids to load, their index, and the overlay on a read."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from domain.crm import CrmObject
from domain.person import Person


class PeopleIndex:
    """The people a page touches, by Lead id and by Contact id, kept current."""

    def __init__(self, people: Iterable[Person] = ()) -> None:
        self.by_lead: dict[str, Person] = {}
        self.by_contact: dict[str, Person] = {}
        self.changed: dict[str, Person] = {}
        self.removed: set[str] = set()
        for person in people:
            self._index(person)

    def put(self, person: Person) -> None:
        self._index(person)
        self.changed[person.person_id] = person
        self.removed.discard(person.person_id)

    def drop(self, person: Person) -> None:
        for index, key in (
            (self.by_lead, person.lead_id),
            (self.by_contact, person.contact_id),
        ):
            if key and index.get(key, person).person_id == person.person_id:
                index.pop(key, None)
        self.changed.pop(person.person_id, None)
        self.removed.add(person.person_id)

    def _index(self, person: Person) -> None:
        if person.lead_id:
            self.by_lead[person.lead_id] = person
        if person.contact_id:
            self.by_contact[person.contact_id] = person


def ids_to_load(
    obj: CrmObject, records: Iterable[Mapping[str, Any]]
) -> tuple[set[str], set[str]]:
    """Lead ids and Contact ids whose people a page of `obj` records may touch."""
    lead_ids: set[str] = set()
    contact_ids: set[str] = set()
    for record in records:
        if obj is CrmObject.LEAD:
            lead_ids.add(record["Id"])
            if record.get("ConvertedContactId"):
                contact_ids.add(record["ConvertedContactId"])
        else:
            contact_ids.add(record["Id"])
    return lead_ids, contact_ids


def overlay(
    found: Iterable[Person],
    pending: PeopleIndex,
    lead_ids: set[str],
    contact_ids: set[str],
) -> list[Person]:
    """What a lookup by these ids returns once `pending` is stored, given what
    it returned before (`found`), whether `pending` was stored yet or not.

    A page can be prepared while the one before is still being written:
    the stored people that page changed or removed are stale, its changed
    people stand in for them.
    """
    stale = pending.changed.keys() | pending.removed
    people = [person for person in found if person.person_id not in stale]
    people += [
        person
        for person in pending.changed.values()
        if person.lead_id in lead_ids or person.contact_id in contact_ids
    ]
    return people

"""People and companies from Salesforce, and how a page of records changes them.

A person is a Lead or a Contact. A converted Lead and its Contact are one
person: it keeps the id it had as a Lead and follows the Contact from then on.

Several Leads can be converted into one existing Contact. Their person names
one of them in `lead_id` (and `lead_deleted`): the live one with the
smallest Id, or the smallest Id when all are deleted, whatever order they
arrive in. The others are kept in `merged_leads`, each with its own
`IsDeleted`, so none is lost and none speaks for the Lead the row names.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec

from domain.crm import CrmObject
from domain.mapping import FieldMapping
from domain.soql import parse_record_datetime
from domain.transforms import Value


class Person(msgspec.Struct, frozen=True, kw_only=True):
    person_id: str
    workspace_id: str
    lead_id: str | None = None
    contact_id: str | None = None
    account_id: str | None = None
    fields: dict[str, Value] = msgspec.field(default_factory=dict)
    modstamp: datetime
    lead_deleted: bool = False
    contact_deleted: bool = False
    merged_leads: dict[str, bool] = msgspec.field(default_factory=dict)
    updated_at: datetime | None = None

    @property
    def source(self) -> CrmObject:
        """The record that feeds the fields: the Contact once there is one."""
        return CrmObject.CONTACT if self.contact_id else CrmObject.LEAD

    @property
    def deleted(self) -> bool:
        return self.contact_deleted if self.contact_id else self.lead_deleted


class Company(msgspec.Struct, frozen=True, kw_only=True):
    account_id: str
    workspace_id: str
    fields: dict[str, Value] = msgspec.field(default_factory=dict)
    modstamp: datetime
    deleted: bool = False
    updated_at: datetime | None = None


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


def apply_lead(
    index: PeopleIndex,
    record: Mapping[str, Any],
    mapping: FieldMapping,
    workspace_id: str,
) -> None:
    lead_id = record["Id"]
    modstamp = parse_record_datetime(record["SystemModstamp"])
    deleted = bool(record.get("IsDeleted"))
    contact_id = record.get("ConvertedContactId") if record.get("IsConverted") else None
    by_lead = index.by_lead.get(lead_id)
    by_contact = index.by_contact.get(contact_id) if contact_id else None

    if contact_id is None:
        if by_lead is not None and by_lead.contact_id:
            index.put(by_lead)  # Converted already: the Contact feeds its fields.
            return
        index.put(
            _updated(
                by_lead,
                workspace_id,
                modstamp,
                lead_id=lead_id,
                fields=mapping.person_values(record, CrmObject.LEAD),
                lead_deleted=deleted,
            )
        )
        return

    index.put(
        _converted(by_lead, by_contact, index, record, mapping, workspace_id, modstamp)
    )


def _converted(
    by_lead: Person | None,
    by_contact: Person | None,
    index: PeopleIndex,
    record: Mapping[str, Any],
    mapping: FieldMapping,
    workspace_id: str,
    modstamp: datetime,
) -> Person:
    """One person for a converted Lead and its Contact.

    Two people meet when the Lead had one of its own: the Contact's person
    is kept if other Leads were converted into it already, else the Lead's.
    """
    lead_id = record["Id"]
    contact_id = record["ConvertedContactId"]
    account_id = record.get("ConvertedAccountId")
    deleted = bool(record.get("IsDeleted"))
    if (
        by_lead is not None
        and by_contact is not None
        and by_lead.person_id != by_contact.person_id
    ):
        if by_contact.lead_id:
            index.drop(by_lead)
            return _changed(
                by_contact, **_leads_with(by_contact, lead_id, deleted, by_lead)
            )
        index.drop(by_contact)
        return _changed(
            by_lead,
            contact_id=contact_id,
            account_id=by_contact.account_id or account_id,
            fields=by_contact.fields,
            modstamp=by_contact.modstamp,
            contact_deleted=by_contact.contact_deleted,
            **_leads_with(by_lead, lead_id, deleted),
        )
    if by_contact is not None:
        return _changed(by_contact, **_leads_with(by_contact, lead_id, deleted))
    base = by_lead or _new_person(workspace_id, modstamp)
    # Until the Contact itself arrives, the converted Lead's values stand in.
    return _changed(
        base,
        contact_id=contact_id,
        account_id=account_id,
        fields=mapping.person_values(record, CrmObject.LEAD)
        if by_lead is None
        else base.fields,
        modstamp=modstamp,
        **_leads_with(base, lead_id, deleted),
    )


def _leads_with(
    person: Person, lead_id: str, deleted: bool, *others: Person
) -> dict[str, Any]:
    """`lead_id`, `lead_deleted` and `merged_leads` of `person` once the Lead
    `lead_id` is one of its Leads, with its `IsDeleted`, and so are the Leads
    of `others`, merged into it."""
    if not others and not person.merged_leads and person.lead_id in (None, lead_id):
        return {"lead_id": lead_id, "lead_deleted": deleted}
    leads: dict[str, bool] = {}
    for holder in (*others, person):
        if holder.lead_id:
            leads[holder.lead_id] = holder.lead_deleted
        leads.update(holder.merged_leads)
    leads[lead_id] = deleted
    named = min(leads, key=lambda lead: (leads[lead], lead))
    return {
        "lead_id": named,
        "lead_deleted": leads[named],
        "merged_leads": {lead: leads[lead] for lead in sorted(leads) if lead != named},
    }


def apply_contact(
    index: PeopleIndex,
    record: Mapping[str, Any],
    mapping: FieldMapping,
    workspace_id: str,
) -> None:
    contact_id = record["Id"]
    modstamp = parse_record_datetime(record["SystemModstamp"])
    index.put(
        _updated(
            index.by_contact.get(contact_id),
            workspace_id,
            modstamp,
            contact_id=contact_id,
            account_id=record.get("AccountId"),
            fields=mapping.person_values(record, CrmObject.CONTACT),
            contact_deleted=bool(record.get("IsDeleted")),
        )
    )


def _changed(person: Person, **values: Any) -> Person:
    """`person` with new values and no `updated_at`: stamped when stored."""
    return msgspec.structs.replace(person, updated_at=None, **values)


def _updated(
    person: Person | None, workspace_id: str, modstamp: datetime, **values: Any
) -> Person:
    """`_changed`, or a new person with these values if `person` is None."""
    if person is None:
        return _new_person(workspace_id, modstamp, **values)
    return _changed(person, modstamp=modstamp, **values)


def company_from(
    record: Mapping[str, Any], mapping: FieldMapping, workspace_id: str
) -> Company:
    return Company(
        account_id=record["Id"],
        workspace_id=workspace_id,
        fields=mapping.company_values(record),
        modstamp=parse_record_datetime(record["SystemModstamp"]),
        deleted=bool(record.get("IsDeleted")),
    )


def _new_person(workspace_id: str, modstamp: datetime, **values: Any) -> Person:
    return Person(
        person_id=new_person_id(modstamp),
        workspace_id=workspace_id,
        modstamp=modstamp,
        **values,
    )


def new_person_id(modstamp: datetime) -> str:
    """A version 7 UUID (RFC 9562) stamped with the record's `SystemModstamp`.

    A sync meets records in modstamp order, so new ids arrive nearly in
    order and land at the end of the database's indexes instead of at random
    places in them; 74 random bits keep ids of one millisecond apart.

    The bits come from `random` (reseeded in forked children), not the
    system's entropy: ids must be unique, not secret, and `os.urandom` lets
    go of the GIL for its system call, so on every new person the sync's
    event loop queued behind aiosqlite's thread to get it back.
    """
    global _last_stamp
    stamp, prefix = _last_stamp
    if stamp is not modstamp:
        # Records come in blocks sharing one modstamp object (see
        # `soql.parse_record_datetime`): its text is made once per block.
        millis = max(0, (modstamp - _EPOCH) // _MILLISECOND) & _MILLIS_MASK
        prefix = f"{millis >> 16:08x}-{millis & 0xFFFF:04x}-7"
        _last_stamp = (modstamp, prefix)
    bits = random.getrandbits(74)
    # 12 random bits, the variant (binary 10), then 62 random bits.
    tail = f"{(bits >> 62) << 64 | _VARIANT | bits & _LOW_62:019x}"
    return f"{prefix}{tail[:3]}-{tail[3:7]}-{tail[7:]}"


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MILLISECOND = timedelta(milliseconds=1)
_MILLIS_MASK = (1 << 48) - 1
_VARIANT = 1 << 63
_LOW_62 = (1 << 62) - 1
_last_stamp: tuple[datetime | None, str] = (None, "")

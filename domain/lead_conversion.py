"""A converted Lead and its Contact as one person, with the Leads merged into it."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any

from domain.crm import CrmObject
from domain.mapping import FieldMapping
from domain.people_index import PeopleIndex
from domain.person import Person, changed, new_person


def converted(
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
            return changed(
                by_contact, **_leads_with(by_contact, lead_id, deleted, by_lead)
            )
        index.drop(by_contact)
        return changed(
            by_lead,
            contact_id=contact_id,
            account_id=by_contact.account_id or account_id,
            fields=by_contact.fields,
            modstamp=by_contact.modstamp,
            contact_deleted=by_contact.contact_deleted,
            **_leads_with(by_lead, lead_id, deleted),
        )
    if by_contact is not None:
        return changed(by_contact, **_leads_with(by_contact, lead_id, deleted))
    base = by_lead or new_person(workspace_id, modstamp)
    # Until the Contact itself arrives, the converted Lead's values stand in.
    return changed(
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
        leads.update(leads_of(holder))
    leads[lead_id] = deleted
    return _named(leads)


def _named(leads: dict[str, bool]) -> dict[str, Any]:
    """`lead_id`, `lead_deleted` and `merged_leads` of a person with `leads`:
    the live Lead with the smallest Id is named, else the smallest Id."""
    named = min(leads, key=lambda lead: (leads[lead], lead))
    return {
        "lead_id": named,
        "lead_deleted": leads[named],
        "merged_leads": {lead: leads[lead] for lead in sorted(leads) if lead != named},
    }


def leads_of(person: Person) -> dict[str, bool]:
    """Every Lead of `person`, the named one and those merged into it, with
    whether each is deleted."""
    leads = dict(person.merged_leads)
    if person.lead_id is not None:
        leads[person.lead_id] = person.lead_deleted
    return leads


def without_leads(person: Person, gone: Collection[str]) -> Person:
    """`person` once its Leads in `gone` are deleted (purged from
    Salesforce), its Lead named by `_named`'s rule (a sweep that flagged
    the named Lead deleted left it named); `person` itself if that changes
    nothing."""
    leads = leads_of(person)
    if not leads:
        return person
    leads.update((lead, True) for lead in gone if lead in leads)
    named = _named(leads)
    if (person.lead_id, person.lead_deleted, person.merged_leads) == (
        named["lead_id"],
        named["lead_deleted"],
        named["merged_leads"],
    ):
        return person
    return changed(person, **named)

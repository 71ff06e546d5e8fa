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

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from domain.company import Company, company_from
from domain.crm import CrmObject
from domain.lead_conversion import converted
from domain.mapping import FieldMapping
from domain.people_index import PeopleIndex, ids_to_load, overlay
from domain.person import Person, changed, new_person, new_person_id
from domain.soql import parse_record_datetime


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
        converted(by_lead, by_contact, index, record, mapping, workspace_id, modstamp)
    )


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


def _updated(
    person: Person | None, workspace_id: str, modstamp: datetime, **values: Any
) -> Person:
    """`changed`, or a new person with these values if `person` is None."""
    if person is None:
        return new_person(workspace_id, modstamp, **values)
    return changed(person, modstamp=modstamp, **values)


# Callers name these from here, the front door to people, wherever they live.
__all__ = [
    "Company",
    "PeopleIndex",
    "Person",
    "apply_contact",
    "apply_lead",
    "company_from",
    "ids_to_load",
    "new_person_id",
    "overlay",
]

"""Several Leads converted into one Contact: one person, every Lead kept."""

from __future__ import annotations

from itertools import permutations
from typing import Any

import msgspec

from domain.crm import CrmObject
from domain.people import PeopleIndex, Person
from tests.unit.domain.test_soql_and_people import contact, lead, run


def converted(lead_id: str, minutes: int = 0, **extra: Any) -> dict[str, Any]:
    return lead(lead_id, minutes, IsConverted=True, ConvertedContactId="003C", **extra)


def person_of(*records: dict[str, Any], stored: Person | None = None) -> Person:
    index = PeopleIndex([stored] if stored else [])
    run(index, CrmObject.LEAD, *records)
    (person,) = index.changed.values()
    return person


def test_two_leads_converted_into_one_contact_are_both_kept() -> None:
    person = person_of(converted("00QB"), converted("00QA", 1))

    assert (person.lead_id, person.contact_id) == ("00QA", "003C")
    assert person.merged_leads == {"00QB": False}


def test_the_person_names_the_same_lead_whatever_the_order() -> None:
    records = [converted("00QA"), converted("00QB", 1), converted("00QC", 2)]

    people = {
        (person.lead_id, tuple(sorted(person.merged_leads)))
        for person in (person_of(*order) for order in permutations(records))
    }

    assert people == {("00QA", ("00QB", "00QC"))}


def test_a_deleted_lead_gives_way_to_a_live_one() -> None:
    person = person_of(converted("00QA", IsDeleted=True), converted("00QB", 1))

    assert (person.lead_id, person.lead_deleted) == ("00QB", False)
    assert person.merged_leads == {"00QA": True}


def test_deleting_the_named_lead_names_the_live_one_instead() -> None:
    before = person_of(converted("00QA"), converted("00QB", 1))

    after = person_of(converted("00QA", 2, IsDeleted=True), stored=before)

    assert (after.lead_id, after.lead_deleted) == ("00QB", False)
    assert after.merged_leads == {"00QA": True}


def test_deleting_another_lead_leaves_the_named_one_alive() -> None:
    before = person_of(converted("00QA"), converted("00QB", 1))

    after = person_of(converted("00QB", 2, IsDeleted=True), stored=before)

    assert (after.lead_id, after.lead_deleted) == ("00QA", False)
    assert after.merged_leads == {"00QB": True}


def test_with_every_lead_deleted_the_row_says_so() -> None:
    person = person_of(
        converted("00QB", IsDeleted=True), converted("00QA", 1, IsDeleted=True)
    )

    assert (person.lead_id, person.lead_deleted) == ("00QA", True)


def test_rereading_the_leads_repairs_a_row_that_lost_one() -> None:
    """A row stored before merged Leads were kept: it names the last Lead
    read, flagged with another Lead's deletion, and has lost the first."""
    good = person_of(converted("00QA"), converted("00QB", 1))
    broken = msgspec.structs.replace(
        good, lead_id="00QB", lead_deleted=True, merged_leads={}
    )

    repaired = person_of(converted("00QA"), converted("00QB", 1), stored=broken)

    assert (repaired.lead_id, repaired.lead_deleted) == ("00QA", False)
    assert repaired.merged_leads == {"00QB": False}


def test_a_lead_with_a_person_of_its_own_folds_into_the_merged_person() -> None:
    merged = person_of(converted("00QA"))
    index = PeopleIndex([merged])
    run(index, CrmObject.LEAD, lead("00QB"))
    own = index.by_lead["00QB"]

    run(index, CrmObject.LEAD, converted("00QB", 1))

    (person,) = index.changed.values()
    assert person.person_id == merged.person_id
    assert index.removed == {own.person_id}
    assert (person.lead_id, person.merged_leads) == ("00QA", {"00QB": False})


def test_the_contact_keeps_feeding_a_person_of_several_leads() -> None:
    index = PeopleIndex()
    run(index, CrmObject.LEAD, converted("00QA"), converted("00QB", 1))

    run(index, CrmObject.CONTACT, contact("003C", 2))

    (person,) = index.changed.values()
    assert person.fields["email"] == "003c@contact.example"
    assert (person.lead_id, person.merged_leads) == ("00QA", {"00QB": False})

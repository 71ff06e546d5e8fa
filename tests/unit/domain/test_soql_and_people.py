"""SOQL literals and windows; how pages of Leads and Contacts become people."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.crm import CrmObject
from domain.default_mapping import DEFAULT_MAPPING
from domain.people import PeopleIndex, apply_contact, apply_lead, ids_to_load
from domain.soql import (
    SyncCursor,
    datetime_literal,
    parse_record_datetime,
    related_query,
    select_fields,
    string_literal,
    window_query,
)

T0 = datetime(2024, 1, 15, 10, 30, tzinfo=UTC)


def test_datetime_literals_are_utc_whole_seconds_unquoted() -> None:
    paris = timezone(timedelta(hours=1))

    literal = datetime_literal(datetime(2024, 1, 15, 11, 30, 0, 999_000, tzinfo=paris))

    assert literal == "2024-01-15T10:30:00Z"


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone"):
        datetime_literal(datetime(2024, 1, 1))


@given(st.text(max_size=30))
def test_string_literals_cannot_be_broken_out_of(value: str) -> None:
    literal = string_literal(value)
    inner = literal[1:-1]

    unescaped = inner.replace("\\\\", "").replace("\\'", "")
    assert literal.startswith("'")
    assert literal.endswith("'")
    assert "'" not in unescaped


def test_record_datetimes_have_no_colon_in_the_offset() -> None:
    assert parse_record_datetime("2024-01-15T12:30:00.000+0200") == T0


def test_a_repeated_stamp_parses_to_the_same_value_and_bad_ones_still_fail() -> None:
    first = parse_record_datetime("2024-01-15T12:30:00.000+0200")

    again = parse_record_datetime("2024-01-15T12:30:00.000+0200")

    assert again == first == T0
    for bad in ("", "2024-01-15T10:30:00.000", "not a date"):
        with pytest.raises(ValueError, match=r"isoformat|offset"):
            parse_record_datetime(bad)
    assert parse_record_datetime("2024-01-15T10:30:00.000Z") == T0


def test_window_breaks_ties_by_id_and_fixes_the_upper_bound() -> None:
    cursor = SyncCursor(modstamp=T0, record_id="00Q000000000042AAA")

    soql = window_query(
        CrmObject.LEAD,
        ("Id", "SystemModstamp"),
        after=cursor,
        until=T0 + timedelta(hours=1),
    )

    assert soql == (
        "SELECT Id, SystemModstamp FROM Lead WHERE (SystemModstamp > "
        "2024-01-15T10:30:00Z OR (SystemModstamp = 2024-01-15T10:30:00Z AND "
        "Id > '00Q000000000042AAA')) AND SystemModstamp <= 2024-01-15T11:30:00Z "
        "ORDER BY SystemModstamp ASC, Id ASC"
    )


def test_first_window_has_only_the_upper_bound() -> None:
    soql = window_query(CrmObject.ACCOUNT, ("Id",), after=None, until=T0)

    assert "WHERE SystemModstamp <= 2024-01-15T10:30:00Z ORDER BY" in soql


def test_an_unordered_window_is_the_same_rows_without_order_by() -> None:
    ordered = window_query(CrmObject.LEAD, ("Id",), after=None, until=T0)
    unordered = window_query(
        CrmObject.LEAD, ("Id",), after=None, until=T0, ordered=False
    )

    assert unordered.endswith("SystemModstamp <= 2024-01-15T10:30:00Z")
    assert ordered.startswith(unordered + " ORDER BY SystemModstamp ASC, Id ASC")


def test_selected_fields_include_system_and_conversion_fields_once() -> None:
    fields = select_fields(CrmObject.LEAD, ("Email", "id", "IsConverted"))

    assert fields[:3] == ("Id", "SystemModstamp", "IsDeleted")
    assert "ConvertedContactId" in fields
    assert [f.lower() for f in fields].count("id") == 1
    assert "AccountId" in select_fields(CrmObject.CONTACT, ())


def test_related_query_lists_escaped_ids() -> None:
    soql = related_query(
        CrmObject.CONTACT, ("Id",), reference="AccountId", ids=("001A", "0'1"), until=T0
    )

    assert "AccountId IN ('001A', '0\\'1')" in soql


def stamp(minutes: int) -> str:
    return (T0 + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%S.000+0000")


def lead(lead_id: str, minutes: int = 0, **extra: Any) -> dict[str, Any]:
    return {
        "Id": lead_id,
        "SystemModstamp": stamp(minutes),
        "IsDeleted": False,
        "Email": f"{lead_id}@lead.example",
        **extra,
    }


def contact(contact_id: str, minutes: int = 0, **extra: Any) -> dict[str, Any]:
    return {
        "Id": contact_id,
        "SystemModstamp": stamp(minutes),
        "IsDeleted": False,
        "Email": f"{contact_id}@contact.example",
        "AccountId": "001A",
        **extra,
    }


def run(index: PeopleIndex, obj: CrmObject, *records: dict[str, Any]) -> None:
    apply = apply_lead if obj is CrmObject.LEAD else apply_contact
    for record in records:
        apply(index, record, DEFAULT_MAPPING, "ws")


def test_a_lead_becomes_a_person() -> None:
    index = PeopleIndex()

    run(index, CrmObject.LEAD, lead("00QA"))

    (person,) = index.changed.values()
    assert person.lead_id == "00QA"
    assert person.source is CrmObject.LEAD
    assert person.fields["email"] == "00qa@lead.example"


def test_converting_a_lead_keeps_one_person_that_follows_the_contact() -> None:
    index = PeopleIndex()
    run(index, CrmObject.LEAD, lead("00QA"))
    original = next(iter(index.changed.values()))
    converted = lead("00QA", 5, IsConverted=True, ConvertedContactId="003C")

    run(index, CrmObject.LEAD, converted)
    run(index, CrmObject.CONTACT, contact("003C", 5))

    (person,) = index.changed.values()
    assert person.person_id == original.person_id
    assert (person.lead_id, person.contact_id) == ("00QA", "003C")
    assert person.source is CrmObject.CONTACT
    assert person.fields["email"] == "003c@contact.example"


def test_a_contact_seen_before_its_lead_merges_into_the_lead_person() -> None:
    index = PeopleIndex()
    run(index, CrmObject.LEAD, lead("00QA"))
    run(index, CrmObject.CONTACT, contact("003C", 5))
    lead_person = index.by_lead["00QA"]

    run(
        index,
        CrmObject.LEAD,
        lead("00QA", 6, IsConverted=True, ConvertedContactId="003C"),
    )

    (person,) = index.changed.values()
    assert person.person_id == lead_person.person_id
    assert person.contact_id == "003C"
    assert person.fields["email"] == "003c@contact.example"
    assert len(index.removed) == 1


def test_a_deleted_contact_marks_its_person_deleted() -> None:
    index = PeopleIndex()
    run(index, CrmObject.CONTACT, contact("003C"))

    run(index, CrmObject.CONTACT, contact("003C", 1, IsDeleted=True))

    (person,) = index.changed.values()
    assert person.deleted


def test_later_updates_of_a_converted_lead_do_not_overwrite_the_contact() -> None:
    index = PeopleIndex()
    run(
        index, CrmObject.LEAD, lead("00QA", IsConverted=True, ConvertedContactId="003C")
    )
    run(index, CrmObject.CONTACT, contact("003C", 1))

    run(
        index,
        CrmObject.LEAD,
        lead("00QA", 2, IsConverted=True, ConvertedContactId="003C"),
    )

    (person,) = index.changed.values()
    assert person.fields["email"] == "003c@contact.example"


def test_ids_to_load_include_converted_contacts() -> None:
    records = [lead("00QA"), lead("00QB", IsConverted=True, ConvertedContactId="003C")]

    assert ids_to_load(CrmObject.LEAD, records) == ({"00QA", "00QB"}, {"003C"})

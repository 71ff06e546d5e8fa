"""Describe, custom fields, and the deleted/updated history endpoints."""

from __future__ import annotations

from typing import Any

import pytest

from sfemulator import EmulatorError, EmulatorServer
from sfemulator.scenario import Demo
from sfemulator.timefmt import to_ms
from tests.integration.emulator.flow import Rest

NOW = "2024-03-01T12:00:00Z"


def fields_by_name(rest: Rest, sobject: str) -> dict[str, dict[str, Any]]:
    answer = rest.get(f"/sobjects/{sobject}/describe")
    assert answer.status_code == 200, answer.text
    return {item["name"]: item for item in answer.json()["fields"]}


@pytest.mark.parametrize(
    ("sobject", "compound"),
    [("Lead", "Address"), ("Contact", "MailingAddress"), ("Account", "BillingAddress")],
)
def test_describe_lists_fields_with_compound_addresses(
    rest: Rest, sobject: str, compound: str
) -> None:
    fields = fields_by_name(rest, sobject)

    address = fields[compound]
    assert address["type"] == "address"
    assert address["updateable"] is False
    prefix = compound.removesuffix("Address")
    city = fields[f"{prefix}City"]
    assert city["compoundFieldName"] == compound
    assert city["updateable"] is True
    assert city["type"] == "string"
    for name in ("Id", "SystemModstamp", "IsDeleted", "OwnerId"):
        assert name in fields


def test_describe_reports_types_lengths_and_picklists(rest: Rest) -> None:
    fields = fields_by_name(rest, "Lead")

    assert fields["Email"]["type"] == "email"
    assert fields["Email"]["length"] == 80
    assert fields["SystemModstamp"]["type"] == "datetime"
    assert fields["IsConverted"]["updateable"] is False
    assert fields["ConvertedContactId"]["referenceTo"] == ["Contact"]
    statuses = [v["value"] for v in fields["Status"]["picklistValues"]]
    assert "Open" in statuses
    assert fields["AnnualRevenue"]["type"] == "currency"
    assert fields["NumberOfEmployees"]["type"] == "int"


def test_custom_fields_appear_in_describe_and_queries(
    emulator: EmulatorServer, demo: Demo, rest: Rest
) -> None:
    org = demo.production.id
    emulator.world.add_custom_field(org, "Lead", "Tier__c", "picklist")
    lead = emulator.world.create_record(
        org, "Lead", {"LastName": "X", "Company": "Y", "Tier__c": "Gold"}
    )

    fields = fields_by_name(rest, "Lead")
    found = rest.query("SELECT Id, Tier__c FROM Lead WHERE Tier__c = 'gold'")

    assert fields["Tier__c"]["custom"] is True
    assert found.json()["records"][0]["Id"] == lead
    assert found.json()["records"][0]["Tier__c"] == "Gold"
    with pytest.raises(EmulatorError):
        emulator.world.add_custom_field(org, "Lead", "NoSuffix", "string")


def test_describe_of_an_unknown_object_is_not_found(rest: Rest) -> None:
    answer = rest.get("/sobjects/Opportunity/describe")

    assert answer.status_code == 404
    assert answer.json()[0]["errorCode"] == "NOT_FOUND"


def seed_history(emulator: EmulatorServer, demo: Demo) -> tuple[str, str, str]:
    world, org = emulator.world, demo.production.id
    world.advance_clock(_seconds_until(world.now(), NOW))
    old = world.create_record(
        org, "Lead", {"LastName": "a", "Company": "c"}, modstamp="2024-02-27T10:00:00Z"
    )
    gone = world.create_record(
        org, "Lead", {"LastName": "b", "Company": "c"}, modstamp="2024-02-28T09:00:00Z"
    )
    world.delete_record(org, "Lead", gone, modstamp="2024-02-28T10:00:30Z")
    fresh = world.create_record(
        org, "Lead", {"LastName": "c", "Company": "c"}, modstamp="2024-02-29T10:00:00Z"
    )
    return old, gone, fresh


def _seconds_until(now: float, iso: str) -> float:
    return to_ms(iso) / 1000 - now


def test_deleted_lists_rows_deleted_in_the_window(
    emulator: EmulatorServer, demo: Demo, rest: Rest
) -> None:
    _, gone, _ = seed_history(emulator, demo)

    answer = rest.get(
        "/sobjects/Lead/deleted/",
        start="2024-02-28T00:00:00+00:00",
        end="2024-02-29T00:00:00+00:00",
    )

    assert answer.status_code == 200
    body = answer.json()
    assert body["deletedRecords"] == [
        {"id": gone, "deletedDate": "2024-02-28T10:00:30.000+0000"}
    ]
    assert body["earliestDateAvailable"] == "2024-02-15T12:00:00.000+0000"
    assert body["latestDateCovered"] == "2024-02-29T00:00:00.000+0000"


def test_updated_lists_live_rows_changed_in_the_window(
    emulator: EmulatorServer, demo: Demo, rest: Rest
) -> None:
    old, _, fresh = seed_history(emulator, demo)

    answer = rest.get(
        "/sobjects/Lead/updated/",
        start="2024-02-27T00:00:00Z",
        end="2024-03-01T00:00:00Z",
    )

    assert answer.json()["ids"] == [old, fresh]


@pytest.mark.parametrize(
    ("start", "end"),
    [
        ("2024-02-01T00:00:00Z", "2024-02-20T00:00:00Z"),
        ("2024-02-28T00:00:00Z", "2024-02-27T00:00:00Z"),
        ("yesterday", "2024-02-27T00:00:00Z"),
    ],
)
def test_history_beyond_15_days_or_backwards_is_refused(
    emulator: EmulatorServer, demo: Demo, rest: Rest, start: str, end: str
) -> None:
    seed_history(emulator, demo)

    answer = rest.get("/sobjects/Lead/deleted/", start=start, end=end)

    assert answer.status_code == 400
    assert answer.json()[0]["errorCode"] == "INVALID_REPLICATION_DATE"

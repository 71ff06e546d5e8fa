"""Write-back: single PATCH, composite updates and their per-record results."""

from __future__ import annotations

from sfemulator import EmulatorServer
from sfemulator.scenario import Demo
from tests.integration.emulator.flow import Rest

T0 = "2024-01-15T10:30:00Z"


def make_lead(emulator: EmulatorServer, demo: Demo) -> str:
    return emulator.world.create_record(
        demo.production.id, "Lead", {"LastName": "Doe", "Company": "Acme"}, modstamp=T0
    )


def test_patch_updates_and_bumps_system_modstamp(
    emulator: EmulatorServer, demo: Demo, rest: Rest
) -> None:
    lead = make_lead(emulator, demo)

    answer = rest.send("PATCH", f"/sobjects/Lead/{lead}", json={"Title": "CTO"})

    assert answer.status_code == 204
    assert answer.content == b""
    record = emulator.world.get_record(demo.production.id, "Lead", lead)
    assert record["Title"] == "CTO"
    assert record["SystemModstamp"] > record["CreatedDate"]
    assert record["SystemModstamp"] % 1000 == 0
    assert rest.get(f"/sobjects/Lead/{lead}").json()["Title"] == "CTO"


def test_patch_refuses_bad_writes_with_json_arrays(
    emulator: EmulatorServer, demo: Demo, rest: Rest
) -> None:
    lead = make_lead(emulator, demo)
    cases = {
        "INVALID_FIELD": {"Colour": "red"},
        "INVALID_FIELD_FOR_INSERT_UPDATE": {"Address": "x"},
        "STRING_TOO_LONG": {"Title": "x" * 129},
        "REQUIRED_FIELD_MISSING": {"LastName": None},
    }

    codes = {
        code: rest.send("PATCH", f"/sobjects/Lead/{lead}", json=body).json()[0]
        for code, body in cases.items()
    }

    for code, error in codes.items():
        assert error["errorCode"] == code
    assert codes["STRING_TOO_LONG"]["fields"] == ["Title"]
    missing = rest.send(
        "PATCH", "/sobjects/Lead/00Q7E0000000099AAA", json={"Title": "x"}
    )
    assert missing.status_code == 404


def test_converted_leads_cannot_be_written(
    emulator: EmulatorServer, demo: Demo, rest: Rest
) -> None:
    lead = make_lead(emulator, demo)
    ids = emulator.world.convert_lead(demo.production.id, lead)

    answer = rest.send("PATCH", f"/sobjects/Lead/{lead}", json={"Title": "x"})
    query = rest.query(
        "SELECT IsConverted, ConvertedContactId, ConvertedAccountId, "
        "ConvertedContact.Email FROM Lead"
    ).json()["records"][0]

    assert answer.status_code == 400
    assert answer.json()[0]["errorCode"] == "CANNOT_UPDATE_CONVERTED_LEAD"
    assert query["IsConverted"] is True
    assert query["ConvertedContactId"] == ids["contact_id"]
    assert query["ConvertedAccountId"] == ids["account_id"]


def test_a_lead_converted_into_an_existing_contact_takes_its_account(
    emulator: EmulatorServer, demo: Demo
) -> None:
    world, org = emulator.world, demo.production.id
    first = world.convert_lead(org, make_lead(emulator, demo))
    accounts = world.list_records(org, "Account")["totalSize"]

    second = world.convert_lead(
        org, make_lead(emulator, demo), contact_id=first["contact_id"]
    )

    assert second == first
    assert world.list_records(org, "Account")["totalSize"] == accounts


def test_composite_answers_200_with_a_result_per_record(
    emulator: EmulatorServer, demo: Demo, rest: Rest
) -> None:
    good, converted = make_lead(emulator, demo), make_lead(emulator, demo)
    emulator.world.convert_lead(demo.production.id, converted)
    body = {
        "allOrNone": False,
        "records": [
            {"attributes": {"type": "Lead"}, "id": good, "Title": "VP"},
            {"attributes": {"type": "Lead"}, "id": converted, "Title": "VP"},
        ],
    }

    answer = rest.send("PATCH", "/composite/sobjects", json=body)

    assert answer.status_code == 200
    results = answer.json()
    assert results[0] == {"id": good, "success": True, "errors": []}
    assert results[1]["success"] is False
    assert results[1]["errors"][0]["statusCode"] == "CANNOT_UPDATE_CONVERTED_LEAD"
    assert "errorCode" not in results[1]["errors"][0]


def test_composite_all_or_none_rolls_everything_back(
    emulator: EmulatorServer, demo: Demo, rest: Rest
) -> None:
    good = make_lead(emulator, demo)
    body = {
        "allOrNone": True,
        "records": [
            {"attributes": {"type": "Lead"}, "id": good, "Title": "VP"},
            {"attributes": {"type": "Lead"}, "id": good, "Colour": "red"},
        ],
    }

    results = rest.send("PATCH", "/composite/sobjects", json=body).json()

    assert results[0]["errors"][0]["statusCode"] == "ALL_OR_NONE_OPERATION_ROLLED_BACK"
    assert results[1]["errors"][0]["statusCode"] == "INVALID_FIELD"
    record = emulator.world.get_record(demo.production.id, "Lead", good)
    assert record["Title"] is None


def test_composite_takes_at_most_200_records(rest: Rest) -> None:
    record = {"attributes": {"type": "Lead"}, "id": "00Q7E0000000001AAA"}

    answer = rest.send(
        "PATCH",
        "/composite/sobjects",
        json={"allOrNone": False, "records": [record] * 201},
    )

    assert answer.status_code == 400
    assert answer.json()[0]["errorCode"] == "EXCEEDED_ID_LIMIT"


def test_patch_refuses_a_datetime_it_cannot_read_as_a_json_array(
    emulator: EmulatorServer, demo: Demo, rest: Rest
) -> None:
    lead = make_lead(emulator, demo)
    emulator.world.add_custom_field(demo.production.id, "Lead", "Met__c", "datetime")

    answers = [
        rest.send("PATCH", f"/sobjects/Lead/{lead}", json={"Met__c": value})
        for value in ("not a date", "9999-12-31T23:59:59-01:00")
    ]

    for answer in answers:
        assert answer.status_code == 400
        assert answer.json()[0]["errorCode"] == "JSON_PARSER_ERROR"
        assert answer.json()[0]["fields"] == ["Met__c"]

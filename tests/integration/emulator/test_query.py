"""The query endpoints: filtering, ordering, relationships, pages and cursors."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from sfemulator import EmulatorServer
from sfemulator.scenario import Demo
from tests.integration.emulator.flow import Rest, bearer

T0 = "2024-01-15T10:30:00Z"


def lead(emu: EmulatorServer, demo: Demo, **fields: Any) -> str:
    values = {"LastName": "Doe", "Company": "Acme"} | fields
    modstamp = values.pop("modstamp", T0)
    return emu.world.create_record(
        demo.production.id, "Lead", values, modstamp=modstamp
    )


def records(answer: httpx.Response) -> list[dict[str, Any]]:
    assert answer.status_code == 200, answer.text
    result: list[dict[str, Any]] = answer.json()["records"]
    return result


def test_records_have_attributes_explicit_nulls_and_sf_datetimes(
    emulator: EmulatorServer, demo: Demo, rest: Rest
) -> None:
    lead_id = lead(emulator, demo, FirstName="Zoë")

    answer = rest.query("SELECT Id, FirstName, Email, SystemModstamp FROM Lead")

    assert answer.json()["totalSize"] == 1
    assert answer.json()["done"] is True
    assert "nextRecordsUrl" not in answer.json()
    assert records(answer) == [
        {
            "attributes": {
                "type": "Lead",
                "url": f"/services/data/v62.0/sobjects/Lead/{lead_id}",
            },
            "Id": lead_id,
            "FirstName": "Zoë",
            "Email": None,
            "SystemModstamp": "2024-01-15T10:30:00.000+0000",
        }
    ]


def test_a_forced_stamp_is_kept_to_the_world_s_precision(
    emulator: EmulatorServer, demo: Demo, rest: Rest
) -> None:
    """Whole seconds, as Salesforce stores them, a stamp given in epoch
    milliseconds too; milliseconds once the precision is set to 1 ms."""
    at_ms = 1_705_314_600_088  # 2024-01-15T10:30:00.088Z
    whole = lead(emulator, demo, modstamp=at_ms)
    emulator.world.set_timestamp_precision(1)
    fine = lead(emulator, demo, modstamp=at_ms)

    stamps = {
        row["Id"]: row["SystemModstamp"]
        for row in records(rest.query("SELECT Id, SystemModstamp FROM Lead"))
    }

    assert stamps == {
        whole: "2024-01-15T10:30:00.000+0000",
        fine: "2024-01-15T10:30:00.088+0000",
    }


def test_the_sync_cursor_query_pages_through_ties(
    emulator: EmulatorServer, demo: Demo, rest: Rest
) -> None:
    ids = [lead(emulator, demo, LastName=f"L{n}") for n in range(5)]
    later = lead(emulator, demo, modstamp="2024-01-15T10:31:00Z")
    lead(emulator, demo, modstamp="2024-01-16T00:00:01Z")
    after = f"(SystemModstamp > {T0} OR (SystemModstamp = {T0} AND Id > '{ids[1]}'))"
    soql = (
        "SELECT Id, SystemModstamp, IsDeleted FROM Lead WHERE "  # noqa: S608
        + after
        + " AND SystemModstamp <= 2024-01-16T00:00:00Z"
        + " ORDER BY SystemModstamp ASC, Id ASC"
    )

    found = records(rest.query(soql, "/queryAll"))

    assert [r["Id"] for r in found] == [*ids[2:], later]


def test_query_hides_deleted_rows_and_query_all_shows_them(
    emulator: EmulatorServer, demo: Demo, rest: Rest
) -> None:
    kept, gone = lead(emulator, demo), lead(emulator, demo)
    emulator.world.delete_record(demo.production.id, "Lead", gone)

    live = records(rest.query("SELECT Id, IsDeleted FROM Lead"))
    every = records(rest.query("SELECT Id, IsDeleted FROM Lead", "/queryAll"))

    assert [r["Id"] for r in live] == [kept]
    assert {(r["Id"], r["IsDeleted"]) for r in every} == {(kept, False), (gone, True)}


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ("LastName = 'o\\'brien'", ["a"]),
        ("LastName != 'O\\'Brien'", ["b", "c"]),
        ("LastName IN ('müller', 'nobody')", ["b"]),
        ("LastName NOT IN ('Müller')", ["a", "c"]),
        ("LastName LIKE 'O%'", ["a"]),
        ("Email = null", ["c"]),
        ("Email != null AND NumberOfEmployees >= 10", ["b"]),
        ("(NumberOfEmployees < 10 OR Email = null) AND NOT LastName = '陈'", ["a"]),
        ("AnnualRevenue > 1.5", ["a"]),
        ("IsConverted = false", ["a", "b", "c"]),
        ("CreatedDate > 2024-01-15T11:30:00+02:00", ["a", "b", "c"]),
    ],
)
def test_where_clauses(
    emulator: EmulatorServer, demo: Demo, rest: Rest, where: str, expected: list[str]
) -> None:
    names = {
        lead(
            emulator,
            demo,
            LastName="O'Brien",
            Email="a@x.example",
            NumberOfEmployees=5,
            AnnualRevenue=2.5,
        ): "a",
        lead(
            emulator,
            demo,
            LastName="Müller",
            Email="b@x.example",
            NumberOfEmployees=50,
        ): "b",
        lead(emulator, demo, LastName="陈"): "c",
    }

    soql = f"SELECT Id FROM Lead WHERE {where} ORDER BY Id"  # noqa: S608 (test input)

    found = records(rest.query(soql))

    assert [names[r["Id"]] for r in found] == expected


def test_order_by_several_fields_with_nulls_and_limit(
    emulator: EmulatorServer, demo: Demo, rest: Rest
) -> None:
    a = lead(emulator, demo, LastName="b", FirstName="x")
    b = lead(emulator, demo, LastName="B", FirstName=None)
    c = lead(emulator, demo, LastName="a", FirstName="y")
    d = lead(emulator, demo, LastName="b", FirstName="z")

    ascending = records(rest.query("SELECT Id FROM Lead ORDER BY LastName, FirstName"))
    descending = records(
        rest.query("SELECT Id FROM Lead ORDER BY LastName DESC, FirstName DESC LIMIT 3")
    )

    assert [r["Id"] for r in ascending] == [c, b, a, d]
    assert [r["Id"] for r in descending] == [d, a, b]


def test_relationship_fields_nest_like_salesforce(
    emulator: EmulatorServer, demo: Demo, rest: Rest
) -> None:
    world, org = emulator.world, demo.production.id
    account = world.create_record(org, "Account", {"Name": "Café Olé"})
    with_account = world.create_record(
        org, "Contact", {"LastName": "Ann", "AccountId": account}
    )
    orphan = world.create_record(org, "Contact", {"LastName": "Bob"})

    found = records(
        rest.query(
            "SELECT Id, Account.Name, Account.Id FROM Contact "
            "WHERE Account.Name LIKE 'caf%' OR AccountId = null ORDER BY LastName"
        )
    )

    assert found[0]["Id"] == with_account
    assert found[0]["Account"] == {
        "attributes": {
            "type": "Account",
            "url": f"/services/data/v62.0/sobjects/Account/{account}",
        },
        "Name": "Café Olé",
        "Id": account,
    }
    assert found[1]["Id"] == orphan
    assert found[1]["Account"] is None


def test_compound_addresses_come_back_as_objects(
    emulator: EmulatorServer, demo: Demo, rest: Rest
) -> None:
    lead(emulator, demo, City="Zürich", Country="Schweiz")

    found = records(rest.query("SELECT Address, City FROM Lead"))

    assert found[0]["Address"]["city"] == "Zürich"
    assert found[0]["Address"]["country"] == "Schweiz"
    assert found[0]["Address"]["street"] is None
    assert found[0]["City"] == "Zürich"


@pytest.mark.parametrize(
    ("soql", "code", "names"),
    [
        ("SELECT Id, Colour FROM Lead", "INVALID_FIELD", "Colour"),
        ("SELECT Id FROM Lead WHERE Bogus__c = 1", "INVALID_FIELD", "Bogus__c"),
        ("SELECT Id, Owner.Shoe FROM Lead", "INVALID_FIELD", "Shoe"),
        ("SELECT Id, Boss.Name FROM Contact", "INVALID_FIELD", "Boss"),
        (
            "SELECT Id FROM Lead WHERE CreatedDate > '2024-01-01'",
            "INVALID_FIELD",
            "CreatedDate",
        ),
        (
            "SELECT Id FROM Lead WHERE Description = 'x'",
            "INVALID_FIELD",
            "Description",
        ),
        ("SELECT Id FROM Opportunity", "INVALID_TYPE", "Opportunity"),
        ("SELECT Id FROM Lead WHERE", "MALFORMED_QUERY", ""),
    ],
)
def test_bad_queries_name_the_problem(
    rest: Rest, soql: str, code: str, names: str
) -> None:
    answer = rest.query(soql)

    assert answer.status_code == 400
    error = answer.json()[0]
    assert error["errorCode"] == code
    assert names in error["message"]
    assert "Sforce-Limit-Info" in answer.headers


def test_an_unencoded_plus_in_a_datetime_breaks_the_query(rest: Rest) -> None:
    raw = "SELECT+Id+FROM+Lead+WHERE+CreatedDate+>+2024-01-15T10:30:00+01:00"

    answer = rest.client.get(
        f"{rest.base}/query?q={raw}", headers=bearer(rest.tokens["access_token"])
    )

    assert answer.status_code == 400
    assert answer.json()[0]["errorCode"] == "MALFORMED_QUERY"


def follow(rest: Rest, first: httpx.Response) -> tuple[list[int], list[str]]:
    sizes, ids = [], []
    page = first.json()
    while True:
        sizes.append(len(page["records"]))
        ids += [r["Id"] for r in page["records"]]
        if page["done"]:
            return sizes, ids
        page = rest.get(page["nextRecordsUrl"]).json()


def test_pages_follow_the_server_page_size_by_default(
    emulator: EmulatorServer, demo: Demo, rest: Rest
) -> None:
    emulator.world.generate_records(
        demo.production.id, accounts=2100, contacts=0, leads=0, deleted_fraction=0
    )

    first = rest.query("SELECT Id FROM Account ORDER BY Id")

    assert first.json()["totalSize"] == 2100
    assert first.json()["nextRecordsUrl"].startswith("/services/data/v62.0/query/01g")
    sizes, ids = follow(rest, first)
    assert sizes == [2000, 100]
    assert ids == sorted(ids)
    assert len(set(ids)) == 2100


def accounts(emulator: EmulatorServer, demo: Demo, count: int) -> None:
    emulator.world.generate_records(
        demo.production.id, accounts=count, contacts=0, leads=0, deleted_fraction=0
    )


@pytest.mark.parametrize(
    ("hint", "sizes"), [(300, [300, 300, 100]), (50, [200, 200, 200, 100])]
)
def test_the_batch_size_hint_is_honoured_within_bounds(
    emulator: EmulatorServer, demo: Demo, rest: Rest, hint: int, sizes: list[int]
) -> None:
    accounts(emulator, demo, 700)

    first = rest.send(
        "GET",
        "/query",
        params={"q": "SELECT Id FROM Account"},
        headers={"Sforce-Query-Options": f"batchSize={hint}"},
    )

    assert follow(rest, first)[0] == sizes


def test_the_server_can_force_odd_page_sizes(
    emulator: EmulatorServer, demo: Demo, rest: Rest
) -> None:
    accounts(emulator, demo, 10)
    emulator.world.set_query_paging(page_size=3)

    first = rest.query("SELECT Id FROM Account", "/queryAll")

    assert first.json()["nextRecordsUrl"].startswith("/services/data/v62.0/queryAll/")
    assert follow(rest, first)[0] == [3, 3, 3, 1]


def test_expired_cursors_refuse_their_next_page(
    emulator: EmulatorServer, demo: Demo, rest: Rest
) -> None:
    accounts(emulator, demo, 10)
    emulator.world.set_query_paging(page_size=5)
    next_url = rest.query("SELECT Id FROM Account").json()["nextRecordsUrl"]

    assert emulator.world.expire_query_cursors() == 1
    answer = rest.get(next_url)

    assert answer.status_code == 400
    assert answer.json()[0]["errorCode"] == "INVALID_QUERY_LOCATOR"


def test_idle_cursors_time_out(
    emulator: EmulatorServer, demo: Demo, rest: Rest
) -> None:
    accounts(emulator, demo, 10)
    emulator.world.set_query_paging(page_size=5)
    next_url = rest.query("SELECT Id FROM Account").json()["nextRecordsUrl"]
    emulator.world.advance_clock(16 * 60)

    assert rest.get(next_url).status_code == 400


def test_opening_too_many_cursors_drops_the_oldest(
    emulator: EmulatorServer, demo: Demo, rest: Rest
) -> None:
    accounts(emulator, demo, 10)
    emulator.world.set_query_paging(page_size=5, cursor_limit=2)
    urls = [
        rest.query("SELECT Id FROM Account").json()["nextRecordsUrl"] for _ in range(3)
    ]

    answers = [rest.get(url).status_code for url in urls]

    assert answers == [400, 200, 200]

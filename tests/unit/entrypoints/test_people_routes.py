"""Read routes in process: people and companies, filters, paging and isolation."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from domain.crm import CrmObject
from domain.people import Company, Person
from domain.workspace import Role
from tests.unit.entrypoints.conftest import Api, HeldScheduler

PEOPLE = "/api/people"
COMPANIES = "/api/companies"
STAMP = datetime(2024, 1, 15, 10, 30, tzinfo=UTC)


@pytest.fixture
def scheduler(held: HeldScheduler) -> HeldScheduler:
    return held


def person(number: int, workspace: str = "ws-a", **values: object) -> Person:
    fields = {"email": f"p{number}@example.com", "last_name": f"Nguyễn {number}"}
    return Person(
        person_id=f"person-{number:03d}",
        workspace_id=workspace,
        modstamp=STAMP,
        fields=fields,  # type: ignore[arg-type]
        **values,  # type: ignore[arg-type]
    )


async def store_people(api: Api, obj: CrmObject, *people: Person) -> None:
    async with api.store.unit_of_work() as uow:
        await uow.people.save_page(
            people[0].workspace_id, people, (), seen_by=(obj, "job-1")
        )
        await uow.commit()


@pytest.fixture
async def seeded(api: Api) -> Api:
    await store_people(
        api,
        CrmObject.LEAD,
        person(1, lead_id="00Q000000000001AAA"),
        person(2, lead_id="00Q000000000002AAA", lead_deleted=True),
    )
    api.clock.advance(hours=1)
    await store_people(
        api,
        CrmObject.CONTACT,
        person(3, contact_id="003000000000003AAA"),
        person(
            4,
            lead_id="00Q000000000004AAA",
            contact_id="003000000000004AAA",
            account_id="001000000000001AAA",
            merged_leads={"00Q000000000009AAA": True},
        ),
    )
    async with api.store.unit_of_work() as uow:
        company = Company(
            account_id="001000000000001AAA",
            workspace_id="ws-a",
            fields={"name": "Zürich Rück"},
            modstamp=STAMP,
        )
        await uow.companies.save_page("ws-a", [company], job_id="job-1")
        await uow.commit()
    return api


async def test_people_list_oldest_change_first_without_deleted_ones(
    seeded: Api,
) -> None:
    answer = await seeded.client.get(PEOPLE, headers=seeded.auth(role=Role.MEMBER))

    assert answer.status_code == 200
    body = answer.json()
    assert [p["person_id"] for p in body["items"]] == [
        "person-001",
        "person-003",
        "person-004",
    ]
    assert body["next_cursor"] is None
    converted = body["items"][2]
    assert converted == {
        "person_id": "person-004",
        "source": "contact",
        "lead_id": "00Q000000000004AAA",
        "contact_id": "003000000000004AAA",
        "account_id": "001000000000001AAA",
        "deleted": False,
        "lead_deleted": False,
        "contact_deleted": False,
        "merged_leads": [{"lead_id": "00Q000000000009AAA", "deleted": True}],
        "fields": {"email": "p4@example.com", "last_name": "Nguyễn 4"},
        "system_modstamp": "2024-01-15T10:30:00Z",
        "updated_at": "2026-12-01T10:00:00Z",
    }


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"include_deleted": "true"}, [1, 2, 3, 4]),
        ({"include_deleted": "FALSE"}, [1, 3, 4]),
        ({"source": "lead", "include_deleted": "true"}, [1, 2]),
        ({"source": "contact"}, [3, 4]),
        ({"email": "p3@example.com"}, [3]),
        ({"email": " P3@Example.com\t"}, [3]),
        ({"email": "nobody@example.com"}, []),
        ({"updated_since": "2026-12-01T10:00:00Z"}, [3, 4]),
        ({"updated_since": "2026-12-01T11:00:00+01:00"}, [3, 4]),
        ({"updated_since": "2026-12-01T10:00:01Z"}, []),
    ],
)
async def test_people_filters(
    seeded: Api, params: dict[str, str], expected: list[int]
) -> None:
    answer = await seeded.client.get(PEOPLE, params=params, headers=seeded.auth())

    assert answer.status_code == 200
    assert [p["person_id"] for p in answer.json()["items"]] == [
        f"person-{number:03d}" for number in expected
    ]


async def test_people_pages_follow_the_cursor_to_the_end(seeded: Api) -> None:
    seen: list[str] = []
    params = {"limit": "2", "include_deleted": "true"}
    pages = 0

    while True:
        answer = await seeded.client.get(PEOPLE, params=params, headers=seeded.auth())
        body = answer.json()
        seen += [p["person_id"] for p in body["items"]]
        pages += 1
        if body["next_cursor"] is None:
            break
        params["cursor"] = body["next_cursor"]

    assert seen == [f"person-00{n}" for n in (1, 2, 3, 4)]
    assert pages == 3


async def test_a_cursor_is_url_safe_so_it_pastes_into_a_url_as_it_is(
    seeded: Api,
) -> None:
    first = await seeded.client.get(
        PEOPLE, params={"limit": "1"}, headers=seeded.auth()
    )
    cursor = first.json()["next_cursor"]

    second = await seeded.client.get(
        f"{PEOPLE}?limit=1&cursor={cursor}", headers=seeded.auth()
    )

    assert re.fullmatch(r"[A-Za-z0-9_-]+", cursor)
    assert second.status_code == 200
    assert [p["person_id"] for p in second.json()["items"]] == ["person-003"]


async def test_a_people_cursor_is_refused_by_companies(seeded: Api) -> None:
    first = await seeded.client.get(
        PEOPLE, params={"limit": "1"}, headers=seeded.auth()
    )

    answer = await seeded.client.get(
        COMPANIES,
        params={"cursor": first.json()["next_cursor"]},
        headers=seeded.auth(),
    )

    assert answer.status_code == 422
    assert answer.json()["code"] == "invalid_input"
    assert answer.json()["message"].startswith("cursor")


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("limit=0", "limit"),
        ("limit=501", "limit"),
        ("limit=1e2", "limit"),
        ("limit=%EF%BC%91", "limit"),
        ("source=account", "source"),
        ("source=Lead", "source"),
        ("include_deleted=yes", "include_deleted"),
        ("updated_since=yesterday", "updated_since"),
        ("updated_since=2026-12-01T10:00:00", "updated_since"),
        ("updated_since=2026-12-01T10:00:00+01:00", "updated_since"),
        ("updated_since=2026-12-01", "updated_since"),
        ("updated_since=9999-12-31T23:59:59-14:00", "updated_since"),
        ("updated_since=0001-01-01T00:00:00%2B14:00", "updated_since"),
        ("email=", "email"),
        ("cursor=not-ours", "cursor"),
        ("emial=a@example.com", "emial"),
        ("email=a@example.com&email=b@example.com", "email"),
        ("email=" + "a" * 600, "email"),
        ("email=%ff%fe", "email"),
        ("cursor=%C3%28", "cursor"),
        ("%ff=1", "%ff"),
        ("em%ffail", "em%ffail"),
    ],
)
async def test_bad_people_filters_are_refused_naming_them(
    seeded: Api, query: str, name: str
) -> None:
    answer = await seeded.client.get(f"{PEOPLE}?{query}", headers=seeded.auth())

    assert answer.status_code == 422
    assert answer.json()["code"] == "invalid_input"
    assert answer.json()["message"].startswith(name)


async def test_a_filter_in_utf8_beyond_ascii_is_read_as_text(seeded: Api) -> None:
    answer = await seeded.client.get(
        f"{PEOPLE}?email=j%C3%B6rg%40example.com", headers=seeded.auth()
    )

    assert answer.status_code == 200
    assert answer.json()["items"] == []


async def test_one_person_by_id(seeded: Api) -> None:
    found = await seeded.client.get(f"{PEOPLE}/person-002", headers=seeded.auth())
    missing = await seeded.client.get(f"{PEOPLE}/person-999", headers=seeded.auth())

    assert found.status_code == 200
    assert found.json()["deleted"] is True
    assert found.json()["source"] == "lead"
    assert missing.status_code == 404
    assert missing.json()["code"] == "not_found"


async def test_companies_list_with_filters(seeded: Api) -> None:
    listed = await seeded.client.get(COMPANIES, headers=seeded.auth())
    later = await seeded.client.get(
        COMPANIES,
        params={"updated_since": "2026-12-02T00:00:00Z"},
        headers=seeded.auth(),
    )
    refused = await seeded.client.get(
        COMPANIES, params={"source": "lead"}, headers=seeded.auth()
    )

    assert listed.json() == {
        "items": [
            {
                "account_id": "001000000000001AAA",
                "deleted": False,
                "fields": {"name": "Zürich Rück"},
                "system_modstamp": "2024-01-15T10:30:00Z",
                "updated_at": "2026-12-01T10:00:00Z",
            }
        ],
        "next_cursor": None,
    }
    assert later.json()["items"] == []
    assert refused.status_code == 422
    assert refused.json()["message"].startswith("source")


@pytest.mark.parametrize(
    "since",
    [
        "2026-12-01T10:00:00",
        "9999-12-31T23:59:59-14:00",
        "0001-01-01T00:00:00+14:00",
    ],
)
async def test_companies_refuse_dates_without_an_offset_or_beyond_utc(
    seeded: Api, since: str
) -> None:
    answer = await seeded.client.get(
        COMPANIES, params={"updated_since": since}, headers=seeded.auth()
    )

    assert answer.status_code == 422
    assert answer.json()["code"] == "invalid_input"
    assert answer.json()["message"].startswith("updated_since")


@pytest.mark.parametrize(
    ("since", "count"),
    [("9999-12-31T23:59:59+14:00", 0), ("0001-01-01T00:00:00-14:00", 3)],
)
async def test_the_furthest_dates_utc_can_hold_are_answered(
    seeded: Api, since: str, count: int
) -> None:
    answer = await seeded.client.get(
        PEOPLE, params={"updated_since": since}, headers=seeded.auth()
    )

    assert answer.status_code == 200
    assert len(answer.json()["items"]) == count


async def test_workspace_b_sees_none_of_workspace_a_people(seeded: Api) -> None:
    b = seeded.auth("ws-b")
    await store_people(seeded, CrmObject.LEAD, person(9, "ws-b", lead_id="00Q9"))

    people = await seeded.client.get(
        PEOPLE, params={"include_deleted": "true"}, headers=b
    )
    one = await seeded.client.get(f"{PEOPLE}/person-001", headers=b)
    by_email = await seeded.client.get(
        PEOPLE, params={"email": "p1@example.com"}, headers=b
    )
    companies = await seeded.client.get(COMPANIES, headers=b)

    assert [p["person_id"] for p in people.json()["items"]] == ["person-009"]
    assert one.status_code == 404
    assert by_email.json()["items"] == []
    assert companies.json()["items"] == []


async def test_a_cursor_from_workspace_a_reads_only_workspace_b(seeded: Api) -> None:
    first = await seeded.client.get(
        PEOPLE, params={"limit": "1"}, headers=seeded.auth()
    )

    answer = await seeded.client.get(
        PEOPLE,
        params={"cursor": first.json()["next_cursor"]},
        headers=seeded.auth("ws-b"),
    )

    assert answer.status_code == 200
    assert answer.json()["items"] == []


@pytest.mark.parametrize("route", [PEOPLE, "/api/crm/salesforce/syncs"])
async def test_a_long_id_is_not_echoed_whole(seeded: Api, route: str) -> None:
    long_id = "x" * 500 + "%0A"

    answer = await seeded.client.get(f"{route}/{long_id}", headers=seeded.auth())

    assert answer.status_code == 404
    assert len(answer.json()["message"]) < 120
    assert "\n" not in answer.json()["message"]
    assert answer.json()["message"].endswith("in this workspace")


@pytest.mark.parametrize(
    "path",
    [
        f"{PEOPLE}/{'p' * 5000}",
        f"/api/crm/salesforce/syncs/{'j' * 5000}",
        f"{PEOPLE}?{'q' * 5000}=1",
    ],
)
async def test_an_id_or_name_past_any_stored_one_is_refused_unechoed(
    seeded: Api, path: str
) -> None:
    answer = await seeded.client.get(path, headers=seeded.auth())

    assert answer.status_code in {404, 422}
    assert len(answer.json()["message"]) < 200


async def test_reads_need_a_bearer_token(api: Api) -> None:
    answers = [
        await api.client.get(path) for path in (PEOPLE, f"{PEOPLE}/x", COMPANIES)
    ]

    assert {answer.status_code for answer in answers} == {401}


async def test_openapi_shows_a_persons_fields_as_a_companys(api: Api) -> None:
    # A person's fields pass through as stored JSON; the schema must still
    # say what a company's says: an object of plain values, where an integer
    # (also a number) matches, so `anyOf`, not `oneOf`.
    schema = (await api.client.get("/schema/openapi.json")).json()

    components = schema["components"]["schemas"]
    person_fields = components["PersonView"]["properties"]["fields"]
    assert person_fields == components["CompanyView"]["properties"]["fields"]
    assert person_fields["type"] == "object"
    values = person_fields["additionalProperties"]
    assert set(values) == {"anyOf"}
    assert [kind["type"] for kind in values["anyOf"]] == [
        "string",
        "integer",
        "number",
        "boolean",
        "null",
    ]

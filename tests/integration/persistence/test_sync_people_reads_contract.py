"""Contract of reading people, for every adapter: filters and keyset pages."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import msgspec
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from application.sync.ports import PeopleQuery, PersonEntry
from domain.crm import CrmObject
from domain.transforms import Value
from tests.integration.persistence.conftest import Backend
from tests.integration.persistence.samples import NOW
from tests.integration.persistence.sync_samples import (
    OTHER_WS,
    WS,
    fresh_workspace,
    person,
    save_people,
)

SOME_EXAMPLES = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
EARLY, LATE = NOW - timedelta(hours=1), NOW + timedelta(hours=1)


async def test_the_default_query_lists_living_people_oldest_first(
    backend: Backend,
) -> None:
    await save_people(
        backend.uow,
        [
            person("b", lead_id="00Q2", updated_at=LATE),
            person("a", lead_id="00Q1", updated_at=EARLY),
            person("c", lead_id="00Q3", lead_deleted=True),
            person("d", lead_id="00Q4", updated_at=NOW),
        ],
    )

    listed = await _ids(backend, PeopleQuery())

    assert listed == ["a", "d", "b"]


async def test_email_matches_exactly_whatever_the_case(backend: Backend) -> None:
    await save_people(
        backend.uow,
        [
            person("a", lead_id="00Q1", email="Ada.Lovelace@Example.COM"),
            person("b", lead_id="00Q2", email="ada.lovelace@example.com.evil"),
            person("c", lead_id="00Q3", email=None),
            person("d", lead_id="00Q4", email="ADA.LOVELACE@EXAMPLE.COM"),
        ],
    )

    listed = await _ids(backend, PeopleQuery(email="ada.lovelace@example.com"))

    assert listed == ["a", "d"]


async def test_email_matches_without_the_whitespace_around_it(
    backend: Backend,
) -> None:
    await save_people(
        backend.uow,
        [
            person("a", lead_id="00Q1", email="  Ada@Example.com\t"),
            person("b", lead_id="00Q2", email="ada@example.com"),
            person("c", lead_id="00Q3", email="ada @example.com"),
        ],
    )

    asked = [
        await _ids(backend, PeopleQuery(email=email))
        for email in ("ada@example.com", " ADA@example.com\u3000")
    ]

    assert asked == [["a", "b"], ["a", "b"]]


async def test_a_non_text_email_field_matches_no_email(backend: Backend) -> None:
    odd = msgspec.structs.replace(
        person("a", lead_id="00Q1"), fields={"email": 42, "name": "x"}
    )
    await save_people(backend.uow, [odd])

    assert await _ids(backend, PeopleQuery(email="42")) == []
    assert await _ids(backend, PeopleQuery()) == ["a"]


async def test_updated_since_includes_its_own_instant(backend: Backend) -> None:
    await save_people(
        backend.uow,
        [
            person("a", lead_id="00Q1", updated_at=EARLY),
            person("b", lead_id="00Q2", updated_at=NOW),
            person("c", lead_id="00Q3", updated_at=LATE),
        ],
    )

    assert await _ids(backend, PeopleQuery(updated_since=NOW)) == ["b", "c"]


async def test_source_is_the_contact_once_there_is_one(backend: Backend) -> None:
    await save_people(
        backend.uow,
        [
            person("lead", lead_id="00Q1"),
            person("converted", lead_id="00Q2", contact_id="0032"),
            person("contact", contact_id="0033"),
        ],
    )

    leads = await _ids(backend, PeopleQuery(source=CrmObject.LEAD))
    contacts = await _ids(backend, PeopleQuery(source=CrmObject.CONTACT))

    assert leads == ["lead"]
    assert contacts == ["contact", "converted"]


async def test_deleted_follows_the_record_that_is_the_source(
    backend: Backend,
) -> None:
    await save_people(
        backend.uow,
        [
            person("lead-gone", lead_id="00Q1", lead_deleted=True),
            person(
                "converted-lead-gone",
                lead_id="00Q2",
                contact_id="0032",
                lead_deleted=True,
            ),
            person(
                "contact-gone", lead_id="00Q3", contact_id="0033", contact_deleted=True
            ),
        ],
    )

    living = await _ids(backend, PeopleQuery())
    every = await _ids(backend, PeopleQuery(include_deleted=True))

    assert living == ["converted-lead-gone"]
    assert every == ["contact-gone", "converted-lead-gone", "lead-gone"]


async def test_filters_combine(backend: Backend) -> None:
    await save_people(
        backend.uow,
        [
            person("a", lead_id="00Q1", email="x@y.z", updated_at=EARLY),
            person("b", lead_id="00Q2", email="x@y.z", updated_at=LATE),
            person(
                "c", lead_id="00Q3", contact_id="0033", email="x@y.z", updated_at=LATE
            ),
            person(
                "d", lead_id="00Q4", email="x@y.z", updated_at=LATE, lead_deleted=True
            ),
        ],
    )
    query = PeopleQuery(
        email="X@Y.Z", updated_since=NOW, source=CrmObject.LEAD, include_deleted=True
    )

    assert await _ids(backend, query) == ["b", "d"]


async def test_limit_bounds_a_page(backend: Backend) -> None:
    await save_people(
        backend.uow, [person(f"p{n}", lead_id=f"00Q{n}") for n in range(5)]
    )

    assert await _ids(backend, PeopleQuery(limit=2)) == ["p0", "p1"]


async def test_another_workspace_sees_none_of_them(backend: Backend) -> None:
    await save_people(backend.uow, [person("a", lead_id="00Q1", email="a@b.c")])

    async with backend.uow() as uow:
        assert await uow.people.list(OTHER_WS, PeopleQuery()) == []
        assert await uow.people.list(OTHER_WS, PeopleQuery(email="a@b.c")) == []
        assert await uow.people.get(OTHER_WS, "a") is None
        found = await uow.people.find(OTHER_WS, lead_ids=["00Q1"], contact_ids=[])
        assert found == []


@SOME_EXAMPLES
@given(
    stamps=st.lists(st.sampled_from([EARLY, NOW, LATE]), min_size=1, max_size=30),
    page_size=st.integers(min_value=1, max_value=7),
    data=st.data(),
)
async def test_keyset_pages_never_skip_or_repeat_under_tied_times(
    backend: Backend,
    stamps: list[datetime],
    page_size: int,
    data: st.DataObject,
) -> None:
    workspace = fresh_workspace()
    ids = data.draw(
        st.lists(
            st.uuids().map(str), min_size=len(stamps), max_size=len(stamps), unique=True
        )
    )
    stored = [
        person(pid, lead_id=f"00Q{n}", workspace_id=workspace, updated_at=stamp)
        for n, (pid, stamp) in enumerate(zip(ids, stamps, strict=True))
    ]
    await save_people(backend.uow, stored, workspace_id=workspace)

    walked = await _walk(backend, workspace, page_size)

    expected = sorted(stored, key=lambda p: (p.updated_at, p.person_id))
    assert [_readable(entry) for entry in walked] == [
        _readable(PersonEntry.of(p)) for p in expected
    ]


async def test_a_page_entry_holds_the_stored_person_and_fields_as_json(
    backend: Backend,
) -> None:
    fields: dict[str, Value] = {
        "email": "zoë@example.com",
        "last_name": 'Nguyễn "Quote" \\ 𝄞',
        "annual_revenue": 1234567.891,
        "employees": 12,
        "do_not_call": False,
        "title": None,
    }
    stored = [
        person("lead", lead_id="00Q1", fields=fields),
        person(
            "contact",
            lead_id="00Q2",
            contact_id="0032",
            account_id="0012",
            lead_deleted=True,
            merged_leads={"00Q3": True, "00Q4": False},
        ),
        person("gone", contact_id="0035", contact_deleted=True, fields={}),
    ]
    await save_people(backend.uow, stored)

    async with backend.uow() as uow:
        page = await uow.people.list(WS, PeopleQuery(include_deleted=True))
        got = [await uow.people.get(WS, entry.person_id) for entry in page]

    assert all(isinstance(entry.fields, msgspec.Raw) for entry in page)
    assert [_readable(entry) for entry in page] == [
        _readable(PersonEntry.of(p)) for p in got if p is not None
    ]
    by_id = {entry.person_id: entry for entry in page}
    assert msgspec.json.decode(by_id["lead"].fields) == fields
    assert (by_id["contact"].source, by_id["contact"].deleted) == (
        CrmObject.CONTACT,
        False,
    )
    assert (by_id["gone"].source, by_id["gone"].deleted) == (CrmObject.CONTACT, True)
    assert by_id["lead"].source is CrmObject.LEAD


def _readable(entry: PersonEntry) -> tuple[PersonEntry, Any]:
    """An entry beside its decoded fields: stores may space the JSON apart."""
    return msgspec.structs.replace(entry, fields=msgspec.Raw(b"")), msgspec.json.decode(
        entry.fields
    )


async def _walk(backend: Backend, workspace: str, page_size: int) -> list[PersonEntry]:
    walked: list[PersonEntry] = []
    query = PeopleQuery(limit=page_size)
    async with backend.other_process() as uow:
        while page := await uow.people.list(workspace, query):
            walked += page
            last = page[-1]
            assert last.updated_at is not None
            query = PeopleQuery(
                limit=page_size, after=(last.updated_at, last.person_id)
            )
    return walked


async def _ids(backend: Backend, query: PeopleQuery) -> list[str]:
    async with backend.uow() as uow:
        people = await uow.people.list(WS, query)
    return [p.person_id for p in people]

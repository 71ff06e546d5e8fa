"""Contract of the PeopleRepository port, for every adapter: pages and sweeps."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings

from application.errors import Conflict
from domain.crm import CrmObject
from domain.people import Person
from tests.integration.persistence.conftest import Backend
from tests.integration.persistence.samples import NOW
from tests.integration.persistence.sync_samples import (
    OTHER_WS,
    WS,
    fresh_workspace,
    person,
    save_people,
)
from tests.support.strategies import people

ONE_BACKEND_PER_TEST = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
LEAD, CONTACT = CrmObject.LEAD, CrmObject.CONTACT


@ONE_BACKEND_PER_TEST
@given(stored=people())
async def test_every_person_comes_back_unchanged(
    backend: Backend, stored: Person
) -> None:
    workspace = fresh_workspace()
    stored = msgspec.structs.replace(stored, workspace_id=workspace)
    await save_people(backend.uow, [stored], workspace_id=workspace)

    async with backend.other_process() as uow:
        got = await uow.people.get(workspace, stored.person_id)
        found = await uow.people.find(
            workspace,
            lead_ids=[stored.lead_id] if stored.lead_id else [],
            contact_ids=[stored.contact_id] if stored.contact_id else [],
        )

    assert got == stored
    assert found == [stored]


async def test_an_unknown_person_is_none(backend: Backend) -> None:
    async with backend.uow() as uow:
        assert await uow.people.get(WS, "nobody") is None
        assert await uow.people.find(WS, lead_ids=["00Qx"], contact_ids=[]) == []


async def test_a_person_saved_without_a_time_is_stamped_by_the_clock(
    backend: Backend,
) -> None:
    backend.clock.current = NOW + timedelta(hours=1)

    await save_people(backend.uow, [person("p1", lead_id="00Q1", updated_at=None)])

    async with backend.uow() as uow:
        stored = await uow.people.get(WS, "p1")
    assert stored == person("p1", lead_id="00Q1", updated_at=NOW + timedelta(hours=1))


async def test_a_person_saved_again_as_stored_keeps_its_time_and_is_seen(
    backend: Backend,
) -> None:
    await save_people(backend.uow, [person("p1", lead_id="00Q1", updated_at=None)])
    backend.clock.current = NOW + timedelta(hours=1)

    again = person("p1", lead_id="00Q1", updated_at=None)
    await save_people(backend.uow, [again], seen_by=(LEAD, "new"))

    async with backend.uow() as uow:
        stored = await uow.people.get(WS, "p1")
    assert stored == person("p1", lead_id="00Q1", updated_at=NOW)
    assert await _sweep(backend, LEAD, "new") == 0


@pytest.mark.parametrize(
    "change",
    [
        {"fields": {"email": "new@x.example", "last_name": "Name of p1"}},
        {"lead_deleted": True},
        {"contact_id": "0031"},
        {"account_id": "0011"},
        {"modstamp": NOW},
    ],
)
async def test_a_person_saved_with_any_value_changed_is_stamped_again(
    backend: Backend, change: dict[str, Any]
) -> None:
    await save_people(backend.uow, [person("p1", lead_id="00Q1", updated_at=None)])
    backend.clock.current = NOW + timedelta(hours=1)

    changed = person("p1", lead_id="00Q1", updated_at=None, **change)
    await save_people(backend.uow, [changed])

    async with backend.uow() as uow:
        stored = await uow.people.get(WS, "p1")
    assert stored == msgspec.structs.replace(changed, updated_at=backend.clock.current)


async def test_find_returns_each_person_holding_any_of_the_ids_once(
    backend: Backend,
) -> None:
    converted = person("p1", lead_id="00Q1", contact_id="0031")
    await save_people(
        backend.uow,
        [
            converted,
            person("p2", lead_id="00Q2"),
            person("p3", contact_id="0033"),
            person("p4", lead_id="00Q4"),
        ],
    )
    await save_people(
        backend.uow,
        [person("p5", lead_id="00Q2", workspace_id=OTHER_WS)],
        workspace_id=OTHER_WS,
    )

    async with backend.uow() as uow:
        found = await uow.people.find(
            WS, lead_ids={"00Q1", "00Q2"}, contact_ids=iter(["0031", "0033"])
        )

    assert sorted(p.person_id for p in found) == ["p1", "p2", "p3"]


async def test_find_takes_more_ids_than_a_statement_can_bind(
    backend: Backend,
) -> None:
    stored = [person(f"p{n}", lead_id=f"00Q{n:05d}") for n in range(0, 40_000, 97)]
    await save_people(backend.uow, stored)
    lead_ids = [f"00Q{n:05d}" for n in range(40_000)]

    async with backend.uow() as uow:
        found = await uow.people.find(WS, lead_ids=lead_ids, contact_ids=lead_ids)

    assert sorted(p.person_id for p in found) == sorted(p.person_id for p in stored)


async def test_a_merge_moves_the_contact_to_the_lead_person_in_one_page(
    backend: Backend,
) -> None:
    await save_people(backend.uow, [person("lead-p", lead_id="00Q1")])
    await save_people(
        backend.uow, [person("contact-p", contact_id="0031")], seen_by=(CONTACT, "j")
    )
    merged = person("lead-p", lead_id="00Q1", contact_id="0031")

    await save_people(backend.uow, [merged], ["contact-p"])

    async with backend.uow() as uow:
        assert await uow.people.get(WS, "contact-p") is None
        assert await uow.people.get(WS, "lead-p") == merged
        found = await uow.people.find(WS, lead_ids=[], contact_ids=["0031"])
        assert found == [merged]
        assert await uow.people.count(WS, include_deleted=True) == 1


async def test_a_merge_may_move_both_ids_at_once(backend: Backend) -> None:
    await save_people(
        backend.uow, [person("a", lead_id="00Q1"), person("b", contact_id="0031")]
    )
    takes_both = person("c", lead_id="00Q1", contact_id="0031")

    await save_people(backend.uow, [takes_both], ["a", "b"])

    async with backend.uow() as uow:
        found = await uow.people.find(WS, lead_ids=["00Q1"], contact_ids=["0031"])
    assert found == [takes_both]


async def test_removing_an_unknown_person_is_harmless(backend: Backend) -> None:
    await save_people(backend.uow, [person("p1", lead_id="00Q1")], ["nobody"])

    async with backend.uow() as uow:
        assert await uow.people.count(WS, include_deleted=True) == 1


async def test_removal_reaches_only_its_workspace(backend: Backend) -> None:
    other = person("p1", lead_id="00Q1", workspace_id=OTHER_WS)
    await save_people(backend.uow, [other], workspace_id=OTHER_WS)

    await save_people(backend.uow, [], ["p1"])

    async with backend.uow() as uow:
        assert await uow.people.get(OTHER_WS, "p1") == other


async def test_an_id_held_by_a_person_the_page_keeps_is_refused(
    backend: Backend,
) -> None:
    await save_people(backend.uow, [person("a", lead_id="00Q1")])

    async with backend.uow() as uow:
        with pytest.raises(Conflict):
            await uow.people.save_page(
                WS, [person("b", lead_id="00Q1")], [], seen_by=(LEAD, "j")
            )
        await uow.people.save_page(
            WS, [person("c", lead_id="00Q3")], [], seen_by=(LEAD, "j")
        )
        await uow.commit()

    async with backend.uow() as uow:
        assert await uow.people.get(WS, "b") is None
        assert await uow.people.get(WS, "c") == person("c", lead_id="00Q3")


async def test_the_same_ids_may_live_in_two_workspaces(backend: Backend) -> None:
    await save_people(backend.uow, [person("a", lead_id="00Q1", contact_id="0031")])
    twin = person("a", lead_id="00Q1", contact_id="0031", workspace_id=OTHER_WS)

    await save_people(backend.uow, [twin], workspace_id=OTHER_WS)

    async with backend.uow() as uow:
        assert await uow.people.get(OTHER_WS, "a") == twin
        assert await uow.people.count(WS, include_deleted=True) == 1


async def test_a_person_of_another_workspace_is_refused(backend: Backend) -> None:
    stray = person("p1", lead_id="00Q1", workspace_id=OTHER_WS)

    async with backend.uow() as uow:
        with pytest.raises(ValueError, match="p1"):
            await uow.people.save_page(WS, [stray], [], seen_by=(LEAD, "j"))


async def test_accounts_neither_mark_nor_sweep_people(backend: Backend) -> None:
    async with backend.uow() as uow:
        with pytest.raises(ValueError, match="Account"):
            await uow.people.save_page(WS, [], [], seen_by=(CrmObject.ACCOUNT, "j"))
        with pytest.raises(ValueError, match="Account"):
            await uow.people.sweep_unseen(WS, CrmObject.ACCOUNT, "j")


async def test_a_full_sync_sweeps_what_it_did_not_see_of_each_object(
    backend: Backend,
) -> None:
    await _three_people_seen_by(backend, "old")
    await save_people(
        backend.uow, [person("lead", lead_id="00Q1")], seen_by=(LEAD, "new")
    )
    await save_people(
        backend.uow,
        [person("contact", contact_id="0032")],
        seen_by=(CONTACT, "new"),
    )

    leads_swept = await _sweep(backend, LEAD, "new")
    contacts_swept = await _sweep(backend, CONTACT, "new")

    assert (leads_swept, contacts_swept) == (1, 1)
    async with backend.uow() as uow:
        converted = await uow.people.get(WS, "converted")
        assert converted is not None
        assert (converted.lead_deleted, converted.contact_deleted) == (True, True)
        assert converted.deleted
        assert await uow.people.count(WS, include_deleted=False) == 2


async def test_a_sweep_keeps_the_ids_it_is_told_are_alive(backend: Backend) -> None:
    await _three_people_seen_by(backend, "old")

    leads = await _sweep(backend, LEAD, "new", keep={"00Q1", "00Q3", "00Qx"})
    contacts = await _sweep(backend, CONTACT, "new", keep={"0032"})

    async with backend.uow() as uow:
        people = [await uow.people.get(WS, p) for p in ("lead", "converted", "contact")]
    assert (leads, contacts) == (0, 1)
    assert [p.deleted if p else None for p in people] == [False, True, False]


async def test_a_swept_lead_of_a_converted_person_leaves_it_alive(
    backend: Backend,
) -> None:
    await _three_people_seen_by(backend, "old")

    swept = await _sweep(backend, LEAD, "new")

    async with backend.uow() as uow:
        lead = await uow.people.get(WS, "lead")
        converted = await uow.people.get(WS, "converted")
        contact = await uow.people.get(WS, "contact")
    assert swept == 2
    assert [p.deleted if p else None for p in (lead, converted, contact)] == [
        True,
        False,
        False,
    ]
    assert converted is not None
    assert converted.lead_deleted


async def test_a_page_of_one_object_keeps_the_other_objects_mark(
    backend: Backend,
) -> None:
    await _three_people_seen_by(backend, "full")

    converted = person("converted", lead_id="00Q3", contact_id="0033")
    await save_people(backend.uow, [converted], seen_by=(LEAD, "incremental"))

    assert await _sweep(backend, CONTACT, "full") == 0


async def test_sweeping_again_finds_nothing_new(backend: Backend) -> None:
    await _three_people_seen_by(backend, "old")
    await _sweep(backend, LEAD, "new")

    assert await _sweep(backend, LEAD, "new") == 0


async def test_swept_people_count_as_updated_now(backend: Backend) -> None:
    await save_people(backend.uow, [person("p1", lead_id="00Q1")])
    backend.clock.current = NOW + timedelta(minutes=5)

    await _sweep(backend, LEAD, "new")

    async with backend.uow() as uow:
        swept = await uow.people.get(WS, "p1")
    assert swept == person(
        "p1", lead_id="00Q1", lead_deleted=True, updated_at=NOW + timedelta(minutes=5)
    )


async def test_a_sweep_stays_in_its_workspace(backend: Backend) -> None:
    await save_people(
        backend.uow,
        [person("p1", lead_id="00Q1", workspace_id=OTHER_WS)],
        workspace_id=OTHER_WS,
    )

    assert await _sweep(backend, LEAD, "new") == 0

    async with backend.uow() as uow:
        assert await uow.people.count(OTHER_WS, include_deleted=False) == 1


async def test_only_people_with_merged_leads_are_listed_as_such(
    backend: Backend,
) -> None:
    merged = person(
        "p1", lead_id="00Q1", contact_id="0031", merged_leads={"00Q2": False}
    )
    elsewhere = person(
        "p1",
        lead_id="00Q1",
        contact_id="0031",
        merged_leads={"00Q2": True},
        workspace_id=OTHER_WS,
    )
    await save_people(
        backend.uow,
        [
            merged,
            person("p2", lead_id="00Q3", contact_id="0032"),
            person("p3", lead_id="00Q4", lead_deleted=True),
            person("p4", contact_id="0034"),
        ],
        workspace_id=WS,
    )
    await save_people(backend.uow, [elsewhere], workspace_id=OTHER_WS)

    async with backend.uow() as uow:
        assert await uow.people.with_merged_leads(WS) == [merged]
        assert await uow.people.count_live_named_leads(WS) == 2
        assert await uow.people.count_live_named_leads(OTHER_WS) == 1


async def test_count_leaves_out_the_deleted_unless_asked(backend: Backend) -> None:
    await save_people(
        backend.uow,
        [
            person("p1", lead_id="00Q1"),
            person("p2", lead_id="00Q2", lead_deleted=True),
            person("p3", lead_id="00Q3", contact_id="0033", lead_deleted=True),
        ],
    )

    async with backend.uow() as uow:
        assert await uow.people.count(WS, include_deleted=False) == 2
        assert await uow.people.count(WS, include_deleted=True) == 3
        assert await uow.people.count(OTHER_WS, include_deleted=True) == 0


async def test_a_page_is_invisible_to_others_until_commit(backend: Backend) -> None:
    async with backend.uow() as writer:
        await writer.people.save_page(
            WS, [person("p1", lead_id="00Q1")], [], seen_by=(LEAD, "j")
        )
        assert await writer.people.get(WS, "p1") is not None

        async with backend.other_process() as reader:
            assert await reader.people.get(WS, "p1") is None

        await writer.commit()

    async with backend.other_process() as reader:
        assert await reader.people.get(WS, "p1") == person("p1", lead_id="00Q1")


async def test_leaving_without_commit_keeps_the_stored_people(
    backend: Backend,
) -> None:
    await save_people(backend.uow, [person("p1", lead_id="00Q1")])

    async with backend.uow() as uow:
        await uow.people.save_page(
            WS, [person("p2", lead_id="00Q2")], ["p1"], seen_by=(LEAD, "j")
        )
        await uow.people.sweep_unseen(WS, LEAD, "other")

    async with backend.uow() as uow:
        assert await uow.people.get(WS, "p1") == person("p1", lead_id="00Q1")
        assert await uow.people.get(WS, "p2") is None


async def _three_people_seen_by(backend: Backend, job_id: str) -> None:
    """A Lead-only, a Contact-only and a converted person, all seen by `job_id`."""
    converted = person("converted", lead_id="00Q3", contact_id="0033")
    await save_people(
        backend.uow,
        [person("lead", lead_id="00Q1"), converted],
        seen_by=(LEAD, job_id),
    )
    await save_people(
        backend.uow,
        [person("contact", contact_id="0032"), converted],
        seen_by=(CONTACT, job_id),
    )


async def _sweep(
    backend: Backend, obj: CrmObject, job_id: str, keep: set[str] | None = None
) -> int:
    async with backend.uow() as uow:
        swept = await uow.people.sweep_unseen(WS, obj, job_id, keep=keep or ())
        await uow.commit()
    return swept

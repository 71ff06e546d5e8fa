"""What only the in-memory store does: bounded lock waits, no leftover locks,
values to inspect."""

from __future__ import annotations

import pytest

from adapters.memory import InMemoryStore, StoredPerson
from domain.crm import CrmObject
from tests.integration.persistence.samples import STATE, connected, pending
from tests.integration.persistence.sync_samples import WS, job, person

LEAD, CONTACT = CrmObject.LEAD, CrmObject.CONTACT


async def test_a_nested_unit_of_work_on_a_held_key_times_out_clearly() -> None:
    store = InMemoryStore(lock_timeout=0.05)

    async with store.unit_of_work() as outer:
        await outer.connections.save(connected("ws-1"))
        async with store.unit_of_work() as inner:
            with pytest.raises(TimeoutError, match="inside another"):
                await inner.connections.get_for_update("ws-1")


async def test_committed_values_are_in_the_store_for_inspection() -> None:
    store = InMemoryStore()

    async with store.unit_of_work() as uow:
        await uow.connections.save(connected("ws-1"))
        await uow.authorizations.add(pending("ws-1"))
        await uow.commit()

    assert store.connections == {"ws-1": connected("ws-1")}
    assert store.authorizations == {STATE: pending("ws-1")}


async def test_locks_are_forgotten_once_released() -> None:
    store = InMemoryStore()

    async with store.unit_of_work() as uow:
        await uow.connections.get_for_update("ws-1")
        await uow.authorizations.take("some-state")

    async with store.unit_of_work() as uow:
        assert await uow.connections.get_for_update("ws-1") is None
    assert len(store.locks) == 0


async def test_committed_people_keep_their_seen_marks_for_inspection() -> None:
    store = InMemoryStore()
    converted = person("p1", lead_id="00Q1", contact_id="0031")

    async with store.unit_of_work() as uow:
        await uow.people.save_page(WS, [converted], [], seen_by=(LEAD, "j1"))
        await uow.people.save_page(WS, [converted], [], seen_by=(CONTACT, "j2"))
        await uow.sync_jobs.add(job("j2"))
        assert store.people == {}
        await uow.commit()

    assert store.people == {(WS, "p1"): StoredPerson(converted, "j1", "j2")}
    assert store.sync_jobs == {(WS, "j2"): job("j2")}


async def test_a_second_active_job_waits_for_the_first_unit_of_work() -> None:
    store = InMemoryStore(lock_timeout=0.05)

    async with store.unit_of_work() as outer:
        await outer.sync_jobs.add(job("j1"))
        async with store.unit_of_work() as inner:
            with pytest.raises(TimeoutError, match="active-sync"):
                await inner.sync_jobs.add(job("j2"))

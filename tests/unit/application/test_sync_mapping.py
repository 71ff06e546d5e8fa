"""ReplaceFieldMapping: invalid mappings refused whole, resyncs queued or not."""

from __future__ import annotations

import asyncio

import pytest

from application.errors import Conflict
from application.sync.describes import DescribeSource
from application.sync.jobs import StartSync
from application.sync.mapping import MappingInvalid, ReplaceFieldMapping
from application.sync.ports import SyncUnitOfWork
from domain.default_mapping import DEFAULT_MAPPING
from domain.mapping import FieldMapping, PersonRule
from domain.sync import SyncJob, SyncMode
from tests.unit.application.conftest import ADMIN
from tests.unit.application.sync_support import CONTACT, LEAD, Sync
from tests.unit.application.sync_support import sync as sync  # the fixture


def mapping_replacer(sync: Sync) -> ReplaceFieldMapping:
    app = sync.app
    uow = app.store.unit_of_work
    describes = DescribeSource(uow, app.session, app.salesforce, app.clock)
    return ReplaceFieldMapping(uow, describes, sync.start)


async def test_an_invalid_mapping_is_refused_whole(sync: Sync) -> None:
    app = sync.app
    replace = mapping_replacer(sync)
    broken = FieldMapping(
        people=(
            PersonRule(target="email", lead="Emial", contact="Email"),
            PersonRule(target="street", lead="Address"),
        )
    )

    with pytest.raises(MappingInvalid) as caught:
        await replace.execute(ReplaceFieldMapping.Command(actor=ADMIN, mapping=broken))

    assert [v.code for v in caught.value.violations] == [
        "unknown_field",
        "compound_field",
    ]
    assert caught.value.message.startswith("the mapping has 2 problems; first: ")
    async with app.store.unit_of_work() as uow:
        assert await uow.mappings.get("ws-a") is None


async def test_a_mapping_change_can_queue_a_resync(sync: Sync) -> None:
    replace = mapping_replacer(sync)
    fewer = FieldMapping(
        people=DEFAULT_MAPPING.people[:3], companies=DEFAULT_MAPPING.companies
    )

    result = await replace.execute(
        ReplaceFieldMapping.Command(actor=ADMIN, mapping=fewer, resync=True)
    )

    assert result.resync is not None
    assert result.resync.mode is SyncMode.FULL
    assert result.resync.objects == (LEAD, CONTACT)


async def test_a_mapping_with_resync_during_a_sync_changes_nothing(
    sync: Sync,
) -> None:
    app = sync.app
    await sync.start.execute(StartSync.Command(actor=ADMIN))
    replace = mapping_replacer(sync)
    fewer = FieldMapping(people=DEFAULT_MAPPING.people[:3])

    with pytest.raises(Conflict) as refused:
        await replace.execute(
            ReplaceFieldMapping.Command(actor=ADMIN, mapping=fewer, resync=True)
        )

    assert refused.value.message.endswith("; the mapping was not saved")
    assert "without resync it is saved at once" in (refused.value.hint or "")
    async with app.store.unit_of_work() as uow:
        assert await uow.mappings.get("ws-a") is None


async def test_a_sync_started_as_the_mapping_is_saved_cannot_slip_between(
    sync: Sync,
) -> None:
    """A sync started while the mapping is being saved waits for that
    transaction, and then is the one refused: never a 409 for the resync
    with the mapping saved all the same (helper-118)."""
    app = sync.app
    raced: list[asyncio.Task[SyncJob]] = []

    def racing() -> SyncUnitOfWork:
        uow = app.store.unit_of_work()
        read = uow.mappings.get

        async def read_while_a_sync_starts(workspace_id: str) -> FieldMapping | None:
            if not raced:
                command = StartSync.Command(actor=ADMIN)
                raced.append(asyncio.ensure_future(sync.start.execute(command)))
                for _ in range(20):
                    await asyncio.sleep(0)
            return await read(workspace_id)

        uow.mappings.get = read_while_a_sync_starts  # type: ignore[method-assign]
        return uow

    describes = DescribeSource(racing, app.session, app.salesforce, app.clock)
    replace = ReplaceFieldMapping(racing, describes, sync.start)
    fewer = FieldMapping(people=DEFAULT_MAPPING.people[:3])

    result = await replace.execute(
        ReplaceFieldMapping.Command(actor=ADMIN, mapping=fewer, resync=True)
    )

    with pytest.raises(Conflict):
        await raced[0]
    assert result.resync is not None
    async with app.store.unit_of_work() as uow:
        assert await uow.mappings.get("ws-a") == fewer
        active = await uow.sync_jobs.active("ws-a")
    assert active is not None
    assert active.job_id == result.resync.job_id

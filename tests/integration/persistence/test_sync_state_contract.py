"""Contracts of the cursor, mapping and describe stores, for every adapter."""

from __future__ import annotations

from datetime import datetime, timedelta

from hypothesis import HealthCheck, given, settings

from domain.crm import CrmObject, DescribedField, ObjectDescribe
from domain.default_mapping import DEFAULT_MAPPING
from domain.mapping import FieldMapping
from domain.soql import SyncCursor
from tests.integration.persistence.conftest import Backend
from tests.integration.persistence.samples import NOW
from tests.integration.persistence.sync_samples import OTHER_WS, WS, fresh_workspace
from tests.support.strategies import (
    field_mappings,
    object_describes,
    sync_cursors,
    utc_datetimes,
)

SOME_EXAMPLES = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
LEAD, CONTACT = CrmObject.LEAD, CrmObject.CONTACT
CURSOR = SyncCursor(modstamp=NOW, record_id="00Q000000000001")
LEAD_DESCRIBE = ObjectDescribe(
    name="Lead",
    fields=(DescribedField(name="Email", label="Email", type="email", length=80),),
)


@SOME_EXAMPLES
@given(cursor=sync_cursors())
async def test_every_cursor_comes_back_unchanged(
    backend: Backend, cursor: SyncCursor
) -> None:
    workspace = fresh_workspace()
    async with backend.uow() as uow:
        await uow.cursors.set(workspace, LEAD, cursor)
        await uow.commit()

    async with backend.other_process() as uow:
        assert await uow.cursors.get(workspace, LEAD) == cursor


async def test_a_cursor_belongs_to_one_workspace_and_object(
    backend: Backend,
) -> None:
    async with backend.uow() as uow:
        await uow.cursors.set(WS, LEAD, CURSOR)
        await uow.commit()

    async with backend.uow() as uow:
        assert await uow.cursors.get(WS, CONTACT) is None
        assert await uow.cursors.get(OTHER_WS, LEAD) is None


async def test_setting_a_cursor_replaces_it_and_none_clears_it(
    backend: Backend,
) -> None:
    later = SyncCursor(modstamp=NOW + timedelta(seconds=1), record_id="00Q2")
    async with backend.uow() as uow:
        await uow.cursors.set(WS, LEAD, CURSOR)
        await uow.cursors.set(WS, CONTACT, CURSOR)
        await uow.commit()

    async with backend.uow() as uow:
        await uow.cursors.set(WS, LEAD, later)
        await uow.cursors.set(WS, CONTACT, None)
        await uow.cursors.set(WS, CrmObject.ACCOUNT, None)
        await uow.commit()

    async with backend.uow() as uow:
        assert await uow.cursors.get(WS, LEAD) == later
        assert await uow.cursors.get(WS, CONTACT) is None


async def test_a_read_through_mark_stays_with_its_cursor_until_it_goes(
    backend: Backend,
) -> None:
    workspace = fresh_workspace()
    later = SyncCursor(modstamp=NOW + timedelta(seconds=1), record_id="00Q2")
    async with backend.uow() as uow:
        await uow.cursors.mark_read_through(workspace, LEAD, NOW)  # no cursor yet
        await uow.cursors.set(workspace, LEAD, CURSOR)
        await uow.cursors.set(workspace, CONTACT, CURSOR)
        await uow.commit()
    async with backend.uow() as uow:
        assert await uow.cursors.read_through(workspace, LEAD) is None
        await uow.cursors.mark_read_through(workspace, LEAD, NOW)
        await uow.cursors.mark_read_through(workspace, CONTACT, NOW)
        await uow.commit()

    async with backend.uow() as uow:
        # A cursor moved by a page keeps the mark; a cleared one loses it.
        await uow.cursors.set(workspace, LEAD, later)
        await uow.cursors.set(workspace, CONTACT, None)
        await uow.commit()

    async with backend.other_process() as uow:
        assert await uow.cursors.read_through(workspace, LEAD) == NOW
        assert await uow.cursors.get(workspace, LEAD) == later
        assert await uow.cursors.read_through(workspace, CONTACT) is None
    async with backend.uow() as uow:
        await uow.cursors.set(workspace, CONTACT, CURSOR)
        assert await uow.cursors.read_through(workspace, CONTACT) is None
        await uow.cursors.clear(workspace)
        await uow.commit()
    async with backend.uow() as uow:
        assert await uow.cursors.read_through(workspace, LEAD) is None


async def test_a_cursor_moves_only_on_commit(backend: Backend) -> None:
    async with backend.uow() as uow:
        await uow.cursors.set(WS, LEAD, CURSOR)
        assert await uow.cursors.get(WS, LEAD) == CURSOR

    async with backend.uow() as uow:
        assert await uow.cursors.get(WS, LEAD) is None


@SOME_EXAMPLES
@given(mapping=field_mappings())
async def test_every_mapping_comes_back_unchanged(
    backend: Backend, mapping: FieldMapping
) -> None:
    workspace = fresh_workspace()
    async with backend.uow() as uow:
        await uow.mappings.save(workspace, mapping)
        await uow.commit()

    async with backend.other_process() as uow:
        assert await uow.mappings.get(workspace) == mapping


async def test_a_mapping_is_replaced_whole_and_kept_per_workspace(
    backend: Backend,
) -> None:
    async with backend.uow() as uow:
        assert await uow.mappings.get(WS) is None
        await uow.mappings.save(WS, FieldMapping())
        await uow.mappings.save(WS, DEFAULT_MAPPING)
        await uow.commit()

    async with backend.uow() as uow:
        assert await uow.mappings.get(WS) == DEFAULT_MAPPING
        assert await uow.mappings.get(OTHER_WS) is None


@SOME_EXAMPLES
@given(describe=object_describes(), fetched_at=utc_datetimes())
async def test_every_describe_comes_back_unchanged(
    backend: Backend, describe: ObjectDescribe, fetched_at: datetime
) -> None:
    workspace = fresh_workspace()
    async with backend.uow() as uow:
        await uow.describes.save(workspace, CONTACT, describe, fetched_at)
        await uow.commit()

    async with backend.other_process() as uow:
        assert await uow.describes.get(workspace, CONTACT) == (describe, fetched_at)


async def test_a_describe_is_replaced_and_cleared_per_workspace(
    backend: Backend,
) -> None:
    async with backend.uow() as uow:
        await uow.describes.save(WS, LEAD, LEAD_DESCRIBE, NOW)
        await uow.describes.save(WS, CONTACT, LEAD_DESCRIBE, NOW)
        await uow.describes.save(OTHER_WS, LEAD, LEAD_DESCRIBE, NOW)
        await uow.commit()

    async with backend.uow() as uow:
        await uow.describes.save(WS, LEAD, ObjectDescribe(name="Lead", fields=()), NOW)
        assert await uow.describes.get(WS, LEAD) == (
            ObjectDescribe(name="Lead", fields=()),
            NOW,
        )
        await uow.describes.clear(WS)
        await uow.commit()

    async with backend.uow() as uow:
        assert await uow.describes.get(WS, LEAD) is None
        assert await uow.describes.get(WS, CONTACT) is None
        assert await uow.describes.get(OTHER_WS, LEAD) == (LEAD_DESCRIBE, NOW)

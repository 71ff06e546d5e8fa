"""ListPeople over synced people: pages without repeats, forged cursors refused."""

from __future__ import annotations

import pytest

from application.sync.ports import PeopleQuery
from application.sync.reads import ListPeople
from tests.unit.application.conftest import MEMBER
from tests.unit.application.sync_support import Sync, lead
from tests.unit.application.sync_support import sync as sync  # the fixture


async def test_people_page_without_repeats(sync: Sync) -> None:
    for n in range(7):
        lead(sync.org, n)
    await sync.once()
    reader = ListPeople(sync.app.store.unit_of_work)

    seen: list[str] = []
    cursor = None
    while True:
        page = await reader.execute(MEMBER, PeopleQuery(limit=3), cursor)
        seen.extend(p.person_id for p in page.items)  # type: ignore[union-attr]
        cursor = page.next_cursor
        if cursor is None:
            break

    assert len(seen) == len(set(seen)) == 7


async def test_a_forged_cursor_is_invalid_input(sync: Sync) -> None:
    from application.errors import InvalidInput

    reader = ListPeople(sync.app.store.unit_of_work)
    forged = (
        "2026-01-01T00:00:00|a",
        "2026-12-04T22:31:17.323790+00:00|person-001",
        "0001-01-01T00:00:00+14:00|x",
        "nope",
        "nope+",
    )
    for cursor in forged:
        with pytest.raises(InvalidInput) as caught:
            await reader.execute(MEMBER, PeopleQuery(), cursor)
        assert caught.value.field == "cursor"

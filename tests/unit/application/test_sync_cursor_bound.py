"""A cursor never passes the run's bound: a row stamped past it changed
after the query began, and where it stood in the read order is unknown."""

from __future__ import annotations

from datetime import UTC, datetime

from application.sync.bulk import max_cursor
from application.sync.page_writer import last_cursor
from application.sync.ports import Record
from domain.soql import SyncCursor

UNTIL = datetime(2026, 12, 1, 9, 0, 0, 700_000, tzinfo=UTC)


def row(n: int, stamp: str) -> Record:
    return {"Id": f"00Q{n:015d}", "SystemModstamp": f"2026-12-01T{stamp}.000+0000"}


def at(n: int, stamp: str) -> SyncCursor:
    hour, minute, second = (int(part) for part in stamp.split(":"))
    when = datetime(2026, 12, 1, hour, minute, second, tzinfo=UTC)
    return SyncCursor(modstamp=when, record_id=f"00Q{n:015d}")


def test_a_page_leaves_the_cursor_at_its_last_row_within_the_bound() -> None:
    page = [row(1, "08:00:00"), row(2, "09:00:00"), row(3, "09:00:01")]

    assert last_cursor(page, UNTIL) == at(2, "09:00:00")
    assert last_cursor(page[:2], UNTIL) == at(2, "09:00:00")
    # Every row changed since: the cursor stays where it was.
    assert last_cursor(page[2:], UNTIL) is None
    assert last_cursor([], UNTIL) is None


def test_a_bulk_job_s_newest_row_is_its_newest_within_the_bound() -> None:
    rows = [row(5, "08:30:00"), row(6, "09:00:01"), row(4, "08:59:59")]

    assert max_cursor(None, rows, UNTIL) == at(4, "08:59:59")
    assert max_cursor(at(1, "09:00:00"), rows, UNTIL) == at(1, "09:00:00")
    assert max_cursor(None, rows[1:2], UNTIL) is None

"""A cursor stops before the run's bound's second: a row stamped past the
bound changed after the query began, and where it stood in the read order
is unknown; a row of the bound's own second may get a sibling of its stamp
later in that second."""

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


def test_a_page_leaves_the_cursor_at_its_last_row_before_the_bounds_second() -> None:
    page = [
        row(1, "08:00:00"),
        row(2, "08:59:59"),
        row(3, "09:00:00"),  # the bound's own second
        row(4, "09:00:01"),  # changed since the query began
    ]

    assert last_cursor(page, UNTIL) == at(2, "08:59:59")
    assert last_cursor(page[:2], UNTIL) == at(2, "08:59:59")
    # Every row in the bound's second, or changed since: the cursor stays.
    assert last_cursor(page[2:], UNTIL) is None
    assert last_cursor([], UNTIL) is None


def test_a_bulk_job_s_newest_row_is_its_newest_before_the_bounds_second() -> None:
    rows = [row(5, "08:30:00"), row(6, "09:00:01"), row(4, "08:59:59")]

    assert max_cursor(None, rows, UNTIL) == at(4, "08:59:59")
    assert max_cursor(at(1, "08:59:59"), rows, UNTIL) == at(4, "08:59:59")
    assert max_cursor(None, [row(7, "09:00:00"), *rows[1:2]], UNTIL) is None

"""A run's upper bound follows Salesforce's clock when it is behind ours."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest

from application.sync.jobs import StartSync
from application.sync.options import SyncOptions
from application.sync.run_sync import RunSync, run_bound
from domain.crm import CrmObject
from domain.sync import SyncMode
from tests.unit.application.conftest import ADMIN
from tests.unit.application.sync_support import Sync, lead
from tests.unit.application.sync_support import sync as sync  # the fixture

NOW = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
SETTLE = 10.0


@pytest.mark.parametrize(
    ("server", "bound"),
    [
        (NOW - timedelta(seconds=60), NOW - timedelta(seconds=70)),
        (NOW + timedelta(seconds=60), NOW - timedelta(seconds=10)),
        (None, NOW - timedelta(seconds=10)),
    ],
    ids=["salesforce behind", "salesforce ahead", "unknown"],
)
def test_the_bound_settles_behind_the_earlier_clock(
    server: datetime | None, bound: datetime
) -> None:
    assert run_bound(NOW, server, SETTLE) == bound


def test_a_clock_far_behind_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        run_bound(NOW, NOW - timedelta(seconds=60), SETTLE)

    assert "clock is 60 s behind ours" in caplog.text


async def test_an_update_in_the_cursors_second_is_not_lost_to_a_slow_clock(
    sync: Sync,
) -> None:
    """Salesforce's clock a minute behind ours, as a tester set it: a row
    stamped in the second the cursor stopped at, after the run read that
    second, comes in the next run."""
    org, salesforce, clock = sync.org, sync.app.salesforce, sync.app.clock
    small, big = lead(sync.org, 1), lead(sync.org, 2)
    options = SyncOptions(settle_seconds=SETTLE)
    start = StartSync(sync.app.store.unit_of_work, sync.scheduler, clock, options)
    run = RunSync(
        sync.app.store.unit_of_work, sync.app.session, salesforce, clock, options
    )

    async def once() -> None:
        salesforce.server_clock = org.now
        job = await start.execute(
            StartSync.Command(actor=ADMIN, mode=SyncMode.INCREMENTAL)
        )
        await run.execute(job.workspace_id, job.job_id)
        clock.advance(minutes=5)
        org.now = clock.now() - timedelta(minutes=1)

    await once()
    org.update(CrmObject.LEAD, big, {"Title": "big, changed"})
    await once()
    org.update(
        CrmObject.LEAD,
        small,
        {"Title": "small, changed"},
        modstamp=_stamp_of(sync, big),
    )
    await once()

    titles = {p.lead_id: p.fields.get("job_title") for p in sync.people()}
    assert titles == {small: "small, changed", big: "big, changed"}


def _stamp_of(sync: Sync, record_id: str) -> datetime:
    stamp = sync.org.rows[CrmObject.LEAD][record_id]["SystemModstamp"]
    return datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%f%z")


def test_a_clock_behind_by_less_than_its_header_tells_is_not_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Salesforce's Date header has whole seconds (helper-120 saw the
    warning at every sync with a settle of 0)."""
    with caplog.at_level(logging.WARNING):
        bound = run_bound(NOW, NOW - timedelta(milliseconds=600), 0)

    assert bound == NOW - timedelta(milliseconds=600)
    assert "behind ours" not in caplog.text


async def test_a_row_changed_later_in_the_bounds_second_is_not_passed(
    sync: Sync,
) -> None:
    """A settle of 0 (helper-119): the run reads rows stamped in its bound's
    own second, but its cursor stops before that second, as a row changed
    later in it gets the same stamp, and a cursor past a larger Id of that
    second would pass it. The next run reads the second again."""
    org, clock = sync.org, sync.app.clock
    org.now = clock.now()
    small, big = lead(org, 1), lead(org, 2)
    first = await sync.once(objects=(CrmObject.LEAD,))
    org.update(CrmObject.LEAD, small, {"Title": "changed in that second"})
    clock.advance(seconds=2)

    second = await sync.once(objects=(CrmObject.LEAD,))

    assert first.progress_of(CrmObject.LEAD).seen == 2
    assert first.progress_of(CrmObject.LEAD).cursor is None
    assert second.progress_of(CrmObject.LEAD).seen == 2
    titles = {p.lead_id: p.fields.get("job_title") for p in sync.people()}
    assert titles == {small: "changed in that second", big: None}

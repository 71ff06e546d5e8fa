"""What `crmbridge sync` prints when a sync ends."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import click
import pytest
from rich.console import Console

from domain.crm import CrmObject
from domain.problems import Problem
from domain.sync import SyncJob, SyncMode
from entrypoints.progress import ProgressBars
from entrypoints.sync_command import report

NOW = datetime(2026, 12, 1, tzinfo=UTC)


def running(mode: SyncMode) -> SyncJob:
    job = SyncJob.request(
        workspace_id="acme", mode=mode, objects=None, requested_by="cli", now=NOW
    )
    return job.start(now=NOW, until=NOW)


def test_a_failed_sync_says_its_problem_and_hint_as_two_sentences() -> None:
    job = running(SyncMode.INCREMENTAL)
    problem = Problem(
        code="not_connected",
        message="Salesforce is not connected",
        hint="Connect Salesforce first.",
    )

    with pytest.raises(click.ClickException) as failed:
        report(job.fail(problem, NOW))

    assert failed.value.message == (
        f"sync {job.job_id} failed: Salesforce is not connected. "
        "Connect Salesforce first."
    )


def test_a_swept_count_is_shown_only_where_a_read_swept_rows(
    capsys: pytest.CaptureFixture[str],
) -> None:
    job = running(SyncMode.FULL).count_swept(CrmObject.LEAD, 2)

    report(job.succeed(NOW))

    lines = capsys.readouterr().out.splitlines()
    assert (
        lines[1] == "Lead: 0 seen, 0 written, 0 deleted, 2 swept, 0 pages, 0 API calls"
    )
    assert "swept" not in lines[0] + lines[2]


def test_a_sync_whose_end_was_not_stored_says_so_not_running() -> None:
    """The run is over: a job still stored running lost its database."""
    job = running(SyncMode.FULL)

    with pytest.raises(click.ClickException) as stuck:
        report(job)

    assert stuck.value.message.startswith(
        f"sync {job.job_id} stopped, but could not store how it ended"
    )
    assert "interrupted" in stuck.value.message


def test_a_done_object_s_bar_shows_the_calls_the_report_shows() -> None:
    job = running(SyncMode.FULL)
    paged = job.record_page(
        CrmObject.LEAD, seen=2, written=2, deleted=0, api_calls=1, cursor=None, now=NOW
    )
    swept = paged.count_calls(CrmObject.LEAD, 1, NOW)  # the sweep's query
    bars = ProgressBars(Console(file=io.StringIO()))
    bars.show(job)

    bars.page_committed(paged, CrmObject.LEAD, 2)
    before = bars.shown(CrmObject.LEAD)
    bars.counted(swept, CrmObject.LEAD)

    assert (before["seen"], before["pages"], before["calls"]) == (
        2,
        "1 page",
        "1 API call",
    )
    assert bars.shown(CrmObject.LEAD)["calls"] == "2 API calls"


def test_a_bulk_read_shows_no_total_and_its_time_runs_until_it_is_done() -> None:
    lead = CrmObject.LEAD
    job = running(SyncMode.FULL)
    polled = job.count_calls(lead, 1, NOW)  # a Bulk job's status poll
    paged = polled.record_page(
        lead, seen=4, written=4, deleted=0, api_calls=1, cursor=None, now=NOW
    )
    bars = ProgressBars(Console(file=io.StringIO()))
    bars.show(job)

    bars.counted(polled, lead)
    waiting = bars.shown(lead)
    bars.page_committed(paged, lead, 0)  # Bulk results carry no totalSize
    reading = bars.shown(lead)
    bars.counted(paged.finish_object(lead), lead)

    assert (waiting["seen"], waiting["total"], waiting["finished"]) == (0, None, False)
    assert (reading["seen"], reading["total"], reading["finished"]) == (4, None, False)
    done = bars.shown(lead)
    assert (done["seen"], done["total"], done["finished"]) == (4, 4, True)


def test_an_object_with_no_records_ends_finished() -> None:
    account = CrmObject.ACCOUNT
    job = running(SyncMode.FULL)
    empty = job.record_page(
        account, seen=0, written=0, deleted=0, api_calls=1, cursor=None, now=NOW
    ).finish_object(account)
    bars = ProgressBars(Console(file=io.StringIO()))
    bars.show(job)

    bars.page_committed(empty, account, 0)

    shown = bars.shown(account)
    assert (shown["seen"], shown["total"], shown["finished"]) == (0, 0, True)


def test_contacts_read_again_for_changed_accounts_show_no_total() -> None:
    contact = CrmObject.CONTACT
    job = running(SyncMode.INCREMENTAL)
    read = job.record_page(
        contact, seen=3, written=3, deleted=0, api_calls=1, cursor=None, now=NOW
    ).finish_object(contact)
    again = read.following_up().record_page(
        contact, seen=2, written=2, deleted=0, api_calls=1, cursor=None, now=NOW
    )
    bars = ProgressBars(Console(file=io.StringIO()))
    bars.show(job)

    bars.counted(read, contact)
    done = bars.shown(contact)
    bars.page_committed(again, contact, 2)
    following = bars.shown(contact)
    bars.counted(again.finish_object(contact), contact)

    assert (done["name"], done["seen"], done["total"]) == ("Contact", 3, 3)
    assert following["name"] == "Contact again, of changed Accounts"
    assert (following["seen"], following["total"]) == (5, None)
    assert (bars.shown(contact)["name"], bars.shown(contact)["total"]) == (
        "Contact",
        5,
    )

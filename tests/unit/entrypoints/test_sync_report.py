"""What `crmbridge sync` prints when a sync ends."""

from __future__ import annotations

from datetime import UTC, datetime

import click
import pytest

from domain.problems import Problem
from domain.sync import SyncJob, SyncMode
from entrypoints.sync_command import report

NOW = datetime(2026, 12, 1, tzinfo=UTC)


def test_a_failed_sync_says_its_problem_and_hint_as_two_sentences() -> None:
    job = SyncJob.request(
        workspace_id="acme",
        mode=SyncMode.INCREMENTAL,
        objects=None,
        requested_by="cli",
        now=NOW,
    ).start(now=NOW, until=NOW)
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

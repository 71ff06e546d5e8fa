"""A stop while a page is written: the write ends whole, then the pipeline
lets go of it."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest

from adapters.memory import InMemoryStore
from application.sync import pipeline
from application.sync.pipeline import PagePipeline
from application.sync.ports import QueryPage
from domain.crm import CrmObject
from domain.default_mapping import DEFAULT_MAPPING
from domain.sync import SyncJob, SyncMode
from tests.support.clock import FixedClock

NOW = datetime(2026, 12, 1, tzinfo=UTC)
PAGE = QueryPage(records=[], total_size=0, next_records_url=None)


async def test_a_stop_in_drain_does_not_reach_the_write_in_flight(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    started, release = asyncio.Event(), asyncio.Event()
    outcome: list[str] = []

    async def plan(*_: Any, **__: Any) -> object:
        return object()

    async def write(_uow: Any, job: SyncJob, _plan: Any, **__: Any) -> SyncJob:
        started.set()
        try:
            await release.wait()
        except asyncio.CancelledError:
            outcome.append("cancelled")
            raise
        outcome.append("written")
        return job

    monkeypatch.setattr(pipeline, "plan_page", plan)
    monkeypatch.setattr(pipeline, "write_plan", write)
    job = SyncJob.request(
        workspace_id="ws",
        mode=SyncMode.FULL,
        objects=None,
        requested_by="alice",
        now=NOW,
    )
    pages = PagePipeline(
        InMemoryStore().unit_of_work,
        FixedClock(),
        job,
        CrmObject.LEAD,
        DEFAULT_MAPPING,
        lambda _job, _page: None,
    )
    await pages.submit(PAGE, api_calls=1)
    waiting = asyncio.ensure_future(pages.drain())
    await started.wait()

    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    stopped_with = list(outcome)
    release.set()
    await pages.abandon()

    assert stopped_with == []
    assert outcome == ["written"]

"""Sample people, companies and jobs, and small helpers, for the sync suites."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

import msgspec

from application.sync.ports import SyncUnitOfWorkFactory
from domain.crm import CrmObject
from domain.people import Company, Person
from domain.sync import SyncJob, SyncMode, SyncState
from tests.integration.persistence.samples import NOW

WS = "ws-1"
OTHER_WS = "ws-2"
JOB = "job-1"


def fresh_workspace() -> str:
    """A workspace no other example of a hypothesis test has written to."""
    return f"ws-{uuid.uuid4()}"


def person(
    person_id: str,
    *,
    lead_id: str | None = None,
    contact_id: str | None = None,
    workspace_id: str = WS,
    email: str | None = None,
    updated_at: datetime | None = NOW,
    **changes: Any,
) -> Person:
    value = Person(
        person_id=person_id,
        workspace_id=workspace_id,
        lead_id=lead_id,
        contact_id=contact_id,
        fields={"email": email, "last_name": f"Name of {person_id}"},
        modstamp=NOW - timedelta(days=1),
        updated_at=updated_at,
    )
    return msgspec.structs.replace(value, **changes)


def company(
    account_id: str,
    *,
    workspace_id: str = WS,
    updated_at: datetime | None = NOW,
    **changes: Any,
) -> Company:
    value = Company(
        account_id=account_id,
        workspace_id=workspace_id,
        fields={"name": f"Company {account_id}", "employees": 12},
        modstamp=NOW - timedelta(days=1),
        updated_at=updated_at,
    )
    return msgspec.structs.replace(value, **changes)


def job(
    job_id: str = JOB,
    *,
    workspace_id: str = WS,
    state: SyncState = SyncState.QUEUED,
    created_at: datetime = NOW,
) -> SyncJob:
    requested = SyncJob.request(
        workspace_id=workspace_id,
        mode=SyncMode.FULL,
        objects=None,
        requested_by="alice",
        now=created_at,
    )
    return msgspec.structs.replace(requested, job_id=job_id, state=state)


async def save_people(
    uow: SyncUnitOfWorkFactory,
    changed: Iterable[Person],
    removed: Sequence[str] = (),
    *,
    seen_by: tuple[CrmObject, str] = (CrmObject.LEAD, JOB),
    workspace_id: str = WS,
) -> None:
    async with uow() as work:
        await work.people.save_page(workspace_id, changed, removed, seen_by=seen_by)
        await work.commit()


async def save_companies(
    uow: SyncUnitOfWorkFactory,
    companies: Iterable[Company],
    *,
    job_id: str = JOB,
    workspace_id: str = WS,
) -> None:
    async with uow() as work:
        await work.companies.save_page(workspace_id, companies, job_id=job_id)
        await work.commit()

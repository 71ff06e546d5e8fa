"""The Account follow-up: Contacts re-read for their Accounts' new values."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest

from application.errors import QuotaExhausted
from application.sync import page_writer, pipeline
from domain.sync import SyncJob, SyncState
from domain.tokens import TokenSet
from tests.unit.application.sync_support import ACCOUNT, CONTACT, Sync, contact
from tests.unit.application.sync_support import sync as sync  # the fixture


async def test_a_run_paused_in_the_follow_up_leaves_the_next_where_it_stopped(
    sync: Sync,
) -> None:
    accounts = [sync.org.create(ACCOUNT, {"Name": f"Old {n}"}) for n in range(6)]
    for n, account in enumerate(accounts):
        contact(sync.org, n, account)
    await sync.once()  # Reads every Contact: nothing to follow up yet.
    sync.org.now += timedelta(minutes=1)
    sync.app.clock.advance(minutes=1)
    for n, account in enumerate(accounts):
        sync.org.update(ACCOUNT, account, {"Name": f"New {n}"})
    salesforce = sync.app.salesforce
    query = salesforce.query
    related: list[str] = []
    refuse_at = 3

    async def counted(tokens: TokenSet, soql: str, *, include_deleted: bool) -> Any:
        if "AccountId IN" in soql:
            related.append(soql)
            if len(related) == refuse_at:
                raise QuotaExhausted(
                    "TotalRequests Limit exceeded.",
                    error_code="REQUEST_LIMIT_EXCEEDED",
                    status=403,
                )
        return await query(tokens, soql, include_deleted=include_deleted)

    salesforce.query = counted  # type: ignore[method-assign]

    # Batches of 2 Accounts: 3 follow-up queries; the quota runs out at the third.
    sync.app.clock.advance(minutes=1)
    paused = await sync.once(related_batch_size=2)
    related.clear()
    refuse_at = 0
    sync.app.clock.advance(minutes=1)
    done = await sync.once(related_batch_size=2)

    assert paused.state is SyncState.PAUSED
    # The Contacts were being read again: the pause shows on them.
    assert not paused.progress_of(CONTACT).done
    assert paused.progress_of(CONTACT).error == paused.problem
    assert paused.progress_of(ACCOUNT).error is None
    assert done.state is SyncState.SUCCEEDED
    assert done.progress_of(CONTACT).done
    assert len(related) == 1  # only the batch the paused run did not get to
    companies = sorted(str(p.fields["company"]) for p in sync.people())
    assert companies == [f"New {n}" for n in range(6)]


async def test_an_account_rename_reaches_its_contacts(sync: Sync) -> None:
    account = sync.org.create(ACCOUNT, {"Name": "Old Name"})
    contact(sync.org, 1, account)
    await sync.once()
    sync.org.now += timedelta(minutes=1)
    sync.org.update(ACCOUNT, account, {"Name": "New Name"})

    await sync.once()

    (person,) = sync.people()
    assert person.fields["company"] == "New Name"


async def test_contacts_read_in_the_run_are_not_read_again_for_their_account(
    sync: Sync,
) -> None:
    """New Accounts with new Contacts: the run's Contact window reads them
    with the new Account values; the Account follow-up must not read them
    again (nor count them twice)."""
    old_account = sync.org.create(ACCOUNT, {"Name": "Old"})
    contact(sync.org, 0, old_account)
    await sync.once()
    sync.org.now += timedelta(minutes=1)
    sync.org.update(ACCOUNT, old_account, {"Name": "Renamed"})
    account = sync.org.create(ACCOUNT, {"Name": "New"})
    for n in range(1, 4):
        contact(sync.org, n, account)

    job = await sync.once()

    assert job.progress_of(CONTACT).seen == 3 + 1  # the window's, the rename's
    companies = sorted(str(p.fields["company"]) for p in sync.people())
    assert companies == ["New", "New", "New", "Renamed"]


async def test_a_stop_in_the_follow_up_waits_for_its_write_in_flight(
    sync: Sync, monkeypatch: pytest.MonkeyPatch
) -> None:
    account = sync.org.create(ACCOUNT, {"Name": "Old Name"})
    contact(sync.org, 1, account)
    await sync.once()
    sync.org.now += timedelta(minutes=1)
    sync.org.update(ACCOUNT, account, {"Name": "New Name"})
    writing, release = asyncio.Event(), asyncio.Event()
    written = page_writer.write_plan

    async def held(*args: Any, **kwargs: Any) -> SyncJob:
        if kwargs.get("advance_cursor") is False:  # the follow-up's page
            writing.set()
            await release.wait()
        return await written(*args, **kwargs)

    monkeypatch.setattr(pipeline, "write_plan", held)
    run = asyncio.ensure_future(sync.once())
    await writing.wait()

    run.cancel()
    await asyncio.sleep(0.05)
    waited = not run.done()
    release.set()
    with pytest.raises(asyncio.CancelledError):
        await run

    assert waited  # the stop did not leave the write behind
    (person,) = sync.people()
    assert person.fields["company"] == "New Name"

"""A workspace reconnected to the same org, or to another one, on the
in-memory store and the fake org."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest

from application.errors import AuthorizationFailed
from application.sync.jobs import StartSync
from application.sync.options import SyncOptions
from application.sync.ports import PeopleQuery, PersonEntry
from application.sync.reads import ListPeople
from application.sync.run_sync import RunSync
from application.use_cases.complete_authorization import CompleteAuthorization
from application.use_cases.switch_environment import SwitchEnvironment
from domain.crm import CrmObject, ObjectDescribe
from domain.default_mapping import DEFAULT_MAPPING
from domain.mapping import FieldMapping
from domain.sync import SyncJob, SyncMode, SyncState
from tests.fakes.salesforce import ORG_ID, FakeOrg
from tests.unit.application.conftest import ADMIN, MEMBER, App, state_of

LEAD, CONTACT, ACCOUNT = CrmObject.LEAD, CrmObject.CONTACT, CrmObject.ACCOUNT
WS = ADMIN.workspace_id
OTHER_ORG_ID = "00D000000000002AAA"
FEWER_RULES = FieldMapping(people=DEFAULT_MAPPING.people[:4])


class RecordingScheduler:
    def submit(self, workspace_id: str, job_id: str) -> None: ...

    def cancel(self, workspace_id: str, job_id: str) -> None: ...


@dataclass
class Workspace:
    app: App
    start: StartSync
    run: RunSync

    @property
    def org(self) -> FakeOrg:
        return self.app.salesforce.org

    async def sync(self) -> SyncJob:
        job = await self.start.execute(StartSync.Command(actor=ADMIN))
        finished = await self.run.execute(job.workspace_id, job.job_id)
        assert finished is not None
        return finished

    async def reconnect(self, org_id: str, org: FakeOrg | None = None) -> None:
        """Disconnect, then consent as a user of `org_id` (holding `org`)."""
        await self.app.disconnect.execute(ADMIN)
        self.use(org_id, org)
        await self.app.connect()

    def use(self, org_id: str, org: FakeOrg | None = None) -> None:
        """From now on, Salesforce answers as `org_id`."""
        self.app.salesforce.org_id = org_id
        self.app.salesforce.org = org or self.org

    def ids(self, obj: CrmObject) -> set[str]:
        people = self.app.store.people.values()
        if obj is ACCOUNT:
            return {c.company.account_id for c in self.app.store.companies.values()}
        if obj is LEAD:
            return {p.person.lead_id for p in people if p.person.lead_id}
        return {p.person.contact_id for p in people if p.person.contact_id}


@pytest.fixture
async def workspace(app: App) -> Workspace:
    await app.connect()
    app.salesforce.org.now = app.clock.now() - timedelta(hours=1)
    options = SyncOptions(settle_seconds=0)
    uow = app.store.unit_of_work
    start = StartSync(uow, RecordingScheduler(), app.clock, options)
    run = RunSync(uow, app.session, app.salesforce, app.clock, options)
    return Workspace(app=app, start=start, run=run)


def populate(org: FakeOrg, leads: int = 3) -> dict[CrmObject, set[str]]:
    account = org.create(ACCOUNT, {"Name": "Acme"})
    contact = org.create(CONTACT, {"LastName": "Contact", "AccountId": account})
    made = {
        org.create(LEAD, {"LastName": f"L{n}", "Company": "X"}) for n in range(leads)
    }
    return {ACCOUNT: {account}, CONTACT: {contact}, LEAD: made}


def older_org(than: FakeOrg) -> FakeOrg:
    """Another org whose records all changed before any of `than`'s."""
    other = FakeOrg(first_id=1000)
    other.now = than.now - timedelta(days=30)
    return other


async def test_a_first_connection_logs_no_other_orgs_data_as_dropped(
    app: App, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)

    await app.connect()

    assert "dropped" not in caplog.text
    assert "authorization completed" in caplog.text


async def test_reconnecting_to_the_same_org_keeps_the_data_and_stays_incremental(
    workspace: Workspace,
) -> None:
    made = populate(workspace.org)
    await workspace.sync()
    cursors = dict(workspace.app.store.cursors)

    await workspace.reconnect(ORG_ID)
    job = await workspace.sync()

    assert workspace.app.store.cursors == cursors
    assert (job.progress_of(LEAD).seen, job.progress_of(ACCOUNT).seen) == (0, 0)
    assert workspace.ids(LEAD) == made[LEAD]
    assert workspace.ids(ACCOUNT) == made[ACCOUNT]


async def test_another_org_replaces_the_old_orgs_data_and_is_read_in_full(
    workspace: Workspace,
) -> None:
    populate(workspace.org)
    await workspace.sync()
    store = workspace.app.store
    store.mappings[WS] = FEWER_RULES
    store.describes[(WS, LEAD)] = (
        ObjectDescribe(name="Lead", fields=()),
        workspace.app.clock.now(),
    )
    other = older_org(workspace.org)
    made = populate(other, leads=2)

    await workspace.reconnect(OTHER_ORG_ID, other)
    dropped = (dict(store.people), dict(store.companies), dict(store.cursors))
    job = await workspace.sync()

    assert dropped == ({}, {}, {})
    assert store.describes == {}
    assert store.mappings[WS] == FEWER_RULES
    assert store.synced_orgs[WS] == OTHER_ORG_ID
    assert job.progress_of(LEAD).seen == 2
    assert {obj: workspace.ids(obj) for obj in CrmObject} == made
    listed = await ListPeople(store.unit_of_work).execute(MEMBER, PeopleQuery())
    served = {p.person_id for p in listed.items if isinstance(p, PersonEntry)}
    assert served == {p.person.person_id for p in store.people.values()}


async def test_a_switch_to_sandbox_drops_the_production_orgs_data(
    workspace: Workspace,
) -> None:
    populate(workspace.org)
    await workspace.sync()
    app = workspace.app
    sandbox = older_org(workspace.org)
    made = populate(sandbox)

    started = await app.switch.execute(
        SwitchEnvironment.Command(actor=ADMIN, sandbox=True)
    )
    app.salesforce.is_sandbox = True
    workspace.use(OTHER_ORG_ID, sandbox)
    state = state_of(started.authorization_url)
    code = app.salesforce.approve(app.store.authorizations[state])
    await app.complete.execute(CompleteAuthorization.Command(state=state, code=code))
    await workspace.sync()

    assert {obj: workspace.ids(obj) for obj in CrmObject} == made


async def test_a_refused_authorization_for_another_org_keeps_the_data(
    workspace: Workspace,
) -> None:
    made = populate(workspace.org)
    await workspace.sync()
    workspace.app.salesforce.is_sandbox = True

    with pytest.raises(AuthorizationFailed):
        await workspace.reconnect(OTHER_ORG_ID, older_org(workspace.org))

    assert workspace.ids(LEAD) == made[LEAD]
    assert workspace.app.store.synced_orgs[WS] == ORG_ID


async def test_a_sync_queued_for_the_old_org_is_cancelled_and_never_runs(
    workspace: Workspace,
) -> None:
    populate(workspace.org)
    queued = await workspace.start.execute(StartSync.Command(actor=ADMIN))

    await workspace.reconnect(OTHER_ORG_ID, older_org(workspace.org))
    ran = await workspace.run.execute(WS, queued.job_id)

    assert ran is None
    stored = workspace.app.store.sync_jobs[(WS, queued.job_id)]
    assert stored.state is SyncState.CANCELLED
    assert workspace.app.store.people == {}


async def test_a_running_sync_writes_no_page_of_the_old_org_after_the_switch(
    workspace: Workspace,
) -> None:
    old = workspace.org
    old.page_size = 2
    populate(old, leads=6)
    other = older_org(old)
    made = populate(other, leads=1)
    salesforce = workspace.app.salesforce
    read_more = salesforce.query_more
    switched: list[bool] = []

    async def switch_after_reading(tokens: Any, next_records_url: str) -> Any:
        page = await read_more(tokens, next_records_url)
        if not switched:
            switched.append(True)
            await workspace.reconnect(OTHER_ORG_ID, other)
        return page

    salesforce.query_more = switch_after_reading  # type: ignore[method-assign]
    job = await workspace.start.execute(
        StartSync.Command(actor=ADMIN, objects=(LEAD,), mode=SyncMode.FULL)
    )

    ended = await workspace.run.execute(WS, job.job_id)

    assert switched == [True]
    assert ended is not None
    assert ended.state is SyncState.CANCELLED
    assert workspace.app.store.people == {}
    assert workspace.app.store.cursors == {}
    await workspace.sync()
    assert {obj: workspace.ids(obj) for obj in CrmObject} == made


async def test_a_sync_waiting_on_its_bulk_job_calls_nothing_on_the_new_org(
    workspace: Workspace,
) -> None:
    old = workspace.org
    old.page_size = 2
    old.bulk_polls = 1000
    populate(old, leads=6)
    salesforce = workspace.app.salesforce
    poll = salesforce.bulk_query_state
    polled_orgs: list[str] = []
    twice = asyncio.Event()

    async def recorded_poll(tokens: Any, job_id: str) -> str:
        polled_orgs.append(salesforce.org_id)
        if len(polled_orgs) == 2:
            twice.set()
        return await poll(tokens, job_id)

    salesforce.bulk_query_state = recorded_poll  # type: ignore[method-assign]
    run = RunSync(
        workspace.app.store.unit_of_work,
        workspace.app.session,
        salesforce,
        workspace.app.clock,
        SyncOptions(settle_seconds=0, bulk_threshold=3, bulk_poll_seconds=0.01),
    )
    job = await workspace.start.execute(
        StartSync.Command(actor=ADMIN, objects=(LEAD,), mode=SyncMode.FULL)
    )
    running = asyncio.create_task(run.execute(WS, job.job_id))
    await asyncio.wait_for(twice.wait(), 5)

    await workspace.reconnect(OTHER_ORG_ID, older_org(old))
    ended = await asyncio.wait_for(running, 5)

    assert set(polled_orgs) == {ORG_ID}
    assert ended is not None
    assert ended.state is SyncState.FAILED
    assert ended.problem is not None
    assert ended.problem.code == "not_connected"

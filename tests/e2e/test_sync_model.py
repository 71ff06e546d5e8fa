"""Model-based: any sequence of org changes and incremental syncs leaves the local
store equal to the org as the mapping sees it.

Each example is a fresh org and workspace. Rules create, update, delete,
undelete and convert records, in bursts that share one SystemModstamp, with a
page size that splits those ties; syncs are incremental, full, or paused
midway by the quota reserve (so the next run resumes inside a tie). After
every complete sync (and at the end of every example) the local copy must hold
one person per Contact and per unconverted Lead, with the right fields and
deleted flags, and nothing twice.

Changes are stamped by a clock of the test's own, which moves past every
window a sync has read: Salesforce stamps changes with its current time, and
the settle delay keeps a committed cursor behind it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import ClassVar

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    rule,
    run_state_machine_as_test,
)

from domain.crm import CrmObject
from sfemulator.model import ConnectedApp
from sfemulator.scenario import Demo
from sfemulator.server import EmulatorServer
from tests.e2e.conftest import Service
from tests.e2e.syncing import Copy, Org, OrgReader, Workspace, assert_mirrors

START = datetime(2024, 3, 1, tzinfo=UTC)
PAGE_SIZE = 3
QUOTA = 15_000
NAMES = st.sampled_from(["Zoë", "O'Connor", "王", "Ana 🌟", "D'Souza", "Ødegaard"])
OBJECTS = st.sampled_from(list(CrmObject))
PICK = st.integers(min_value=0, max_value=10_000)


class OrgAndSyncs(RuleBasedStateMachine):
    service: ClassVar[Service]
    emulator: ClassVar[EmulatorServer]
    app: ClassVar[ConnectedApp]

    def __init__(self) -> None:
        super().__init__()
        world = self.emulator.world
        world.set_query_paging(page_size=PAGE_SIZE)
        self.org = Org.new(world)
        self.workspace = Workspace(self.service.url, self.service.config.jwt_secret)
        self.workspace.connect(self.emulator, self.org, self.app)
        self.reader = OrgReader(self.emulator, self.org, self.app)
        self.at = START

    def stamp(self, tie: bool) -> datetime:
        """The time of the next change: the last one's again, for a tie."""
        if not tie:
            self.at += timedelta(seconds=1)
        return self.at

    def pick(self, obj: CrmObject, index: int, *, deleted: bool) -> str | None:
        ids = [
            record_id
            for record_id in self.org.ids(obj)
            if self.record(obj, record_id)["IsDeleted"] is deleted
        ]
        return ids[index % len(ids)] if ids else None

    def record(self, obj: CrmObject, record_id: str) -> dict[str, object]:
        return self.org.world.get_record(self.org.id, obj.value, record_id)

    @rule(name=NAMES, tie=st.booleans())
    def create_account(self, name: str, tie: bool) -> None:
        self.org.create(CrmObject.ACCOUNT, {"Name": f"{name} Ltd"}, self.stamp(tie))

    @rule(name=NAMES, pick=PICK, with_account=st.booleans(), tie=st.booleans())
    def create_contact(
        self, name: str, pick: int, with_account: bool, tie: bool
    ) -> None:
        account = self.pick(CrmObject.ACCOUNT, pick, deleted=False)
        fields = {"LastName": name, "Email": f"{name}.{pick}@Example.com"}
        if with_account and account:
            fields["AccountId"] = account
        self.org.create(CrmObject.CONTACT, fields, self.stamp(tie))

    @rule(name=NAMES, pick=PICK, tie=st.booleans())
    def create_lead(self, name: str, pick: int, tie: bool) -> None:
        fields = {"LastName": name, "Company": "Café Olé", "Email": f" L{pick}@x.io "}
        self.org.create(CrmObject.LEAD, fields, self.stamp(tie))

    @rule(size=st.integers(min_value=PAGE_SIZE, max_value=3 * PAGE_SIZE))
    def burst_of_ties(self, size: int) -> None:
        """Many rows with one SystemModstamp, more than a page holds."""
        at = self.stamp(tie=False)
        for number in range(size):
            obj = CrmObject.LEAD if number % 2 else CrmObject.CONTACT
            self.org.create(obj, {"LastName": f"Tie {number}"}, at)

    @rule(obj=OBJECTS, pick=PICK, name=NAMES, tie=st.booleans())
    def update(self, obj: CrmObject, pick: int, name: str, tie: bool) -> None:
        record_id = self.pick(obj, pick, deleted=False)
        field = "Name" if obj is CrmObject.ACCOUNT else "LastName"
        if record_id and not self.record(obj, record_id).get("IsConverted"):
            self.org.update(obj, record_id, {field: f"{name} {pick}"}, self.stamp(tie))

    @rule(obj=OBJECTS, pick=PICK, tie=st.booleans())
    def delete(self, obj: CrmObject, pick: int, tie: bool) -> None:
        record_id = self.pick(obj, pick, deleted=False)
        if record_id:
            self.org.delete(obj, record_id, self.stamp(tie))

    @rule(obj=OBJECTS, pick=PICK, tie=st.booleans())
    def undelete(self, obj: CrmObject, pick: int, tie: bool) -> None:
        record_id = self.pick(obj, pick, deleted=True)
        if record_id:
            self.org.undelete(obj, record_id, self.stamp(tie))

    @rule(pick=PICK, into_existing=st.booleans(), tie=st.booleans())
    def convert(self, pick: int, into_existing: bool, tie: bool) -> None:
        open_leads = [
            lead
            for lead in self.org.ids(CrmObject.LEAD)
            if not self.record(CrmObject.LEAD, lead)["IsConverted"]
            and not self.record(CrmObject.LEAD, lead)["IsDeleted"]
        ]
        contact = self.pick(CrmObject.CONTACT, pick, deleted=False)
        if open_leads:
            lead = open_leads[pick % len(open_leads)]
            into = contact if into_existing else None
            self.org.convert(lead, self.stamp(tie), contact_id=into)

    @rule()
    def sync(self) -> None:
        self.workspace.sync()
        self.after_a_run()
        assert_mirrors(self.workspace, Copy.of(self.reader))

    @rule()
    def full_sync(self) -> None:
        self.workspace.sync(mode="full")
        self.after_a_run()
        assert_mirrors(self.workspace, Copy.of(self.reader))

    @rule(pages=st.integers(min_value=1, max_value=4))
    def sync_paused_midway(self, pages: int) -> None:
        """The quota reserve stops a run after `pages` pages, often inside a
        tie; the next run must go on from its cursor, skipping nothing, and
        re-read the Contacts of Accounts the paused run stored.
        """
        world, org = self.org.world, self.org.id
        world.set_quota(org, used=int(QUOTA * 0.8) - pages, maximum=QUOTA)
        try:
            started = self.workspace.start_sync()
            job = self.workspace.wait(started["job_id"])
        finally:
            world.set_quota(org, used=0)
        assert job["state"] in {"paused", "succeeded"}, job
        self.after_a_run()

    def after_a_run(self) -> None:
        """The next change comes after everything a run could read."""
        self.at += timedelta(seconds=1)

    def teardown(self) -> None:
        try:
            self.sync()
        finally:
            self.workspace.close()
            self.reader.close()


def test_the_local_copy_equals_the_org_after_any_changes_and_syncs(
    service: Service, emulator: EmulatorServer, demo: Demo
) -> None:
    OrgAndSyncs.service = service
    OrgAndSyncs.emulator = emulator
    OrgAndSyncs.app = demo.app

    run_state_machine_as_test(
        OrgAndSyncs,
        settings=settings(
            max_examples=12,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )

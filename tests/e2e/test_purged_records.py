"""A record purged from Salesforce's recycle bin: only a full read sees it go."""

from __future__ import annotations

from datetime import UTC, datetime

from domain.crm import CrmObject
from sfemulator.server import EmulatorServer
from tests.e2e.syncing import Org, Workspace, progress

CREATED_AT = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


def test_a_purged_lead_stays_after_an_incremental_sync_and_goes_in_a_full_one(
    workspace: Workspace, org: Org
) -> None:
    kept, purged = (
        org.create(CrmObject.LEAD, {"LastName": name, "Company": "Acme"}, CREATED_AT)
        for name in ("Kept", "Purged")
    )
    workspace.sync()
    org.world.purge_record(org.id, CrmObject.LEAD.value, purged)

    incremental = workspace.sync()
    after_incremental = {p["lead_id"]: p["deleted"] for p in workspace.people()}
    full = workspace.sync(mode="full")

    # Nothing queryAll shows changed, so nothing could be marked.
    assert progress(incremental, CrmObject.LEAD)["read_in_full"] is False
    assert after_incremental == {kept: False, purged: False}
    assert progress(full, CrmObject.LEAD)["records_seen"] == 1
    assert {p["lead_id"]: p["deleted"] for p in workspace.people()} == {
        kept: False,
        purged: True,
    }


def test_a_full_sync_paused_in_its_leads_is_swept_when_an_incremental_one_ends_it(
    workspace: Workspace, org: Org, emulator: EmulatorServer
) -> None:
    """The incremental sync goes on from the full one's last stored Lead, and
    its sweep spares what either of them read."""
    first, second, purged = (
        org.create(CrmObject.LEAD, {"LastName": name, "Company": "Acme"}, CREATED_AT)
        for name in ("First", "Second", "Purged")
    )
    workspace.sync()
    org.world.purge_record(org.id, CrmObject.LEAD.value, purged)
    emulator.world.set_query_paging(page_size=1)
    try:
        # 77 of 100 used, the reserve 80: Accounts, then one page of Leads.
        emulator.world.set_quota(org.id, used=77, maximum=100)
        full = workspace.wait(workspace.start_sync(mode="full")["job_id"])
        emulator.world.set_quota(org.id, used=0)
        incremental = workspace.sync()
    finally:
        emulator.world.set_query_paging(page_size=None)

    assert full["state"] == "paused"
    assert progress(full, CrmObject.LEAD)["records_seen"] == 1
    leads = progress(incremental, CrmObject.LEAD)
    assert leads["continues"] == full["job_id"]
    assert leads["read_in_full"] is True
    assert leads["records_seen"] == 1  # only what the full sync had not read
    assert {p["lead_id"]: p["deleted"] for p in workspace.people()} == {
        first: False,
        second: False,
        purged: True,
    }

"""A record purged from Salesforce's recycle bin: only a full sync sees it go."""

from __future__ import annotations

from datetime import UTC, datetime

from domain.crm import CrmObject
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

"""Sync end to end: real sockets, SQLite and the emulator's records and faults."""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from domain.crm import CrmObject
from entrypoints.config import load_config
from sfemulator.model import HttpFault
from sfemulator.scenario import Demo
from sfemulator.server import EmulatorServer
from tests.e2e.conftest import Service, start_instance
from tests.e2e.harness import listening_socket
from tests.e2e.syncing import (
    Copy,
    Org,
    OrgReader,
    Workspace,
    assert_mirrors,
    progress,
    rows_after,
)

CHANGED_AT = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
ALL_REST = "/services/data/v"  # API requests: not the version list
QUERIES = f"{ALL_REST}v62.0/queryAll"


def generate(org: Org, **options: object) -> dict[str, int]:
    shape: dict[str, object] = {
        "seed": 3,
        "accounts": 12,
        "contacts": 30,
        "leads": 40,
        "converted_fraction": 0.25,
        "deleted_fraction": 0.1,
        "tie_block": 9,
    }
    return org.world.generate_records(org.id, **(shape | options))


def counting(world: object, prefix: str = ALL_REST) -> HttpFault:
    """A fault that does nothing but count the requests under `prefix`."""
    return world.add_http_fault(  # type: ignore[attr-defined, no-any-return]
        path_prefix=prefix, count=100_000, action="delay", delay=0.0
    )


def sent(fault: HttpFault) -> int:
    return 100_000 - fault.remaining


def wait_until(check: object, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_generated_records_sync_and_read_back_as_the_org(
    workspace: Workspace, org: Org, reader: OrgReader, emulator: EmulatorServer
) -> None:
    made = generate(org)
    emulator.world.set_query_paging(page_size=7)

    job = workspace.sync()

    assert_mirrors(workspace, Copy.of(reader))
    for obj in CrmObject:
        counted = progress(job, obj)
        assert counted["records_seen"] == made[obj.value]
        assert counted["pages"] == math.ceil(made[obj.value] / 7)
        assert counted["api_calls"] == counted["pages"]
        assert counted["done"] is True
    deleted = sum(progress(job, obj)["records_deleted"] for obj in CrmObject)
    assert deleted == made["deleted"]
    people = workspace.people()
    awkward = next(
        p for p in people if "'" in p["fields"]["last_name"] and not p["deleted"]
    )
    found = workspace.call(
        "GET", "/api/people", params={"email": awkward["fields"]["email"]}
    )
    assert found.json()["items"] == [awkward]


def test_incremental_syncs_read_only_changes_even_when_they_tie(
    workspace: Workspace, org: Org, reader: OrgReader, emulator: EmulatorServer
) -> None:
    generate(org)
    first = workspace.sync()
    leads = live(org, CrmObject.LEAD)
    contacts = live(org, CrmObject.CONTACT)
    accounts = live(org, CrmObject.ACCOUNT)
    emulator.world.set_query_paging(page_size=3)
    at = CHANGED_AT
    for contact in contacts[:3]:
        org.update(CrmObject.CONTACT, contact, {"LastName": "D'Arcy-Ñandú 🌟"}, at)
    org.update(CrmObject.ACCOUNT, accounts[0], {"Name": "株式会社テスト 2"}, at)
    org.delete(CrmObject.LEAD, leads[0], at)
    org.delete(CrmObject.CONTACT, contacts[4], at)
    org.convert(leads[1], at)
    existing = org.world.get_record(org.id, "Contact", contacts[5])
    org.convert(leads[2], at, contact_id=contacts[5])
    for number in range(4):
        org.create(CrmObject.LEAD, {"LastName": f"Ødegaard {number}"}, at)

    second = workspace.sync()
    third = workspace.sync()

    assert_mirrors(workspace, Copy.of(reader))
    for obj in CrmObject:
        cursor = progress(first, obj)["cursor"]
        assert progress(second, obj)["records_seen"] >= rows_after(reader, obj, cursor)
        assert progress(third, obj)["records_seen"] == 0
        assert progress(third, obj)["pages"] == 1
    assert progress(second, CrmObject.LEAD)["records_seen"] == 3 + 4
    # The renamed Account, the new one of the conversion into a new
    # Contact, and one for the other only if its Contact had none.
    made = 1 + (existing.get("AccountId") is None)
    assert progress(second, CrmObject.ACCOUNT)["records_seen"] == 1 + made


def live(org: Org, obj: CrmObject) -> list[str]:
    """Ids of records neither deleted nor converted."""
    records = [org.world.get_record(org.id, obj.value, i) for i in org.ids(obj)]
    return [
        record["Id"]
        for record in records
        if not record["IsDeleted"] and not record.get("IsConverted")
    ]


def test_a_full_sync_reads_everything_again_and_changes_nothing(
    workspace: Workspace, org: Org, reader: OrgReader
) -> None:
    """Many Leads converted into few Contacts: several share one."""
    made = generate(org, leads=40, contacts=6, accounts=5, converted_fraction=0.5)
    workspace.sync()
    before = stamps(workspace)

    full = workspace.sync(mode="full")

    assert_mirrors(workspace, Copy.of(reader))
    assert [progress(full, obj)["records_seen"] for obj in CrmObject] == [
        made[obj.value] for obj in CrmObject
    ]
    assert stamps(workspace) == before
    assert any(person["merged_leads"] for person in workspace.people())


def test_deleting_one_of_the_leads_of_a_contact_keeps_the_others_true(
    workspace: Workspace, org: Org, reader: OrgReader
) -> None:
    generate(org, leads=40, contacts=6, accounts=5, converted_fraction=0.5)
    workspace.sync()
    shared = next(
        person
        for person in workspace.people()
        if any(not lead["deleted"] for lead in person["merged_leads"])
    )
    named = shared["lead_id"]
    org.delete(CrmObject.LEAD, named, CHANGED_AT)

    workspace.sync()
    after_incremental = Copy.of(reader)
    assert_mirrors(workspace, after_incremental)
    workspace.sync(mode="full")

    assert_mirrors(workspace, Copy.of(reader))
    person = workspace.call("GET", f"/api/people/{shared['person_id']}").json()
    assert person["lead_id"] != named
    assert person["lead_deleted"] is False


def stamps(workspace: Workspace) -> dict[str, str]:
    rows = [*workspace.people(), *workspace.companies()]
    return {
        row.get("person_id") or row["account_id"]: row["updated_at"] for row in rows
    }


def test_the_quota_reserve_pauses_the_sync_and_a_later_one_resumes(
    workspace: Workspace, org: Org, emulator: EmulatorServer, demo: Demo
) -> None:
    generate(org, accounts=10, contacts=0, leads=0)
    emulator.world.set_query_paging(page_size=2)
    emulator.world.set_quota(org.id, used=11_997, maximum=15_000)
    calls = counting(emulator.world)

    paused = workspace.wait(workspace.start_sync()["job_id"])

    assert paused["state"] == "paused"
    assert paused["problem"]["code"] == "api_quota_reserve_reached"
    assert "12000 of 15000" in paused["problem"]["message"]
    assert "goes on from its last committed page" in paused["problem"]["hint"]
    assert sent(calls) == 3
    assert progress(paused, CrmObject.ACCOUNT)["records_seen"] == 6
    emulator.world.set_quota(org.id, used=0)
    resumed = workspace.sync(objects=["Account"])
    assert progress(resumed, CrmObject.ACCOUNT)["records_seen"] == 4
    with OrgReader(emulator, org, demo.app) as reader:
        assert_mirrors(workspace, Copy.of(reader))


def test_request_limit_exceeded_pauses_without_a_hot_retry(
    workspace: Workspace, org: Org, emulator: EmulatorServer
) -> None:
    generate(org, accounts=3, contacts=0, leads=0)
    emulator.world.set_quota(org.id, used=15_000, maximum=15_000)
    calls = counting(emulator.world)

    paused = workspace.wait(workspace.start_sync()["job_id"])
    time.sleep(0.3)

    assert paused["state"] == "paused"
    assert paused["problem"]["code"] == "api_quota_exhausted"
    assert sent(calls) == 1
    assert progress(paused, CrmObject.ACCOUNT)["records_seen"] == 0


def test_an_expired_session_mid_sync_refreshes_once_and_goes_on(
    workspace: Workspace, org: Org, emulator: EmulatorServer, demo: Demo
) -> None:
    generate(org, accounts=4, contacts=10, leads=30)
    emulator.world.set_query_paging(page_size=4)
    emulator.world.add_http_fault(
        path_prefix=QUERIES, count=1000, action="delay", delay=0.05
    )
    refreshes = emulator.world.stats.token_count("refresh_token")
    started = workspace.start_sync()

    wait_until(
        lambda: progress(workspace.job(started["job_id"]), CrmObject.LEAD)["pages"] >= 2
    )
    expired = emulator.world.expire_access_tokens(org_id=org.id)
    job = workspace.wait(started["job_id"])

    assert expired >= 1
    assert job["state"] == "succeeded", job
    assert emulator.world.stats.token_count("refresh_token") == refreshes + 1
    emulator.world.clear_http_faults()
    with OrgReader(emulator, org, demo.app) as reader:
        assert_mirrors(workspace, Copy.of(reader))


def test_outages_mid_sync_are_retried_with_backoff(
    workspace: Workspace, org: Org, reader: OrgReader, emulator: EmulatorServer
) -> None:
    generate(org, accounts=4, contacts=6, leads=8)
    emulator.world.set_query_paging(page_size=3)
    # One page request fails twice (of three attempts), then goes through.
    emulator.world.add_http_fault(path_prefix=f"{QUERIES}/", count=1, status=503)
    emulator.world.add_http_fault(path_prefix=f"{QUERIES}/", count=1, action="reset")

    job = workspace.sync()

    assert_mirrors(workspace, Copy.of(reader))
    assert job["problem"] is None


@pytest.fixture
def bulk_service(service: Service) -> Iterator[str]:
    """A second instance on the same database, continuing in Bulk above 10 rows."""
    env = service.env | {"CRMBRIDGE_SYNC_BULK_THRESHOLD": "10"}
    config = load_config(env, state_dir=service.database.parent)
    instance = start_instance(config, service.clock, listening_socket())
    yield instance.url
    instance.stop()


def test_large_objects_continue_in_bulk_and_count_its_calls(
    workspace: Workspace,
    org: Org,
    reader: OrgReader,
    emulator: EmulatorServer,
    bulk_service: str,
) -> None:
    made = generate(org, accounts=4, contacts=8, leads=45, tie_block=20)
    emulator.world.set_query_paging(page_size=5, bulk_polls=0)
    through_bulk = Workspace(bulk_service, workspace.secret, workspace.id)

    try:
        job = through_bulk.sync()
    finally:
        through_bulk.close()

    assert_mirrors(workspace, Copy.of(reader))
    leads = progress(job, CrmObject.LEAD)
    assert leads["records_seen"] == made["Lead"]
    # A REST page, three describes, the job, one poll and one page of results.
    assert leads["api_calls"] == 1 + 3 + 1 + 1 + 1
    assert leads["pages"] == 1 + 1
    assert progress(job, CrmObject.CONTACT)["pages"] == 2


def test_contacts_follow_an_account_renamed_before_a_paused_run(
    workspace: Workspace, org: Org, reader: OrgReader, emulator: EmulatorServer
) -> None:
    account = org.create(CrmObject.ACCOUNT, {"Name": "Acme"}, CHANGED_AT)
    org.create(
        CrmObject.CONTACT, {"LastName": "Brontë", "AccountId": account}, CHANGED_AT
    )
    workspace.sync()
    later = CHANGED_AT.replace(hour=13)
    org.update(CrmObject.ACCOUNT, account, {"Name": "Acme Zürich"}, later)
    emulator.world.set_quota(org.id, used=11_999, maximum=15_000)
    paused = workspace.wait(workspace.start_sync()["job_id"])
    emulator.world.set_quota(org.id, used=0)

    workspace.sync()

    assert paused["state"] == "paused"
    companies = [p["fields"]["company"] for p in workspace.people()]
    assert companies == ["Acme Zürich"]

"""Field mapping and cancelling, end to end: custom fields, resync, a running stop."""

from __future__ import annotations

import time
from typing import Any

from domain.crm import CrmObject
from sfemulator.server import EmulatorServer
from tests.e2e.syncing import Copy, Org, OrgReader, Workspace, assert_mirrors
from tests.support.readme import mapping_example

MAPPING = "/api/crm/salesforce/field-mapping"
RATING: dict[str, Any] = {
    "target": "rating",
    "lead": "Rating__c",
    "contact": "Rating__c",
    "transforms": [
        {"type": "trim"},
        {"type": "value_map", "values": {"Hot": "hot", "Cold": "cold"}},
        {"type": "default", "value": "unrated"},
    ],
}


def test_a_custom_field_mapped_with_resync_reaches_every_person(
    workspace: Workspace, org: Org, reader: OrgReader, emulator: EmulatorServer
) -> None:
    for obj in (CrmObject.LEAD, CrmObject.CONTACT):
        emulator.world.add_custom_field(org.id, obj.value, "Rating__c")
    org.world.generate_records(
        org.id, seed=2, accounts=3, contacts=6, leads=6, deleted_fraction=0
    )
    for number, lead in enumerate(org.ids(CrmObject.LEAD)):
        rating = ("Hot", " Cold ", None)[number % 3]
        org.world.update_record(org.id, "Lead", lead, {"Rating__c": rating})
    workspace.sync()
    fields = workspace.call("GET", "/api/crm/salesforce/fields").json()["items"]
    body = workspace.call("GET", MAPPING).json()
    body["people"].append(RATING)

    replaced = workspace.call("PUT", MAPPING, params={"resync": "true"}, json=body)
    resync = workspace.wait(replaced.json()["resync"]["job_id"])

    assert ("Lead", "Rating__c", "string") in {
        (f["object"], f["name"], f["type"]) for f in fields
    }
    assert replaced.status_code == 200, replaced.text
    assert resync["state"] == "succeeded"
    assert resync["mode"] == "full"
    assert resync["objects"] == ["Lead", "Contact"]
    ratings = {p["fields"]["rating"] for p in workspace.people() if p["lead_id"]}
    assert ratings <= {"hot", "cold", "unrated"}
    assert "hot" in ratings
    assert_mirrors(workspace, Copy.of(reader, mapping=workspace.mapping()))


def test_a_running_sync_is_cancelled_at_its_next_page(
    workspace: Workspace, org: Org, emulator: EmulatorServer
) -> None:
    org.world.generate_records(org.id, accounts=0, contacts=0, leads=30)
    emulator.world.set_query_paging(page_size=2)
    emulator.world.add_http_fault(
        path_prefix="/services/data/", count=1000, action="delay", delay=0.05
    )
    job = workspace.start_sync()
    while workspace.job(job["job_id"])["state"] != "running":
        time.sleep(0.02)

    answer = workspace.call("DELETE", f"/api/crm/salesforce/syncs/{job['job_id']}")
    ended = workspace.wait(job["job_id"])

    assert answer.status_code == 202
    assert answer.json()["cancel_requested"] is True
    assert ended["state"] == "cancelled"
    assert sum(item["pages"] for item in ended["progress"]) < 15


def test_the_readme_mapping_example_is_accepted_and_synced(
    workspace: Workspace, org: Org
) -> None:
    org.world.generate_records(
        org.id, seed=3, accounts=2, contacts=3, leads=3, deleted_fraction=0
    )

    replaced = workspace.call("PUT", MAPPING, json=mapping_example())
    workspace.sync()

    assert replaced.status_code == 200, replaced.text
    people = workspace.people()
    assert {person["source"] for person in people} == {"lead", "contact"}
    for person in people:
        fields = person["fields"]
        assert set(fields) == {"email", "lead_status", "revenue"}
        assert fields["email"] == fields["email"].strip().lower()
        assert type(fields["revenue"]) is float
        # The generated Leads are all "Open" and have no revenue of their own.
        if person["source"] == "lead":
            assert (fields["lead_status"], fields["revenue"]) == ("new", -1.0)

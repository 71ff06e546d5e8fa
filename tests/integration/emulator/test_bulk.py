"""Bulk API 2.0 query jobs: CSV results paged by Sforce-Locator."""

from __future__ import annotations

import csv
import io

import httpx
import pytest

from sfemulator import EmulatorServer
from sfemulator.scenario import Demo
from tests.integration.emulator.flow import Rest


def start_job(rest: Rest, soql: str, operation: str = "query") -> str:
    answer = rest.send(
        "POST", "/jobs/query", json={"operation": operation, "query": soql}
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["state"] == "UploadComplete" or answer.json()["state"]
    job_id: str = answer.json()["id"]
    return job_id


def test_a_job_runs_and_pages_its_csv(
    emulator: EmulatorServer, demo: Demo, rest: Rest
) -> None:
    emulator.world.generate_records(
        demo.production.id, accounts=5, contacts=0, leads=0, deleted_fraction=0
    )
    job = start_job(rest, "SELECT Id, Name, SystemModstamp FROM Account ORDER BY Id")

    info = rest.get(f"/jobs/query/{job}").json()
    first = rest.get(f"/jobs/query/{job}/results", maxRecords="3")
    second = rest.get(
        f"/jobs/query/{job}/results",
        maxRecords="3",
        locator=first.headers["Sforce-Locator"],
    )

    assert info["state"] == "JobComplete"
    assert info["numberRecordsProcessed"] == 5
    assert first.headers["content-type"].startswith("text/csv")
    assert first.headers["Sforce-NumberOfRecords"] == "3"
    assert first.headers["Sforce-Locator"] != "null"
    assert second.headers["Sforce-Locator"] == "null"
    rows = list(csv.reader(io.StringIO(first.text)))
    rows += list(csv.reader(io.StringIO(second.text)))[1:]
    assert rows[0] == ["Id", "Name", "SystemModstamp"]
    assert len(rows) == 6
    assert rows[1][2].endswith(".000Z")
    assert first.text.startswith('"Id","Name","SystemModstamp"\n')


def test_query_all_jobs_include_deleted_rows_and_relationships(
    emulator: EmulatorServer, demo: Demo, rest: Rest
) -> None:
    world, org = emulator.world, demo.production.id
    account = world.create_record(org, "Account", {"Name": 'Smith & "Sons", Ltd.'})
    contact = world.create_record(
        org, "Contact", {"LastName": "O'Neil", "AccountId": account}
    )
    world.delete_record(org, "Contact", contact)
    job = start_job(
        rest, "SELECT Id, IsDeleted, Account.Name FROM Contact", operation="queryAll"
    )

    result = rest.get(f"/jobs/query/{job}/results")

    rows = list(csv.reader(io.StringIO(result.text)))
    assert rows == [
        ["Id", "IsDeleted", "Account.Name"],
        [contact, "true", 'Smith & "Sons", Ltd.'],
    ]


def test_compound_fields_are_refused_in_bulk(rest: Rest) -> None:
    answer = rest.send(
        "POST",
        "/jobs/query",
        json={"operation": "query", "query": "SELECT Id, Address FROM Lead"},
    )

    assert answer.status_code == 400
    assert "compound" in answer.json()[0]["message"]


def test_jobs_can_be_made_to_take_polls(emulator: EmulatorServer, rest: Rest) -> None:
    emulator.world.set_query_paging(bulk_polls=2)
    job = start_job(rest, "SELECT Id FROM Lead")

    early = rest.get(f"/jobs/query/{job}/results")
    states = [rest.get(f"/jobs/query/{job}").json()["state"] for _ in range(3)]

    assert early.status_code == 400
    assert states == ["InProgress", "InProgress", "JobComplete"]
    assert rest.get(f"/jobs/query/{job}/results").status_code == 200


def test_a_job_in_progress_is_aborted_by_patching_its_state(
    emulator: EmulatorServer, rest: Rest
) -> None:
    emulator.world.set_query_paging(bulk_polls=2)
    job = start_job(rest, "SELECT Id FROM Lead")

    aborted = rest.send("PATCH", f"/jobs/query/{job}", json={"state": "Aborted"})
    again = rest.send("PATCH", f"/jobs/query/{job}", json={"state": "Aborted"})

    assert aborted.status_code == 200, aborted.text
    assert aborted.json()["state"] == "Aborted"
    assert rest.get(f"/jobs/query/{job}").json()["state"] == "Aborted"
    results = rest.get(f"/jobs/query/{job}/results")
    assert results.status_code == 400
    assert results.json()[0]["message"] == "the job was aborted"
    assert again.status_code == 400
    assert again.json()[0]["errorCode"] == "INVALIDJOBSTATE"


def test_the_control_api_lists_an_org_s_jobs_with_their_states(
    emulator: EmulatorServer, demo: Demo, rest: Rest, client: httpx.Client
) -> None:
    emulator.world.set_query_paging(bulk_polls=2)
    emulator.world.create_record(demo.production.id, "Lead", {"LastName": "A"})
    kept = start_job(rest, "SELECT Id FROM Lead")
    emulator.world.advance_clock(1)
    aborted = start_job(rest, "SELECT Id FROM Account", operation="queryAll")
    rest.send("PATCH", f"/jobs/query/{aborted}", json={"state": "Aborted"})
    listing = f"{emulator.control_url}/orgs/{{}}/bulk-jobs"

    listed = client.get(listing.format(demo.production.id)).json()
    other = client.get(listing.format(demo.sandbox.id)).json()
    unknown = client.get(listing.format("00D000000000000AAA"))

    assert [(job["id"], job["object"], job["state"]) for job in listed["jobs"]] == [
        (kept, "Lead", "InProgress"),
        (aborted, "Account", "Aborted"),
    ]
    assert listed["totalSize"] == 2
    assert [job["numberRecords"] for job in listed["jobs"]] == [1, 0]
    assert listed["jobs"][1]["operation"] == "queryAll"
    assert other == {"totalSize": 0, "jobs": []}
    assert unknown.status_code == 400


@pytest.mark.parametrize("body", [{"state": "JobComplete"}, {}, ["Aborted"]])
def test_a_job_takes_no_other_change(
    emulator: EmulatorServer, rest: Rest, body: object
) -> None:
    emulator.world.set_query_paging(bulk_polls=2)
    job = start_job(rest, "SELECT Id FROM Lead")

    answer = rest.send("PATCH", f"/jobs/query/{job}", json=body)

    assert answer.status_code == 400
    assert rest.get(f"/jobs/query/{job}").json()["state"] == "InProgress"


def test_unknown_jobs_are_not_found(rest: Rest) -> None:
    answer = rest.get("/jobs/query/750000000000000AAA")

    assert answer.status_code == 404


def test_a_job_keeps_the_rows_it_matched_when_they_change_after(
    emulator: EmulatorServer, demo: Demo, rest: Rest
) -> None:
    world, org = emulator.world, demo.production.id
    lead = world.create_record(org, "Lead", {"LastName": "Before", "Company": "X"})
    job = start_job(rest, "SELECT Id, LastName FROM Lead")

    world.update_record(org, "Lead", lead, {"LastName": "After"})
    results = rest.get(f"/jobs/query/{job}/results")

    rows = list(csv.reader(io.StringIO(results.text)))
    assert rows == [["Id", "LastName"], [lead, "Before"]]

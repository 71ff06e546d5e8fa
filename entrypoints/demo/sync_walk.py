"""The demo's sync steps: seed awkward records, sync them, read a person back."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx

from entrypoints.demo.processes import DemoError
from entrypoints.demo.walk import Walk

SYNCS = "/api/crm/salesforce/syncs"
WAIT_SECONDS = 120.0
# Names with accents, CJK, emoji and apostrophes come from the generator; a
# fifth of the Leads are converted and one row in twenty is deleted.
RECORDS = {
    "seed": 7,
    "accounts": 25,
    "contacts": 60,
    "leads": 80,
    "converted_fraction": 0.2,
    "deleted_fraction": 0.05,
    "tie_block": 20,
}


def sync_and_read(walk: Walk, org_id: str) -> None:
    walk.step(
        "Seed the org with awkward, realistic Leads, Contacts and Accounts",
        lambda: walk.control.post(f"/orgs/{org_id}/generate", json=RECORDS),
    )
    job = walk.step(
        "Start a full sync (it runs in the background of the service)",
        lambda: walk.api.post(SYNCS, json={"mode": "full"}),
        show=lambda body: f"sync {body['job_id']} {body['state']}",
    )
    walk.step(
        "Wait for it to end",
        lambda: _wait(walk.api, job["job_id"]),
        show=_progress,
    )
    people = walk.step(
        "Read people back from the local copy",
        lambda: walk.api.get("/api/people", params={"limit": 5}),
        show=_people,
    )
    if not people["items"]:
        raise DemoError("the sync wrote no people")
    first = people["items"][0]
    walk.step(
        "Read one person by id",
        lambda: walk.api.get(f"/api/people/{first['person_id']}"),
        show=lambda body: json.dumps(body["fields"], ensure_ascii=False),
    )
    walk.step(
        f"Find that person by email ({first['fields']['email']})",
        lambda: walk.api.get("/api/people", params={"email": first["fields"]["email"]}),
        show=_people,
    )
    walk.step(
        "A converted Lead and its Contact are one person",
        lambda: walk.api.get("/api/people", params={"source": "contact", "limit": 500}),
        show=_converted,
    )


def _wait(api: httpx.Client, job_id: str) -> httpx.Response:
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        answer = api.get(f"{SYNCS}/{job_id}")
        if answer.status_code != 200 or answer.json()["state"] not in {
            "queued",
            "running",
        }:
            return answer
        if time.monotonic() > deadline:
            raise DemoError(f"sync {job_id} did not end in {WAIT_SECONDS:.0f}s")
        time.sleep(0.2)


def _progress(job: dict[str, Any]) -> str:
    lines = [f"sync {job['state']}"]
    for item in job["progress"]:
        lines.append(
            f"   {item['object']:<8} {item['records_seen']} seen, "
            f"{item['records_written']} written, {item['records_deleted']} deleted, "
            f"pages: {item['pages']}, API calls: {item['api_calls']}"
        )
    if job["problem"]:
        lines.append(f"   problem: {job['problem']['message']}")
    return "\n".join(lines)


def _people(body: dict[str, Any]) -> str:
    count = len(body["items"])
    return "\n".join([f"{count} shown", *(_person(p) for p in body["items"])])


def _converted(body: dict[str, Any]) -> str:
    person = next((p for p in body["items"] if p["lead_id"]), None)
    if person is None:
        return "no converted Lead among them"
    return (
        f"Lead {person['lead_id']} + Contact {person['contact_id']} = person "
        f"{person['person_id']}\n{_person(person)}"
    )


def _person(person: dict[str, Any]) -> str:
    fields = person["fields"]
    name = f"{fields.get('first_name') or ''} {fields.get('last_name') or ''}".strip()
    return (
        f"   {name} <{fields.get('email')}> at {fields.get('company')!r} "
        f"({person['source']}{', deleted' if person['deleted'] else ''})"
    )

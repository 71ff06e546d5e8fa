"""Sync job routes in process: start, follow, list, cancel; bodies, roles, isolation."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.crm import CrmObject
from domain.workspace import Role
from tests.unit.entrypoints.conftest import (
    SYNCS,
    Api,
    HeldScheduler,
    ended_sync,
    started_sync,
)


@pytest.fixture
def scheduler(held: HeldScheduler) -> HeldScheduler:
    return held


async def test_a_sync_is_queued_with_202_and_handed_to_the_scheduler(
    api: Api, held: HeldScheduler
) -> None:
    await api.connect()

    job = await started_sync(api, {"mode": "full", "objects": ["Contact", "Lead"]})

    assert job["state"] == "queued"
    assert job["mode"] == "full"
    assert job["objects"] == ["Lead", "Contact"]
    assert job["requested_by"] == "alice"
    assert [p["object"] for p in job["progress"]] == ["Lead", "Contact"]
    assert job["progress"][0] == {
        "object": "Lead",
        "records_seen": 0,
        "records_written": 0,
        "records_deleted": 0,
        "records_swept": 0,
        "pages": 0,
        "api_calls": 0,
        "cursor": None,
        "done": False,
        "read_in_full": False,
        "continues": None,
        "error": None,
    }
    assert held.submitted == [("ws-a", job["job_id"])]


async def test_without_a_body_an_incremental_sync_of_everything_is_queued(
    api: Api,
) -> None:
    await api.connect()

    job = await started_sync(api)

    assert job["mode"] == "incremental"
    assert job["objects"] == ["Account", "Lead", "Contact"]


async def test_one_sync_at_a_time_per_workspace(api: Api) -> None:
    await api.connect()
    await api.connect("ws-b")
    first = await started_sync(api)

    again = await api.client.post(SYNCS, headers=api.auth())
    elsewhere = await api.client.post(SYNCS, headers=api.auth("ws-b"))

    assert again.status_code == 409
    assert again.json()["code"] == "conflict"
    assert first["job_id"] in again.json()["hint"]
    assert elsewhere.status_code == 202


async def test_a_sync_needs_a_connection(api: Api) -> None:
    answer = await api.client.post(SYNCS, headers=api.auth())

    assert answer.status_code == 409
    assert answer.json()["code"] == "not_connected"
    assert answer.json()["hint"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            b'{"mode": "sometimes"}',
            "mode: 'sometimes' is not an accepted value (one of: incremental, full)",
        ),
        (b'{"mode": 1}', "mode: must be text, not an integer"),
        (b'{"mode": 1e999}', "mode: holds a number past a double's range (1e308)"),
        (
            b'{"objects": ["Opportunity"]}',
            "objects[0]: 'Opportunity' is not an accepted value "
            "(one of: Account, Lead, Contact)",
        ),
        (
            b'{"objects": ["Lead", "lead"]}',
            "objects[1]: 'lead' is not an accepted value "
            "(one of: Account, Lead, Contact)",
        ),
        (b'{"objects": "Lead"}', "objects: must be a list or null, not text"),
        (b'{"objects": []}', "objects: must hold at least 1 item"),
        (b'{"objects": ["Lead", "Lead"]}', "objects must not repeat"),
        (
            b'{"objects": ["Lead", "Contact", "Account", "Lead"]}',
            "objects: must hold at most 3 items",
        ),
        (b'{"mode": "full", "dry_run": true}', "body: unknown field 'dry_run'"),
        (b"[]", "body: must be an object, not a list"),
        (b"{oops", "the body is not valid JSON"),
        (b'{"mode": 1', "the body is not valid JSON"),
        (b'{"objects": [1', "the body is not valid JSON"),
        (b'{"mode": 1e999', "the body is not valid JSON"),
        (b"[1", "the body is not valid JSON"),
        (b'{"mode": "\xff"}', "the body is not UTF-8 text: send UTF-8 JSON"),
        (
            b'\xef\xbb\xbf{"mode": "full"}',
            "the body starts with a byte order mark: send UTF-8 JSON without one",
        ),
        (
            b'{"' + b"k" * 300 + b'": 1}',
            "body: unknown field '" + "k" * 64 + "\u2026'",
        ),
    ],
)
async def test_bad_sync_bodies_are_refused_in_words_naming_the_field(
    api: Api, held: HeldScheduler, body: bytes, message: str
) -> None:
    await api.connect()

    answer = await api.client.post(
        SYNCS,
        content=body,
        headers=api.auth() | {"Content-Type": "application/json"},
    )

    assert answer.status_code == 422
    assert answer.json()["code"] == "invalid_input"
    assert answer.json()["message"] == message
    assert held.submitted == []


async def test_an_oversized_sync_body_is_refused(api: Api) -> None:
    body = b'{"mode": "' + b"f" * 20_000 + b'"}'

    answer = await api.client.post(SYNCS, content=body, headers=api.auth())

    assert answer.status_code == 413
    assert answer.json()["code"] == "payload_too_large"


@pytest.mark.parametrize(
    ("method", "body"), [("POST", None), ("POST", {"mode": "full"}), ("DELETE", None)]
)
async def test_a_member_may_not_start_or_cancel(
    api: Api, held: HeldScheduler, method: str, body: object
) -> None:
    await api.connect()
    job = await started_sync(api)
    path = SYNCS if method == "POST" else f"{SYNCS}/{job['job_id']}"

    answer = await api.client.request(
        method, path, json=body, headers=api.auth(role=Role.MEMBER)
    )

    assert answer.status_code == 403
    assert answer.json()["code"] == "forbidden"
    assert held.submitted == [("ws-a", job["job_id"])]
    assert held.cancelled == []


async def test_a_member_may_follow_and_list_syncs(api: Api) -> None:
    await api.connect()
    job = await started_sync(api)
    member = api.auth(role=Role.MEMBER)

    shown = await api.client.get(f"{SYNCS}/{job['job_id']}", headers=member)
    listed = await api.client.get(SYNCS, headers=member)

    assert shown.json() == job
    assert [item["job_id"] for item in listed.json()["items"]] == [job["job_id"]]


async def test_cancelling_a_queued_sync_ends_it_at_once(
    api: Api, held: HeldScheduler
) -> None:
    await api.connect()
    job = await started_sync(api)

    answer = await api.client.delete(f"{SYNCS}/{job['job_id']}", headers=api.auth())
    again = await api.client.delete(f"{SYNCS}/{job['job_id']}", headers=api.auth())

    assert answer.status_code == 200
    assert answer.json()["state"] == "cancelled"
    assert held.cancelled == [("ws-a", job["job_id"])]
    assert again.status_code == 409
    assert again.json()["code"] == "conflict"


async def test_cancelling_a_running_sync_answers_202_until_its_next_page(
    api: Api,
) -> None:
    await api.connect()
    job = await started_sync(api)
    key = ("ws-a", job["job_id"])
    stored = api.store.sync_jobs[key]
    api.store.sync_jobs[key] = stored.start(
        now=api.clock.now(), until=api.clock.now() - timedelta(seconds=30)
    )

    answer = await api.client.delete(f"{SYNCS}/{job['job_id']}", headers=api.auth())

    assert answer.status_code == 202
    assert answer.json()["state"] == "running"
    assert answer.json()["cancel_requested"] is True


async def test_history_is_newest_first_in_pages(api: Api) -> None:
    await api.connect()
    ids = []
    for _ in range(3):
        job = await started_sync(api)
        ids.append(job["job_id"])
        await api.client.delete(f"{SYNCS}/{job['job_id']}", headers=api.auth())
        api.clock.advance(minutes=1)

    first = await api.client.get(SYNCS, params={"limit": 2}, headers=api.auth())
    rest = await api.client.get(
        SYNCS,
        params={"limit": 2, "before": first.json()["next_before"]},
        headers=api.auth(),
    )

    assert [item["job_id"] for item in first.json()["items"]] == ids[:0:-1]
    assert [item["job_id"] for item in rest.json()["items"]] == ids[:1]
    assert rest.json()["next_before"] is None


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=ten", "limit"),
        ("limit=-1", "limit"),
        ("before=yesterday", "before"),
        ("before=2026-12-01T09:00:00", "before"),
        ("before=9999-12-31T23:59:59-14:00", "before"),
        ("before=0001-01-01T00:00:00%2B00:01", "before"),
        ("limit=1&limit=2", "limit"),
        ("state=running", "state"),
    ],
)
async def test_bad_history_parameters_are_refused_naming_them(
    api: Api, query: str, name: str
) -> None:
    answer = await api.client.get(f"{SYNCS}?{query}", headers=api.auth())

    assert answer.status_code == 422
    assert answer.json()["code"] == "invalid_input"
    assert answer.json()["message"].startswith(name)


async def test_workspace_b_neither_sees_nor_cancels_workspace_a_syncs(
    api: Api, held: HeldScheduler
) -> None:
    await api.connect()
    job = await started_sync(api)
    b = api.auth("ws-b")

    shown = await api.client.get(f"{SYNCS}/{job['job_id']}", headers=b)
    cancelled = await api.client.delete(f"{SYNCS}/{job['job_id']}", headers=b)
    listed = await api.client.get(SYNCS, headers=b)

    assert shown.status_code == 404
    assert shown.json()["code"] == "not_found"
    assert cancelled.status_code == 404
    assert listed.json() == {"items": [], "next_before": None}
    assert held.cancelled == []
    assert api.store.sync_jobs[("ws-a", job["job_id"])].state.value == "queued"


async def test_an_unknown_sync_is_not_found(api: Api) -> None:
    answer = await api.client.get(f"{SYNCS}/nope", headers=api.auth())

    assert answer.status_code == 404


@pytest.mark.parametrize("scheduler", [None])
async def test_the_in_process_runner_syncs_the_org_in_the_background(
    api: Api,
) -> None:
    org = api.salesforce.org
    account = org.create(CrmObject.ACCOUNT, {"Name": "Café Olé"})
    org.create(CrmObject.CONTACT, {"LastName": "Müller", "AccountId": account})
    org.create(CrmObject.LEAD, {"LastName": "O'Connor", "Company": "Acme"})
    await api.connect()

    queued = await started_sync(api)
    job = await ended_sync(api, queued["job_id"])

    assert queued["state"] == "queued"
    assert job["state"] == "succeeded"
    assert job["problem"] is None
    assert [(p["object"], p["records_seen"], p["done"]) for p in job["progress"]] == [
        ("Account", 1, True),
        ("Lead", 1, True),
        ("Contact", 1, True),
    ]
    assert all(p["api_calls"] >= 1 and p["pages"] == 1 for p in job["progress"])
    assert job["progress"][0]["cursor"]["record_id"] == account
    assert job["progress"][0]["cursor"]["system_modstamp"] == "2024-01-15T10:30:00Z"


@pytest.mark.parametrize("scheduler", [None])
async def test_a_run_that_reaches_the_quota_reserve_ends_paused(api: Api) -> None:
    api.salesforce.org.create(CrmObject.ACCOUNT, {"Name": "Acme"})
    api.salesforce.api_used = 12_500
    await api.connect()

    job = await ended_sync(api, (await started_sync(api))["job_id"])

    assert job["state"] == "paused"
    assert job["problem"]["code"] == "api_quota_reserve_reached"
    assert "12500 of 15000" in job["problem"]["message"]

"""Routes over stored secrets no configured key opens: clear answers, no 500."""

from __future__ import annotations

import pytest

from tests.unit.entrypoints.conftest import CLIENT_ID, Api, state_of

API = "/api/crm/salesforce"


async def test_reading_answers_with_the_state_and_the_problem(api: Api) -> None:
    await api.connect()
    api.store.lose_keys()

    shown = await api.client.get(API, headers=api.auth())

    assert shown.status_code == 200
    assert shown.json()["status"] == "needs_reauthorization"
    assert shown.json()["problem"]["code"] == "credentials_unreadable"
    assert shown.json()["problem"]["hint"]
    assert shown.json()["instance_url"] is None


async def test_a_test_answers_not_ok_with_the_problem(api: Api) -> None:
    await api.connect()
    api.store.lose_keys()

    tested = await api.client.post(f"{API}/verification", headers=api.auth())

    assert tested.status_code == 200
    assert tested.json()["ok"] is False
    assert tested.json()["problem"]["code"] == "credentials_unreadable"


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/syncs", None),
        ("PUT", "/settings", {"client_id": CLIENT_ID, "sandbox": False}),
        ("POST", "/authorizations", None),
        ("GET", "/fields", None),
    ],
)
async def test_what_needs_the_tokens_is_a_conflict_with_a_hint(
    api: Api, method: str, path: str, body: object
) -> None:
    await api.connect()
    api.store.lose_keys()

    answer = await api.client.request(method, API + path, json=body, headers=api.auth())

    assert answer.status_code == 409, answer.text
    assert answer.json()["code"] == "credentials_unreadable"
    assert "CRMBRIDGE_ENCRYPTION_KEYS" in answer.json()["hint"]


async def test_disconnect_forgets_the_grant_and_a_reconnect_works(api: Api) -> None:
    await api.connect()
    api.store.lose_keys()

    gone = await api.client.delete(f"{API}/connection", headers=api.auth())
    await api.connect()
    shown = await api.client.get(API, headers=api.auth())

    assert gone.status_code == 200
    assert gone.json()["status"] == "disconnected"
    assert gone.json()["problem"]["code"] == "grant_not_revoked"
    assert api.salesforce.revoked == []
    assert shown.json()["status"] == "connected"
    assert shown.json()["problem"] is None


async def test_a_switch_forgets_the_grant_and_says_it_is_still_live(api: Api) -> None:
    await api.connect()
    api.store.lose_keys()

    switched = await api.client.post(
        f"{API}/environment", json={"sandbox": True}, headers=api.auth()
    )
    shown = await api.client.get(API, headers=api.auth())

    assert switched.status_code == 201
    assert api.salesforce.revoked == []
    assert shown.json()["environment"] == "sandbox"
    assert shown.json()["problem"]["code"] == "grant_not_revoked"
    assert "Connected Apps OAuth Usage" in shown.json()["problem"]["hint"]


async def test_a_callback_whose_verifier_no_key_opens_redirects_with_the_problem(
    api: Api,
) -> None:
    started = await api.client.post(
        f"{API}/authorizations",
        json={"client_id": CLIENT_ID, "sandbox": False},
        headers=api.auth(),
    )
    state = state_of(started.json()["authorization_url"])
    code = api.salesforce.approve(api.store.authorizations[state])
    api.store.lose_keys()

    arrived = await api.callback({"state": state, "code": code})
    replayed = await api.callback({"state": state, "code": code}, as_json=True)

    assert arrived.status_code == 303
    assert arrived.headers["location"].endswith(
        "salesforce=error&code=authorization_unreadable"
    )
    assert replayed.status_code == 400
    assert replayed.json()["code"] == "invalid_state"

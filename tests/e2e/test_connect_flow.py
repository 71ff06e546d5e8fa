"""Connect, test, refresh, rotate, revoke, disconnect and switch, end to end."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from domain.problems import REAUTHORIZE_HINT
from tests.e2e.client import Flow
from tests.e2e.conftest import SETTINGS_PAGE
from tests.e2e.harness import database_text


async def test_connect_test_refresh_and_disconnect(flow: Flow) -> None:
    arrived = await flow.connect()
    shown = await flow.connection()
    tested = await flow.verify()
    flow.world.expire_access_tokens()
    refreshed = await flow.verify()
    gone = await flow.call("DELETE", "/connection")

    assert arrived.status_code == 303
    assert arrived.headers["location"] == f"{SETTINGS_PAGE}?salesforce=connected"
    assert shown["status"] == "connected"
    assert shown["environment"] == "production"
    assert shown["org_id"] == flow.demo.production.id
    assert shown["username"] == flow.demo.production_user.username
    assert shown["instance_url"] == flow.emulator.instance_urls[0]
    assert shown["callback_url"] == flow.service.callback_url
    assert shown["client_id"].startswith(flow.demo.app.consumer_key[:4])
    assert tested.json()["ok"] is True
    assert tested.json()["is_sandbox"] is False
    assert tested.json()["api_usage"]["max"] == flow.demo.production.daily_api_max
    assert refreshed.json()["ok"] is True
    assert flow.token_requests("refresh_token") == 1
    assert gone.status_code == 200
    assert gone.json()["status"] == "disconnected"
    assert gone.json()["client_id"] == shown["client_id"]
    with flow.world.lock:
        assert sum(flow.world.stats.revokes.values()) == 1


async def test_the_authorization_url_carries_pkce_and_our_exact_callback(
    flow: Flow,
) -> None:
    url = await flow.start(client_id=flow.demo.app.consumer_key, sandbox=False)

    parts = urlsplit(url)
    query = {key: values[0] for key, values in parse_qs(parts.query).items()}
    assert f"{parts.scheme}://{parts.netloc}" == flow.emulator.login_url
    assert query["code_challenge_method"] == "S256"
    assert query["redirect_uri"] == flow.service.callback_url
    assert query["scope"] == "api refresh_token"
    assert len(query["state"]) >= 43
    shown = await flow.connection()
    assert shown["status"] == "authorizing"


async def test_callback_answers_json_when_asked(flow: Flow) -> None:
    url = await flow.start(client_id=flow.demo.app.consumer_key, sandbox=False)
    location = await flow.consent(url, flow.demo.production_user.username)

    answer = await flow.callback(location, as_json=True)

    assert answer.status_code == 200
    assert answer.json()["status"] == "connected"


async def test_a_rotating_app_keeps_working_across_refreshes(flow: Flow) -> None:
    flow.world.update_app(flow.demo.app.consumer_key, refresh_token_rotation=True)
    await flow.connect()

    results = []
    for _ in range(3):
        flow.world.expire_access_tokens()
        results.append((await flow.verify()).json()["ok"])

    assert results == [True, True, True]
    assert flow.token_requests("refresh_token") == 3
    assert (await flow.connection())["status"] == "connected"


async def test_a_revoked_grant_needs_reauthorization_and_stops_token_calls(
    flow: Flow,
) -> None:
    await flow.connect()
    flow.world.revoke_grants()

    first = await flow.verify()
    shown = await flow.connection()
    second = await flow.verify()

    assert first.status_code == 200
    assert first.json()["ok"] is False
    problem = first.json()["problem"]
    assert problem["code"] == "refresh_token_invalid"
    assert problem["hint"] == REAUTHORIZE_HINT
    assert shown["status"] == "needs_reauthorization"
    assert shown["problem"] == problem
    assert second.json()["ok"] is False
    assert flow.token_requests("refresh_token") == 1


async def test_reconnecting_after_a_revoke(flow: Flow) -> None:
    await flow.connect()
    flow.world.revoke_grants()
    await flow.verify()

    await flow.call("DELETE", "/connection")
    again = await flow.connect()

    assert again.headers["location"].endswith("salesforce=connected")
    assert (await flow.verify()).json()["ok"] is True


async def test_switching_to_sandbox_reauthorizes_at_the_sandbox_host(
    flow: Flow,
) -> None:
    await flow.connect()

    switched = await flow.call("POST", "/environment", json={"sandbox": True})
    pending = await flow.connection()
    url = switched.json()["authorization_url"]
    flow.secrets.note_url(url)
    location = await flow.consent(url, flow.demo.sandbox_user.username)
    arrived = await flow.callback(location)
    tested = await flow.verify()

    assert switched.status_code == 201
    assert url.startswith(flow.emulator.sandbox_login_url + "/")
    assert pending["status"] == "authorizing"
    assert pending["environment"] == "sandbox"
    assert arrived.headers["location"].endswith("salesforce=connected")
    assert tested.json()["is_sandbox"] is True
    assert tested.json()["org_id"] == flow.demo.sandbox.id
    with flow.world.lock:
        assert flow.world.stats.revokes["login"] == 1


async def test_a_my_domain_login_host_is_used_for_the_whole_flow(
    flow: Flow,
) -> None:
    arrived = await flow.connect(login_host=flow.emulator.mydomain_url)
    flow.world.expire_access_tokens()
    tested = await flow.verify()

    assert arrived.headers["location"].endswith("salesforce=connected")
    assert tested.json()["ok"] is True
    with flow.world.lock:
        assert flow.world.stats.token_count(host="mydomain") == 2


async def test_the_database_holds_no_plaintext_secret(flow: Flow) -> None:
    await flow.connect()
    flow.world.update_app(flow.demo.app.consumer_key, refresh_token_rotation=True)
    flow.world.expire_access_tokens()
    await flow.verify()
    pending = await flow.call(
        "POST",
        "/authorizations",
        json={"client_id": flow.demo.app.consumer_key, "sandbox": True},
        workspace=flow.workspace + "-b",
    )
    flow.secrets.note_url(pending.json()["authorization_url"])

    flow.secrets.note_world(flow.world)
    stored = database_text(flow.service.database)

    assert flow.workspace in stored
    assert flow.workspace + "-b" in stored
    assert flow.secrets.found_in(stored) == []

"""Every way a connect can fail, as the browser and the product UI see it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from sfemulator.consent import ConsentError
from tests.e2e.client import Flow
from tests.e2e.conftest import SETTINGS_PAGE


def error_location(code: str) -> str:
    return f"{SETTINGS_PAGE}?salesforce=error&code={code}"


async def test_a_denied_consent_comes_back_as_access_denied(flow: Flow) -> None:
    url = await flow.start(client_id=flow.demo.app.consumer_key, sandbox=False)
    location = await flow.consent(url, flow.demo.production_user.username, "deny")

    arrived = await flow.callback(location)
    shown = await flow.connection()

    assert arrived.headers["location"] == error_location("access_denied")
    assert shown["status"] == "disconnected"
    assert shown["problem"]["code"] == "access_denied"
    assert shown["problem"]["hint"]


async def test_an_unknown_client_id_never_reaches_us_and_a_retry_works(
    flow: Flow,
) -> None:
    unknown = "3MVG9" + "Z" * 80
    url = await flow.start(client_id=unknown, sandbox=False)

    with pytest.raises(ConsentError, match="client identifier invalid"):
        await flow.consent(url, flow.demo.production_user.username)
    waiting = await flow.connection()
    flow.world.create_app(consumer_key=unknown, callback_urls=[waiting["callback_url"]])
    retried = await flow.connect(client_id=unknown)

    assert waiting["status"] == "authorizing"
    assert waiting["callback_url"] == flow.service.callback_url
    assert retried.headers["location"].endswith("salesforce=connected")


async def test_an_app_that_vanished_before_the_token_call_shows_the_callback(
    flow: Flow,
) -> None:
    url = await flow.start(client_id=flow.demo.app.consumer_key, sandbox=False)
    location = await flow.consent(url, flow.demo.production_user.username)
    flow.world.update_app(
        flow.demo.app.consumer_key, available_after=flow.world.now() + 3600
    )

    arrived = await flow.callback(location, as_json=True)

    assert arrived.status_code == 400
    assert arrived.json()["code"] == "invalid_client_id"
    assert flow.service.callback_url in arrived.json()["hint"]


async def test_an_app_requiring_a_secret_says_which_setting_to_change(
    flow: Flow,
) -> None:
    flow.world.update_app(flow.demo.app.consumer_key, require_secret=True)

    arrived = await flow.connect()
    shown = await flow.connection()

    assert arrived.headers["location"] == error_location("client_secret_required")
    assert "Require Secret for Web Server Flow" in shown["problem"]["hint"]
    assert shown["status"] == "disconnected"


async def test_an_org_of_the_wrong_kind_is_refused_and_its_grant_revoked(
    flow: Flow,
) -> None:
    arrived = await flow.connect(
        sandbox=True,
        login_host=flow.emulator.mydomain_url,
        username=flow.demo.production_user.username,
    )
    shown = await flow.connection()

    assert arrived.headers["location"] == error_location("environment_mismatch")
    assert shown["status"] == "disconnected"
    assert "production org" in shown["problem"]["message"]
    with flow.world.lock:
        assert sum(flow.world.stats.revokes.values()) == 1


async def test_a_user_without_api_access_is_refused(flow: Flow) -> None:
    flow.world.update_user(flow.demo.production_user.id, api_enabled=False)

    arrived = await flow.connect()

    assert arrived.headers["location"] == error_location("api_disabled")
    assert (await flow.connection())["problem"]["code"] == "api_disabled"


async def test_a_replayed_state_changes_nothing(flow: Flow) -> None:
    url = await flow.start(client_id=flow.demo.app.consumer_key, sandbox=False)
    location = await flow.consent(url, flow.demo.production_user.username)
    await flow.callback(location)
    await flow.call("DELETE", "/connection")

    replayed = await flow.callback(location, as_json=True)

    assert replayed.status_code == 400
    assert replayed.json()["code"] == "invalid_state"
    assert (await flow.connection())["status"] == "disconnected"


async def test_an_expired_state_is_refused(flow: Flow) -> None:
    url = await flow.start(client_id=flow.demo.app.consumer_key, sandbox=False)
    location = await flow.consent(url, flow.demo.production_user.username)
    flow.service.clock.offset = timedelta(minutes=11)

    arrived = await flow.callback(location, as_json=True)
    shown = await flow.connection()

    assert arrived.status_code == 400
    assert arrived.json()["code"] == "invalid_state"
    assert "expired" in arrived.json()["message"]
    assert shown["status"] == "disconnected"


@pytest.mark.parametrize(
    ("query", "status", "code"),
    [
        ("", 422, "invalid_input"),
        ("code=abc", 422, "invalid_input"),
        ("state=abc", 422, "invalid_input"),
        ("state=" + "s" * 5000 + "&code=c", 422, "invalid_input"),
        ("state=a&state=b&code=c", 422, "invalid_input"),
        ("state=%00%FF%E2%80%AE&code=c", 400, "invalid_state"),
        ("state=unknown&code=c", 400, "invalid_state"),
        ("state=unknown&error=access_denied", 400, "invalid_state"),
    ],
)
async def test_odd_callbacks_are_refused_clearly(
    flow: Flow, query: str, status: int, code: str
) -> None:
    path = f"/api/oauth/callback/salesforce?{query}"

    redirected = await flow.http.get(path)
    as_json = await flow.http.get(path, headers={"Accept": "application/json"})

    assert redirected.status_code == 303
    assert redirected.headers["location"] == error_location(code)
    assert as_json.status_code == status
    assert as_json.json()["code"] == code


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"client_id": "short", "sandbox": False}, "client_id"),
        ({"client_id": "3MVG9" + "x" * 300, "sandbox": False}, "client_id"),
        ({"client_id": "3MVG9 with spaces and !", "sandbox": False}, "client_id"),
        ({"client_id": "3MVG9" + "x" * 40, "sandbox": "false"}, "sandbox"),
        ({"client_id": "3MVG9" + "x" * 40}, "sandbox"),
        ({"client_id": "3MVG9" + "x" * 40, "sandbox": False, "secret": "x"}, "secret"),
        (
            {
                "client_id": "3MVG9" + "x" * 40,
                "sandbox": False,
                "login_host": "http://x.example",
            },
            "login_host",
        ),
    ],
)
async def test_bad_settings_change_nothing(
    flow: Flow, body: dict[str, object], field: str
) -> None:
    await flow.call(
        "PUT", "/settings", json={"client_id": "3MVG9" + "a" * 40, "sandbox": True}
    )

    answer = await flow.call("PUT", "/settings", json=body)
    shown = await flow.connection()

    assert answer.status_code == 422
    assert answer.json()["code"] == "invalid_input"
    assert field in answer.json()["message"]
    assert shown["client_id"] == "3MVG…aaaa"
    assert shown["environment"] == "sandbox"


async def test_an_oversized_body_is_refused(flow: Flow) -> None:
    answer = await flow.call(
        "PUT", "/settings", content=b'{"client_id": "' + b"x" * 100_000 + b'"}'
    )

    assert answer.status_code == 413
    assert answer.json()["code"] == "payload_too_large"


async def test_a_chunked_body_past_the_limit_is_refused_where_none_is_read(
    flow: Flow,
) -> None:
    await flow.connect()
    org = flow.demo.production.id
    calls = flow.world.stats.rest_calls[org]

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(20):
            yield b" " * 1000

    answer = await flow.verify(content=chunks())

    assert answer.status_code == 413
    assert "(16 KiB at most)" in answer.json()["message"]
    assert flow.world.stats.rest_calls[org] == calls
    assert (await flow.verify()).json()["ok"] is True


async def test_quota_exhaustion_and_outages_never_flip_the_status(flow: Flow) -> None:
    await flow.connect()
    flow.world.set_quota(flow.demo.production.id, used=15000)
    quota = await flow.verify()
    flow.world.set_quota(flow.demo.production.id, used=0)
    flow.world.add_http_fault(
        listener="instance0", path_prefix="/services/data", count=1
    )
    blip = await flow.verify()
    flow.world.add_http_fault(
        listener="instance0", path_prefix="/services/data", count=50
    )
    outage = await flow.verify()
    flow.world.clear_http_faults()

    assert quota.json()["ok"] is False
    assert quota.json()["problem"]["code"] == "api_quota_exhausted"
    assert blip.json()["ok"] is True
    assert outage.json()["ok"] is False
    assert outage.json()["problem"]["code"] == "salesforce_unavailable"
    assert (await flow.connection())["status"] == "connected"
    assert flow.token_requests("refresh_token") == 0

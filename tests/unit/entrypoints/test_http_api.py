"""The HTTP API in process: routes, statuses, auth, roles, isolation and bodies."""

from __future__ import annotations

import jwt
import pytest

from application.errors import OAuthError
from domain.workspace import Role
from tests.unit.entrypoints.conftest import CLIENT_ID, Api, state_of

ROUTES = [
    ("GET", "/api/crm/salesforce"),
    ("PUT", "/api/crm/salesforce/settings"),
    ("POST", "/api/crm/salesforce/authorizations"),
    ("POST", "/api/crm/salesforce/verification"),
    ("DELETE", "/api/crm/salesforce/connection"),
    ("POST", "/api/crm/salesforce/environment"),
]
MANAGER_ROUTES = [
    ("PUT", "/api/crm/salesforce/settings", {"client_id": CLIENT_ID, "sandbox": False}),
    ("POST", "/api/crm/salesforce/authorizations", None),
    ("DELETE", "/api/crm/salesforce/connection", None),
    ("POST", "/api/crm/salesforce/environment", {"sandbox": True}),
]


async def test_a_new_workspace_is_disconnected_and_shows_its_callback(
    api: Api,
) -> None:
    answer = await api.client.get("/api/crm/salesforce", headers=api.auth())

    assert answer.status_code == 200
    assert answer.json() == {
        "status": "disconnected",
        "environment": "production",
        "client_id": None,
        "login_host": None,
        "org_id": None,
        "username": None,
        "instance_url": None,
        "connected_at": None,
        "last_verified_at": None,
        "problem": None,
        "callback_url": "https://crm.example/api/oauth/callback/salesforce",
    }


@pytest.mark.parametrize(("method", "path"), ROUTES)
@pytest.mark.parametrize(
    ("header", "code"),
    [
        (None, "missing_token"),
        ("Basic YWxhZGRpbjpvcGVuc2VzYW1l", "missing_token"),
        ("Bearer not-a-jwt", "invalid_token"),
    ],
)
async def test_every_route_needs_a_bearer_token(
    api: Api, method: str, path: str, header: str | None, code: str
) -> None:
    headers = {"Authorization": header} if header else {}

    answer = await api.client.request(method, path, headers=headers, content=b"{")

    assert answer.status_code == 401
    assert answer.json()["code"] == code
    assert answer.json()["hint"]
    assert answer.headers["www-authenticate"] == "Bearer"


async def test_a_token_for_a_malformed_workspace_is_an_invalid_token(
    api: Api,
) -> None:
    token = jwt.encode(
        {"sub": "alice", "workspace": "w1\n", "role": "admin", "exp": 2**40},
        api.config.jwt_secret,
        algorithm="HS256",
    )

    answer = await api.client.get(
        "/api/crm/salesforce", headers={"Authorization": f"Bearer {token}"}
    )

    assert answer.status_code == 401
    assert answer.json()["code"] == "invalid_token"
    assert answer.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize(("method", "path", "body"), MANAGER_ROUTES)
async def test_a_member_may_not_change_the_integration(
    api: Api, method: str, path: str, body: object
) -> None:
    answer = await api.client.request(
        method, path, json=body, headers=api.auth(role=Role.MEMBER)
    )

    assert answer.status_code == 403
    assert answer.json()["code"] == "forbidden"
    assert api.store.connections == {}


async def test_a_member_may_look_and_test(api: Api) -> None:
    await api.connect()
    member = api.auth(role=Role.MEMBER)

    shown = await api.client.get("/api/crm/salesforce", headers=member)
    tested = await api.client.post("/api/crm/salesforce/verification", headers=member)

    assert shown.json()["status"] == "connected"
    assert tested.json()["ok"] is True


async def test_connect_then_test_refresh_and_disconnect(api: Api) -> None:
    await api.connect()
    shown = await api.client.get("/api/crm/salesforce", headers=api.auth())
    api.salesforce.expire_access_tokens()

    tested = await api.client.post(
        "/api/crm/salesforce/verification", headers=api.auth()
    )
    gone = await api.client.delete("/api/crm/salesforce/connection", headers=api.auth())

    assert shown.json()["status"] == "connected"
    assert shown.json()["client_id"] == "3MVG…xxxx"
    assert tested.status_code == 200
    assert tested.json() == {
        "ok": True,
        "org_id": "00D000000000001AAA",
        "username": "admin@example.com",
        "is_sandbox": False,
        "api_usage": {"used": 10, "max": 15000},
        "checked_at": "2026-12-01T09:00:00Z",
    }
    assert api.salesforce.refresh_calls == 1
    assert gone.status_code == 200
    assert gone.json()["status"] == "disconnected"
    assert gone.json()["client_id"] == "3MVG…xxxx"


async def test_a_revoked_grant_tests_not_ok_with_the_reconnect_hint(api: Api) -> None:
    await api.connect()
    api.salesforce.revoke_everything()

    tested = await api.client.post(
        "/api/crm/salesforce/verification", headers=api.auth()
    )
    shown = await api.client.get("/api/crm/salesforce", headers=api.auth())

    assert tested.status_code == 200
    assert tested.json()["ok"] is False
    assert tested.json()["problem"]["code"] == "refresh_token_invalid"
    assert "connect again" in tested.json()["problem"]["hint"]
    assert shown.json()["status"] == "needs_reauthorization"
    assert shown.json()["problem"]["code"] == "refresh_token_invalid"


async def test_testing_without_a_connection_is_a_conflict(api: Api) -> None:
    answer = await api.client.post(
        "/api/crm/salesforce/verification", headers=api.auth()
    )

    assert answer.status_code == 409
    assert answer.json()["code"] == "not_connected"


async def test_workspace_b_neither_sees_nor_touches_workspace_a(api: Api) -> None:
    await api.connect("ws-a")
    b = api.auth("ws-b")

    shown = await api.client.get("/api/crm/salesforce", headers=b)
    tested = await api.client.post("/api/crm/salesforce/verification", headers=b)
    await api.client.delete("/api/crm/salesforce/connection", headers=b)
    await api.client.post(
        "/api/crm/salesforce/environment", json={"sandbox": True}, headers=b
    )

    assert shown.json()["status"] == "disconnected"
    assert tested.status_code == 409
    a = await api.client.get("/api/crm/salesforce", headers=api.auth("ws-a"))
    assert a.json()["status"] == "connected"
    assert a.json()["environment"] == "production"
    assert api.salesforce.revoked == []


async def test_the_sandbox_toggle_is_frozen_while_connected(api: Api) -> None:
    await api.connect()

    answer = await api.client.put(
        "/api/crm/salesforce/settings",
        json={"client_id": CLIENT_ID, "sandbox": True},
        headers=api.auth(),
    )

    assert answer.status_code == 409
    assert answer.json()["code"] == "conflict"
    assert "environment switch" in answer.json()["hint"]


async def test_switching_environment_starts_a_sandbox_authorization(api: Api) -> None:
    await api.connect()

    answer = await api.client.post(
        "/api/crm/salesforce/environment", json={"sandbox": True}, headers=api.auth()
    )
    shown = await api.client.get("/api/crm/salesforce", headers=api.auth())

    assert answer.status_code == 201
    assert set(answer.json()) == {"authorization_url", "expires_at"}
    assert shown.json()["status"] == "authorizing"
    assert shown.json()["environment"] == "sandbox"
    assert len(api.salesforce.revoked) == 1


async def test_a_switch_to_the_environment_in_use_is_a_409_said_plainly(
    api: Api,
) -> None:
    await api.connect()

    answer = await api.client.post(
        "/api/crm/salesforce/environment", json={"sandbox": False}, headers=api.auth()
    )
    shown = await api.client.get("/api/crm/salesforce", headers=api.auth())

    assert answer.status_code == 409
    assert answer.json()["message"] == "the connection already uses production"
    assert "Connect" in answer.json()["hint"]
    assert shown.json()["status"] == "connected"
    assert api.salesforce.revoked == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b'{"client_id": "' + CLIENT_ID.encode() + b'", "sandbox": "true"}', "sandbox"),
        (b'{"client_id": "' + CLIENT_ID.encode() + b'", "sandbox": 1}', "sandbox"),
        (b'{"client_id": 12345678901234567890, "sandbox": false}', "client_id"),
        (b'{"sandbox": false}', "client_id"),
        (b'{"client_id": "' + CLIENT_ID.encode() + b'"}', "sandbox"),
        (
            b'{"client_id": "' + CLIENT_ID.encode() + b'", "sandbox": false, "x": 1}',
            "x",
        ),
        (b'{"client_id": "' + b"a" * 300 + b'", "sandbox": false}', "client_id"),
        (b'{"client_id": "not a key!", "sandbox": false}', "client_id"),
        (
            b'{"client_id": "3MVG9\\u0000xxxxxxxxxxxxxxxxxxx", "sandbox": false}',
            "client_id",
        ),
        (
            b'{"client_id": "' + CLIENT_ID.encode() + b'", "sandbox": false, '
            b'"login_host": "ftp://x.example"}',
            "login_host",
        ),
        (
            b'{"client_id": "' + CLIENT_ID.encode() + b'", "sandbox": false, '
            b'"login_host": "https://[acme.my.salesforce.com]"}',
            "login_host",
        ),
        (b"[]", "body"),
        (b"{oops", "body"),
        (b"", "body"),
    ],
)
async def test_bad_settings_are_refused_naming_the_field(
    api: Api, body: bytes, field: str
) -> None:
    answer = await api.client.put(
        "/api/crm/salesforce/settings",
        content=body,
        headers=api.auth() | {"Content-Type": "application/json"},
    )

    assert answer.status_code == 422
    assert answer.json()["code"] == "invalid_input"
    assert field in answer.json()["message"]
    assert api.store.connections == {}


async def test_an_oversized_body_is_refused(api: Api) -> None:
    body = b'{"client_id": "' + b"a" * 20_000 + b'", "sandbox": false}'

    answer = await api.client.put(
        "/api/crm/salesforce/settings", content=body, headers=api.auth()
    )

    assert answer.status_code == 413
    assert answer.json() == {
        "code": "payload_too_large",
        "message": "the body is larger than this route accepts (16 KiB at most)",
        "hint": "Send a smaller body.",
    }


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/api/crm/salesforce/verification"),
        ("DELETE", "/api/crm/salesforce/connection"),
        ("GET", "/api/people"),
    ],
)
async def test_a_route_that_reads_no_body_refuses_an_oversized_one(
    api: Api, method: str, path: str
) -> None:
    await api.connect()
    calls = api.salesforce.identity_calls

    answer = await api.client.request(
        method, path, content=b"{}" + b" " * 20_000, headers=api.auth()
    )

    assert answer.status_code == 413
    assert "(16 KiB at most)" in answer.json()["message"]
    assert api.salesforce.identity_calls == calls
    assert api.store.connections["ws-a"].tokens is not None
    # A chunked body, which says no length, is in tests/e2e/test_error_paths.py.


@pytest.mark.parametrize(
    ("body", "field"),
    [(b'{"sandbox": "yes"}', "sandbox"), (b'{"client_id": null, "x": 1}', "x")],
)
async def test_authorization_body_is_optional_but_strict(
    api: Api, body: bytes, field: str
) -> None:
    answer = await api.client.post(
        "/api/crm/salesforce/authorizations", content=body, headers=api.auth()
    )

    assert answer.status_code == 422
    assert field in answer.json()["message"]


async def test_authorizing_without_a_client_id_names_it(api: Api) -> None:
    answer = await api.client.post(
        "/api/crm/salesforce/authorizations", headers=api.auth()
    )

    assert answer.status_code == 422
    assert "client_id" in answer.json()["message"]


async def test_callback_redirects_with_the_outcome_and_nothing_secret(
    api: Api,
) -> None:
    started = await api.client.post(
        "/api/crm/salesforce/authorizations",
        json={"client_id": CLIENT_ID, "sandbox": False},
        headers=api.auth(),
    )
    state = state_of(started.json()["authorization_url"])
    code = api.salesforce.approve(api.store.authorizations[state])

    answer = await api.callback({"state": state, "code": code})

    assert answer.status_code == 303
    assert answer.headers["location"] == (
        "https://app.example/settings/crm?tab=sf&salesforce=connected"
    )
    assert answer.headers["cache-control"] == "no-store"
    assert answer.headers["referrer-policy"] == "no-referrer"


async def test_callback_answers_json_when_asked(api: Api) -> None:
    started = await api.client.post(
        "/api/crm/salesforce/authorizations",
        json={"client_id": CLIENT_ID, "sandbox": False},
        headers=api.auth(),
    )
    state = state_of(started.json()["authorization_url"])
    code = api.salesforce.approve(api.store.authorizations[state])

    answer = await api.callback({"state": state, "code": code}, as_json=True)

    assert answer.status_code == 200
    assert answer.json()["status"] == "connected"
    assert code not in answer.text
    assert state not in answer.text


async def test_a_denied_consent_redirects_with_its_code(api: Api) -> None:
    started = await api.client.post(
        "/api/crm/salesforce/authorizations",
        json={"client_id": CLIENT_ID, "sandbox": False},
        headers=api.auth(),
    )
    state = state_of(started.json()["authorization_url"])

    answer = await api.callback(
        {"state": state, "error": "access_denied", "error_description": "denied"}
    )
    as_json = await api.client.get("/api/crm/salesforce", headers=api.auth())

    assert answer.headers["location"].endswith("salesforce=error&code=access_denied")
    assert as_json.json()["problem"]["code"] == "access_denied"


async def test_a_secret_requiring_app_fails_with_a_502_free_json_answer(
    api: Api,
) -> None:
    api.salesforce.exchange_error = OAuthError("invalid_client", "invalid client")
    started = await api.client.post(
        "/api/crm/salesforce/authorizations",
        json={"client_id": CLIENT_ID, "sandbox": False},
        headers=api.auth(),
    )
    state = state_of(started.json()["authorization_url"])

    answer = await api.callback({"state": state, "code": "c"}, as_json=True)

    assert answer.status_code == 400
    assert answer.json()["code"] == "client_secret_required"
    assert "Require Secret" in answer.json()["hint"]


@pytest.mark.parametrize(
    ("params", "code", "status"),
    [
        ({"state": "unknown", "code": "c"}, "invalid_state", 400),
        ({"code": "c"}, "invalid_input", 422),
        ({"state": "s"}, "invalid_input", 422),
        ({"state": "s", "code": "c" * 5000}, "invalid_input", 422),
    ],
)
async def test_callback_refusals(
    api: Api, params: dict[str, str], code: str, status: int
) -> None:
    redirected = await api.callback(params)
    as_json = await api.callback(params, as_json=True)

    assert redirected.status_code == 303
    assert redirected.headers["location"].endswith(f"salesforce=error&code={code}")
    assert as_json.status_code == status
    assert as_json.json()["code"] == code


async def test_a_repeated_callback_parameter_is_refused(api: Api) -> None:
    answer = await api.client.get(
        "/api/oauth/callback/salesforce?state=a&state=b&code=c",
        headers={"Accept": "application/json"},
    )

    assert answer.status_code == 422
    assert "state" in answer.json()["message"]


async def test_a_replayed_or_expired_state_changes_nothing(api: Api) -> None:
    await api.connect()
    started = await api.client.post(
        "/api/crm/salesforce/environment", json={"sandbox": True}, headers=api.auth()
    )
    state = state_of(started.json()["authorization_url"])
    code = api.salesforce.approve(api.store.authorizations[state])
    api.clock.advance(minutes=11)

    expired = await api.callback({"state": state, "code": code}, as_json=True)
    replayed = await api.callback({"state": state, "code": code}, as_json=True)

    assert expired.json()["code"] == "invalid_state"
    assert "expired" in expired.json()["message"]
    assert replayed.json()["code"] == "invalid_state"
    shown = await api.client.get("/api/crm/salesforce", headers=api.auth())
    assert shown.json()["status"] == "disconnected"


@pytest.mark.parametrize("settings_page", ["https://{workspace}.app.example/settings"])
async def test_per_workspace_settings_pages(api: Api) -> None:
    started = await api.client.post(
        "/api/crm/salesforce/authorizations",
        json={"client_id": CLIENT_ID, "sandbox": False},
        headers=api.auth("ws-a"),
    )
    state = state_of(started.json()["authorization_url"])

    denied = await api.callback({"state": state, "error": "access_denied"})
    unknown = await api.callback({"state": "nobody-knows", "code": "c"})

    assert denied.headers["location"] == (
        "https://ws-a.app.example/settings?salesforce=error&code=access_denied"
    )
    assert unknown.status_code == 400
    assert unknown.json()["code"] == "invalid_state"


async def test_health_and_unknown_routes(api: Api) -> None:
    health = await api.client.get("/health")
    missing = await api.client.get("/api/nothing")
    wrong_method = await api.client.patch("/health")

    assert health.json() == {"status": "ok"}
    assert (missing.status_code, missing.json()["code"]) == (404, "not_found")
    assert wrong_method.status_code == 405
    assert wrong_method.json()["code"] == "method_not_allowed"
    assert "GET" in wrong_method.headers["allow"].split(", ")


async def test_health_takes_the_callback_outcome_it_is_sent_back_with(
    api: Api,
) -> None:
    # The default settings page: where a browser lands after consenting.
    back = await api.client.get("/health?salesforce=error&code=access_denied")

    assert (back.status_code, back.json()) == (200, {"status": "ok"})


async def test_a_405_names_the_methods_the_path_takes(api: Api) -> None:
    head = await api.client.head("/api/crm/salesforce/syncs", headers=api.auth())

    assert head.status_code == 405
    assert set(head.headers["allow"].split(", ")) >= {"GET", "POST"}

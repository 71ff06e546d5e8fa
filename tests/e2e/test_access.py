"""Who may do what: roles, bad tokens, and workspaces kept apart."""

from __future__ import annotations

import time

import jwt
import pytest

from domain.workspace import Role
from tests.e2e.client import Flow

CHANGES = [
    ("PUT", "/settings", {"client_id": "3MVG9" + "x" * 40, "sandbox": True}),
    ("POST", "/authorizations", None),
    ("DELETE", "/connection", None),
    ("POST", "/environment", {"sandbox": True}),
]


@pytest.mark.parametrize(("method", "path", "body"), CHANGES)
async def test_a_member_may_not_change_anything(
    flow: Flow, method: str, path: str, body: object
) -> None:
    await flow.connect()

    answer = await flow.call(method, path, json=body, role=Role.MEMBER)

    assert answer.status_code == 403
    assert answer.json()["code"] == "forbidden"
    shown = await flow.connection()
    assert shown["status"] == "connected"
    assert shown["environment"] == "production"


async def test_a_member_may_look_and_test_and_an_owner_may_manage(
    flow: Flow,
) -> None:
    await flow.connect()

    shown = await flow.call("GET", "", role=Role.MEMBER)
    tested = await flow.verify(role=Role.MEMBER)
    gone = await flow.call("DELETE", "/connection", role=Role.OWNER)

    assert shown.json()["status"] == "connected"
    assert tested.json()["ok"] is True
    assert gone.json()["status"] == "disconnected"


def forged(flow: Flow, **changes: object) -> str:
    claims = {
        "sub": "mallory",
        "workspace": flow.workspace,
        "role": "admin",
        "exp": int(time.time()) + 600,
    } | changes
    return jwt.encode(claims, flow.service.config.jwt_secret, algorithm="HS256")


@pytest.mark.parametrize(
    ("token", "code"),
    [
        (lambda f: jwt.encode({"workspace": f.workspace}, "x" * 64), "invalid_token"),
        (lambda f: forged(f, exp=int(time.time()) - 600), "token_expired"),
        (lambda f: forged(f, role="superadmin"), "invalid_token"),
        (
            lambda f: jwt.encode(
                {
                    "sub": "m",
                    "workspace": f.workspace,
                    "role": "admin",
                    "exp": int(time.time()) + 600,
                },
                "",
                algorithm="none",
            ),
            "invalid_token",
        ),
        (lambda f: forged(f)[:-4] + "AAAA", "invalid_token"),
    ],
)
async def test_bad_tokens_get_401(flow: Flow, token: object, code: str) -> None:
    value = token(flow)  # type: ignore[operator]

    answer = await flow.http.get(
        "/api/crm/salesforce", headers={"Authorization": f"Bearer {value}"}
    )

    assert answer.status_code == 401
    assert answer.json()["code"] == code


async def test_workspace_b_can_neither_see_nor_touch_workspace_a(flow: Flow) -> None:
    await flow.connect()
    other = flow.workspace + "-b"

    seen = await flow.call("GET", "", workspace=other)
    tested = await flow.call("POST", "/verification", workspace=other)
    deleted = await flow.call("DELETE", "/connection", workspace=other)
    switched = await flow.call(
        "POST", "/environment", json={"sandbox": True}, workspace=other
    )

    assert seen.json()["status"] == "disconnected"
    assert seen.json()["org_id"] is None
    assert tested.status_code == 409
    assert tested.json()["code"] == "not_connected"
    assert deleted.json()["status"] == "disconnected"
    assert switched.status_code == 422
    mine = await flow.connection()
    assert mine["status"] == "connected"
    assert mine["environment"] == "production"
    assert (await flow.verify()).json()["ok"] is True
    with flow.world.lock:
        assert sum(flow.world.stats.revokes.values()) == 0


async def test_a_state_issued_to_b_cannot_complete_a(flow: Flow) -> None:
    await flow.call(
        "PUT",
        "/settings",
        json={"client_id": flow.demo.app.consumer_key, "sandbox": False},
    )
    other = flow.workspace + "-b"
    started = await flow.call(
        "POST",
        "/authorizations",
        json={"client_id": flow.demo.app.consumer_key, "sandbox": False},
        workspace=other,
    )
    url = started.json()["authorization_url"]
    flow.secrets.note_url(url)
    location = await flow.consent(url, flow.demo.production_user.username)

    await flow.callback(location)

    assert (await flow.connection())["status"] == "disconnected"
    assert (await flow.call("GET", "", workspace=other)).json()["status"] == "connected"

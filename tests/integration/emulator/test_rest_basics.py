"""REST basics: versions, sessions, API permission, quota and the limit header."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx
import pytest

from sfemulator import EmulatorServer
from sfemulator.scenario import Demo
from tests.integration.emulator.flow import bearer, connect

ORG_QUERY = "SELECT Id, IsSandbox, OrganizationType FROM Organization"


def rest_get(
    client: httpx.Client, base: str, token: str, path: str, **params: str
) -> httpx.Response:
    return client.get(
        f"{base}/services/data/v62.0{path}", headers=bearer(token), params=params
    )


def test_versions_need_no_session(
    emulator: EmulatorServer, client: httpx.Client
) -> None:
    answer = client.get(f"{emulator.instance_urls[0]}/services/data/")

    assert answer.status_code == 200
    versions = answer.json()
    assert {"label", "url", "version"} == set(versions[0])
    assert [v["version"] for v in versions] == [f"{n}.0" for n in range(58, 65)]
    assert versions[4] == {
        "label": "Winter '25",
        "url": "/services/data/v62.0",
        "version": "62.0",
    }


@pytest.mark.parametrize(
    ("path", "status", "code"),
    [
        ("/services/data/v40.0/limits", 410, "UNSUPPORTED_API_VERSION"),
        ("/services/data/v57.0/anything/at/all", 410, "UNSUPPORTED_API_VERSION"),
        ("/services/data/v99.0/limits", 404, "NOT_FOUND"),
        ("/services/data/v62.0/no-such-thing", 404, "NOT_FOUND"),
    ],
)
def test_retired_and_unknown_paths_answer_json_arrays(
    emulator: EmulatorServer,
    client: httpx.Client,
    path: str,
    status: int,
    code: str,
) -> None:
    answer = client.get(emulator.instance_urls[0] + path)

    assert answer.status_code == status
    assert answer.json()[0]["errorCode"] == code


def test_limits_and_the_usage_header(
    demo: Demo, emulator: EmulatorServer, client: httpx.Client
) -> None:
    tokens = connect(emulator, client, demo.app, demo.production_user)
    emulator.world.set_quota(demo.production.id, used=10, maximum=100)

    answer = rest_get(client, tokens["instance_url"], tokens["access_token"], "/limits")

    assert answer.status_code == 200
    assert answer.json()["DailyApiRequests"] == {"Max": 100, "Remaining": 89}
    assert answer.headers["Sforce-Limit-Info"] == "api-usage=11/100"
    assert emulator.world.stats.rest_calls[demo.production.id] == 1


def test_stats_keep_when_the_first_call_came_until_zeroed(
    demo: Demo, emulator: EmulatorServer, client: httpx.Client
) -> None:
    tokens = connect(emulator, client, demo.app, demo.production_user)
    base, token = tokens["instance_url"], tokens["access_token"]
    emulator.world.reset_stats()
    client.get(f"{base}/services/data/")  # needs no session: not counted
    assert emulator.world.stats.snapshot()["first_rest_call_at"] is None

    before = time.monotonic()
    rest_get(client, base, token, "/limits")
    first = emulator.world.stats.snapshot()["first_rest_call_at"]
    rest_get(client, base, token, "/limits")

    assert before <= first <= time.monotonic()
    assert emulator.world.stats.snapshot()["first_rest_call_at"] == first
    emulator.world.reset_stats()
    assert emulator.world.stats.snapshot()["first_rest_call_at"] is None


def test_over_quota_calls_are_refused(
    demo: Demo, emulator: EmulatorServer, client: httpx.Client
) -> None:
    tokens = connect(emulator, client, demo.app, demo.production_user)
    emulator.world.set_quota(demo.production.id, used=5, maximum=5)

    answer = rest_get(client, tokens["instance_url"], tokens["access_token"], "/limits")

    assert answer.status_code == 403
    assert answer.json() == [
        {
            "message": "TotalRequests Limit exceeded.",
            "errorCode": "REQUEST_LIMIT_EXCEEDED",
        }
    ]
    assert answer.headers["Sforce-Limit-Info"] == "api-usage=5/5"


@pytest.mark.parametrize("how", ["all", "org", "user", "token"])
def test_expired_sessions_answer_401(
    demo: Demo, emulator: EmulatorServer, client: httpx.Client, how: str
) -> None:
    tokens = connect(emulator, client, demo.app, demo.production_user)
    world = emulator.world
    expired: Callable[[], int] = {
        "all": lambda: world.expire_access_tokens(),
        "org": lambda: world.expire_access_tokens(org_id=demo.production.id),
        "user": lambda: world.expire_access_tokens(user_id=demo.production_user.id),
        "token": lambda: world.expire_access_tokens(token=tokens["access_token"]),
    }[how]

    first = expired()
    answer = rest_get(client, tokens["instance_url"], tokens["access_token"], "/limits")

    assert (first, expired()) == (1, 0)  # an ended session is not counted again
    assert answer.status_code == 401
    assert answer.json() == [
        {"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}
    ]
    assert "Sforce-Limit-Info" not in answer.headers


def test_sessions_end_with_the_org_session_timeout(
    demo: Demo, emulator: EmulatorServer, client: httpx.Client
) -> None:
    tokens = connect(emulator, client, demo.app, demo.production_user)
    emulator.world.advance_clock(2 * 3600 + 1)

    answer = rest_get(client, tokens["instance_url"], tokens["access_token"], "/limits")

    assert answer.status_code == 401


def test_users_without_api_access_are_refused(
    demo: Demo, emulator: EmulatorServer, client: httpx.Client
) -> None:
    tokens = connect(emulator, client, demo.app, demo.production_user)
    emulator.world.update_user(demo.production_user.id, api_enabled=False)

    answer = rest_get(client, tokens["instance_url"], tokens["access_token"], "/limits")

    assert answer.status_code == 403
    assert answer.json()[0]["errorCode"] == "API_DISABLED_FOR_ORG"


def test_sessions_without_the_api_scope_are_not_for_rest(
    demo: Demo, emulator: EmulatorServer, client: httpx.Client
) -> None:
    tokens = connect(emulator, client, demo.app, demo.production_user, scope="id")

    answer = rest_get(client, tokens["instance_url"], tokens["access_token"], "/limits")

    assert answer.status_code == 401


@pytest.mark.parametrize(
    ("login", "sandbox"), [("login_url", False), ("sandbox_login_url", True)]
)
def test_the_organization_query_tells_sandbox_from_production(
    demo: Demo,
    emulator: EmulatorServer,
    client: httpx.Client,
    login: str,
    sandbox: bool,
) -> None:
    user = demo.sandbox_user if sandbox else demo.production_user
    tokens = connect(emulator, client, demo.app, user, getattr(emulator, login))

    answer = rest_get(
        client, tokens["instance_url"], tokens["access_token"], "/query", q=ORG_QUERY
    )

    assert answer.status_code == 200
    page = answer.json()
    assert page["totalSize"] == 1
    assert page["done"] is True
    record = page["records"][0]
    assert record["attributes"]["type"] == "Organization"
    assert record["IsSandbox"] is sandbox
    assert record["Id"] == (demo.sandbox if sandbox else demo.production).id
    assert record["OrganizationType"] in ("Developer Edition", "Enterprise Edition")

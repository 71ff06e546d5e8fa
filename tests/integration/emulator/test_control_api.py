"""The /_emulator control API drives the same world as the Python helpers."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from sfemulator import EmulatorServer
from sfemulator.scenario import authorization_url, new_verifier
from tests.integration.emulator.flow import exchange

CALLBACK = "http://127.0.0.1:9/callback"


def control(
    client: httpx.Client, emu: EmulatorServer, method: str, path: str, **body: Any
) -> Any:
    answer = client.request(method, emu.control_url + path, json=body)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_a_whole_connect_driven_over_http(
    emulator: EmulatorServer, client: httpx.Client
) -> None:
    org = control(client, emulator, "POST", "/orgs", is_sandbox=True, instance=1)
    user = control(client, emulator, "POST", "/users", org_id=org["id"])
    app = control(client, emulator, "POST", "/apps", callback_urls=[CALLBACK])
    verifier = new_verifier()
    url = authorization_url(
        emulator.sandbox_login_url,
        emulator.world.app(app["consumer_key"]),
        verifier=verifier,
    )

    decided = control(
        client,
        emulator,
        "POST",
        "/consent",
        authorization_url=url,
        username=user["username"],
    )
    code = parse_qs(urlsplit(decided["location"]).query)["code"][0]
    tokens = exchange(
        client,
        emulator.sandbox_login_url,
        emulator.world.app(app["consumer_key"]),
        code,
        verifier,
    )

    assert org["id"].startswith("00D")
    assert len(org["id"]) == 18
    assert user["id"].startswith("005")
    assert len(user["id"]) == 18
    assert tokens.status_code == 200
    assert tokens.json()["instance_url"] == emulator.instance_urls[1]
    stats = control(client, emulator, "GET", "/stats")
    assert stats["token_requests"] == {"authorization_code": 1}
    assert stats["authorize_requests"] == {"sandbox": 1}


def test_consent_over_http_reports_login_failures(
    emulator: EmulatorServer, client: httpx.Client
) -> None:
    app = control(client, emulator, "POST", "/apps", callback_urls=[CALLBACK])
    url = authorization_url(emulator.login_url, emulator.world.app(app["consumer_key"]))

    answer = client.post(
        emulator.control_url + "/consent",
        json={"authorization_url": url, "username": "ghost@x.example"},
    )

    assert answer.status_code == 409
    assert answer.json()["error"] == "login_failed"


def test_flags_faults_and_reset(emulator: EmulatorServer, client: httpx.Client) -> None:
    org = control(client, emulator, "POST", "/orgs")
    app = control(client, emulator, "POST", "/apps", callback_urls=[CALLBACK])
    key = app["consumer_key"]

    control(client, emulator, "PATCH", f"/orgs/{org['id']}", active=False)
    control(client, emulator, "PUT", f"/orgs/{org['id']}/quota", used=3, maximum=9)
    moved = control(client, emulator, "POST", f"/orgs/{org['id']}/move")
    control(client, emulator, "PATCH", f"/apps/{key}", refresh_token_rotation=True)
    control(client, emulator, "PUT", "/faults/refresh-delay", seconds=0.5)
    control(client, emulator, "POST", "/faults/http", path_prefix="/x", count=2)
    world = emulator.world

    assert world.org(org["id"]).active is False
    assert (moved["daily_api_used"], moved["daily_api_max"]) == (3, 9)
    assert moved["instance"] == 1
    assert world.app(key).refresh_token_rotation is True
    assert world.refresh_delay == 0.5
    assert world.http_faults[0].remaining == 2
    control(client, emulator, "POST", "/reset")
    assert world.orgs == {}
    assert world.http_faults == []


def test_bad_control_calls_say_why(
    emulator: EmulatorServer, client: httpx.Client
) -> None:
    unknown = client.patch(emulator.control_url + "/orgs/00Dnope", json={})
    bad_field = client.post(emulator.control_url + "/orgs", json={"colour": "red"})

    assert unknown.status_code == 400
    assert "unknown org" in unknown.json()["error"]
    assert bad_field.status_code == 400
    assert "colour" in bad_field.json()["error"]


def test_control_lives_only_on_the_production_login_host(
    emulator: EmulatorServer, client: httpx.Client
) -> None:
    answer = client.get(emulator.sandbox_login_url + "/_emulator/stats")

    assert answer.status_code == 404


def test_each_login_host_and_the_controls_answer_their_address_with_a_route_list(
    emulator: EmulatorServer, client: httpx.Client
) -> None:
    production = client.get(emulator.login_url + "/")
    sandbox = client.get(emulator.sandbox_login_url)
    controls = client.get(emulator.control_url)

    assert production.status_code == sandbox.status_code == controls.status_code == 200
    assert production.headers["content-type"] == "text/plain; charset=utf-8"
    assert production.text.startswith("Salesforce emulator, login listener 'login'")
    assert "POST   /services/oauth2/token" in sandbox.text
    assert "/_emulator" not in sandbox.text  # The controls live on production only.
    assert controls.text == production.text
    assert "POST   /_emulator/faults/http" in controls.text
    # A REST instance still answers an unknown address as Salesforce does.
    instance = client.get(emulator.instance_urls[0] + "/")
    assert instance.status_code == 404
    assert instance.json()[0]["errorCode"] == "NOT_FOUND"


@pytest.mark.parametrize(
    "body",
    [
        {"page_size": 0},
        {"page_size": -5},
        {"bulk_page_size": 0},
        {"bulk_polls": "x"},
        {"bulk_polls": -1},
        {"cursor_limit": True},
    ],
)
def test_paging_knobs_refuse_what_is_not_a_count(
    emulator: EmulatorServer, client: httpx.Client, body: dict[str, Any]
) -> None:
    world = emulator.world
    before = (
        world.query_page_size,
        world.bulk_page_size,
        world.bulk_polls_before_complete,
    )

    answer = client.put(emulator.control_url + "/query-paging", json=body)

    assert answer.status_code == 400
    assert next(iter(body)) in answer.json()["error"]
    after = (
        world.query_page_size,
        world.bulk_page_size,
        world.bulk_polls_before_complete,
    )
    assert after == before


@pytest.mark.parametrize(
    "body", [{"used": "abc"}, {"used": -5}, {"maximum": 1.5}, {"maximum": False}]
)
def test_the_quota_refuses_what_is_not_a_count(
    emulator: EmulatorServer, client: httpx.Client, body: dict[str, Any]
) -> None:
    org = emulator.world.create_org()
    emulator.world.set_quota(org.id, used=7, maximum=100)

    answer = client.put(emulator.control_url + f"/orgs/{org.id}/quota", json=body)

    assert answer.status_code == 400
    assert next(iter(body)) in answer.json()["error"]
    assert (org.daily_api_used, org.daily_api_max) == (7, 100)


@pytest.mark.parametrize(
    "body",
    [
        {"daily_api_used": "abc"},
        {"api_enabled": "yes"},
        {"active": False, "session_seconds": "x"},
    ],
)
def test_org_fields_refuse_a_value_of_another_type(
    emulator: EmulatorServer, client: httpx.Client, body: dict[str, Any]
) -> None:
    org = emulator.world.create_org()

    answer = client.patch(emulator.control_url + f"/orgs/{org.id}", json=body)

    assert answer.status_code == 400
    assert list(body)[-1] in answer.json()["error"]
    # Refused whole: not even the valid part is set.
    assert (org.daily_api_used, org.api_enabled, org.active) == (0, True, True)

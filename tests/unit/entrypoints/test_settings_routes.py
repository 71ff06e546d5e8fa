"""PUT /settings and the overview: the workspace's My Domain login host."""

from __future__ import annotations

from typing import Any

from domain.workspace import Role
from tests.unit.entrypoints.conftest import CLIENT_ID, Api, state_of

SETTINGS = "/api/crm/salesforce/settings"
MY_DOMAIN = "https://acme.my.salesforce.com"


async def saved(api: Api, **body: Any) -> dict[str, Any]:
    answer = await api.client.put(
        SETTINGS,
        json={"client_id": CLIENT_ID, "sandbox": False, **body},
        headers=api.auth(),
    )
    assert answer.status_code == 200, answer.text
    shown: dict[str, Any] = answer.json()
    return shown


async def test_the_overview_shows_the_my_domain_to_any_member(api: Api) -> None:
    put = await saved(api, login_host=MY_DOMAIN + "/")

    shown = await api.client.get(
        "/api/crm/salesforce", headers=api.auth(role=Role.MEMBER)
    )

    assert put["login_host"] == MY_DOMAIN
    assert shown.json()["login_host"] == MY_DOMAIN


async def test_without_a_my_domain_the_overview_shows_none(api: Api) -> None:
    shown = await saved(api)

    assert shown["login_host"] is None


async def test_settings_without_a_login_host_keep_the_stored_one(api: Api) -> None:
    await saved(api, login_host=MY_DOMAIN)

    shown = await saved(api, sandbox=True)

    assert shown["login_host"] == MY_DOMAIN
    assert shown["environment"] == "sandbox"
    assert api.store.connections["ws-a"].login_host == MY_DOMAIN


async def test_a_null_login_host_clears_it(api: Api) -> None:
    await saved(api, login_host=MY_DOMAIN)

    shown = await saved(api, login_host=None)

    assert shown["login_host"] is None
    assert api.store.connections["ws-a"].login_host is None


async def test_saving_the_same_settings_while_connected_keeps_the_host(
    api: Api,
) -> None:
    await saved(api, login_host=MY_DOMAIN)
    started = await api.client.post(
        "/api/crm/salesforce/authorizations", headers=api.auth()
    )
    state = state_of(started.json()["authorization_url"])
    code = api.salesforce.approve(api.store.authorizations[state])
    await api.callback({"state": state, "code": code})

    shown = await saved(api)

    assert shown["status"] == "connected"
    assert shown["login_host"] == MY_DOMAIN


async def connect_answer(api: Api, body: dict[str, Any]) -> dict[str, Any]:
    """Connect's status and JSON answer, with `body`."""
    answer = await api.client.post(
        "/api/crm/salesforce/authorizations", json=body, headers=api.auth()
    )
    shown: dict[str, Any] = answer.json()
    return {"status": answer.status_code, **shown}


async def connect_with(api: Api, body: dict[str, Any]) -> str:
    answer = await connect_answer(api, body)
    assert answer["status"] == 201, answer
    url: str = answer["authorization_url"]
    return url


async def test_a_login_host_given_alone_at_connect_is_saved_and_used(
    api: Api,
) -> None:
    await saved(api)

    url = await connect_with(api, {"login_host": MY_DOMAIN})

    assert url.startswith(f"{MY_DOMAIN}/services/oauth2/authorize?")
    assert api.store.connections["ws-a"].login_host == MY_DOMAIN


async def test_connect_keeps_a_login_host_left_out_and_clears_a_null_one(
    api: Api,
) -> None:
    await saved(api, login_host=MY_DOMAIN)

    kept = await connect_with(api, {"sandbox": False})
    cleared = await connect_with(api, {"login_host": None})

    assert kept.startswith(f"{MY_DOMAIN}/")
    assert not cleared.startswith(f"{MY_DOMAIN}/")
    assert api.store.connections["ws-a"].login_host is None


async def test_a_login_host_refused_at_connect_changes_nothing(api: Api) -> None:
    await saved(api, login_host=MY_DOMAIN)

    answer = await connect_answer(api, {"login_host": "https://evil.example"})

    assert answer["status"] == 422
    assert "login_host" in answer["message"]
    assert api.store.connections["ws-a"].login_host == MY_DOMAIN


async def test_a_refused_login_host_at_connect_says_why_while_connected_too(
    api: Api,
) -> None:
    await api.connect()

    answer = await connect_answer(api, {"login_host": "https://evil.example.com"})

    assert answer["status"] == 422
    assert "must be an https Salesforce host" in answer["message"]
    assert api.store.connections["ws-a"].login_host is None

"""Identity endpoints and token revocation."""

from __future__ import annotations

import httpx

from sfemulator import EmulatorServer
from sfemulator.scenario import Demo
from tests.integration.emulator.flow import bearer, connect, oauth_error, refresh_form


def test_the_identity_url_describes_the_user(
    demo: Demo, emulator: EmulatorServer, client: httpx.Client
) -> None:
    tokens = connect(emulator, client, demo.app, demo.production_user)

    answer = client.get(tokens["id"], headers=bearer(tokens["access_token"]))

    assert answer.status_code == 200
    body = answer.json()
    assert body["user_id"] == demo.production_user.id
    assert body["organization_id"] == demo.production.id
    assert body["username"] == demo.production_user.username
    assert body["email"] == demo.production_user.email
    assert body["urls"]["rest"].startswith(emulator.instance_urls[0])


def test_userinfo_speaks_openid(
    demo: Demo, emulator: EmulatorServer, client: httpx.Client
) -> None:
    tokens = connect(emulator, client, demo.app, demo.production_user)
    url = f"{emulator.login_url}/services/oauth2/userinfo"

    body = client.get(url, headers=bearer(tokens["access_token"])).json()

    assert body["preferred_username"] == demo.production_user.username
    assert body["organization_id"] == demo.production.id
    assert body["user_id"] == demo.production_user.id
    assert body["name"] == demo.production_user.name
    assert "rest" in body["urls"]


def test_identity_refuses_bad_or_missing_tokens_with_403(
    demo: Demo, emulator: EmulatorServer, client: httpx.Client
) -> None:
    tokens = connect(emulator, client, demo.app, demo.production_user)
    emulator.world.expire_access_tokens()
    url = f"{emulator.login_url}/services/oauth2/userinfo"

    expired = client.get(url, headers=bearer(tokens["access_token"]))
    missing = client.get(tokens["id"])

    assert (expired.status_code, expired.text) == (403, "Bad_OAuth_Token")
    assert (missing.status_code, missing.text) == (403, "Missing_OAuth_Token")


def test_revoking_the_refresh_token_kills_the_grant(
    demo: Demo, emulator: EmulatorServer, client: httpx.Client
) -> None:
    tokens = connect(emulator, client, demo.app, demo.production_user)
    login = emulator.login_url

    answer = client.post(
        f"{login}/services/oauth2/revoke", data={"token": tokens["refresh_token"]}
    )

    assert answer.status_code == 200
    rest = f"{emulator.instance_urls[0]}/services/data/v62.0/limits"
    assert client.get(rest, headers=bearer(tokens["access_token"])).status_code == 401
    refreshed = client.post(
        f"{login}/services/oauth2/token",
        data=refresh_form(demo.app, tokens["refresh_token"]),
    )
    assert oauth_error(refreshed)[1] == "invalid_grant"
    assert emulator.world.stats.snapshot()["revokes"] == 1


def test_revoking_an_access_token_leaves_the_refresh_token(
    demo: Demo, emulator: EmulatorServer, client: httpx.Client
) -> None:
    tokens = connect(emulator, client, demo.app, demo.production_user)
    login = emulator.login_url

    client.post(
        f"{login}/services/oauth2/revoke", data={"token": tokens["access_token"]}
    )

    rest = f"{emulator.instance_urls[0]}/services/data/v62.0/limits"
    assert client.get(rest, headers=bearer(tokens["access_token"])).status_code == 401
    refreshed = client.post(
        f"{login}/services/oauth2/token",
        data=refresh_form(demo.app, tokens["refresh_token"]),
    )
    assert refreshed.status_code == 200


def test_revoking_an_unknown_token_is_an_error(
    emulator: EmulatorServer, client: httpx.Client
) -> None:
    answer = client.post(
        f"{emulator.login_url}/services/oauth2/revoke", data={"token": "nope"}
    )

    assert oauth_error(answer)[:2] == (400, "invalid_token")

"""Refreshing: plain, rotated, reused, concurrent, and after an org moved."""

from __future__ import annotations

import asyncio

import httpx

from sfemulator import EmulatorServer
from sfemulator.scenario import Demo
from tests.integration.emulator.flow import (
    bearer,
    connect,
    oauth_error,
    refresh_form,
)

EXPIRED = (400, "invalid_grant", "expired access/refresh token")


def refresh(
    client: httpx.Client, emu: EmulatorServer, demo: Demo, token: str
) -> httpx.Response:
    url = f"{emu.login_url}/services/oauth2/token"
    return client.post(url, data=refresh_form(demo.app, token))


def test_a_refresh_gives_a_new_access_token_and_no_refresh_token(
    demo: Demo, emulator: EmulatorServer, client: httpx.Client
) -> None:
    first = connect(emulator, client, demo.app, demo.production_user)

    answer = refresh(client, emulator, demo, first["refresh_token"])

    assert answer.status_code == 200
    body = answer.json()
    assert "refresh_token" not in body
    assert "expires_in" not in body
    assert body["access_token"] != first["access_token"]
    assert body["instance_url"] == first["instance_url"]
    assert body["id"] == first["id"]
    assert refresh(client, emulator, demo, first["refresh_token"]).status_code == 200


def test_rotation_hands_out_a_new_refresh_token_and_kills_the_old(
    demo: Demo, emulator: EmulatorServer, client: httpx.Client
) -> None:
    emulator.world.update_app(demo.app.consumer_key, refresh_token_rotation=True)
    first = connect(emulator, client, demo.app, demo.production_user)

    rotated = refresh(client, emulator, demo, first["refresh_token"]).json()
    after = refresh(client, emulator, demo, rotated["refresh_token"])

    assert rotated["refresh_token"] != first["refresh_token"]
    assert after.status_code == 200


def test_reusing_a_rotated_token_revokes_the_whole_grant(
    demo: Demo, emulator: EmulatorServer, client: httpx.Client
) -> None:
    emulator.world.update_app(demo.app.consumer_key, refresh_token_rotation=True)
    first = connect(emulator, client, demo.app, demo.production_user)
    rotated = refresh(client, emulator, demo, first["refresh_token"]).json()

    reused = refresh(client, emulator, demo, first["refresh_token"])
    newest = refresh(client, emulator, demo, rotated["refresh_token"])
    limits = f"{emulator.instance_urls[0]}/services/data/v62.0/limits"
    rest = client.get(limits, headers=bearer(rotated["access_token"]))

    assert oauth_error(reused) == EXPIRED
    assert oauth_error(newest) == EXPIRED
    assert rest.status_code == 401


def test_unknown_revoked_or_foreign_refresh_tokens_are_refused(
    demo: Demo, emulator: EmulatorServer, client: httpx.Client
) -> None:
    first = connect(emulator, client, demo.app, demo.production_user)
    other_app = emulator.world.create_app(callback_urls=demo.app.callback_urls)
    foreign = refresh_form(other_app, first["refresh_token"])
    emulator.world.revoke_grants(user_id=demo.production_user.id)

    unknown = refresh(client, emulator, demo, "5Aep861nothing")
    revoked = refresh(client, emulator, demo, first["refresh_token"])
    wrong_app = client.post(f"{emulator.login_url}/services/oauth2/token", data=foreign)

    assert oauth_error(unknown) == EXPIRED
    assert oauth_error(revoked) == EXPIRED
    assert oauth_error(wrong_app) == EXPIRED


def test_inactive_users_and_orgs_cannot_refresh(
    demo: Demo, emulator: EmulatorServer, client: httpx.Client
) -> None:
    first = connect(emulator, client, demo.app, demo.production_user)
    world = emulator.world

    world.update_user(demo.production_user.id, active=False)
    inactive_user = refresh(client, emulator, demo, first["refresh_token"])
    world.update_user(demo.production_user.id, active=True)
    world.update_org(demo.production.id, active=False)
    inactive_org = refresh(client, emulator, demo, first["refresh_token"])

    assert oauth_error(inactive_user) == (400, "invalid_grant", "inactive user")
    assert oauth_error(inactive_org)[:2] == (400, "inactive_org")


def test_refresh_tokens_do_not_cross_to_the_other_kind_of_host(
    demo: Demo, emulator: EmulatorServer, client: httpx.Client
) -> None:
    first = connect(emulator, client, demo.app, demo.production_user)
    form = refresh_form(demo.app, first["refresh_token"])

    sandbox = client.post(
        f"{emulator.sandbox_login_url}/services/oauth2/token", data=form
    )
    mydomain = client.post(f"{emulator.mydomain_url}/services/oauth2/token", data=form)

    assert oauth_error(sandbox) == EXPIRED
    assert mydomain.status_code == 200
    assert mydomain.json()["id"].startswith(emulator.mydomain_url)


def test_a_moved_org_answers_with_its_new_instance_url(
    demo: Demo, emulator: EmulatorServer, client: httpx.Client
) -> None:
    first = connect(emulator, client, demo.app, demo.production_user)
    emulator.world.move_org(demo.production.id)
    old, new = emulator.instance_urls
    path = "/services/data/v62.0/limits"

    on_old = client.get(old + path, headers=bearer(first["access_token"]))
    on_new = client.get(new + path, headers=bearer(first["access_token"]))
    body = refresh(client, emulator, demo, first["refresh_token"]).json()

    assert on_old.status_code == 401
    assert on_old.json()[0]["errorCode"] == "INVALID_SESSION_ID"
    assert on_new.status_code == 200
    assert body["instance_url"] == new


async def test_a_second_refresh_in_flight_is_rejected(
    demo: Demo, emulator: EmulatorServer, aclient: httpx.AsyncClient
) -> None:
    with httpx.Client(trust_env=False) as client:
        first = connect(emulator, client, demo.app, demo.production_user)
    emulator.world.set_refresh_delay(0.3)
    url = f"{emulator.login_url}/services/oauth2/token"
    form = refresh_form(demo.app, first["refresh_token"])

    answers = await asyncio.gather(
        aclient.post(url, data=form), aclient.post(url, data=form)
    )

    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [200, 400]
    refused = next(answer for answer in answers if answer.status_code == 400)
    assert oauth_error(refused) == (
        400,
        "invalid_grant",
        "token request is already being processed",
    )
    assert emulator.world.stats.token_count("refresh_token") == 2
    assert (await aclient.post(url, data=form)).status_code == 200

"""Code exchange at the token endpoint: every check, and the answer's shape."""

from __future__ import annotations

import base64
import hashlib
import hmac

import httpx
import pytest

from sfemulator import EmulatorServer
from sfemulator.scenario import Demo
from tests.integration.emulator.flow import (
    RFC_VERIFIER,
    code_for,
    exchange,
    oauth_error,
)


def test_a_code_buys_the_documented_answer(
    demo: Demo, emulator: EmulatorServer, client: httpx.Client
) -> None:
    code = code_for(emulator, demo.app, demo.production_user)

    answer = exchange(client, emulator.login_url, demo.app, code)

    assert answer.status_code == 200
    body = answer.json()
    assert set(body) == {
        "access_token",
        "refresh_token",
        "signature",
        "scope",
        "instance_url",
        "id",
        "token_type",
        "issued_at",
    }
    org, user = demo.production, demo.production_user
    assert body["access_token"].startswith(org.id[:15] + "!")
    assert body["instance_url"] == emulator.instance_urls[0]
    assert body["id"] == f"{emulator.login_url}/id/{org.id}/{user.id}"
    assert body["token_type"] == "Bearer"
    assert body["scope"] == "api refresh_token"
    assert isinstance(body["issued_at"], str)
    assert body["issued_at"].isdigit()
    assert len(body["issued_at"]) == 13


def test_the_signature_is_an_hmac_of_id_and_issued_at(
    demo: Demo, emulator: EmulatorServer, client: httpx.Client
) -> None:
    code = code_for(emulator, demo.app, demo.production_user)

    body = exchange(client, emulator.login_url, demo.app, code).json()

    secret = demo.app.consumer_secret.encode()
    message = (body["id"] + body["issued_at"]).encode()
    digest = hmac.new(secret, message, hashlib.sha256).digest()
    assert body["signature"] == base64.b64encode(digest).decode()


def test_no_refresh_token_without_its_scope(
    demo: Demo, emulator: EmulatorServer, client: httpx.Client
) -> None:
    code = code_for(emulator, demo.app, demo.production_user, scope="api")

    body = exchange(client, emulator.login_url, demo.app, code).json()

    assert "refresh_token" not in body
    assert "expires_in" not in body


def test_a_code_is_single_use(
    demo: Demo, emulator: EmulatorServer, client: httpx.Client
) -> None:
    code = code_for(emulator, demo.app, demo.production_user)
    exchange(client, emulator.login_url, demo.app, code)

    again = exchange(client, emulator.login_url, demo.app, code)

    assert oauth_error(again) == (400, "invalid_grant", "expired authorization code")


@pytest.mark.parametrize("how", ["control", "clock"])
def test_old_codes_are_refused(
    demo: Demo, emulator: EmulatorServer, client: httpx.Client, how: str
) -> None:
    code = code_for(emulator, demo.app, demo.production_user)
    if how == "control":
        assert emulator.world.expire_codes(code) == 1
    else:
        emulator.world.advance_clock(15 * 60 + 1)

    answer = exchange(client, emulator.login_url, demo.app, code)

    assert oauth_error(answer) == (400, "invalid_grant", "expired authorization code")


def test_a_code_only_works_at_the_host_that_issued_it(
    demo: Demo, emulator: EmulatorServer, client: httpx.Client
) -> None:
    code = code_for(emulator, demo.app, demo.production_user)

    elsewhere = exchange(client, emulator.mydomain_url, demo.app, code)
    home = exchange(client, emulator.login_url, demo.app, code)

    assert oauth_error(elsewhere)[1:] == ("invalid_grant", "expired authorization code")
    assert home.status_code == 200


def test_redirect_uri_must_repeat_the_authorize_one(
    demo: Demo, emulator: EmulatorServer, client: httpx.Client
) -> None:
    code = code_for(emulator, demo.app, demo.production_user)
    other = demo.app.callback_urls[0] + "?x=1"

    answer = exchange(client, emulator.login_url, demo.app, code, redirect_uri=other)

    assert oauth_error(answer) == (
        400,
        "invalid_grant",
        "redirect_uri must match configuration",
    )


@pytest.mark.parametrize(
    "verifier",
    [
        None,
        "x" * 43,
        RFC_VERIFIER[:-1],
        RFC_VERIFIER + "~",
    ],
)
def test_pkce_mismatches_are_refused(
    demo: Demo,
    emulator: EmulatorServer,
    client: httpx.Client,
    verifier: str | None,
) -> None:
    code = code_for(emulator, demo.app, demo.production_user)

    answer = exchange(client, emulator.login_url, demo.app, code, verifier)

    assert oauth_error(answer) == (400, "invalid_grant", "invalid code verifier")


def test_a_verifier_with_a_tilde_fails_even_when_it_hashes_right(
    demo: Demo, emulator: EmulatorServer, client: httpx.Client
) -> None:
    verifier = "~" + "a" * 60
    code = code_for(emulator, demo.app, demo.production_user, verifier)

    answer = exchange(client, emulator.login_url, demo.app, code, verifier)

    assert oauth_error(answer) == (400, "invalid_grant", "invalid code verifier")


def test_without_a_challenge_no_verifier_is_checked(
    demo: Demo, emulator: EmulatorServer, client: httpx.Client
) -> None:
    code = code_for(emulator, demo.app, demo.production_user, verifier=None)

    answer = exchange(client, emulator.login_url, demo.app, code, verifier=None)

    assert answer.status_code == 200


def test_apps_requiring_a_secret_refuse_public_clients(
    demo: Demo, emulator: EmulatorServer, client: httpx.Client
) -> None:
    emulator.world.update_app(demo.app.consumer_key, require_secret=True)
    code = code_for(emulator, demo.app, demo.production_user)
    secret = demo.app.consumer_secret

    without = exchange(client, emulator.login_url, demo.app, code)
    wrong = exchange(client, emulator.login_url, demo.app, code, client_secret="x")
    right = exchange(client, emulator.login_url, demo.app, code, client_secret=secret)

    assert oauth_error(without) == (400, "invalid_client", "invalid client credentials")
    assert oauth_error(wrong) == (400, "invalid_client", "invalid client credentials")
    assert right.status_code == 200


def test_unknown_and_unpropagated_client_ids_are_refused(
    demo: Demo, emulator: EmulatorServer, client: httpx.Client
) -> None:
    code = code_for(emulator, demo.app, demo.production_user)
    world = emulator.world
    world.update_app(demo.app.consumer_key, available_after=world.now() + 60)

    answer = exchange(client, emulator.login_url, demo.app, code)

    assert oauth_error(answer) == (
        400,
        "invalid_client_id",
        "client identifier invalid",
    )


def test_unsupported_grant_types_are_refused(
    emulator: EmulatorServer, client: httpx.Client
) -> None:
    url = f"{emulator.login_url}/services/oauth2/token"

    password = client.post(url, data={"grant_type": "password"})
    as_json = client.post(url, json={"grant_type": "authorization_code"})

    assert oauth_error(password)[:2] == (400, "unsupported_grant_type")
    assert oauth_error(as_json)[:2] == (400, "unsupported_grant_type")


def test_sandbox_orgs_connect_through_the_sandbox_host(
    demo: Demo, emulator: EmulatorServer, client: httpx.Client
) -> None:
    login = emulator.sandbox_login_url
    code = code_for(emulator, demo.app, demo.sandbox_user, login_url=login)

    body = exchange(client, login, demo.app, code).json()

    assert body["instance_url"] == emulator.instance_urls[1]
    assert body["id"].startswith(f"{login}/id/{demo.sandbox.id}/")


def test_token_requests_are_counted_per_grant_type_and_host(
    demo: Demo, emulator: EmulatorServer, client: httpx.Client
) -> None:
    code = code_for(emulator, demo.app, demo.production_user)
    exchange(client, emulator.login_url, demo.app, code)
    exchange(client, emulator.login_url, demo.app, code)

    stats = emulator.world.stats

    assert stats.token_count("authorization_code") == 2
    assert stats.token_count("authorization_code", host="login") == 2
    assert stats.token_count("refresh_token") == 0
    assert stats.snapshot()["token_requests"] == {"authorization_code": 2}

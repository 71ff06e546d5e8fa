"""The authorize endpoint: error pages, the consent form and callback outcomes."""

from __future__ import annotations

import re

import httpx
import pytest

from sfemulator import ConsentError, EmulatorServer
from sfemulator.scenario import Demo, authorization_url
from tests.integration.emulator.flow import query_of


def test_consent_page_has_the_form(
    demo: Demo, emulator: EmulatorServer, client: httpx.Client
) -> None:
    url = authorization_url(emulator.login_url, demo.app, login_hint="ada@x.example")

    page = client.get(url)

    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    action = f"action='{emulator.login_url}/services/oauth2/authorize/decide'"
    assert action in page.text
    assert re.search(r"type='hidden' name='request_id' value='req[^']+'", page.text)
    assert "name='username' value='ada@x.example'" in page.text
    assert "value='approve'" in page.text
    assert "value='deny'" in page.text


def test_approve_redirects_with_a_code_and_the_state(
    demo: Demo, emulator: EmulatorServer
) -> None:
    url = authorization_url(emulator.login_url, demo.app, state="s t&ate")

    location = emulator.consent(url, demo.production_user.username)

    assert location.startswith(demo.app.callback_urls[0] + "?code=")
    params = query_of(location)
    assert params["state"] == "s t&ate"
    assert params["code"].endswith("==")
    assert "%3D%3D" in location


def test_the_form_posted_by_hand_gives_the_same_redirect(
    demo: Demo, emulator: EmulatorServer, client: httpx.Client
) -> None:
    page = client.get(authorization_url(emulator.login_url, demo.app))
    found = re.search(r"name='request_id' value='([^']+)'", page.text)
    assert found is not None

    answer = client.post(
        f"{emulator.login_url}/services/oauth2/authorize/decide",
        data={
            "request_id": found.group(1),
            "username": demo.production_user.username,
            "decision": "approve",
        },
    )

    assert answer.status_code == 302
    assert "code" in query_of(answer.headers["location"])


def test_a_request_is_decided_once(
    demo: Demo, emulator: EmulatorServer, client: httpx.Client
) -> None:
    page = client.get(authorization_url(emulator.login_url, demo.app))
    request_id = re.findall(r"name='request_id' value='([^']+)'", page.text)[0]
    form = {"request_id": request_id, "username": demo.production_user.username}
    decide = f"{emulator.login_url}/services/oauth2/authorize/decide"
    client.post(decide, data=form | {"decision": "approve"})

    again = client.post(decide, data=form | {"decision": "approve"})

    assert again.status_code == 400
    assert "location" not in again.headers


def test_deny_redirects_with_access_denied(
    demo: Demo, emulator: EmulatorServer
) -> None:
    url = authorization_url(emulator.login_url, demo.app, state="abc")

    location = emulator.consent(url, demo.production_user.username, "deny")

    assert location == (
        demo.app.callback_urls[0] + "?error=access_denied"
        "&error_description=end-user+denied+authorization&state=abc"
    )


@pytest.mark.parametrize(
    ("client_id", "available_in"), [("3MVG9unknown", 0.0), (None, 600.0)]
)
def test_unknown_or_new_client_ids_get_an_error_page(
    demo: Demo,
    emulator: EmulatorServer,
    client: httpx.Client,
    client_id: str | None,
    available_in: float,
) -> None:
    emulator.world.update_app(
        demo.app.consumer_key, available_after=emulator.world.now() + available_in
    )
    url = authorization_url(emulator.login_url, demo.app)
    if client_id is not None:
        url = url.replace(demo.app.consumer_key, client_id)

    page = client.get(url)

    assert page.status_code == 400
    assert "location" not in page.headers
    assert "invalid_client_id" in page.text
    assert "client identifier invalid" in page.text


def test_a_new_app_works_once_propagated(demo: Demo, emulator: EmulatorServer) -> None:
    world = emulator.world
    world.update_app(demo.app.consumer_key, available_after=world.now() + 300)
    url = authorization_url(emulator.login_url, demo.app)
    with pytest.raises(ConsentError):
        emulator.consent(url, demo.production_user.username)

    world.advance_clock(301)

    assert "code" in query_of(emulator.consent(url, demo.production_user.username))


@pytest.mark.parametrize(
    "redirect_uri",
    [
        "http://127.0.0.1:8000/api/oauth/callback/salesforce/",
        "http://localhost:8000/api/oauth/callback/salesforce",
        "HTTP://127.0.0.1:8000/api/oauth/callback/salesforce",
    ],
)
def test_redirect_uri_must_match_byte_for_byte(
    demo: Demo, emulator: EmulatorServer, client: httpx.Client, redirect_uri: str
) -> None:
    url = authorization_url(emulator.login_url, demo.app, redirect_uri=redirect_uri)

    page = client.get(url)

    assert page.status_code == 400
    assert "location" not in page.headers
    assert "redirect_uri_mismatch" in page.text


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ("blocked", "OAUTH_APP_BLOCKED"),
        ("scope", "invalid_scope"),
        ("inactive_user", "inactive_user"),
        ("inactive_org", "inactive_org"),
    ],
)
def test_refusals_come_back_to_the_callback(
    demo: Demo, emulator: EmulatorServer, change: str, error: str
) -> None:
    world = emulator.world
    scope = "api refresh_token"
    if change == "blocked":
        world.update_app(demo.app.consumer_key, blocked=True)
    elif change == "scope":
        scope = "api chatter_api"
    elif change == "inactive_user":
        world.update_user(demo.production_user.id, active=False)
    else:
        world.update_org(demo.production.id, active=False)
    url = authorization_url(emulator.login_url, demo.app, scope=scope, state="st")

    params = query_of(emulator.consent(url, demo.production_user.username))

    assert params["error"] == error
    assert params["error_description"]
    assert params["state"] == "st"
    assert "code" not in params


def test_an_unsupported_response_type_comes_back_to_the_callback(
    demo: Demo, emulator: EmulatorServer, client: httpx.Client
) -> None:
    url = authorization_url(emulator.login_url, demo.app, response_type="token")

    answer = client.get(url)

    assert answer.status_code == 302
    assert query_of(answer.headers["location"])["error"] == "unsupported_response_type"


@pytest.mark.parametrize(
    ("login", "user"),
    [
        ("sandbox_login_url", "production_user"),
        ("login_url", "sandbox_user"),
    ],
)
def test_users_log_in_only_at_their_kind_of_host(
    demo: Demo, emulator: EmulatorServer, login: str, user: str
) -> None:
    url = authorization_url(getattr(emulator, login), demo.app)

    with pytest.raises(ConsentError) as failure:
        emulator.consent(url, getattr(demo, user).username)

    assert failure.value.status == 200
    assert "check your username" in failure.value.message


def test_unknown_usernames_fail_to_log_in_and_may_retry(
    demo: Demo, emulator: EmulatorServer, client: httpx.Client
) -> None:
    page = client.get(authorization_url(emulator.login_url, demo.app))
    request_id = re.findall(r"name='request_id' value='([^']+)'", page.text)[0]
    decide = f"{emulator.login_url}/services/oauth2/authorize/decide"
    form = {"request_id": request_id, "decision": "approve"}

    failed = client.post(decide, data=form | {"username": "nobody@x.example"})
    retried = client.post(decide, data=form | {"username": "ada@acme.example"})

    assert failed.status_code == 200
    assert "id='error'" in failed.text
    assert retried.status_code == 302


def test_my_domain_serves_orgs_that_block_the_generic_hosts(
    demo: Demo, emulator: EmulatorServer
) -> None:
    world = emulator.world
    for org in (demo.production, demo.sandbox):
        world.update_org(org.id, generic_login_blocked=True)
    users = (demo.production_user, demo.sandbox_user)
    generic = (emulator.login_url, emulator.sandbox_login_url)

    for login, user in zip(generic, users, strict=True):
        with pytest.raises(ConsentError):
            emulator.consent(authorization_url(login, demo.app), user.username)
    for user in users:
        url = authorization_url(emulator.mydomain_url, demo.app)
        assert "code" in query_of(emulator.consent(url, user.username))


def test_signed_in_users_of_auto_approved_apps_skip_the_form(
    demo: Demo, emulator: EmulatorServer, client: httpx.Client
) -> None:
    emulator.world.sign_in("login", demo.production_user.username)

    quick = client.get(authorization_url(emulator.login_url, demo.app))
    forced = client.get(
        authorization_url(emulator.login_url, demo.app, prompt="login consent")
    )

    assert quick.status_code == 302
    assert "code" in query_of(quick.headers["location"])
    assert forced.status_code == 200


@pytest.mark.parametrize(
    ("who", "decision"), [("other", "approve"), ("signed_in", "deny")]
)
def test_a_skipped_form_is_no_login_as_someone_else_nor_a_deny(
    demo: Demo,
    emulator: EmulatorServer,
    client: httpx.Client,
    who: str,
    decision: str,
) -> None:
    world = emulator.world
    world.sign_in("login", demo.production_user.username)
    other = world.create_user(demo.production.id, username="grace@x.example")
    username = other.username if who == "other" else demo.production_user.username
    url = authorization_url(emulator.login_url, demo.app)

    with pytest.raises(ConsentError) as refused:
        emulator.consent(url, username, decision)
    answer = client.post(
        emulator.control_url + "/consent",
        json={"authorization_url": url, "username": username, "decision": decision},
    )

    assert refused.value.status == 409
    assert "signed in as" in refused.value.message
    assert answer.status_code == 409
    assert answer.json()["error"] == "no_login_form"
    assert world.codes == {}


def test_prompt_login_lets_another_user_log_in_over_a_session(
    demo: Demo, emulator: EmulatorServer
) -> None:
    world = emulator.world
    world.sign_in("login", demo.production_user.username)
    other = world.create_user(demo.production.id, username="grace@x.example")
    url = authorization_url(emulator.login_url, demo.app, prompt="login")

    location = emulator.consent(url, other.username)

    (code,) = world.codes.values()
    assert query_of(location)["code"] == code.value
    assert code.user_id == other.id


async def test_async_consent_gives_a_code(demo: Demo, emulator: EmulatorServer) -> None:
    url = authorization_url(emulator.login_url, demo.app)

    location = await emulator.aconsent(url, demo.production_user.username)

    assert "code" in query_of(location)

"""Ready-made worlds: the demo's orgs, users and app, and a full connect for tests."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx

from sfemulator.consent import consent
from sfemulator.model import ConnectedApp, Org, User
from sfemulator.pkce import challenge_for
from sfemulator.world import LOGIN, SANDBOX, World

DEFAULT_CALLBACK = "http://127.0.0.1:8000/api/oauth/callback/salesforce"


@dataclass(frozen=True)
class Demo:
    """One production org and one sandbox org, a user in each, and one app."""

    app: ConnectedApp
    production: Org
    production_user: User
    sandbox: Org
    sandbox_user: User


def seed_demo(
    world: World, callback_url: str = DEFAULT_CALLBACK, *, signed_in: bool = False
) -> Demo:
    """Create the demo world.

    With `signed_in`, a browser counts as logged in at the production and
    sandbox hosts as the demo users, so authorize redirects at once (unless
    `prompt=login` or `prompt=consent`), like an app approved before.
    """
    app = world.create_app(
        callback_urls=[callback_url], name="crmbridge (demo)", auto_approve=True
    )
    production = world.create_org(name="Acme", organization_type="Developer Edition")
    sandbox = world.create_org(name="Acme QA", is_sandbox=True, instance=1)
    production_user = world.create_user(
        production.id, username="ada@acme.example", name="Ada Lovelace"
    )
    sandbox_user = world.create_user(
        sandbox.id, username="ada@acme.example.qa", name="Ada Lovelace"
    )
    if signed_in:
        world.sign_in(LOGIN, production_user.username)
        world.sign_in(SANDBOX, sandbox_user.username)
    return Demo(app, production, production_user, sandbox, sandbox_user)


def new_verifier() -> str:
    """A PKCE verifier Salesforce accepts: 64 characters without "~"."""
    return secrets.token_urlsafe(48)


def authorization_url(
    login_url: str,
    app: ConnectedApp,
    *,
    verifier: str | None = None,
    scope: str = "api refresh_token",
    state: str = "state-1",
    **extra: str,
) -> str:
    """An authorize URL for `app`'s first callback, with PKCE when `verifier`."""
    params = {
        "response_type": "code",
        "client_id": app.consumer_key,
        "redirect_uri": app.callback_urls[0],
        "scope": scope,
        "state": state,
    }
    if verifier is not None:
        params |= {
            "code_challenge": challenge_for(verifier),
            "code_challenge_method": "S256",
        }
    return f"{login_url}/services/oauth2/authorize?{urlencode(params | extra)}"


def connect(
    login_url: str,
    app: ConnectedApp,
    user: User,
    *,
    scope: str = "api refresh_token",
) -> dict[str, Any]:
    """Run the whole web-server flow with PKCE; the token endpoint's JSON answer."""
    verifier = new_verifier()
    location = consent(
        authorization_url(login_url, app, verifier=verifier, scope=scope), user.username
    )
    code = parse_qs(urlsplit(location).query)["code"][0]
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "client_id": app.consumer_key,
        "redirect_uri": app.callback_urls[0],
        "code_verifier": verifier,
    }
    if app.require_secret:
        form["client_secret"] = app.consumer_secret
    answer = httpx.post(
        f"{login_url}/services/oauth2/token", data=form, trust_env=False
    )
    answer.raise_for_status()
    body: dict[str, Any] = answer.json()
    return body

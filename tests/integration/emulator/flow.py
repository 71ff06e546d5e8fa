"""Steps of the OAuth flow against the emulator, shared by its tests."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from sfemulator import EmulatorServer
from sfemulator.model import ConnectedApp, User
from sfemulator.scenario import authorization_url, new_verifier

RFC_VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
RFC_CHALLENGE = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


def query_of(location: str) -> dict[str, str]:
    return {
        key: values[0] for key, values in parse_qs(urlsplit(location).query).items()
    }


def code_for(
    emu: EmulatorServer,
    app: ConnectedApp,
    user: User,
    verifier: str | None = RFC_VERIFIER,
    login_url: str | None = None,
    scope: str = "api refresh_token",
) -> str:
    login = login_url or emu.login_url
    url = authorization_url(login, app, verifier=verifier, scope=scope)
    return query_of(emu.consent(url, user.username))["code"]


def exchange(
    client: httpx.Client,
    login_url: str,
    app: ConnectedApp,
    code: str,
    verifier: str | None = RFC_VERIFIER,
    **extra: str,
) -> httpx.Response:
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "client_id": app.consumer_key,
        "redirect_uri": app.callback_urls[0],
    }
    if verifier is not None:
        form["code_verifier"] = verifier
    return client.post(f"{login_url}/services/oauth2/token", data=form | extra)


def connect(
    emu: EmulatorServer,
    client: httpx.Client,
    app: ConnectedApp,
    user: User,
    login_url: str | None = None,
    scope: str = "api refresh_token",
) -> dict[str, Any]:
    login = login_url or emu.login_url
    verifier = new_verifier()
    code = code_for(emu, app, user, verifier, login, scope)
    answer = exchange(client, login, app, code, verifier)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def refresh_form(app: ConnectedApp, refresh_token: str) -> dict[str, str]:
    return {
        "grant_type": "refresh_token",
        "refresh_token": refresh_token,
        "client_id": app.consumer_key,
    }


def oauth_error(answer: httpx.Response) -> tuple[int, str, str]:
    body = answer.json()
    return answer.status_code, body["error"], body["error_description"]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


class Rest:
    """An authenticated REST client for one connected user, on its instance."""

    def __init__(self, client: httpx.Client, tokens: dict[str, Any]) -> None:
        self.client = client
        self.tokens = tokens
        self.base = f"{tokens['instance_url']}/services/data/v62.0"

    def get(self, path: str, **params: str) -> httpx.Response:
        return self.client.get(
            self.url(path), params=params, headers=bearer(self.tokens["access_token"])
        )

    def send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = bearer(self.tokens["access_token"]) | kwargs.pop("headers", {})
        return self.client.request(method, self.url(path), headers=headers, **kwargs)

    def url(self, path: str) -> str:
        if path.startswith("/services/"):
            return str(self.tokens["instance_url"]) + path
        return self.base + path

    def query(self, soql: str, endpoint: str = "/query") -> httpx.Response:
        return self.get(endpoint, q=soql)

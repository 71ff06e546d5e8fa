"""The token and revoke endpoints' rules: code exchange, refresh, rotation, revoke."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from typing import Any

from sfemulator.authorize import can_log_in
from sfemulator.ids import opaque
from sfemulator.model import AccessToken, ConnectedApp, Grant, Org, RefreshToken, User
from sfemulator.pkce import verifier_matches
from sfemulator.world import World

EXPIRED_TOKEN = "expired access/refresh token"
IN_FLIGHT = "token request is already being processed"


class OAuthError(Exception):
    """An OAuth error answer: HTTP 400 with {"error", "error_description"}."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description


def exchange_code(world: World, role: str, form: Mapping[str, str]) -> dict[str, Any]:
    """grant_type=authorization_code: redeem a code for a new grant's tokens."""
    with world.lock:
        app = _client(world, form, secret_required_for="code")
        code = world.codes.get(form.get("code", ""))
        fresh = code is not None and code.expires_at > world.now()
        if code is None or not fresh or code.login_role != role:
            raise OAuthError("invalid_grant", "expired authorization code")
        if code.client_id != app.consumer_key:
            raise OAuthError("invalid_grant", "expired authorization code")
        if form.get("redirect_uri") != code.redirect_uri:
            raise OAuthError("invalid_grant", "redirect_uri must match configuration")
        challenge = code.code_challenge
        if challenge and not verifier_matches(form.get("code_verifier"), challenge):
            raise OAuthError("invalid_grant", "invalid code verifier")
        user = world.users[code.user_id]
        org = world.orgs[user.org_id]
        _check_active(user, org)
        del world.codes[code.value]
        grant = Grant(
            id=world.serial(),
            client_id=app.consumer_key,
            user_id=user.id,
            scopes=code.scopes,
        )
        world.grants[grant.id] = grant
        wants_refresh = {"refresh_token", "offline_access"} & set(grant.scopes)
        refresh = _new_refresh(world, grant) if wants_refresh else None
        return _answer(world, role, app, grant, refresh)


def start_refresh(world: World, role: str, form: Mapping[str, str]) -> str:
    """Validate a refresh and mark its token in flight; returns the token.

    The caller must pass the result to `finish_refresh` and, whatever
    happens, to `World.refreshing.discard` afterwards.
    """
    with world.lock:
        app = _client(world, form, secret_required_for="refresh")
        value = form.get("refresh_token", "")
        refresh = world.refresh_tokens.get(value)
        grant = world.grants[refresh.grant_id] if refresh else None
        if refresh is None or grant is None or refresh.revoked or grant.revoked:
            raise OAuthError("invalid_grant", EXPIRED_TOKEN)
        if grant.client_id != app.consumer_key:
            raise OAuthError("invalid_grant", EXPIRED_TOKEN)
        if refresh.rotated:
            # Reuse of a rotated token looks like theft: the whole grant dies.
            world.revoke_grant(grant.id)
            raise OAuthError("invalid_grant", EXPIRED_TOKEN)
        user = world.users[grant.user_id]
        org = world.orgs[user.org_id]
        if not can_log_in(org, role, interactive=False):
            raise OAuthError("invalid_grant", EXPIRED_TOKEN)
        if value in world.refreshing:
            raise OAuthError(
                "invalid_grant", "token request is already being processed"
            )
        _check_active(user, org)
        world.refreshing.add(value)
        return value


def finish_refresh(world: World, role: str, value: str) -> dict[str, Any]:
    """Issue the refresh's new access token (and a new refresh token on rotation)."""
    with world.lock:
        refresh = world.refresh_tokens[value]
        grant = world.grants[refresh.grant_id]
        if refresh.revoked or refresh.rotated or grant.revoked:
            raise OAuthError("invalid_grant", EXPIRED_TOKEN)
        app = world.apps[grant.client_id]
        rotated = None
        if app.refresh_token_rotation:
            refresh.rotated = True
            rotated = _new_refresh(world, grant)
        return _answer(world, role, app, grant, rotated)


def revoke(world: World, role: str, token: str) -> None:
    """Revoke a refresh token (its whole grant) or a single access token."""
    with world.lock:
        world.stats.revokes[role] += 1
        refresh = world.refresh_tokens.get(token)
        refresh_alive = refresh and not (refresh.revoked or refresh.rotated)
        if refresh and refresh_alive and _host_knows(world, role, refresh.grant_id):
            world.revoke_grant(refresh.grant_id)
            return
        access = world.access_tokens.get(token)
        access_alive = access and not access.revoked and access.expires_at > world.now()
        if access and access_alive and _host_knows(world, role, access.grant_id):
            access.revoked = True
            return
        raise OAuthError("invalid_token", "invalid token")


def live_session(world: World, token: str) -> AccessToken | None:
    """The access token if it is still a valid session, else None."""
    with world.lock:
        access = world.access_tokens.get(token)
        if access is None or access.revoked or access.expires_at <= world.now():
            return None
        if world.grants[access.grant_id].revoked:
            return None
        return access


def _host_knows(world: World, role: str, grant_id: int) -> bool:
    user = world.users[world.grants[grant_id].user_id]
    return can_log_in(world.orgs[user.org_id], role, interactive=False)


def _client(
    world: World, form: Mapping[str, str], *, secret_required_for: str
) -> ConnectedApp:
    app = world.usable_app(form.get("client_id", ""))
    if app is None:
        raise OAuthError("invalid_client_id", "client identifier invalid")
    required = (
        app.require_secret
        if secret_required_for == "code"
        else app.require_secret_for_refresh
    )
    secret = form.get("client_secret")
    if (required or secret is not None) and not _same(secret, app.consumer_secret):
        raise OAuthError("invalid_client", "invalid client credentials")
    return app


def _same(given: str | None, expected: str) -> bool:
    return given is not None and hmac.compare_digest(given, expected)


def _check_active(user: User, org: Org) -> None:
    if not org.active:
        raise OAuthError("inactive_org", "inactive organization")
    if not user.active:
        raise OAuthError("invalid_grant", "inactive user")


def _new_refresh(world: World, grant: Grant) -> RefreshToken:
    refresh = RefreshToken(value=opaque("5Aep861", 48), grant_id=grant.id)
    world.refresh_tokens[refresh.value] = refresh
    return refresh


def _answer(
    world: World,
    role: str,
    app: ConnectedApp,
    grant: Grant,
    refresh: RefreshToken | None,
) -> dict[str, Any]:
    user = world.users[grant.user_id]
    org = world.orgs[user.org_id]
    access = AccessToken(
        value=f"{org.id[:15]}!{opaque('AQ', 72)}",
        grant_id=grant.id,
        user_id=user.id,
        org_id=org.id,
        scopes=grant.scopes,
        expires_at=world.now() + org.session_seconds,
    )
    world.access_tokens[access.value] = access
    issued_at = str(int(world.now() * 1000))
    identity = f"{world.urls[role]}/id/{org.id}/{user.id}"
    body: dict[str, Any] = {"access_token": access.value}
    if refresh is not None:
        body["refresh_token"] = refresh.value
    body |= {
        "signature": _signature(app.consumer_secret, identity + issued_at),
        "scope": " ".join(grant.scopes),
        "instance_url": world.instance_url(org),
        "id": identity,
        "token_type": "Bearer",
        "issued_at": issued_at,
    }
    return body


def _signature(secret: str, message: str) -> str:
    mac = hmac.new(secret.encode(), message.encode(), hashlib.sha256)
    return base64.b64encode(mac.digest()).decode()

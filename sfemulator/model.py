"""The emulator world's entities: orgs, users, connected apps and OAuth artefacts."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Org:
    """A Salesforce org: one tenant living on one instance host."""

    id: str
    name: str
    is_sandbox: bool
    organization_type: str
    instance: int
    active: bool = True
    api_enabled: bool = True
    daily_api_max: int = 15000
    daily_api_used: int = 0
    generic_login_blocked: bool = False
    session_seconds: int = 7200


@dataclass
class User:
    """A user of one org; `api_enabled` is the profile's "API Enabled" permission."""

    id: str
    org_id: str
    username: str
    email: str
    name: str
    active: bool = True
    api_enabled: bool = True


@dataclass
class ConnectedApp:
    """A Connected App, usable by any org's users (like a packaged app)."""

    consumer_key: str
    consumer_secret: str
    name: str
    callback_urls: list[str]
    scopes: set[str]
    require_secret: bool = False
    require_secret_for_refresh: bool = False
    refresh_token_rotation: bool = False
    blocked: bool = False
    available_after: float = 0.0
    auto_approve: bool = False


@dataclass
class PendingAuthorization:
    """An authorize request waiting for the user's login and decision."""

    request_id: str
    login_role: str
    client_id: str
    redirect_uri: str
    scopes: tuple[str, ...]
    state: str | None
    code_challenge: str | None
    login_hint: str | None
    created_at: float


@dataclass
class AuthCode:
    """An authorization code: single use, short-lived, bound to one login host."""

    value: str
    login_role: str
    client_id: str
    user_id: str
    redirect_uri: str
    scopes: tuple[str, ...]
    code_challenge: str | None
    expires_at: float


@dataclass
class Grant:
    """One user's approval of one app; tokens hang off it and die with it."""

    id: int
    client_id: str
    user_id: str
    scopes: tuple[str, ...]
    revoked: bool = False


@dataclass
class RefreshToken:
    """A refresh token; `rotated` ones are dead and reusing them kills the grant."""

    value: str
    grant_id: int
    rotated: bool = False
    revoked: bool = False


@dataclass
class AccessToken:
    """A session id; it expires with the org's session timeout, never announced."""

    value: str
    grant_id: int
    user_id: str
    org_id: str
    scopes: tuple[str, ...]
    expires_at: float
    revoked: bool = False


@dataclass
class HttpFault:
    """The next `remaining` requests on a listener under `path_prefix` misbehave."""

    listener: str | None
    path_prefix: str
    remaining: int
    action: str
    status: int = 503
    delay: float = 0.0
    retry_after: str | None = None
    id: int = field(default=0)

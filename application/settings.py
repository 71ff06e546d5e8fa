"""Where the OAuth flow points: login hosts and the callback URL."""

from __future__ import annotations

from urllib.parse import urlsplit

import msgspec

from domain.connection import Connection
from domain.environment import (
    LOOPBACK_HOSTS,
    Environment,
    HostPolicy,
    normalize_login_host,
)
from domain.tokens import TokenSet
from domain.workspace import require_workspace_id

CALLBACK_PATH = "/api/oauth/callback/salesforce"


class OAuthSettings(msgspec.Struct, frozen=True, kw_only=True):
    """Login hosts per environment and the public base of our callback.

    `public_url` may contain `{workspace}` for per-workspace subdomains.
    """

    production_login_url: str = "https://login.salesforce.com"
    sandbox_login_url: str = "https://test.salesforce.com"
    public_url: str = "http://127.0.0.1:8000"

    def callback_url(self, workspace_id: str) -> str:
        safe = require_workspace_id(workspace_id)
        base = self.public_url.replace("{workspace}", safe).rstrip("/")
        return base + CALLBACK_PATH

    def host_policy(self) -> HostPolicy:
        configured = {
            (urlsplit(url).hostname or "").lower()
            for url in (self.production_login_url, self.sandbox_login_url)
        }
        return HostPolicy(
            extra_hosts=frozenset(configured),
            allow_loopback=bool(configured & LOOPBACK_HOSTS),
        )

    def check_given_login_host(self, given: object) -> None:
        """Refuse a My Domain login host a caller gives (a string) that is no
        host we send secrets to: checked before any other settings rule, so
        a host refused anyway says why, not "disconnect first"."""
        if isinstance(given, str):
            self.host_policy().check(normalize_login_host(given), field="login_host")

    def check_token_hosts(self, tokens: TokenSet) -> None:
        """Refuse a token answer that sends us anywhere but Salesforce."""
        policy = self.host_policy()
        policy.check(tokens.instance_url, field="instance_url")
        if tokens.identity_url:
            policy.check(tokens.identity_url, field="id")

    def login_host(self, connection: Connection) -> str:
        """A workspace's My Domain wins; otherwise the environment decides."""
        if connection.login_host:
            return connection.login_host
        if connection.environment is Environment.SANDBOX:
            return self.sandbox_login_url.rstrip("/")
        return self.production_login_url.rstrip("/")

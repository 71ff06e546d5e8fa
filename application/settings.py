"""Where the OAuth flow points: login hosts and the callback URL."""

from __future__ import annotations

import msgspec

from domain.connection import Connection
from domain.environment import Environment
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

    def login_host(self, connection: Connection) -> str:
        """A workspace's My Domain wins; otherwise the environment decides."""
        if connection.login_host:
            return connection.login_host
        if connection.environment is Environment.SANDBOX:
            return self.sandbox_login_url.rstrip("/")
        return self.production_login_url.rstrip("/")

"""A workspace's Salesforce connection and the lifecycle it may go through.

    disconnected ──begin──▶ authorizing ──complete──▶ connected
         ▲                      │ fail / expire           │ refresh rejected
         │                      ▼                         ▼
         └────── disconnect ◀── (back) ◀───────── needs_reauthorization

Every change returns a new `Connection`; `IllegalTransition` guards the rest.
"""

from __future__ import annotations

import enum
import re
from datetime import datetime

import msgspec

from domain.environment import Environment, normalize_login_host
from domain.errors import IllegalTransition, InvalidSetting
from domain.problems import Problem, standing
from domain.tokens import TokenSet

_CLIENT_ID = re.compile(r"^[A-Za-z0-9._]{20,256}$")


class ConnectionStatus(enum.StrEnum):
    DISCONNECTED = "disconnected"
    AUTHORIZING = "authorizing"
    CONNECTED = "connected"
    NEEDS_REAUTHORIZATION = "needs_reauthorization"


class OrgIdentity(msgspec.Struct, frozen=True, kw_only=True):
    """Who authorized, and in which org, as Salesforce reports it."""

    org_id: str
    user_id: str
    username: str
    is_sandbox: bool | None = None


def validate_client_id(client_id: str) -> str:
    """Return the Consumer Key trimmed, or raise `InvalidSetting`."""
    cleaned = client_id.strip()
    if not _CLIENT_ID.fullmatch(cleaned):
        raise InvalidSetting(
            "client_id must be a Connected App Consumer Key: 20 to 256 letters, "
            "digits, '.' or '_'",
            field="client_id",
        )
    return cleaned


def mask_client_id(client_id: str | None) -> str | None:
    if client_id is None:
        return None
    return f"{client_id[:4]}…{client_id[-4:]}"


# Settings freeze while tokens are stored, dead ones too.
WHILE_HELD = "while a grant is held (connected, or needing reauthorization)"


class Connection(msgspec.Struct, frozen=True, kw_only=True):
    workspace_id: str
    environment: Environment = Environment.PRODUCTION
    client_id: str | None = None
    login_host: str | None = None
    status: ConnectionStatus = ConnectionStatus.DISCONNECTED
    authorizing_until: datetime | None = None
    identity: OrgIdentity | None = None
    tokens: TokenSet | None = None
    connected_at: datetime | None = None
    last_verified_at: datetime | None = None
    problem: Problem | None = None

    def status_at(self, now: datetime) -> ConnectionStatus:
        """The status a person sees: an abandoned authorization lapses."""
        lapsed = self.authorizing_until is not None and now >= self.authorizing_until
        if self.status is ConnectionStatus.AUTHORIZING and lapsed:
            return self._settled_status()
        return self.status

    @property
    def holds_grant(self) -> bool:
        """Tokens are stored (possibly dead): settings are frozen until disconnect."""
        return self.tokens is not None

    def configure(
        self, *, client_id: str, sandbox: bool, login_host: str | None = None
    ) -> Connection:
        environment = Environment.from_sandbox_flag(sandbox)
        client_id = validate_client_id(client_id)
        host = normalize_login_host(login_host) if login_host else None
        if self.holds_grant and environment is not self.environment:
            raise IllegalTransition(
                f"cannot change the environment {WHILE_HELD}", field="sandbox"
            )
        if self.holds_grant and client_id != self.client_id:
            raise IllegalTransition(
                f"cannot change the Client ID {WHILE_HELD}", field="client_id"
            )
        if self.holds_grant and host != self.login_host:
            raise IllegalTransition(
                f"cannot change the login host {WHILE_HELD}", field="login_host"
            )
        keeps_pending = (client_id, environment, host) == (
            self.client_id,
            self.environment,
            self.login_host,
        )
        return msgspec.structs.replace(
            self,
            client_id=client_id,
            environment=environment,
            login_host=host,
            status=self.status if keeps_pending else self._settled_status(),
            authorizing_until=self.authorizing_until if keeps_pending else None,
        )

    def begin_authorization(self, *, until: datetime) -> Connection:
        if self.client_id is None:
            raise InvalidSetting("set a Client ID before connecting", field="client_id")
        if self.status is ConnectionStatus.CONNECTED:
            raise IllegalTransition("already connected; disconnect first")
        return msgspec.structs.replace(
            self, status=ConnectionStatus.AUTHORIZING, authorizing_until=until
        )

    def complete(
        self, *, identity: OrgIdentity, tokens: TokenSet, at: datetime
    ) -> Connection:
        if self.status is ConnectionStatus.CONNECTED:
            raise IllegalTransition("already connected; disconnect first")
        return msgspec.structs.replace(
            self,
            status=ConnectionStatus.CONNECTED,
            authorizing_until=None,
            identity=identity,
            tokens=tokens,
            connected_at=at,
            last_verified_at=at,
            # Limitation: a standing grant_not_revoked ends here too; whether
            # the old grant was revoked at Salesforce is not ours to see.
            problem=None,
        )

    def fail_authorization(self, problem: Problem) -> Connection:
        """An authorization attempt ended badly: record why, keep what was there.

        A standing problem (an unrevoked grant) outranks the attempt's, which
        the callback reports to the admin anyway.
        """
        return msgspec.structs.replace(
            self,
            status=self._settled_status(),
            authorizing_until=None,
            problem=standing(self.problem) or problem,
        )

    def with_tokens(self, tokens: TokenSet) -> Connection:
        if self.status is not ConnectionStatus.CONNECTED:
            raise IllegalTransition("only a connected connection takes new tokens")
        return msgspec.structs.replace(self, tokens=tokens)

    def require_reauthorization(self, problem: Problem) -> Connection:
        if not self.holds_grant:
            raise IllegalTransition("no grant to invalidate")
        return msgspec.structs.replace(
            self, status=ConnectionStatus.NEEDS_REAUTHORIZATION, problem=problem
        )

    def verified(self, *, at: datetime, identity: OrgIdentity) -> Connection:
        return msgspec.structs.replace(
            self, last_verified_at=at, identity=identity, problem=None
        )

    def note_problem(self, problem: Problem | None) -> Connection:
        return msgspec.structs.replace(self, problem=problem)

    def disconnect(self) -> Connection:
        """Forget the grant and who it belonged to; keep the settings, and a
        standing problem (an earlier grant left unrevoked) until a new
        connection completes."""
        return Connection(
            workspace_id=self.workspace_id,
            environment=self.environment,
            client_id=self.client_id,
            login_host=self.login_host,
            problem=standing(self.problem),
        )

    def switch_environment(self, *, sandbox: bool) -> Connection:
        """Disconnected, on the other environment. A grant for the
        environment asked for is in use already: switching would only drop it."""
        target = Environment.from_sandbox_flag(sandbox)
        if self.holds_grant and self.environment is target:
            # No field: the answer would then name "sandbox" in one
            # direction only (the message says it the other way).
            raise IllegalTransition(f"the connection already uses {target.value}")
        disconnected = self.disconnect()
        return msgspec.structs.replace(
            disconnected, environment=Environment.from_sandbox_flag(sandbox)
        )

    def _settled_status(self) -> ConnectionStatus:
        """Where an unfinished authorization falls back to."""
        if self.status is ConnectionStatus.CONNECTED:
            return self.status
        if self.tokens is not None:
            return ConnectionStatus.NEEDS_REAUTHORIZATION
        return ConnectionStatus.DISCONNECTED

"""Database rows for connections and pending authorizations, and their mapping.

Rows are not domain objects: `to_row` flattens a domain value and seals its
secrets; `to_domain` opens them again. Nothing secret is stored in clear.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Self, cast

from sqlalchemy import MetaData, String, Table, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from adapters.encryption import FernetTokenCipher
from adapters.persistence.sealing import (
    open_tokens,
    open_verifier,
    seal_tokens,
    seal_verifier,
    state_hash,
)
from adapters.persistence.types import UtcDateTime
from domain.authorization import PendingAuthorization
from domain.connection import Connection, ConnectionStatus, OrgIdentity
from domain.environment import Environment
from domain.problems import Problem
from domain.tokens import TokenSet

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_name)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class ConnectionRow(Base):
    __tablename__ = "connections"

    workspace_id: Mapped[str] = mapped_column(String, primary_key=True)
    environment: Mapped[str] = mapped_column(String(16))
    client_id: Mapped[str | None] = mapped_column(String(256))
    login_host: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(32))
    authorizing_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    org_id: Mapped[str | None] = mapped_column(Text)
    user_id: Mapped[str | None] = mapped_column(Text)
    username: Mapped[str | None] = mapped_column(Text)
    is_sandbox: Mapped[bool | None]
    sealed_tokens: Mapped[str | None] = mapped_column(Text)
    connected_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_verified_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    problem_code: Mapped[str | None] = mapped_column(Text)
    problem_message: Mapped[str | None] = mapped_column(Text)
    problem_hint: Mapped[str | None] = mapped_column(Text)
    # Not part of the connection: only the lease's own statements write them.
    refresh_lease_holder: Mapped[str | None] = mapped_column(Text)
    refresh_lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime)

    @classmethod
    def to_row(cls, connection: Connection, cipher: FernetTokenCipher) -> Self:
        identity, problem, tokens = (
            connection.identity,
            connection.problem,
            connection.tokens,
        )
        return cls(
            workspace_id=connection.workspace_id,
            environment=connection.environment.value,
            client_id=connection.client_id,
            login_host=connection.login_host,
            status=connection.status.value,
            authorizing_until=connection.authorizing_until,
            org_id=identity.org_id if identity else None,
            user_id=identity.user_id if identity else None,
            username=identity.username if identity else None,
            is_sandbox=identity.is_sandbox if identity else None,
            sealed_tokens=(
                seal_tokens(cipher, connection.workspace_id, tokens) if tokens else None
            ),
            connected_at=connection.connected_at,
            last_verified_at=connection.last_verified_at,
            problem_code=problem.code if problem else None,
            problem_message=problem.message if problem else None,
            problem_hint=problem.hint if problem else None,
        )

    def to_domain(self, cipher: FernetTokenCipher) -> Connection:
        tokens = (
            open_tokens(cipher, self.workspace_id, self.sealed_tokens)
            if self.sealed_tokens is not None
            else None
        )
        return connection_of(column_values(self), tokens)


LEASE_COLUMNS = frozenset({"refresh_lease_holder", "refresh_lease_until"})


def connection_values(row: ConnectionRow) -> dict[str, Any]:
    """The columns a save of the connection writes: all but the lease's."""
    values = column_values(row)
    return {key: value for key, value in values.items() if key not in LEASE_COLUMNS}


def connection_of(values: Mapping[str, Any], tokens: TokenSet | None) -> Connection:
    """A connection from its row's column values and its opened tokens."""
    return Connection(
        workspace_id=values["workspace_id"],
        environment=Environment(values["environment"]),
        client_id=values["client_id"],
        login_host=values["login_host"],
        status=ConnectionStatus(values["status"]),
        authorizing_until=values["authorizing_until"],
        identity=_identity(values),
        tokens=tokens,
        connected_at=values["connected_at"],
        last_verified_at=values["last_verified_at"],
        problem=_problem(values),
    )


def _identity(values: Mapping[str, Any]) -> OrgIdentity | None:
    org_id, user_id, username = (
        values["org_id"],
        values["user_id"],
        values["username"],
    )
    if org_id is None or user_id is None or username is None:
        return None
    return OrgIdentity(
        org_id=org_id,
        user_id=user_id,
        username=username,
        is_sandbox=values["is_sandbox"],
    )


def _problem(values: Mapping[str, Any]) -> Problem | None:
    code, message = values["problem_code"], values["problem_message"]
    if code is None or message is None:
        return None
    return Problem(code=code, message=message, hint=values["problem_hint"])


class PendingAuthorizationRow(Base):
    __tablename__ = "pending_authorizations"

    state_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(String, index=True)
    environment: Mapped[str] = mapped_column(String(16))
    client_id: Mapped[str] = mapped_column(String(256))
    login_host: Mapped[str] = mapped_column(Text)
    redirect_uri: Mapped[str] = mapped_column(Text)
    sealed_verifier: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)

    @classmethod
    def to_row(cls, pending: PendingAuthorization, cipher: FernetTokenCipher) -> Self:
        key = state_hash(pending.state)
        return cls(
            state_hash=key,
            workspace_id=pending.workspace_id,
            environment=pending.environment.value,
            client_id=pending.client_id,
            login_host=pending.login_host,
            redirect_uri=pending.redirect_uri,
            sealed_verifier=seal_verifier(cipher, key, pending.code_verifier),
            created_at=pending.created_at,
            expires_at=pending.expires_at,
        )

    def to_domain(self, state: str, cipher: FernetTokenCipher) -> PendingAuthorization:
        """The row holds only a hash of `state`, so the caller supplies it."""
        return PendingAuthorization(
            state=state,
            workspace_id=self.workspace_id,
            environment=Environment(self.environment),
            client_id=self.client_id,
            login_host=self.login_host,
            redirect_uri=self.redirect_uri,
            code_verifier=open_verifier(cipher, self.state_hash, self.sealed_verifier),
            created_at=self.created_at,
            expires_at=self.expires_at,
        )


def column_values(row: Base) -> dict[str, Any]:
    """The row's columns as a dict, for INSERT statements."""
    return {column.key: getattr(row, column.key) for column in row.__table__.columns}


def table_of(row_class: type[Base]) -> Table:
    return cast(Table, row_class.__table__)


def column_names(row_class: type[Base]) -> tuple[str, ...]:
    """The row class's columns, in the order `row_values` gives them."""
    return tuple(column.key for column in table_of(row_class).columns)


def row_values(row: Base) -> tuple[Any, ...]:
    """The row's columns as a tuple, in the order of `column_names`."""
    return tuple(getattr(row, column.key) for column in row.__table__.columns)

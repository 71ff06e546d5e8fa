"""Application: whether a stored connection can make calls, and its tokens."""

from __future__ import annotations

from application.errors import NeedsReauthorization, NotConnected
from domain.connection import Connection, ConnectionStatus
from domain.problems import refresh_token_invalid
from domain.tokens import TokenSet


def is_unchanged(current: Connection | None, read: TokenSet) -> bool:
    """Whether the stored connection still holds, usable, the tokens read."""
    if current is None or current.status is not ConnectionStatus.CONNECTED:
        return False
    return current.tokens == read


def usable(connection: Connection | None) -> Connection:
    """The connection if it can make calls; otherwise the error that says why."""
    if connection is None or connection.tokens is None:
        raise NotConnected("Salesforce is not connected")
    if connection.status is not ConnectionStatus.CONNECTED:
        # A grant is stored but dead, possibly with a reconnect under way.
        raise NeedsReauthorization(connection.problem or refresh_token_invalid(None))
    return connection


def tokens_of(connection: Connection) -> TokenSet:
    if connection.tokens is None:
        raise NotConnected("Salesforce is not connected")
    return connection.tokens

"""OAuth token sets and how a refresh answer merges into the stored one."""

from __future__ import annotations

from datetime import UTC, datetime

import msgspec


class TokenSet(msgspec.Struct, frozen=True, kw_only=True):
    """What Salesforce granted: secrets plus where to use them.

    There is no expiry: Salesforce does not send one, so a 401 is the signal.
    """

    access_token: str
    refresh_token: str | None
    instance_url: str
    issued_at: datetime
    identity_url: str | None = None
    scope: str | None = None

    def __repr__(self) -> str:
        return (
            f"TokenSet(access_token=<redacted>, refresh_token="
            f"{'<redacted>' if self.refresh_token else None}, "
            f"instance_url={self.instance_url!r}, issued_at={self.issued_at!r})"
        )

    __str__ = __repr__

    def merged_with(self, answer: TokenSet) -> TokenSet:
        """Apply a refresh answer: new values win, absent ones keep the stored value.

        Without rotation Salesforce sends no refresh token; with rotation it sends a
        new one and the old one is dead, so the new one must replace it.
        """
        return TokenSet(
            access_token=answer.access_token,
            refresh_token=answer.refresh_token or self.refresh_token,
            instance_url=answer.instance_url or self.instance_url,
            issued_at=answer.issued_at,
            identity_url=answer.identity_url or self.identity_url,
            scope=answer.scope or self.scope,
        )


def issued_at_from_wire(value: str | int | None, fallback: datetime) -> datetime:
    """Parse Salesforce's `issued_at`: a string of epoch milliseconds."""
    if value is None or value == "":
        return fallback
    try:
        millis = int(value)
    except (TypeError, ValueError):
        return fallback
    return datetime.fromtimestamp(millis / 1000, tz=UTC)

"""Application: the opaque, URL-safe cursors of the people and companies pages.

A cursor is a position, not a credential: it is not signed, and one edited
by hand pages from wherever it then points, within the caller's workspace,
which every query is bound to anyway.
"""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime
from typing import Annotated, Literal

import msgspec

from application.errors import InvalidInput

Resource = Literal["people", "companies"]
URL_SAFE = re.compile(r"[A-Za-z0-9_-]+")


class PageCursor(msgspec.Struct, frozen=True, kw_only=True, array_like=True):
    """Where the next page starts, and which listing issued it."""

    resource: Resource
    updated_at: Annotated[datetime, msgspec.Meta(tz=True)]
    key: str


def encode_cursor(resource: Resource, updated_at: datetime, key: str) -> str:
    """base64url without padding: nothing in it needs escaping in a URL."""
    cursor = PageCursor(resource=resource, updated_at=updated_at, key=key)
    raw = msgspec.msgpack.encode(cursor)
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def decode_cursor(
    resource: Resource, cursor: str | None
) -> tuple[datetime, str] | None:
    """The `(updated_at, key)` a cursor of this listing points after."""
    if not cursor:
        return None
    try:
        found = _decoded(cursor)
        if found.resource != resource or not found.key or "\0" in found.key:
            # A NUL no id holds, and PostgreSQL refuses in a parameter.
            raise ValueError(found.resource)
        return found.updated_at.astimezone(UTC), found.key
    except (ValueError, OverflowError, msgspec.DecodeError) as exc:
        raise InvalidInput(
            "cursor is not a next_cursor of this listing",
            field="cursor",
            hint="Pass a next_cursor of this listing as it came, or start again "
            "from the first page (no cursor).",
        ) from exc


def _decoded(cursor: str) -> PageCursor:
    if not URL_SAFE.fullmatch(cursor):
        raise ValueError("not base64url")
    raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    return msgspec.msgpack.decode(raw, type=PageCursor)

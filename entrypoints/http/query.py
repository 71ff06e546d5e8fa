"""Strict query parameters: unknown, repeated or malformed ones are a 422 naming
the parameter, never silently ignored or coerced."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import unquote_to_bytes

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler
from litestar.types import Guard

from application.errors import InvalidInput, shown_id

T = TypeVar("T")
MAX_VALUE_LENGTH = 512
FLAGS = {"true": True, "false": False}


def query_of(
    request: ASGIConnection[Any, Any, Any, Any], allowed: Iterable[str]
) -> dict[str, str]:
    """The request's parameters by name, each given once and all of them known."""
    known = frozenset(allowed)
    refuse_undecodable(request.scope.get("query_string", b""))
    values: dict[str, str] = {}
    for name in request.query_params:
        given = request.query_params.getall(name)
        if name not in known:
            expected = ", ".join(sorted(known)) or "none"
            if not name:
                raise InvalidInput(
                    f"a parameter has no name (expected: {expected})", field=None
                )
            shown = shown_id(name)
            raise InvalidInput(
                f"{shown} is not a parameter here (expected: {expected})", field=shown
            )
        if len(given) > 1:
            raise InvalidInput(f"{name} is given more than once", field=name)
        if len(given[0]) > MAX_VALUE_LENGTH:
            raise InvalidInput(
                f"{name} is longer than {MAX_VALUE_LENGTH} characters", field=name
            )
        refuse_nul(name, given[0])
        values[name] = given[0]
    return values


def refuse_undecodable(query_string: bytes) -> None:
    """Every name and value must be UTF-8 once percent-decoded: the parser
    turns bad bytes into U+FFFD, and `email=%ff` would then match nobody
    instead of being refused."""
    for pair in query_string.split(b"&"):
        name, _, value = pair.partition(b"=")
        decoded = _utf8(name)
        if decoded is None or _utf8(value) is None:
            # A name that is not UTF-8 itself is shown as it was sent.
            raise _not_utf8(
                shown_id(name.decode("latin-1") if decoded is None else decoded)
            )


def _not_utf8(name: str) -> InvalidInput:
    return InvalidInput(f"{name} is not UTF-8 text once percent-decoded", field=name)


def _utf8(part: bytes) -> str | None:
    """`part` percent-decoded as UTF-8 text ('+' as a space, as a query
    reads it), or None; for a path, whether it is UTF-8 is all that counts."""
    try:
        return unquote_to_bytes(part.replace(b"+", b" ")).decode("utf-8")
    except UnicodeDecodeError:
        return None


def only_query(*allowed: str) -> Guard:
    """A guard refusing unknown query parameters before the body is read."""

    async def guard(
        connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler
    ) -> None:
        query_of(connection, allowed)

    return guard


no_query = only_query()


async def bounded_path(
    connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler
) -> None:
    """A guard refusing path values longer than any id we store, holding a
    NUL, or not UTF-8 once percent-decoded, unechoed."""
    for name, value in connection.path_params.items():
        if isinstance(value, str) and len(value) > MAX_VALUE_LENGTH:
            raise InvalidInput(
                f"{name} is longer than {MAX_VALUE_LENGTH} characters", field=name
            )
        if isinstance(value, str):
            refuse_nul(name, value)
            if "\ufffd" in value:
                refuse_undecodable_path(name, connection.scope)


def refuse_undecodable_path(name: str, scope: Mapping[str, Any]) -> None:
    """The server turned bytes that are not UTF-8 into U+FFFD (`%ff` in an
    id): refused as in a query, unless the raw path spells a real U+FFFD."""
    if _utf8(scope.get("raw_path") or b"") is None:
        raise _not_utf8(name)


def refuse_nul(name: str, value: str) -> None:
    """No id, filter or cursor holds a NUL, and PostgreSQL refuses one in a
    text parameter: the request would end in a 500 there, after a query."""
    if "\x00" in value:
        raise InvalidInput(f"{name} holds a NUL character (%00)", field=name)


def integer(
    query: Mapping[str, str], name: str, *, low: int, high: int, default: int
) -> int:
    raw = query.get(name)
    if raw is None:
        return default
    if not raw.isascii() or not raw.isdigit() or not low <= int(raw) <= high:
        raise InvalidInput(f"{name} must be a whole number {low}..{high}", field=name)
    return int(raw)


def flag(query: Mapping[str, str], name: str) -> bool:
    raw = query.get(name)
    if raw is None:
        return False
    if raw.lower() not in FLAGS:
        raise InvalidInput(f"{name} must be true or false", field=name)
    return FLAGS[raw.lower()]


def moment(query: Mapping[str, str], name: str) -> datetime | None:
    """An ISO 8601 date-time with its offset (`2026-01-15T10:30:00Z`), in UTC."""
    raw = query.get(name)
    if raw is None:
        return None
    try:
        parsed = datetime.fromisoformat(raw)
        in_utc = parsed.astimezone(UTC) if parsed.tzinfo is not None else None
    except (ValueError, OverflowError):
        in_utc = None
    if in_utc is None:
        raise InvalidInput(
            f"{name} must be an ISO 8601 date-time with an offset, like "
            "2026-01-15T10:30:00Z (URL-encode a '+' as %2B), between years 1 "
            "and 9999 in UTC",
            field=name,
        )
    return in_utc


def choice(query: Mapping[str, str], name: str, choices: Mapping[str, T]) -> T | None:
    raw = query.get(name)
    if raw is None:
        return None
    if raw not in choices:
        raise InvalidInput(f"{name} must be one of {', '.join(choices)}", field=name)
    return choices[raw]


def text(query: Mapping[str, str], name: str) -> str | None:
    raw = query.get(name)
    if raw is not None and not raw.strip():
        raise InvalidInput(f"{name} must not be empty", field=name)
    return raw

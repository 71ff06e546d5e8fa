"""Column types: timestamps that are timezone-aware UTC on every database."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


class UtcDateTime(TypeDecorator[datetime]):
    """Stores an aware datetime as UTC; always reads back an aware UTC datetime.

    SQLite has no time zones, so it keeps naive UTC text; PostgreSQL keeps a
    `timestamptz`. Naive datetimes are refused rather than guessed at.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(
        self, value: datetime | None, dialect: Dialect
    ) -> datetime | None:
        if value is None:
            return None
        utc = _as_utc(value)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(
        self, value: datetime | None, dialect: Dialect
    ) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    def bind_processor(
        self, dialect: Dialect
    ) -> Callable[[datetime | None], Any] | None:
        if dialect.name == "sqlite":
            return _sqlite_text
        return super().bind_processor(dialect)

    def result_processor(
        self, dialect: Dialect, coltype: object
    ) -> Callable[[Any], datetime | None] | None:
        if dialect.name == "sqlite":
            return _sqlite_datetime
        return super().result_processor(dialect, coltype)


# On SQLite, one step instead of two (ours, then SQLAlchemy's DATETIME with
# its regular expression): bulk pages bind two timestamps per row. The text is
# SQLAlchemy's own SQLite format, so stored values and comparisons agree.
def _sqlite_text(value: datetime | None) -> str | None:
    if value is None:
        return None
    # A page's rows share their updated_at, and often their modstamps:
    # formatting cost 2 us a value, a lookup by the (cached) hash far less.
    text = _TEXTS.get(value)
    if text is None:
        utc = value if value.tzinfo is UTC else _as_utc(value)
        # Without its "+00:00": a slice beats a copy without the zone.
        text = utc.isoformat(" ", "microseconds")[:26]
        if len(_TEXTS) >= _TEXTS_KEPT:
            _TEXTS.clear()
        _TEXTS[value] = text
    return text


_TEXTS: dict[datetime, str] = {}
_TEXTS_KEPT = 4096


def _sqlite_datetime(value: str | None) -> datetime | None:
    if value is None:
        return None
    # Parsing the offset with the text is several times cheaper than
    # `.replace(tzinfo=UTC)` after it; a page of people reads two per row.
    return datetime.fromisoformat(value + "+00:00")


def _as_utc(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("refusing to store a naive datetime; use UTC")
    return value.astimezone(UTC)

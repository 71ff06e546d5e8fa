"""Keyset pages over `(updated_at, key)`: stable under ties of `updated_at`."""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, literal, tuple_

S = TypeVar("S", bound=Select[Any])


def keyset_page(
    statement: S,
    updated_at: ColumnElement[datetime],
    key: ColumnElement[str],
    *,
    after: tuple[datetime, str] | None,
    limit: int,
) -> S:
    """Rows strictly after `after` in `(updated_at, key)` order, at most `limit`.

    The key breaks ties, so a page boundary inside a run of equal timestamps
    neither repeats nor skips a row.
    """
    if after is not None:
        stamp, last = after
        bound = tuple_(literal(stamp, updated_at.type), literal(last, key.type))
        statement = statement.where(tuple_(updated_at, key) > bound)
    return statement.order_by(updated_at, key).limit(limit)

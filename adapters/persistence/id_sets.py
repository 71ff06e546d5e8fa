"""Conditions on a column against a set of ids, however many there are.

On SQLite and PostgreSQL the ids travel as one parameter, a JSON array read
with `json_each` or an array compared with `ANY`/`ALL`: a page's 2,000 ids
cost one statement, not four, and no per-id rendering of the SQL text. Other
databases get `IN` lists in slices a statement can bind.
"""

from __future__ import annotations

from collections.abc import Set

import msgspec
from sqlalchemy import (
    ARRAY,
    ColumnElement,
    String,
    all_,
    and_,
    any_,
    func,
    literal,
    select,
    true,
)
from sqlalchemy.sql.selectable import TableValuedAlias

from adapters.persistence.batches import batches


def any_of(
    column: ColumnElement[str | None], ids: Set[str], dialect: str
) -> list[ColumnElement[bool]]:
    """Conditions that together hold for rows whose `column` is in `ids`;
    none for no ids."""
    if not ids:
        return []
    if dialect == "sqlite":
        return [column.in_(select(_json_each(ids).c.value))]
    if dialect == "postgresql":
        return [column == any_(literal(list(ids), ARRAY(String)))]
    return [column.in_(batch) for batch in batches(ids)]


def none_of(
    column: ColumnElement[str | None], ids: Set[str], dialect: str
) -> ColumnElement[bool]:
    """A condition that holds for rows whose `column` is not in `ids`; for no
    ids, TRUE, which SQLAlchemy drops from the WHERE clause."""
    if not ids:
        return true()
    if dialect == "sqlite":
        return column.not_in(select(_json_each(ids).c.value))
    if dialect == "postgresql":
        return column != all_(literal(list(ids), ARRAY(String)))
    return and_(*(column.not_in(batch) for batch in batches(ids)))


def _json_each(ids: Set[str]) -> TableValuedAlias:
    text = msgspec.json.encode(list(ids)).decode()
    return func.json_each(literal(text)).table_valued("value")

"""Page upserts: one statement per table and dialect, rows bound as tuples
(`positional.Positional`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Insert, Table, case, cast, or_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.types import JSON

from adapters.persistence.positional import PerDialect, Positional, Row
from adapters.persistence.writes import Write


class PageUpsert:
    """INSERT rows of `columns`, or UPDATE every non-key column on `key`; a
    `sticky` boolean column, once true in the stored row, stays true.

    A `stamp` column (when the row last changed) takes the new value only if
    one of the `compared` columns differs from the stored row; otherwise the
    stored stamp stays, while the other columns (seen marks) are written.
    """

    def __init__(
        self,
        table: Table,
        columns: Sequence[str],
        key: Sequence[str],
        *,
        sticky: Sequence[str] = (),
        stamp: str | None = None,
        compared: Sequence[str] = (),
    ):
        stamped = (stamp,) if stamp else ()
        named = (*key, *sticky, *stamped, *compared)
        unknown = [name for name in (*columns, *key) if name not in table.c]
        if unknown or not set(named) <= set(columns):
            raise ValueError(f"bad upsert columns for {table.name}: {unknown}")
        self.columns = tuple(columns)
        self._table = table
        self._key = tuple(key)
        self._sticky = tuple(sticky)
        self._stamp = stamp
        self._compared = tuple(compared)
        self._compiled = PerDialect(self._compile)

    def write(
        self,
        dialect: Dialect,
        rows: Sequence[Row],
        *,
        refused: Callable[[IntegrityError], Exception] | None = None,
    ) -> Write:
        """The statement for `rows`, each in the order of `columns`."""
        compiled = self._compiled(dialect)
        bound = [compiled.bind(row) for row in rows]
        if len(bound) == 1:
            return Write(compiled.sql, bound[0], refused=refused)
        return Write(compiled.sql, bound, many=True, refused=refused)

    def _compile(self, dialect: Dialect) -> Positional:
        types = [self._table.c[name].type for name in self.columns]
        return Positional(
            self._statement(dialect),
            self.columns,
            types,
            dialect,
            column_keys=self.columns,
        )

    def _statement(self, dialect: Dialect) -> Insert:
        insert = sqlite.insert if dialect.name == "sqlite" else postgresql.insert
        statement = insert(self._table)
        changes: dict[str, ColumnElement[Any]] = {
            name: statement.excluded[name]
            for name in self.columns
            if name not in self._key
        }
        for name in self._sticky:
            # The stored row's value, read under the row lock the upsert holds.
            changes[name] = or_(changes[name], self._table.c[name])
        if self._stamp:
            changed = or_(
                *(
                    _comparable(self._table.c[name], dialect).is_distinct_from(
                        _comparable(statement.excluded[name], dialect)
                    )
                    for name in self._compared
                )
            )
            changes[self._stamp] = case(
                (changed, changes[self._stamp]), else_=self._table.c[self._stamp]
            )
        return statement.on_conflict_do_update(index_elements=self._key, set_=changes)


def _comparable(column: ColumnElement[Any], dialect: Dialect) -> ColumnElement[Any]:
    """PostgreSQL's `json` has no equality; as `jsonb` two values compare by
    content. SQLite stores JSON as the text one serializer wrote, so equal
    values are equal text."""
    if dialect.name == "postgresql" and isinstance(column.type, JSON):
        return cast(column, postgresql.JSONB)
    return column

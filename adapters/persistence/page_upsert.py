"""Page upserts bound row by row as tuples, compiled once per dialect.

SQLAlchemy's executemany builds a parameter dictionary per row and processes
it generically; on 2,000-row pages that was most of the CPU a sync spent
outside SQLite itself. Here the statement is compiled once per dialect and
every row is a tuple in the statement's own parameter order, passed through
its columns' own bind processors: what lands in the database is exactly what
the Core path would store, minus the bookkeeping.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Insert, Table, case, cast, or_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.types import JSON

from adapters.persistence.writes import Write

Row = tuple[Any, ...]


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
        self._compiled: dict[str, _Compiled] = {}

    def write(
        self,
        dialect: Dialect,
        rows: Sequence[Row],
        *,
        refused: Callable[[IntegrityError], Exception] | None = None,
    ) -> Write:
        """The statement for `rows`, each in the order of `columns`."""
        compiled = self._compiled_for(dialect)
        bound = [compiled.bind(row) for row in rows]
        if len(bound) == 1:
            return Write(compiled.sql, bound[0], refused=refused)
        return Write(compiled.sql, bound, many=True, refused=refused)

    def _compiled_for(self, dialect: Dialect) -> _Compiled:
        compiled = self._compiled.get(dialect.name)
        if compiled is None:
            compiled = _Compiled(
                self._statement(dialect), self._table, self.columns, dialect
            )
            self._compiled[dialect.name] = compiled
        return compiled

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


class _Compiled:
    def __init__(
        self,
        statement: Insert,
        table: Table,
        columns: tuple[str, ...],
        dialect: Dialect,
    ) -> None:
        compiled = statement.compile(dialect=dialect, column_keys=list(columns))
        names = compiled.positiontup
        if names is None or sorted(names) != sorted(columns):
            raise ValueError(
                f"{dialect.name}: page upserts need a positional parameter style"
            )
        self.sql = compiled.string
        self._order = tuple(columns.index(name) for name in names)
        self._in_order = self._order == tuple(range(len(names)))
        processors = (
            (position, table.c[name].type.dialect_impl(dialect).bind_processor(dialect))
            for position, name in enumerate(names)
        )
        self._processors: tuple[tuple[int, Callable[[Any], Any]], ...] = tuple(
            (position, processor)
            for position, processor in processors
            if processor is not None
        )

    def bind(self, row: Row) -> Row:
        values = list(row) if self._in_order else [row[i] for i in self._order]
        for position, processor in self._processors:
            values[position] = processor(values[position])
        return tuple(values)

"""A statement compiled once per dialect, bound from plain tuples.

SQLAlchemy's executemany builds a parameter dictionary per row and processes
it generically; on 2,000-row pages that was most of the CPU a sync spent
outside SQLite itself. Here a statement is compiled once per dialect, and each
row is a tuple of its parameters in an order the caller names, put into the
compiled statement's order and through the parameters' own bind processors
(JSON straight through the engine's encoder): what lands in the database is
exactly what the Core path would store, minus the bookkeeping.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar, cast

from sqlalchemy.engine import Dialect
from sqlalchemy.sql.dml import UpdateBase
from sqlalchemy.types import JSON, Boolean, TypeEngine

from adapters.persistence.database import JSON_CODEC

Row = tuple[Any, ...]
T = TypeVar("T")


class PerDialect(Generic[T]):
    """What `build` makes for a dialect, made once per dialect name."""

    def __init__(self, build: Callable[[Dialect], T]) -> None:
        self._build = build
        self._made: dict[str, T] = {}

    def __call__(self, dialect: Dialect) -> T:
        made = self._made.get(dialect.name)
        if made is None:
            made = self._made[dialect.name] = self._build(dialect)
        return made


class Positional:
    """`statement` compiled for `dialect`; `bind` takes a row of the values of
    `params` (the compiled statement's parameter names), in that order, each
    of the matching type in `types`."""

    def __init__(
        self,
        statement: UpdateBase,
        params: Sequence[str],
        types: Sequence[TypeEngine[Any]],
        dialect: Dialect,
        *,
        column_keys: Sequence[str] | None = None,
    ) -> None:
        keys = list(column_keys) if column_keys is not None else None
        compiled = statement.compile(dialect=dialect, column_keys=keys)
        order = compiled.positiontup
        if order is None or sorted(order) != sorted(params):
            raise ValueError(
                f"{dialect.name}: a tuple-bound statement needs a positional "
                "parameter style and exactly the parameters named"
            )
        self.sql = compiled.string
        self._order = tuple(params.index(name) for name in order)
        self._in_order = self._order == tuple(range(len(order)))
        processors = (
            (position, bind_processor(types[index], dialect))
            for position, index in enumerate(self._order)
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


def bind_processor(
    kind: TypeEngine[Any], dialect: Dialect
) -> Callable[[Any], Any] | None:
    """What a value of `kind` goes through before `dialect`'s driver binds it."""
    if isinstance(kind, JSON):
        # The engine's own encoder (see `create_database_engine`), without the
        # wrapper SQLAlchemy puts around it; reads decode the same way.
        return cast(Callable[[Any], Any], JSON_CODEC["json_serializer"])
    if isinstance(kind, Boolean) and dialect.name == "sqlite":
        # SQLAlchemy's two calls per value, as one lookup: the same 0 and 1
        # stored, anything but a boolean (or 0, 1) still refused.
        return _SQLITE_BOOLEAN
    return kind.dialect_impl(dialect).bind_processor(dialect)


_SQLITE_BOOLEAN: Callable[[Any], Any] = {None: None, False: 0, True: 1}.__getitem__

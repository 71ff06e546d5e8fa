"""A conditional UPDATE of one row by its key, compiled once per dialect.

The compare-and-set of a whole row: `UPDATE … SET <every other column>
WHERE <key> AND <column> IN (?, ?)`. It is one statement, bound as a tuple
like the page upserts (`positional.Positional`), so it can travel in a
page's batched write; a row it does not match is raised, batched or not,
from the statement's own row count (no read is added to learn it).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Table,
    Update,
    bindparam,
    or_,
    update,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import IntegrityError

from adapters.persistence.positional import PerDialect, Positional, Row
from adapters.persistence.writes import Write

GUARDS = 2


class RowUpdate:
    """UPDATE the row of `table` with `key`, setting every other column of
    `columns`, only where `guard` is one of two given values (give the same
    value twice to ask for one). A `sticky` boolean column, once true in the
    stored row, stays true."""

    def __init__(
        self,
        table: Table,
        columns: Sequence[str],
        key: Sequence[str],
        *,
        guard: str,
        sticky: Sequence[str] = (),
    ) -> None:
        names = (*columns, *key, guard, *sticky)
        unknown = [name for name in names if name not in table.c]
        if unknown or not set((*key, *sticky)) <= set(columns):
            raise ValueError(f"bad update columns for {table.name}: {unknown}")
        self.columns = tuple(columns)
        self._table = table
        self._key = tuple(key)
        self._guard = guard
        self._sticky = tuple(sticky)
        self._compiled = PerDialect(self._compile)

    def write(
        self,
        dialect: Dialect,
        row: Row,
        guards: tuple[Any, Any],
        *,
        unmatched: Callable[[], Exception],
        refused: Callable[[IntegrityError], Exception] | None = None,
    ) -> Write:
        """The statement for `row` (in the order of `columns`); `unmatched`
        is raised when no stored row has the key and a guard's value."""
        compiled = self._compiled(dialect)
        params = compiled.bind((*row, *guards))
        return Write(compiled.sql, params, refused=refused, unmatched=unmatched)

    def _compile(self, dialect: Dialect) -> Positional:
        names = (*self.columns, *(f"{self._guard}_{n}" for n in range(GUARDS)))
        types = [self._table.c[name].type for name in self.columns]
        types += [self._table.c[self._guard].type] * GUARDS
        params = [_param(name) for name in names]
        return Positional(self._statement(), params, types, dialect)

    def _statement(self) -> Update:
        table = self._table
        value: dict[str, BindParameter[Any]] = {
            name: bindparam(_param(name), type_=table.c[name].type)
            for name in self.columns
        }
        changes: dict[str, ColumnElement[Any]] = {
            name: value[name] for name in self.columns if name not in self._key
        }
        for name in self._sticky:
            changes[name] = or_(table.c[name], value[name])
        guards = [
            bindparam(_param(f"{self._guard}_{n}"), type_=table.c[self._guard].type)
            for n in range(GUARDS)
        ]
        return (
            update(table)
            .where(*(table.c[name] == value[name] for name in self._key))
            .where(table.c[self._guard].in_(guards))
            .values(changes)
        )


def _param(name: str) -> str:
    # A bind parameter may not share its name with a column it sets.
    return f"p_{name}"

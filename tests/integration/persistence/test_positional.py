"""Tuple-bound statements store what SQLAlchemy's own processors would."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import JSON, Boolean, Column, MetaData, String, Table, insert
from sqlalchemy.engine import Dialect

from adapters.persistence.database import create_database_engine
from adapters.persistence.positional import Positional
from adapters.persistence.types import UtcDateTime

TABLE = Table(
    "things",
    MetaData(),
    Column("name", String, primary_key=True),
    Column("flag", Boolean),
    Column("doc", JSON),
    Column("at", UtcDateTime),
)
COLUMNS = ("name", "flag", "doc", "at")
URLS = ("sqlite:///unused.sqlite3", "postgresql://nobody@127.0.0.1/unused")


def dialect_of(url: str) -> Dialect:
    return create_database_engine(url).dialect


def positional(dialect: Dialect) -> Positional:
    types = [TABLE.c[name].type for name in COLUMNS]
    return Positional(insert(TABLE), COLUMNS, types, dialect, column_keys=COLUMNS)


def processed_by_sqlalchemy(dialect: Dialect, row: tuple[Any, ...]) -> tuple[Any, ...]:
    values = []
    for name, value in zip(COLUMNS, row, strict=True):
        kind = TABLE.c[name].type.dialect_impl(dialect)
        process = kind.bind_processor(dialect)
        values.append(value if process is None else process(value))
    return tuple(values)


@pytest.mark.parametrize("url", URLS)
@pytest.mark.parametrize("flag", [True, False, None])
def test_a_row_binds_as_sqlalchemy_would_bind_it(url: str, flag: bool | None) -> None:
    dialect = dialect_of(url)
    row = ("a", flag, {"b": [1, "é"], "c": None}, datetime(2026, 1, 2, tzinfo=UTC))

    bound = positional(dialect).bind(row)

    assert bound == processed_by_sqlalchemy(dialect, row)


@pytest.mark.parametrize("wrong", ["yes", 2, 0.5])
def test_a_value_that_is_not_a_boolean_is_refused_on_sqlite(wrong: object) -> None:
    bind = positional(dialect_of(URLS[0])).bind

    with pytest.raises(KeyError):
        bind(("a", wrong, {}, None))

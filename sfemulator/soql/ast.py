"""The parsed form of a SOQL query."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Path:
    """A field reference, e.g. ("Account", "Name") for `Account.Name`."""

    parts: tuple[str, ...]

    @property
    def text(self) -> str:
        return ".".join(self.parts)


@dataclass(frozen=True)
class Literal:
    """A value: kind is string, number, datetime, date, boolean or null."""

    kind: str
    value: Any
    raw: str = ""


@dataclass(frozen=True)
class Comparison:
    """`path op value`; op is =, !=, <, <=, >, >=, IN, NOT IN or LIKE."""

    path: Path
    op: str
    values: tuple[Literal, ...]


@dataclass(frozen=True)
class Logical:
    """AND / OR over two or more conditions."""

    op: str
    items: tuple[Condition, ...]


@dataclass(frozen=True)
class Negation:
    item: Condition


Condition = Comparison | Logical | Negation


@dataclass(frozen=True)
class Ordering:
    path: Path
    descending: bool
    nulls_last: bool


@dataclass(frozen=True)
class Query:
    fields: tuple[Path, ...]
    sobject: str
    where: Condition | None
    order: tuple[Ordering, ...]
    limit: int | None
    offset: int | None

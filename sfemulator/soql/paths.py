"""Resolves field paths (`Account.Owner.Name`) against tables and reads them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sfemulator.records import Table
from sfemulator.schema import Field
from sfemulator.soql.ast import Path
from sfemulator.soql.errors import SoqlError

TableLookup = Callable[[str], Table]
Getter = Callable[[list[Any]], Any]
Hop = tuple[Table, Field, Table]


def resolve(path: Path, table: Table, lookup: TableLookup) -> tuple[list[Hop], Field]:
    """The relationship hops of `path` and its final field; INVALID_FIELD if none."""
    hops: list[Hop] = []
    current = table
    for name in path.parts[:-1]:
        reference = relationship(current, name)
        if reference is None or reference.reference_to is None:
            raise SoqlError(
                "INVALID_FIELD",
                f"Didn't understand relationship '{name}' in field path. If you are "
                "attempting to use a custom relationship, be sure to append the "
                "'__r' after the custom relationship name.",
            )
        target = lookup(reference.reference_to)
        hops.append((current, reference, target))
        current = target
    item = current.field(path.parts[-1])
    if item is None:
        raise SoqlError(
            "INVALID_FIELD",
            f"No such column '{path.parts[-1]}' on entity '{current.sobject}'. If you "
            "are attempting to use a custom field, be sure to append the '__c' after "
            "the custom field name. Please reference your WSDL or the describe call "
            "for the appropriate names.",
        )
    return hops, item


def relationship(table: Table, name: str) -> Field | None:
    wanted = name.lower()
    for item in table.fields:
        if item.relationship_name and item.relationship_name.lower() == wanted:
            return item
    return None


def getter(path: Path, table: Table, lookup: TableLookup) -> tuple[Getter, Field]:
    """A function reading `path` from a row of `table`, and the field it reads."""
    hops, item = resolve(path, table, lookup)
    final = hops[-1][2] if hops else table
    name = item.name

    def read(row: list[Any]) -> Any:
        current: list[Any] | None = row
        for source, reference, target in hops:
            parent_id = source.value(current, reference.name) if current else None
            current = target.rows.get(parent_id) if parent_id else None
        return final.value(current, name) if current is not None else None

    return read, item

"""Runs a parsed query over one table: filter, sort, slice and render records."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sfemulator.records import Table
from sfemulator.schema import Field
from sfemulator.soql.ast import Ordering, Path, Query
from sfemulator.soql.errors import SoqlError
from sfemulator.soql.filters import category, compile_where, normalizer
from sfemulator.soql.paths import TableLookup, getter, relationship
from sfemulator.timefmt import rest_format

Renderer = Callable[[list[Any]], dict[str, Any]]


@dataclass(frozen=True)
class Plan:
    """A query checked against the schema, ready to run and render."""

    query: Query
    table: Table
    lookup: TableLookup

    @classmethod
    def make(cls, query: Query, lookup: TableLookup) -> Plan:
        table = lookup(query.sobject)
        plan = cls(query, table, lookup)
        for path in query.fields:
            getter(path, table, lookup)
        return plan

    def rows(self, include_deleted: bool) -> list[list[Any]]:
        """Matching rows in order, after OFFSET and LIMIT."""
        query = self.query
        source = self.table.live(include_deleted)
        if query.where is not None:
            keep = compile_where(query.where, self.table, self.lookup)
            found = [row for row in source if keep(row)]
        else:
            found = list(source)
        for ordering in reversed(query.order):
            found.sort(key=self._sort_key(ordering), reverse=ordering.descending)
        start = query.offset or 0
        end = None if query.limit is None else start + query.limit
        return found[start:end]

    def _sort_key(self, ordering: Ordering) -> Callable[[list[Any]], Any]:
        read, item = getter(ordering.path, self.table, self.lookup)
        if item.compound:
            raise SoqlError("INVALID_FIELD", f"cannot sort by {item.name}")
        norm = normalizer("string" if category(item) == "string" else "raw")
        # Reversing a sort moves nulls too, so their rank depends on both.
        null_rank = 0 if ordering.nulls_last == ordering.descending else 1

        def key(row: list[Any]) -> tuple[int, Any]:
            value = read(row)
            return (null_rank, None) if value is None else (1 - null_rank, norm(value))

        return key

    def renderer(self, version: str) -> Renderer:
        """Turns a row into the REST API's record JSON."""
        return _render_tree(self.table, _tree(self.query.fields), self.lookup, version)


def _tree(paths: tuple[Path, ...]) -> dict[str, Any]:
    tree: dict[str, Any] = {}
    for path in paths:
        node = tree
        for part in path.parts[:-1]:
            node = node.setdefault(part.lower(), {})
        node[path.parts[-1].lower()] = None
    return tree


def _render_tree(
    table: Table, tree: dict[str, Any], lookup: TableLookup, version: str
) -> Renderer:
    leaves: list[tuple[str, Field]] = []
    branches: list[tuple[Field, Renderer, Table]] = []
    for name, child in tree.items():
        if child is None:
            item = table.field(name)
            assert item is not None
            leaves.append((item.name, item))
        else:
            reference = relationship(table, name)
            assert reference is not None
            assert reference.reference_to is not None
            target = lookup(reference.reference_to)
            branches.append(
                (reference, _render_tree(target, child, lookup, version), target)
            )
    prefix = f"/services/data/v{version}/sobjects/{table.sobject}/"

    def render(row: list[Any]) -> dict[str, Any]:
        record_id = table.value(row, "Id")
        record: dict[str, Any] = {
            "attributes": {"type": table.sobject, "url": prefix + str(record_id)}
        }
        for name, item in leaves:
            value = table.value(row, name)
            record[name] = rest_format(value) if item.type == "datetime" else value
        for reference, render_parent, target in branches:
            parent_id = table.value(row, reference.name)
            parent = target.rows.get(parent_id) if parent_id else None
            key = reference.relationship_name or reference.name
            record[key] = render_parent(parent) if parent is not None else None
        return record

    return render

"""Compiles a WHERE clause into a row predicate, with Salesforce's type rules."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from sfemulator.records import Table
from sfemulator.schema import Field
from sfemulator.soql.ast import Comparison, Condition, Literal, Logical, Negation
from sfemulator.soql.errors import SoqlError
from sfemulator.soql.paths import TableLookup, getter

Predicate = Callable[[list[Any]], bool]
_NUMBERS = frozenset({"int", "double", "currency", "percent"})
_EXPECTED = {"datetime": "dateTime", "date": "date", "boolean": "boolean"}


def category(item: Field) -> str:
    """How a field compares: string, id, number, datetime, date or boolean."""
    if item.type in _NUMBERS:
        return "number"
    if item.type in ("id", "reference"):
        return "id"
    if item.type in ("datetime", "date", "boolean"):
        return item.type
    return "string"


def normalizer(kind: str) -> Callable[[Any], Any]:
    """How values of a category are compared (strings ignore case, ids use 15)."""
    if kind == "string":
        return lambda value: None if value is None else str(value).casefold()
    if kind == "id":
        return lambda value: None if value is None else str(value)[:15]
    if kind == "number":
        return lambda value: None if value is None else float(value)
    return lambda value: value


def compile_where(condition: Condition, table: Table, lookup: TableLookup) -> Predicate:
    if isinstance(condition, Logical):
        parts = [compile_where(item, table, lookup) for item in condition.items]
        if condition.op == "AND":
            return lambda row: all(part(row) for part in parts)
        return lambda row: any(part(row) for part in parts)
    if isinstance(condition, Negation):
        inner = compile_where(condition.item, table, lookup)
        return lambda row: not inner(row)
    return _comparison(condition, table, lookup)


def _comparison(test: Comparison, table: Table, lookup: TableLookup) -> Predicate:
    read, item = getter(test.path, table, lookup)
    if not item.filterable:
        message = f"field '{item.name}' can not be filtered in a query call"
        raise SoqlError("INVALID_FIELD", message)
    kind = category(item)
    norm = normalizer(kind)
    values = [_checked(literal, kind, item, test.op) for literal in test.values]
    wanted = [norm(value) for value in values]

    def value(row: list[Any]) -> Any:
        return norm(read(row))

    if test.op == "LIKE":
        return _like(value, test.values[0], kind, item)
    if test.op in ("IN", "NOT IN"):
        members = {v for v in wanted if v is not None}
        if test.op == "IN":
            return lambda row: value(row) in members
        return lambda row: value(row) not in members
    return _ordered(value, test.op, wanted[0])


def _ordered(value: Callable[[list[Any]], Any], op: str, target: Any) -> Predicate:
    if op == "=":
        return lambda row: value(row) == target
    if op == "!=":
        return lambda row: value(row) != target
    if target is None:
        return lambda row: False
    compare: dict[str, Callable[[Any, Any], bool]] = {
        "<": lambda a, b: a < b,
        "<=": lambda a, b: a <= b,
        ">": lambda a, b: a > b,
        ">=": lambda a, b: a >= b,
    }
    check = compare[op]

    def ordered(row: list[Any]) -> bool:
        current = value(row)
        return current is not None and check(current, target)

    return ordered


def _like(
    value: Callable[[list[Any]], Any], pattern: Literal, kind: str, item: Field
) -> Predicate:
    if kind != "string" or pattern.kind != "string":
        message = f"invalid operator on {item.name}: LIKE needs a text field"
        raise SoqlError("INVALID_FIELD", message)
    expression = ""
    raw = pattern.raw
    index = 0
    while index < len(raw):
        char = raw[index]
        if char == "\\" and index + 1 < len(raw):
            expression += re.escape(raw[index + 1])
            index += 2
            continue
        expression += {"%": ".*", "_": "."}.get(char, re.escape(char))
        index += 1
    compiled = re.compile(expression, re.IGNORECASE | re.DOTALL)
    return lambda row: (v := value(row)) is not None and bool(compiled.fullmatch(v))


def _checked(literal: Literal, kind: str, item: Field, op: str) -> Any:
    if literal.kind == "null":
        if op not in ("=", "!=", "IN", "NOT IN"):
            raise SoqlError("MALFORMED_QUERY", "null can only be compared with = or !=")
        return None
    accepted = {"id": "string", "string": "string"}.get(kind, kind)
    if literal.kind != accepted:
        expected = _EXPECTED.get(kind, kind)
        quoting = "be enclosed" if accepted == "string" else "not be enclosed"
        message = (
            f"value of filter criterion for field '{item.name}' must be of type "
            f"{expected} and should {quoting} in quotes"
        )
        raise SoqlError("INVALID_FIELD", message)
    return literal.value

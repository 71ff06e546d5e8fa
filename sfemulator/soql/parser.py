"""Recursive-descent parser for the SOQL subset the emulator serves."""

from __future__ import annotations

from decimal import Decimal

from sfemulator.soql.ast import (
    Comparison,
    Condition,
    Literal,
    Logical,
    Negation,
    Ordering,
    Path,
    Query,
)
from sfemulator.soql.errors import malformed
from sfemulator.soql.lexer import Token, tokenize
from sfemulator.timefmt import parse_datetime

_RESERVED = frozenset(
    {
        "SELECT",
        "FROM",
        "WHERE",
        "AND",
        "OR",
        "NOT",
        "ORDER",
        "BY",
        "LIMIT",
        "OFFSET",
        "ASC",
        "DESC",
        "NULLS",
        "FIRST",
        "LAST",
        "IN",
        "LIKE",
        "NULL",
        "TRUE",
        "FALSE",
    }
)


def parse(text: str) -> Query:
    """Parse `text` or raise SoqlError("MALFORMED_QUERY")."""
    return _Parser(tokenize(text)).query()


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.index = 0

    @property
    def current(self) -> Token:
        return self.tokens[self.index]

    def advance(self) -> Token:
        token = self.current
        self.index += 1
        return token

    def accept(self, *words: str) -> bool:
        if self.current.word in words:
            self.index += 1
            return True
        return False

    def expect(self, word: str) -> None:
        if not self.accept(word):
            raise self.unexpected()

    def unexpected(self) -> Exception:
        return malformed(f"unexpected token: '{self.current.text}'")

    def query(self) -> Query:
        self.expect("SELECT")
        fields = self.field_list()
        self.expect("FROM")
        sobject = self.name()
        where = self.condition() if self.accept("WHERE") else None
        order = self.order_by() if self.accept("ORDER") else ()
        limit = self.integer() if self.accept("LIMIT") else None
        offset = self.integer() if self.accept("OFFSET") else None
        if self.current.kind != "end":
            raise self.unexpected()
        return Query(fields, sobject, where, order, limit, offset)

    def name(self) -> str:
        token = self.current
        if token.kind != "name" or token.word in _RESERVED:
            raise self.unexpected()
        self.index += 1
        return token.text

    def path(self) -> Path:
        return Path(tuple(self.name().split(".")))

    def field_list(self) -> tuple[Path, ...]:
        fields = [self.path()]
        while self.current.text == ",":
            self.advance()
            fields.append(self.path())
        seen: set[str] = set()
        for item in fields:
            if item.text.lower() in seen:
                raise malformed(f"duplicate field selected: {item.text}")
            seen.add(item.text.lower())
        return tuple(fields)

    def condition(self) -> Condition:
        items = [self.conjunction()]
        while self.accept("OR"):
            items.append(self.conjunction())
        return items[0] if len(items) == 1 else Logical("OR", tuple(items))

    def conjunction(self) -> Condition:
        items = [self.negation()]
        while self.accept("AND"):
            items.append(self.negation())
        return items[0] if len(items) == 1 else Logical("AND", tuple(items))

    def negation(self) -> Condition:
        if self.accept("NOT"):
            return Negation(self.negation())
        if self.current.text == "(":
            self.advance()
            inner = self.condition()
            if self.advance().text != ")":
                raise malformed("unexpected token: expecting ')'")
            return inner
        return self.comparison()

    def comparison(self) -> Comparison:
        path = self.path()
        if self.accept("NOT"):
            self.expect("IN")
            return Comparison(path, "NOT IN", self.value_list())
        if self.accept("IN"):
            return Comparison(path, "IN", self.value_list())
        if self.accept("LIKE"):
            return Comparison(path, "LIKE", (self.literal(),))
        if self.current.kind != "op":
            raise self.unexpected()
        op = self.advance().text
        return Comparison(path, "!=" if op == "<>" else op, (self.literal(),))

    def value_list(self) -> tuple[Literal, ...]:
        if self.advance().text != "(":
            raise malformed("unexpected token: expecting '('")
        values = [self.literal()]
        while self.current.text == ",":
            self.advance()
            values.append(self.literal())
        if self.advance().text != ")":
            raise malformed("unexpected token: expecting ')'")
        return tuple(values)

    def literal(self) -> Literal:
        token = self.advance()
        if token.kind == "string":
            return Literal("string", token.value, token.raw)
        if token.kind == "number":
            return Literal("number", Decimal(token.text))
        if token.kind in ("datetime", "date"):
            moment = parse_datetime(token.text)
            if moment is None:
                raise malformed(f"invalid date/time: '{token.text}'")
            return Literal(token.kind, moment)
        if token.word in ("TRUE", "FALSE"):
            return Literal("boolean", token.word == "TRUE")
        if token.word == "NULL":
            return Literal("null", None)
        self.index -= 1
        raise self.unexpected()

    def order_by(self) -> tuple[Ordering, ...]:
        self.expect("BY")
        items = [self.ordering()]
        while self.current.text == ",":
            self.advance()
            items.append(self.ordering())
        return tuple(items)

    def ordering(self) -> Ordering:
        path = self.path()
        descending = self.accept("DESC") or (self.accept("ASC") and False)
        nulls_last = descending
        if self.accept("NULLS"):
            if not self.accept("FIRST", "LAST"):
                raise self.unexpected()
            nulls_last = self.tokens[self.index - 1].word == "LAST"
        return Ordering(path, descending, nulls_last)

    def integer(self) -> int:
        token = self.advance()
        if token.kind != "number" or not token.text.isdigit():
            self.index -= 1
            raise self.unexpected()
        return int(token.text)

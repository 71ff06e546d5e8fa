"""The SOQL parser: the accepted subset and the MALFORMED_QUERY refusals."""

from __future__ import annotations

import pytest

from sfemulator.soql import SoqlError, parse
from sfemulator.soql.ast import Comparison, Logical, Negation, Path
from sfemulator.timefmt import parse_datetime

SYNC = (
    "SELECT Id, SystemModstamp, IsDeleted, Account.Name FROM Contact "
    "WHERE (SystemModstamp > 2024-01-15T10:30:00Z OR (SystemModstamp = "
    "2024-01-15T10:30:00Z AND Id > '003000000000001AAA')) "
    "AND SystemModstamp <= 2024-01-16T00:00:00.000+01:00 "
    "ORDER BY SystemModstamp ASC, Id ASC LIMIT 500"
)


def test_the_sync_query_parses() -> None:
    query = parse(SYNC)

    assert query.sobject == "Contact"
    assert query.fields[3] == Path(("Account", "Name"))
    assert isinstance(query.where, Logical)
    assert query.where.op == "AND"
    assert [o.path.text for o in query.order] == ["SystemModstamp", "Id"]
    assert query.limit == 500
    upper = query.where.items[1]
    assert isinstance(upper, Comparison)
    assert upper.values[0].value == parse_datetime("2024-01-15T23:00:00Z")


def test_keywords_ignore_case_and_or_binds_looser_than_and() -> None:
    query = parse("select Id from Lead where A = 1 or B = 2 and not C = 3")

    assert isinstance(query.where, Logical)
    assert query.where.op == "OR"
    right = query.where.items[1]
    assert isinstance(right, Logical)
    assert isinstance(right.items[1], Negation)


@pytest.mark.parametrize(
    ("literal", "expected"),
    [
        (r"'O\'Brien'", "O'Brien"),
        (r"'back\\slash'", "back\\slash"),
        (r"'tab\there'", "tab\there"),
        ("'日本 😀'", "日本 😀"),
        (r"'\u00e9'", "é"),
    ],
)
def test_string_escapes(literal: str, expected: str) -> None:
    query = parse(f"SELECT Id FROM Lead WHERE LastName = {literal}")  # noqa: S608

    assert isinstance(query.where, Comparison)
    assert query.where.values[0].value == expected


@pytest.mark.parametrize(
    "text",
    [
        "SELECT FROM Lead",
        "SELECT Id Lead",
        "SELECT Id FROM Lead WHERE",
        "SELECT Id FROM Lead WHERE Name = 'open",
        r"SELECT Id FROM Lead WHERE Name = 'bad\q'",
        "SELECT Id FROM Lead WHERE CreatedDate > 2024-01-15T10:30:00 00:00",
        "SELECT Id FROM Lead LIMIT x",
        "SELECT Id, id FROM Lead",
        "SELECT Id FROM Lead ORDER Id",
        "SELECT Id FROM Lead WHERE (Name = 'a'",
        "SELECT Id FROM Lead extra",
    ],
)
def test_malformed_queries(text: str) -> None:
    with pytest.raises(SoqlError) as refused:
        parse(text)

    assert refused.value.code == "MALFORMED_QUERY"


def test_in_not_in_like_and_nulls() -> None:
    query = parse(
        "SELECT Id FROM Lead WHERE Status IN ('Open', 'Working') AND Email != null "
        "AND LastName NOT IN ('x') AND Company LIKE 'Ac%' ORDER BY LastName DESC "
        "NULLS FIRST"
    )

    assert isinstance(query.where, Logical)
    ops = [item.op for item in query.where.items if isinstance(item, Comparison)]
    assert ops == ["IN", "!=", "NOT IN", "LIKE"]
    assert query.order[0].descending is True
    assert query.order[0].nulls_last is False

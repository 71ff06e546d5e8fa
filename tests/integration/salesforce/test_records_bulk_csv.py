"""Bulk CSV pages read into records shaped and typed like REST's."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.salesforce.bulk_csv import SHARED_PER_COLUMN, read_records

# Enough rows for a column to stop sharing part way through a page.
SHARED_ROWS = SHARED_PER_COLUMN + 20

AWKWARD = (
    '"Id","LastName","Description"\n'
    '"003A","O\'Connor, ""Ted""","line one\nline two, with ✓"\n'
    '"003B","陈 美咲","Ana 🌟 says ""hi""\r\nover CRLF"\n'
    '"003C","",""\n'
)


def read(text: str, **types: str) -> list[dict[str, object]]:
    return read_records(text.encode(), types)


def test_quoted_commas_newlines_quotes_emoji_and_cjk_survive() -> None:
    assert read(AWKWARD) == [
        {
            "Id": "003A",
            "LastName": 'O\'Connor, "Ted"',
            "Description": "line one\nline two, with ✓",
        },
        {
            "Id": "003B",
            "LastName": "陈 美咲",
            "Description": 'Ana 🌟 says "hi"\r\nover CRLF',
        },
        {"Id": "003C", "LastName": None, "Description": None},
    ]


def test_rows_ending_in_crlf_and_unquoted_cells_read_alike() -> None:
    assert read("Id,Name\r\n003A,Ada\r\n003B,\r\n\r\n") == [
        {"Id": "003A", "Name": "Ada"},
        {"Id": "003B", "Name": None},
    ]


def test_values_take_the_type_describe_gives() -> None:
    text = (
        '"IsDeleted","NumberOfEmployees","AnnualRevenue","Share__c","Score__c",'
        '"SystemModstamp","Birthdate","Phone","Other"\n'
        '"true","42","1250000.5","12.5","3.0E7",'
        '"2024-01-15T10:30:00.000Z","1990-02-01","0042","1"\n'
        '"false","","","","","","","",""\n'
    )
    types = {
        "IsDeleted": "boolean",
        "NumberOfEmployees": "int",
        "AnnualRevenue": "currency",
        "Share__c": "percent",
        "Score__c": "double",
        "SystemModstamp": "datetime",
        "Birthdate": "date",
        "Phone": "phone",
    }

    first, second = read(text, **types)

    assert first == {
        "IsDeleted": True,
        "NumberOfEmployees": 42,
        "AnnualRevenue": 1250000.5,
        "Share__c": 12.5,
        "Score__c": 3.0e7,
        "SystemModstamp": "2024-01-15T10:30:00.000+0000",
        "Birthdate": "1990-02-01",
        "Phone": "0042",
        "Other": "1",
    }
    assert second == {"IsDeleted": False} | dict.fromkeys(list(first)[1:])


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("2024-01-15T10:30:00.000Z", "2024-01-15T10:30:00.000+0000"),
        ("2024-01-15T10:30:00.000+01:00", "2024-01-15T10:30:00.000+0100"),
        ("2024-01-15T10:30:00.000+0000", "2024-01-15T10:30:00.000+0000"),
    ],
)
def test_datetimes_come_out_in_the_rest_format(sent: str, kept: str) -> None:
    assert read(f"SystemModstamp\n{sent}\n", SystemModstamp="datetime") == [
        {"SystemModstamp": kept}
    ]


def test_types_are_found_whatever_the_case_of_the_header() -> None:
    assert read("isdeleted\nTRUE\n", IsDeleted="boolean") == [{"isdeleted": True}]


def test_dotted_names_nest_like_rest_relationships() -> None:
    text = (
        "Id,Account.Name,Account.NumberOfEmployees,Account.Owner.Email,Owner.Name\n"
        "003A,Acme,12,o@x.example,Ada\n"
        "003B,,,,Ada\n"
        "003C,Solo,,,\n"
    )

    found = read(text, **{"Account.NumberOfEmployees": "int"})

    assert found == [
        {
            "Id": "003A",
            "Account": {
                "Name": "Acme",
                "NumberOfEmployees": 12,
                "Owner": {"Email": "o@x.example"},
            },
            "Owner": {"Name": "Ada"},
        },
        {"Id": "003B", "Account": None, "Owner": {"Name": "Ada"}},
        {
            "Id": "003C",
            "Account": {"Name": "Solo", "NumberOfEmployees": None, "Owner": None},
            "Owner": None,
        },
    ]


def test_one_relationship_spelled_in_two_cases_is_one_object() -> None:
    found = read("Account.Name,account.Website\nAcme,acme.example\n")

    assert found == [{"Account": {"Name": "Acme", "Website": "acme.example"}}]


_cells = st.text(
    st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), max_size=12
)


def _headers(name: str, most: int) -> st.SearchStrategy[list[str]]:
    """Lists of names matching `name`, distinct whatever their case."""
    return st.lists(
        st.from_regex(name, fullmatch=True),
        min_size=1,
        max_size=most,
        unique_by=str.lower,
    )


@given(
    header=_headers(r"[A-Za-z]\w{0,8}", 5),
    cells=st.lists(st.lists(_cells, min_size=5, max_size=5), max_size=6),
    quote_all=st.booleans(),
    ending=st.sampled_from(["\n", "\r\n"]),
)
def test_any_text_written_as_csv_reads_back(
    header: list[str], cells: list[list[str]], quote_all: bool, ending: str
) -> None:
    rows = [row[: len(header)] for row in cells]
    out = io.StringIO()
    # Minimal quoting leaves a lone "\r" bare unless "\r" ends lines.
    writer = (
        csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator=ending)
        if quote_all
        else csv.writer(out, lineterminator="\r\n")
    )
    writer.writerow(header)
    writer.writerows(rows)

    found = read_records(out.getvalue().encode(), {})

    expected = [
        {name: value or None for name, value in zip(header, row, strict=True)}
        for row in rows
    ]
    assert found == expected


@pytest.mark.parametrize(
    "name",
    ["O'Neil", 'Say "hi"', "back\\slash", "}{", "c0", "v1", "first", "_UNSEEN", "def"],
)
def test_a_header_name_reads_as_written_whatever_its_characters(name: str) -> None:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(
        [["Id", name, f"Account.{name}"], ["003A", "x", "y"]]
    )

    found = read_records(out.getvalue().encode(), {})

    assert found == [{"Id": "003A", name: "x", "Account": {name: "y"}}]


@pytest.mark.parametrize("row", ['"003A"', '"003A","x","y"'])
def test_a_row_of_the_wrong_width_is_refused(row: str) -> None:
    with pytest.raises(ValueError, match="cells under 2 names"):
        read(f'"Id","Name"\n{row}\n')


# How a column's cells go down the page: one value, a few, none, some
# empty, or a new value each row (which stops sharing after SHARED_PER_COLUMN).
CELL_KINDS = ("same", "few", "empty", "holes", "unique")


def _cell(kind: str, n: int) -> str:
    return {
        "same": "ü",
        "few": "abc"[n % 3],
        "empty": "",
        "holes": "" if n % 2 else "x",
        "unique": f"u{n}",
    }[kind]


def _reference(header: list[str], row: list[str]) -> dict[str, object]:
    """REST's shape, built the plain way: one level of nesting per dot, a
    related record whose cells are all empty being None."""
    record: dict[str, object] = {}
    groups: dict[str, tuple[str, list[tuple[str, str]]]] = {}
    for name, cell in zip(header, row, strict=True):
        relation, dot, rest = name.partition(".")
        if not dot:
            record[name] = cell or None
            continue
        if relation.lower() not in groups:
            groups[relation.lower()] = (relation, [])
            record[relation] = None  # holds the key's place
        groups[relation.lower()][1].append((rest, cell))
    for relation, cells in groups.values():
        related = _reference([name for name, _ in cells], [cell for _, cell in cells])
        filled = any(cell for _, cell in cells)
        record[relation] = related if filled else None
    return record


@given(
    header=_headers(r"[A-Za-z]\w{0,3}(\.[A-Za-z]\w{0,3}){0,2}", 6).filter(
        # A name is never also a relation (Salesforce has no `Account` field
        # beside `Account.Name`).
        lambda names: (
            not any(
                other.lower().startswith(name.lower() + ".")
                for name in names
                for other in names
            )
        )
    ),
    kinds=st.lists(st.sampled_from(CELL_KINDS), min_size=6, max_size=6),
    count=st.integers(min_value=0, max_value=SHARED_ROWS),
)
def test_records_nest_and_share_as_the_plain_reading_says(
    header: list[str], kinds: list[str], count: int
) -> None:
    rows = [[_cell(kind, n) for kind in kinds[: len(header)]] for n in range(count)]
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([header, *rows])

    found = read_records(out.getvalue().encode(), {})

    assert found == [_reference(header, row) for row in rows]


@pytest.mark.parametrize("body", [b'\n"Id"\n"003A"\n', b'\r\n\r\n"Id"\r\n'])
def test_rows_after_a_blank_first_line_are_refused(body: bytes) -> None:
    with pytest.raises(ValueError, match="first line is blank"):
        read_records(body, {})


@pytest.mark.parametrize("body", [b"", b"\n", b"\r\n\n"])
def test_an_empty_page_has_no_records(body: bytes) -> None:
    assert read_records(body, {}) == []


def test_a_name_nested_five_deep_reads_and_six_deep_is_refused() -> None:
    five = read('"A.B.C.D.E.x"\n"1"\n')
    assert five == [{"A": {"B": {"C": {"D": {"E": {"x": "1"}}}}}}]

    with pytest.raises(ValueError, match="more than 5 relationships"):
        read('"A.B.C.D.E.F.x"\n"1"\n')
    with pytest.raises(ValueError, match="more than 5 relationships"):
        read("." * 5000 + "x\n1\n")

"""Bulk CSV pages decoded piece by piece read exactly as the whole text would."""

from __future__ import annotations

import csv
import io
import tracemalloc
from types import CodeType
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.salesforce import bulk_csv
from adapters.salesforce.bulk_csv import (
    MAX_COMPILES,
    SHARED_PER_COLUMN,
    iter_records,
    read_records,
)

# The text layer decodes 8 KiB of bytes at a time; a pad before the awkward
# rows moves each of their characters across the edge of a piece.
PIECE = 8192

_awkward = st.lists(
    st.one_of(
        st.sampled_from(
            ["\n", "\r\n", "\r", '"', '""', ",", "é", "陈", "🌟", "\u2010"]
        ),
        st.characters(exclude_categories=["Cs"], exclude_characters="\x00"),
    ),
    max_size=10,
).map("".join)


def whole_text_rows(body: bytes) -> list[list[str]]:
    """What a reader of the page's whole text sees: the reference."""
    text = io.StringIO(body.decode("utf-8-sig"), newline="")
    return [row for row in csv.reader(text, strict=True) if row]


def csv_body(rows: list[list[str]], ending: str, *, bom: bool = False) -> bytes:
    out = io.StringIO()
    csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator=ending).writerows(rows)
    return ("\ufeff" if bom else "").encode() + out.getvalue().encode()


def as_records(rows: list[list[str]]) -> list[dict[str, Any]]:
    header, *cells = rows
    return [
        {name: value or None for name, value in zip(header, row, strict=True)}
        for row in cells
    ]


@settings(max_examples=150)
@given(
    rows=st.lists(st.lists(_awkward, min_size=3, max_size=3), min_size=1, max_size=8),
    pad=st.integers(min_value=PIECE - 200, max_value=PIECE + 8),
    ending=st.sampled_from(["\n", "\r\n"]),
    bom=st.booleans(),
)
def test_rows_read_alike_wherever_a_piece_of_decoding_ends(
    rows: list[list[str]], pad: int, ending: str, bom: bool
) -> None:
    table = [["Id", "Name", "Note"], ["001", "x" * pad, ""], *rows]
    body = csv_body(table, ending, bom=bom)

    found = read_records(body, {})

    assert found == as_records(whole_text_rows(body))
    assert found == as_records(table)


AWKWARD = '🌟陈é""{ending}x'


@pytest.mark.parametrize("ending", ["\n", "\r\n"])
@pytest.mark.parametrize("shift", range(24))
def test_a_character_or_a_line_end_cut_by_a_piece_edge_reads_whole(
    ending: str, shift: int
) -> None:
    # The awkward cell starts `shift` bytes before the edge: the edge falls
    # inside the emoji (4 bytes), the CJK (3), the é (2), the doubled quote,
    # the quoted line end, and then the row's own line end.
    awkward = f'"{AWKWARD.format(ending=ending)}"{ending}'
    head = f'"Id","Note"{ending}"001","'
    filler = PIECE - shift - len(head.encode()) - len(f'"{ending}"002",')
    body = (f'{head}{"y" * filler}"{ending}"002",{awkward}"003",""{ending}').encode()

    found = read_records(body, {})

    assert body.index("🌟".encode()) == PIECE - shift + 1
    assert [record["Note"] for record in found[1:]] == [
        AWKWARD.format(ending=ending).replace('""', '"'),
        None,
    ]


def test_bytes_that_are_not_utf8_past_the_first_piece_are_refused() -> None:
    body = b'"Id"\n' + b'"001"\n' * PIECE + b'"\xff"\n'

    with pytest.raises(ValueError, match="utf-8"):
        read_records(body, {})


def test_reading_a_page_holds_no_copy_of_its_text() -> None:
    # An emoji makes every character of a `str` 4 bytes wide: the page's
    # text would be four times its bytes, a second copy of it eight.
    row = '"0037E0000000001QAA","Ana 🌟 Ünïcode","2024-01-15T10:30:00.000Z"\n'
    body = ('"Id","Name","SystemModstamp"\n' + row * 40_000).encode()

    tracemalloc.start()
    try:
        for _ in iter_records(body, {"SystemModstamp": "datetime"}):
            pass
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert len(body) > 2_500_000
    assert peak < 256 * 1024


def test_repeated_cells_are_one_shared_value_per_column() -> None:
    body = csv_body(
        [["Id", "Status", "IsDeleted", "SystemModstamp"]]
        + [[f"00Q{n}", "Open", "false", "2024-01-15T10:30:00.000Z"] for n in range(3)],
        "\n",
    )

    first, *others = read_records(
        body, {"IsDeleted": "boolean", "SystemModstamp": "datetime"}
    )

    for other in others:
        assert other["Status"] is first["Status"]
        assert other["SystemModstamp"] is first["SystemModstamp"]
    assert first["SystemModstamp"] == "2024-01-15T10:30:00.000+0000"
    assert first["IsDeleted"] is False


def test_a_column_of_unique_values_stops_sharing_and_still_converts() -> None:
    count = SHARED_PER_COLUMN + 50
    body = csv_body(
        [["Id", "NumberOfEmployees", "Title"]]
        + [[f"003{n:05d}", str(n), "CEO" if n % 2 else ""] for n in range(count)],
        "\r\n",
    )

    found = read_records(body, {"NumberOfEmployees": "int"})

    assert [record["NumberOfEmployees"] for record in found] == list(range(count))
    assert [record["Id"] for record in found] == [f"003{n:05d}" for n in range(count)]
    assert {record["Title"] for record in found} == {"CEO", None}


def test_a_cell_that_will_not_convert_is_refused_even_when_sharing() -> None:
    body = csv_body([["IsDeleted"], ["false"], ["false"], ["nope"]], "\n")

    with pytest.raises(ValueError, match="boolean"):
        read_records(body, {"IsDeleted": "boolean"})


def _compiles_while_reading(
    body: bytes, monkeypatch: pytest.MonkeyPatch
) -> tuple[list[dict[str, Any]], int]:
    compiled: list[str] = []
    original = bulk_csv._code.__wrapped__

    def counted(source: str) -> CodeType:
        compiled.append(source)
        return original(source)

    monkeypatch.setattr(bulk_csv, "_code", counted)
    return read_records(body, {}), len(compiled)


def test_columns_that_stop_sharing_on_one_row_cost_one_rewrite(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rows = [
        [f"{column}-{n}" for column in "ABCDEF"] for n in range(SHARED_PER_COLUMN + 5)
    ]
    body = csv_body([list("ABCDEF"), *rows], "\n")

    found, compiles = _compiles_while_reading(body, monkeypatch)

    assert found == as_records([list("ABCDEF"), *rows])
    assert compiles == 2


def test_a_wide_header_whose_columns_stop_one_by_one_is_rewritten_a_few_times(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Column i repeats one value, then shows a new one each row from row 5i:
    # each column stops sharing on a row of its own.
    width = 60
    header = [f"F{i}__c" for i in range(width)]
    rows = [
        [f"u{n}" if n >= 5 * i else "same" for i in range(width)]
        for n in range(5 * width + SHARED_PER_COLUMN + 5)
    ]
    body = csv_body([header, *rows], "\n")

    found, compiles = _compiles_while_reading(body, monkeypatch)

    assert found == as_records([header, *rows])
    assert compiles == MAX_COMPILES

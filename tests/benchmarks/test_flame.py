"""The profile summary puts each leaf frame in the layer its code belongs to."""

from __future__ import annotations

import pytest

from benchmarks.flame import area_of, parse_frame


@pytest.mark.parametrize(
    ("frame", "area"),
    [
        ("values (<field mapping>:3)", "crmbridge domain"),
        ("record (<bulk csv row>:12)", "crmbridge Salesforce adapter"),
        (
            "iter_records (adapters/salesforce/bulk_csv.py:77)",
            "crmbridge Salesforce adapter",
        ),
        ("_execute_all (adapters/persistence/writes.py:99)", "sqlite (C)"),
        (
            "PersonRow.page_row (adapters/persistence/people_rows.py:130)",
            "crmbridge persistence",
        ),
    ],
)
def test_generated_code_counts_where_it_was_written(frame: str, area: str) -> None:
    _function, path, _line = parse_frame(frame)

    assert area_of(path) == area

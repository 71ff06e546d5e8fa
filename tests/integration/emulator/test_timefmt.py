"""The emulator's datetime text: what it parses, and how it writes it back."""

from __future__ import annotations

import pytest

from sfemulator.timefmt import bulk_format, parse_datetime, rest_format


@pytest.mark.parametrize(
    ("text", "rest", "bulk"),
    [
        (
            "2024-01-15T10:30:00.123+01:00",
            "2024-01-15T09:30:00.123+0000",
            "2024-01-15T09:30:00.123Z",
        ),
        (
            "0999-01-02T03:04:05Z",
            "0999-01-02T03:04:05.000+0000",
            "0999-01-02T03:04:05.000Z",
        ),
        (
            "0042-06-01T00:00:00Z",
            "0042-06-01T00:00:00.000+0000",
            "0042-06-01T00:00:00.000Z",
        ),
    ],
)
def test_datetimes_are_written_with_a_four_digit_year(
    text: str, rest: str, bulk: str
) -> None:
    ms = parse_datetime(text)

    assert ms is not None
    assert (rest_format(ms), bulk_format(ms)) == (rest, bulk)


@pytest.mark.parametrize(
    "text", ["9999-12-31T23:59:59-01:00", "0001-01-01T00:00:00+01:00"]
)
def test_an_offset_past_the_calendar_is_no_datetime(text: str) -> None:
    assert parse_datetime(text) is None

"""Parsing `Sforce-Limit-Info`, whatever else the header carries."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.salesforce import parse_limit_info
from application.ports import ApiUsage


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("api-usage=25/15000", ApiUsage(used=25, max=15000)),
        (
            "api-usage=18/15000; per-app-api-usage=17/250(appName=sample-app)",
            ApiUsage(used=18, max=15000),
        ),
        (
            "per-app-api-usage=17/250(appName=sample-app); api-usage=18/15000",
            ApiUsage(used=18, max=15000),
        ),
        ("per-app-api-usage=17/250(appName=sample-app)", None),
        ("", None),
        (None, None),
        ("api-usage=lots", None),
    ],
)
def test_parse_limit_info(header: str | None, expected: ApiUsage | None) -> None:
    assert parse_limit_info(header) == expected


@given(st.integers(min_value=0, max_value=10**9), st.integers(0, 10**9))
def test_any_usage_round_trips(used: int, maximum: int) -> None:
    assert parse_limit_info(f"api-usage={used}/{maximum}") == ApiUsage(
        used=used, max=maximum
    )

"""Page cursors: opaque, URL-safe, bound to the listing that issued them."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta, timezone

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from application.errors import InvalidInput
from application.sync.page_cursor import URL_SAFE, decode_cursor, encode_cursor

moments = st.datetimes(timezones=st.just(UTC))
NOW = datetime(2026, 12, 1, tzinfo=UTC)


keys = st.text(min_size=1).filter(lambda key: "\x00" not in key)


@given(moment=moments, key=keys)
def test_a_cursor_round_trips_and_needs_no_escaping(moment: datetime, key: str) -> None:
    cursor = encode_cursor("people", moment, key)

    assert URL_SAFE.fullmatch(cursor)
    assert decode_cursor("people", cursor) == (moment, key)


def test_a_forged_moment_out_of_range_in_utc_is_refused() -> None:
    far_east = datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=14)))
    raw = msgspec.msgpack.encode(["people", far_east.isoformat(), "x"])
    cursor = base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    with pytest.raises(InvalidInput) as caught:
        decode_cursor("people", cursor)

    assert caught.value.field == "cursor"


@pytest.mark.parametrize(
    "cursor",
    [
        "not a cursor",
        encode_cursor("companies", NOW, "x"),
        encode_cursor("people", NOW, "person\x00id"),
    ],
)
def test_a_refused_cursor_says_to_start_from_the_first_page(cursor: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        decode_cursor("people", cursor)

    assert "first page" in (caught.value.hint or "")

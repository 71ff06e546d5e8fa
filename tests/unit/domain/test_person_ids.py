"""New people get version 7 UUIDs that sort by the record's SystemModstamp."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from domain.people import new_person_id

stamps = st.datetimes(
    min_value=datetime(1970, 1, 1),
    max_value=datetime(9999, 1, 1),
    timezones=st.just(UTC),
)


@given(stamps)
def test_an_id_is_a_version_7_uuid_carrying_the_modstamp(stamp: datetime) -> None:
    person_id = new_person_id(stamp)
    parsed = uuid.UUID(person_id)

    assert str(parsed) == person_id
    assert parsed.version == 7
    assert parsed.variant == uuid.RFC_4122
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    assert parsed.int >> 80 == (stamp - epoch) // timedelta(milliseconds=1)


@given(stamps, st.integers(min_value=1, max_value=10**9))
def test_ids_sort_by_modstamp(stamp: datetime, later_ms: int) -> None:
    later = stamp + timedelta(milliseconds=later_ms)

    assert new_person_id(stamp) < new_person_id(later)


def test_ids_of_one_millisecond_differ() -> None:
    stamp = datetime(2024, 1, 15, 10, 30, tzinfo=UTC)

    assert len({new_person_id(stamp) for _ in range(10_000)}) == 10_000

"""New people get version 7 UUIDs that carry the record's SystemModstamp and
grow as records arrive, whatever order their modstamps come in."""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from domain.people import new_person_id
from domain.person import restart_person_ids

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
stamps = st.datetimes(
    min_value=datetime(1970, 1, 1),
    max_value=datetime(9999, 1, 1),
    timezones=st.just(UTC),
)


def stamp_of(person_id: str) -> datetime:
    return EPOCH + timedelta(milliseconds=uuid.UUID(person_id).int >> 80)


@given(stamps)
def test_an_id_is_a_version_7_uuid_carrying_the_modstamp(stamp: datetime) -> None:
    restart_person_ids()
    person_id = new_person_id(stamp)
    parsed = uuid.UUID(person_id)

    assert str(parsed) == person_id
    assert parsed.version == 7
    assert parsed.variant == uuid.RFC_4122
    assert stamp_of(person_id) == stamp.replace(
        microsecond=stamp.microsecond // 1000 * 1000
    )


@given(stamps, st.integers(min_value=1, max_value=10**9))
def test_ids_sort_by_modstamp(stamp: datetime, later_ms: int) -> None:
    restart_person_ids()
    later = stamp + timedelta(milliseconds=later_ms)

    assert new_person_id(stamp) < new_person_id(later)


@given(st.lists(stamps, min_size=2, max_size=50))
def test_ids_grow_in_the_order_they_are_made(arrivals: list[datetime]) -> None:
    restart_person_ids()

    ids = [new_person_id(stamp) for stamp in arrivals]

    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)
    assert all(uuid.UUID(person_id).version == 7 for person_id in ids)


def test_an_older_record_follows_the_last_id_and_a_newer_one_its_own_stamp() -> None:
    restart_person_ids()
    new = datetime(2024, 6, 1, tzinfo=UTC)
    old = datetime(2021, 3, 9, tzinfo=UTC)
    newer = datetime(2025, 1, 2, tzinfo=UTC)

    first = new_person_id(new)
    after_it = new_person_id(old)
    last = new_person_id(newer)

    assert first < after_it < last
    assert stamp_of(after_it) == new
    assert stamp_of(last) == newer


def test_ids_of_one_millisecond_differ() -> None:
    stamp = datetime(2024, 1, 15, 10, 30, tzinfo=UTC)

    assert len({new_person_id(stamp) for _ in range(10_000)}) == 10_000


def test_a_forked_child_starts_its_own_sequence() -> None:
    new_person_id(datetime(2030, 1, 1, tzinfo=UTC))
    old = datetime(2020, 1, 1, tzinfo=UTC)
    reading, writing = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover (the child's coverage is not collected)
        os.write(writing, new_person_id(old).encode())
        os._exit(0)
    os.close(writing)
    with os.fdopen(reading) as pipe:
        made_in_child = pipe.read()
    os.waitpid(child, 0)

    assert stamp_of(made_in_child) == old

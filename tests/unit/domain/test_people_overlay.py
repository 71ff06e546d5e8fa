"""A page planned while the one before is being written sees what it stores."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from domain.people import PeopleIndex, Person, overlay

STAMP = datetime(2026, 1, 1, tzinfo=UTC)
# Few ids, so stored people, the pending page and the lookup collide often.
person_ids = st.sampled_from([f"p{n}" for n in range(6)])
lead_ids = st.one_of(st.none(), st.sampled_from(["L1", "L2", "L3"]))
contact_ids = st.one_of(st.none(), st.sampled_from(["C1", "C2", "C3"]))
people = st.builds(
    Person,
    person_id=person_ids,
    workspace_id=st.just("ws"),
    lead_id=lead_ids,
    contact_id=contact_ids,
    fields=st.fixed_dictionaries({"n": st.integers(0, 3)}),
    modstamp=st.just(STAMP),
)
stores = st.lists(people, max_size=6, unique_by=lambda p: p.person_id)
id_sets = st.sets(st.sampled_from(["L1", "L2", "L3", "C1", "C2", "C3"]))


def lookup(store: list[Person], wanted: set[str]) -> dict[str, Person]:
    """The repository's `find`: people holding any wanted Lead or Contact id."""
    return {
        p.person_id: p for p in store if p.lead_id in wanted or p.contact_id in wanted
    }


def stored(store: list[Person], pending: PeopleIndex) -> list[Person]:
    """The store once `pending` is saved: removed rows go, changed rows upsert."""
    kept = {p.person_id: p for p in store if p.person_id not in pending.removed}
    kept.update(pending.changed)
    return list(kept.values())


@st.composite
def pendings(draw: st.DrawFn) -> PeopleIndex:
    index = PeopleIndex()
    for person in draw(st.lists(people, max_size=4)):
        index.put(person)
    for person in draw(st.lists(people, max_size=2)):
        if person.person_id not in index.changed:
            index.drop(person)
    return index


@given(stores, pendings(), id_sets)
def test_overlay_answers_as_the_store_will_once_pending_is_saved(
    store: list[Person], pending: PeopleIndex, wanted: set[str]
) -> None:
    after = lookup(stored(store, pending), wanted)

    before_saved = overlay(lookup(store, wanted).values(), pending, wanted, wanted)
    once_saved = overlay(after.values(), pending, wanted, wanted)

    assert {p.person_id: p for p in before_saved} == after
    assert {p.person_id: p for p in once_saved} == after
    assert len(before_saved) == len(after)  # nobody twice

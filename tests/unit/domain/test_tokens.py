"""Token sets: refresh answers merge without losing stored values; no secret leaks."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from domain.tokens import TokenSet, issued_at_from_wire

EPOCH = datetime(2024, 1, 1, tzinfo=UTC)

token_text = st.text(min_size=1, max_size=40)
maybe_text = st.none() | token_text


def stored(**changes: object) -> TokenSet:
    values: dict[str, object] = {
        "access_token": "old-access",
        "refresh_token": "old-refresh",
        "instance_url": "https://na1.example",
        "issued_at": EPOCH,
        "identity_url": "https://login.example/id/00D/005",
        "scope": "api refresh_token",
    }
    values.update(changes)
    return TokenSet(**values)  # type: ignore[arg-type]


@given(refresh=maybe_text, instance=st.sampled_from(["", "https://na2.example"]))
def test_refresh_answer_wins_where_present_and_keeps_the_rest(
    refresh: str | None, instance: str
) -> None:
    answer = TokenSet(
        access_token="new-access",
        refresh_token=refresh,
        instance_url=instance,
        issued_at=EPOCH.replace(year=2025),
    )

    merged = stored().merged_with(answer)

    assert merged.access_token == "new-access"
    assert merged.refresh_token == (refresh or "old-refresh")
    assert merged.instance_url == (instance or "https://na1.example")
    assert merged.issued_at == answer.issued_at
    assert merged.identity_url == "https://login.example/id/00D/005"


def test_repr_and_str_hide_both_tokens() -> None:
    tokens = stored(access_token="SECRET-A", refresh_token="SECRET-R")

    shown = repr(tokens) + str(tokens) + f"{tokens}"

    assert "SECRET" not in shown
    assert "https://na1.example" in shown


def test_issued_at_is_epoch_milliseconds_as_a_string() -> None:
    parsed = issued_at_from_wire("1704067200000", fallback=EPOCH.replace(year=1999))

    assert parsed == datetime(2024, 1, 1, tzinfo=UTC)


@given(st.one_of(st.none(), st.just(""), st.just("soon"), st.just("12e")))
def test_unparseable_issued_at_falls_back(value: str | None) -> None:
    assert issued_at_from_wire(value, fallback=EPOCH) == EPOCH

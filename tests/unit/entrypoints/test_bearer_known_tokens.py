"""Verified bearer tokens are kept: a repeated token is not verified again,
yet every answer is the one a full check would give."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import jwt
import pytest

from domain.workspace import Role
from entrypoints import bearer
from entrypoints.bearer import (
    LEEWAY_SECONDS,
    InvalidToken,
    TokenExpired,
    actor_from_header,
    mint,
)

SECRET = "s" * 64


@pytest.fixture(autouse=True)
def nothing_known(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bearer, "_known", bearer._KnownTokens(bearer.KNOWN_TOKENS))


@pytest.fixture
def decodes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The tokens PyJWT was asked to verify during the test."""
    seen: list[str] = []
    real = jwt.decode

    def counting(token: str, *args: Any, **kwargs: Any) -> Any:
        seen.append(token)
        return real(token, *args, **kwargs)

    monkeypatch.setattr(jwt, "decode", counting)
    return seen


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Callable[[float], None]:
    """Set `time.time()` to `seconds` from now; PyJWT keeps the real clock."""

    def shift(seconds: float) -> None:
        moved = time.time() + seconds
        monkeypatch.setattr(time, "time", lambda: moved)

    return shift


def test_a_repeated_token_is_verified_once(decodes: list[str]) -> None:
    token = _token()

    first = actor_from_header(f"Bearer {token}", SECRET)
    again = actor_from_header(f"Bearer {token}", SECRET)

    assert first == again
    assert first.role is Role.MEMBER
    assert decodes == [token]


def test_a_refused_token_is_checked_again_each_time(decodes: list[str]) -> None:
    token = _token(secret="x" * 64)

    for _ in range(2):
        with pytest.raises(InvalidToken, match="signature"):
            actor_from_header(f"Bearer {token}", SECRET)

    assert decodes == [token, token]


def test_a_known_token_is_not_accepted_under_another_secret() -> None:
    token = _token()
    actor_from_header(f"Bearer {token}", SECRET)

    with pytest.raises(InvalidToken, match="signature"):
        actor_from_header(f"Bearer {token}", "o" * 64)


def test_a_known_token_expires_on_time(clock: Callable[[float], None]) -> None:
    token = _token(ttl=60)
    actor_from_header(f"Bearer {token}", SECRET)

    clock(60 + LEEWAY_SECONDS + 1)

    with pytest.raises(TokenExpired):
        actor_from_header(f"Bearer {token}", SECRET)


def test_a_known_token_is_immature_if_the_clock_steps_back(
    clock: Callable[[float], None],
) -> None:
    token = _token()
    actor_from_header(f"Bearer {token}", SECRET)
    issued_later = jwt.encode(
        {"sub": "a", "workspace": "w", "role": "member", "exp": 2**40, "iat": 2**39},
        SECRET,
        algorithm="HS256",
    )
    with pytest.raises(InvalidToken) as full_check:
        actor_from_header(f"Bearer {issued_later}", SECRET)

    clock(-3600)

    with pytest.raises(InvalidToken) as known:
        actor_from_header(f"Bearer {token}", SECRET)
    assert known.value.message == full_check.value.message


def test_the_least_recently_used_token_is_forgotten_first(
    decodes: list[str],
) -> None:
    known = bearer._KnownTokens(limit=2)
    first, second, third = (_token(subject=name) for name in ("a", "b", "c"))

    for token in (first, second, first, third, first, second):
        known.actor(token, SECRET)

    assert decodes == [first, second, third, second]


def _token(secret: str = SECRET, ttl: int = 3600, subject: str = "alice") -> str:
    return mint(secret, workspace="w", role=Role.MEMBER, subject=subject, ttl=ttl)

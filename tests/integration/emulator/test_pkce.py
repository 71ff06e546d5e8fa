"""The emulator's PKCE rules: the RFC 7636 vector and the verifier alphabet."""

from __future__ import annotations

import string

from hypothesis import given
from hypothesis import strategies as st

from sfemulator.ids import consumer_key
from sfemulator.pkce import challenge_for, verifier_matches
from tests.integration.emulator.flow import RFC_CHALLENGE, RFC_VERIFIER

SAFE = string.ascii_letters + string.digits + "-_"


def test_rfc_7636_appendix_b_vector() -> None:
    assert challenge_for(RFC_VERIFIER) == RFC_CHALLENGE
    assert verifier_matches(RFC_VERIFIER, RFC_CHALLENGE)


@given(st.text(alphabet=SAFE, min_size=43, max_size=128))
def test_every_safe_verifier_matches_its_own_challenge(verifier: str) -> None:
    challenge = challenge_for(verifier)

    assert verifier_matches(verifier, challenge)
    assert "=" not in challenge
    assert "+" not in challenge
    assert "/" not in challenge


@given(st.text(alphabet=SAFE, min_size=0, max_size=42))
def test_short_verifiers_are_refused(verifier: str) -> None:
    assert not verifier_matches(verifier, challenge_for(verifier))


def test_long_and_odd_verifiers_are_refused() -> None:
    too_long = "a" * 129
    tilde = "~" + "a" * 50
    space = " " + "a" * 50

    assert not verifier_matches(too_long, challenge_for(too_long))
    assert not verifier_matches(tilde, challenge_for(tilde))
    assert not verifier_matches(space, challenge_for(space))
    assert not verifier_matches(None, RFC_CHALLENGE)


def test_padded_or_standard_base64_challenges_never_match() -> None:
    assert not verifier_matches(RFC_VERIFIER, RFC_CHALLENGE + "=")
    assert not verifier_matches(
        RFC_VERIFIER, RFC_CHALLENGE.replace("-", "+").replace("_", "/")
    )


def test_consumer_keys_look_like_real_ones() -> None:
    key = consumer_key()

    assert key.startswith("3MVG9")
    assert len(key) == 85
    assert set(key) <= set(SAFE.replace("-", "") + ".")

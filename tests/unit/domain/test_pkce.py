"""PKCE (RFC 7636) properties, the RFC's own vector, and the Salesforce alphabet."""

from __future__ import annotations

import base64
import hashlib
import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain import pkce

SALESFORCE_SAFE = set(string.ascii_letters + string.digits + "-_")


def test_rfc7636_appendix_b_vector() -> None:
    verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"

    challenge = pkce.s256_challenge(verifier)

    assert challenge == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


@given(st.integers(min_value=pkce.MIN_LENGTH, max_value=pkce.MAX_LENGTH))
def test_verifiers_have_the_requested_length_and_a_safe_alphabet(length: int) -> None:
    verifier = pkce.new_verifier(length)

    assert len(verifier) == length
    assert set(verifier) <= SALESFORCE_SAFE
    assert "~" not in verifier
    assert pkce.is_valid_verifier(verifier)


@given(st.text(alphabet=sorted(SALESFORCE_SAFE), min_size=43, max_size=128))
def test_challenge_is_unpadded_base64url_of_the_sha256(verifier: str) -> None:
    challenge = pkce.s256_challenge(verifier)

    assert len(challenge) == 43
    assert not set(challenge) & set("+/=")
    padded = challenge + "="
    assert (
        base64.urlsafe_b64decode(padded) == hashlib.sha256(verifier.encode()).digest()
    )


@pytest.mark.parametrize("length", [0, 42, 129, 500])
def test_out_of_range_lengths_are_refused(length: int) -> None:
    with pytest.raises(ValueError, match=r"43\.\.128"):
        pkce.new_verifier(length)


@pytest.mark.parametrize(
    "verifier",
    ["a" * 42, "a" * 129, "a" * 42 + "~", "a" * 42 + "+", "a" * 42 + "=", ""],
)
def test_verifier_validation_rejects_what_salesforce_rejects(verifier: str) -> None:
    assert not pkce.is_valid_verifier(verifier)


def test_verifiers_and_states_do_not_repeat() -> None:
    verifiers = {pkce.new_verifier() for _ in range(200)}
    states = {pkce.new_state() for _ in range(200)}

    assert len(verifiers) == 200
    assert len(states) == 200
    assert all(len(state) >= 43 for state in states)

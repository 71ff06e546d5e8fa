"""FernetTokenCipher: round trips, key lists, rotation and clear errors."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.encryption import (
    FernetTokenCipher,
    InvalidEncryptionKey,
    UndecryptableSecret,
)

OLD, NEW = FernetTokenCipher.generate_key(), FernetTokenCipher.generate_key()
SECRET = "refresh-token-that-must-not-leak"


@given(plaintext=st.text())
def test_what_is_encrypted_decrypts_to_the_same_text(plaintext: str) -> None:
    cipher = FernetTokenCipher([NEW])

    sealed = cipher.encrypt(plaintext)

    assert cipher.decrypt(sealed) == plaintext
    assert sealed.isascii()


def test_encryption_is_randomized() -> None:
    cipher = FernetTokenCipher([NEW])

    assert cipher.encrypt(SECRET) != cipher.encrypt(SECRET)


def test_the_first_key_encrypts_and_every_key_decrypts() -> None:
    sealed_by_old = FernetTokenCipher([OLD]).encrypt(SECRET)
    both = FernetTokenCipher([NEW, OLD])

    sealed_by_both = both.encrypt(SECRET)

    assert both.decrypt(sealed_by_old) == SECRET
    assert FernetTokenCipher([NEW]).decrypt(sealed_by_both) == SECRET
    with pytest.raises(UndecryptableSecret):
        FernetTokenCipher([OLD]).decrypt(sealed_by_both)


def test_rotate_moves_a_value_to_the_first_key() -> None:
    sealed_by_old = FernetTokenCipher([OLD]).encrypt(SECRET)

    rotated = FernetTokenCipher([NEW, OLD]).rotate(sealed_by_old)

    assert FernetTokenCipher([NEW]).decrypt(rotated) == SECRET


@pytest.mark.parametrize("damage", ["wrong key", "corrupt", "not base64"])
def test_an_unreadable_value_fails_clearly_without_the_secret(damage: str) -> None:
    sealed = FernetTokenCipher([OLD]).encrypt(SECRET)
    value = {
        "wrong key": sealed,
        "corrupt": sealed[:-6] + "AAAAAA",
        "not base64": "é not a token",
    }[damage]

    with pytest.raises(UndecryptableSecret) as raised:
        FernetTokenCipher([NEW]).decrypt(value)

    assert "cannot be decrypted with any configured key" in str(raised.value)
    assert SECRET not in str(raised.value)
    assert raised.value.code == "undecryptable_secret"


def test_rotate_of_an_unreadable_value_fails_clearly() -> None:
    sealed = FernetTokenCipher([OLD]).encrypt(SECRET)

    with pytest.raises(UndecryptableSecret):
        FernetTokenCipher([NEW]).rotate(sealed)


@pytest.mark.parametrize("keys", [[], ["not-a-key"], [NEW, NEW[:-4]]])
def test_bad_keys_are_refused_without_showing_them(keys: list[str]) -> None:
    with pytest.raises(InvalidEncryptionKey) as raised:
        FernetTokenCipher(keys)

    for key in keys:
        assert key not in str(raised.value)


def test_a_setting_lists_keys_newest_first() -> None:
    sealed_by_old = FernetTokenCipher([OLD]).encrypt(SECRET)

    cipher = FernetTokenCipher.from_setting(f" {NEW} , {OLD} ,")

    assert cipher.decrypt(sealed_by_old) == SECRET
    assert FernetTokenCipher([NEW]).decrypt(cipher.encrypt(SECRET)) == SECRET


def test_repr_shows_no_key() -> None:
    cipher = FernetTokenCipher([NEW, OLD])

    assert repr(cipher) == "FernetTokenCipher(keys=2)"
    assert NEW not in repr(cipher)

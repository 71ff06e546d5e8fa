"""FernetTokenCipher: round trips, key lists, rotation and clear errors."""

from __future__ import annotations

import base64
import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.encryption import (
    FernetTokenCipher,
    InvalidEncryptionKey,
    UndecryptableSecret,
    keys_of,
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


# 0xfb 0xff spells '-' and '_' in url-safe base64, '+' and '/' in the standard one.
DASHED = base64.urlsafe_b64encode(b"\xfb\xff" * 16).decode()
# The decoder Fernet uses skips what it does not know, or drops unused bits:
# each of these used to open a cipher, some under another key than was meant.
MISSPELLED = {
    "two keys joined by ';'": f"{NEW};{OLD}",
    "two keys joined by a space": f"{NEW} {OLD}",
    "a stray character inside": f"{NEW[:20]}!{NEW[20:]}",
    "no padding": NEW.rstrip("="),
    "the standard alphabet": base64.b64encode(b"\xfb\xff" * 16).decode(),
    "unused bits set": DASHED[:42] + "9=",
    "16 bytes": base64.urlsafe_b64encode(b"k" * 16).decode(),
    "not ascii": "\u00e9" * 44,
}


@pytest.mark.parametrize("key", MISSPELLED.values(), ids=MISSPELLED.keys())
def test_only_a_key_spelled_as_generate_key_prints_it_is_taken(key: str) -> None:
    with pytest.raises(InvalidEncryptionKey) as raised:
        FernetTokenCipher([key])

    assert "#1" in str(raised.value)
    assert key not in str(raised.value)
    assert key[:12] not in str(raised.value)


@given(raw=st.binary(min_size=32, max_size=32))
def test_every_generated_spelling_is_taken(raw: bytes) -> None:
    key = base64.urlsafe_b64encode(raw).decode()

    assert keys_of(f" {key} ") == [key]
    FernetTokenCipher([key])


@given(text=st.text(alphabet=string.ascii_letters + string.digits + "-_=+/;: ."))
def test_a_taken_key_is_its_bytes_spelled_again(text: str) -> None:
    try:
        FernetTokenCipher([text])
    except InvalidEncryptionKey:
        return

    assert base64.urlsafe_b64encode(base64.urlsafe_b64decode(text)).decode() == text


def test_a_setting_names_the_bad_entry_and_the_separator() -> None:
    setting = f"{NEW},,{OLD};{NEW}"

    with pytest.raises(InvalidEncryptionKey) as raised:
        keys_of(setting)

    assert "key #3 of 3" in str(raised.value)
    assert "separated by ','" in str(raised.value)
    assert NEW not in str(raised.value)
    assert OLD not in str(raised.value)


@pytest.mark.parametrize("setting", ["", " ", ",", " , "])
def test_a_setting_without_a_key_is_refused(setting: str) -> None:
    with pytest.raises(InvalidEncryptionKey, match="at least one"):
        keys_of(setting)


def test_a_setting_lists_keys_newest_first() -> None:
    sealed_by_old = FernetTokenCipher([OLD]).encrypt(SECRET)

    cipher = FernetTokenCipher.from_setting(f" {NEW} , {OLD} ,")

    assert cipher.decrypt(sealed_by_old) == SECRET
    assert FernetTokenCipher([NEW]).decrypt(cipher.encrypt(SECRET)) == SECRET


def test_repr_shows_no_key() -> None:
    cipher = FernetTokenCipher([NEW, OLD])

    assert repr(cipher) == "FernetTokenCipher(keys=2)"
    assert NEW not in repr(cipher)

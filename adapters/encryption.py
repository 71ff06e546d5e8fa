"""Token encryption at rest: Fernet under a rotating list of keys.

    TokenCipherError
    ├── InvalidEncryptionKey     a configured key is not a Fernet key
    └── UndecryptableSecret      no configured key opens a stored value

The first key encrypts; every key decrypts. To rotate: put a new key first,
keep the old ones, run the re-encrypt job, then drop the old keys.

A key is taken only exactly as `Fernet.generate_key()` prints it: the base64
decoder Fernet uses skips characters it does not know, so "K1;K2" would
otherwise be read as K1 alone, and K2 silently lost.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet


class TokenCipherError(Exception):
    """Root of the cipher's errors; `code` is stable and machine-readable."""

    code = "token_cipher_error"


class InvalidEncryptionKey(TokenCipherError):
    """Raised at construction when a key is missing or not a Fernet key."""

    code = "invalid_encryption_key"


class UndecryptableSecret(TokenCipherError):
    """Raised when a stored value is corrupt or sealed by a key no longer held."""

    code = "undecryptable_secret"

    def __init__(self) -> None:
        super().__init__(
            "a stored secret cannot be decrypted with any configured key; "
            "check that the key which encrypted it is still in the key list"
        )


SEPARATOR = ","
KEY_BYTES = 32
KEY_SHAPE = (
    "a key is 44 characters of url-safe base64 (32 bytes), exactly as "
    "Fernet.generate_key() prints it"
)


def keys_of(setting: str) -> list[str]:
    """The keys of a SEPARATOR-separated setting, newest first, each checked.

    Spaces around a key and empty entries (a trailing comma) are ignored; a
    bad key is named by its entry's position in the setting, never shown.
    """
    entries = [entry.strip() for entry in setting.split(SEPARATOR)]
    for position, entry in enumerate(entries, start=1):
        if entry and not is_fernet_key(entry):
            raise InvalidEncryptionKey(
                f"key #{position} of {len(entries)} is not a Fernet key: "
                f"{KEY_SHAPE}, and keys are separated by '{SEPARATOR}' alone"
            )
    keys = [entry for entry in entries if entry]
    if not keys:
        raise InvalidEncryptionKey("at least one encryption key is required")
    return keys


def is_fernet_key(key: str | bytes) -> bool:
    """Whether `key` is a Fernet key in its one canonical spelling."""
    try:
        text = key.decode("ascii") if isinstance(key, bytes) else key
        raw = base64.urlsafe_b64decode(text.encode("ascii"))
    except (UnicodeError, binascii.Error):
        return False
    return len(raw) == KEY_BYTES and base64.urlsafe_b64encode(raw).decode() == text


class FernetTokenCipher:
    """Encrypts secrets with the first key and decrypts with any key."""

    def __init__(self, keys: Sequence[str | bytes]) -> None:
        if not keys:
            raise InvalidEncryptionKey("at least one encryption key is required")
        self._fernet = MultiFernet([_fernet(key, i) for i, key in enumerate(keys)])
        self._key_count = len(keys)

    @classmethod
    def from_setting(cls, value: str) -> FernetTokenCipher:
        """Build from a comma-separated setting, newest key first."""
        return cls(keys_of(value))

    @staticmethod
    def generate_key() -> str:
        """A fresh random key, url-safe base64 as the setting expects it."""
        return Fernet.generate_key().decode("ascii")

    def encrypt(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode("utf-8")).decode("ascii")

    def decrypt(self, ciphertext: str) -> str:
        try:
            return self._fernet.decrypt(ciphertext.encode("ascii")).decode("utf-8")
        except (InvalidToken, UnicodeError) as exc:
            raise UndecryptableSecret() from exc

    def rotate(self, ciphertext: str) -> str:
        """Re-encrypt under the first key, keeping the original timestamp."""
        try:
            return self._fernet.rotate(ciphertext.encode("ascii")).decode("ascii")
        except (InvalidToken, UnicodeError) as exc:
            raise UndecryptableSecret() from exc

    def __repr__(self) -> str:
        return f"FernetTokenCipher(keys={self._key_count})"


def _fernet(key: str | bytes, position: int) -> Fernet:
    if not is_fernet_key(key):
        raise InvalidEncryptionKey(
            f"encryption key #{position + 1} is not a Fernet key: {KEY_SHAPE}"
        )
    return Fernet(key)

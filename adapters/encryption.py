"""Token encryption at rest: Fernet under a rotating list of keys.

    TokenCipherError
    ├── InvalidEncryptionKey     a configured key is not a Fernet key
    └── UndecryptableSecret      no configured key opens a stored value

The first key encrypts; every key decrypts. To rotate: put a new key first,
keep the old ones, run the re-encrypt job, then drop the old keys.
"""

from __future__ import annotations

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
        return cls([key.strip() for key in value.split(",") if key.strip()])

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
    try:
        return Fernet(key)
    except (ValueError, TypeError) as exc:
        raise InvalidEncryptionKey(
            f"encryption key #{position + 1} is not a Fernet key "
            "(32 bytes, url-safe base64 encoded)"
        ) from exc

"""Salesforce-style 18-character ids and opaque secrets for the emulator's world."""

from __future__ import annotations

import base64
import secrets
import string

BASE62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
_SUFFIX_ALPHABET = string.ascii_uppercase + "012345"

PREFIXES = {
    "Organization": "00D",
    "User": "005",
    "Lead": "00Q",
    "Contact": "003",
    "Account": "001",
    "QueryLocator": "01g",
    "Job": "750",
}


def checksum_suffix(id15: str) -> str:
    """The three characters that make a 15-character id case-insensitively unique."""
    suffix = ""
    for start in (0, 5, 10):
        chunk = id15[start : start + 5]
        bits = sum(1 << i for i, char in enumerate(chunk) if char.isupper())
        suffix += _SUFFIX_ALPHABET[bits]
    return suffix


def make_id(prefix: str, number: int) -> str:
    """An 18-character id whose order follows `number` (base62 sorts as ASCII)."""
    digits = ""
    for _ in range(9):
        number, rest = divmod(number, 62)
        digits = BASE62[rest] + digits
    id15 = f"{prefix}7E0{digits}"
    return id15 + checksum_suffix(id15)


def is_valid_id(value: str, prefix: str | None = None) -> bool:
    """Whether `value` is a well-formed 18-character id (with `prefix`, if given)."""
    if len(value) != 18 or any(char not in BASE62 for char in value):
        return False
    if prefix is not None and not value.startswith(prefix):
        return False
    return checksum_suffix(value[:15]) == value[15:]


class IdFactory:
    """Per-prefix counters, so a fresh world hands out the same ids every run."""

    def __init__(self) -> None:
        self._counters: dict[str, int] = {}

    def next(self, prefix: str) -> str:
        number = self._counters.get(prefix, 0) + 1
        self._counters[prefix] = number
        return make_id(prefix, number)


def opaque(prefix: str, nbytes: int = 32) -> str:
    """A random url-safe token string starting with `prefix`."""
    return prefix + secrets.token_urlsafe(nbytes)


def consumer_key() -> str:
    """A Connected App consumer key: "3MVG9" and 80 of [A-Za-z0-9._], like real ones."""
    alphabet = BASE62 + "._"
    return "3MVG9" + "".join(secrets.choice(alphabet) for _ in range(80))


def authorization_code() -> str:
    # Real codes are standard base64 that ends in "==", so clients must URL-decode.
    return "aPrx" + base64.b64encode(secrets.token_bytes(61)).decode()

"""RFC 7636 checks as the emulated Salesforce applies them, field quirks included."""

from __future__ import annotations

import base64
import hashlib
import string

# RFC 7636 section 4.1 allows "~" too, but field reports show Salesforce
# rejecting it, and the emulator must catch clients that rely on it.
_ACCEPTED = frozenset(string.ascii_letters + string.digits + "-._")


def challenge_for(verifier: str) -> str:
    """base64url(SHA-256(verifier)) without padding: the S256 challenge."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def verifier_matches(verifier: str | None, challenge: str) -> bool:
    """Whether `verifier` is acceptable and hashes to `challenge`."""
    if verifier is None or not 43 <= len(verifier) <= 128:
        return False
    if any(char not in _ACCEPTED for char in verifier):
        return False
    return challenge_for(verifier) == challenge

"""PKCE (RFC 7636) verifiers and S256 challenges, in the alphabet Salesforce accepts."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets

# RFC 7636 allows "~" and "." too; Salesforce has been seen rejecting "~", so we
# draw from the base64url alphabet, which is a subset of the RFC's.
VERIFIER_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
MIN_LENGTH = 43
MAX_LENGTH = 128
_VERIFIER = re.compile(r"^[A-Za-z0-9\-_]{43,128}$")


def new_verifier(length: int = 64) -> str:
    """Return a fresh random verifier of `length` characters (43..128)."""
    if not MIN_LENGTH <= length <= MAX_LENGTH:
        raise ValueError(f"verifier length must be {MIN_LENGTH}..{MAX_LENGTH}")
    return "".join(secrets.choice(VERIFIER_ALPHABET) for _ in range(length))


def is_valid_verifier(verifier: str) -> bool:
    return _VERIFIER.fullmatch(verifier) is not None


def s256_challenge(verifier: str) -> str:
    """Return base64url(SHA-256(verifier)) without padding."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def new_state() -> str:
    """Return an unguessable, URL-safe `state` value (256 bits)."""
    return secrets.token_urlsafe(32)

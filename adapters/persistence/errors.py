"""Errors the persistence adapters raise beyond the cipher's own.

PersistenceError
└── MisplacedSecret    a sealed value sits on a row it was not written for
"""

from __future__ import annotations


class PersistenceError(Exception):
    """Root of the persistence adapters' errors; `code` is machine-readable."""

    code = "persistence_error"


class MisplacedSecret(PersistenceError):
    """Raised when a decrypted value names another row: copied or tampered with."""

    code = "misplaced_secret"

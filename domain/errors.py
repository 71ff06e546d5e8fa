"""Errors the domain raises when a rule would be broken.

DomainError
├── InvalidSetting        a client id or login host fails validation
└── IllegalTransition     a connection is asked for a change its state forbids
"""

from __future__ import annotations


class DomainError(Exception):
    """Root of the domain's errors; `code` is stable and machine-readable."""

    code = "domain_error"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidSetting(DomainError):
    """Raised when a connection setting (client id, login host) is malformed."""

    code = "invalid_setting"


class IllegalTransition(DomainError):
    """Raised when a connection cannot make the requested change in its state."""

    code = "illegal_transition"

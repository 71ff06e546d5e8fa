"""The user-facing problem behind each Salesforce error the adapters raise."""

from __future__ import annotations

from application.errors import (
    ApiDisabled,
    ApiError,
    ApiVersionRetired,
    QuotaExhausted,
    SalesforceError,
    SessionExpired,
)
from domain import problems
from domain.problems import Problem

MAPPING_ERRORS = frozenset({"INVALID_FIELD", "MALFORMED_QUERY", "INVALID_TYPE"})


def problem_for(exc: SalesforceError) -> Problem:
    """Quota, API access, version, session and query problems; else unavailable."""
    if isinstance(exc, QuotaExhausted):
        return problems.rate_limited()
    if isinstance(exc, ApiDisabled):
        return problems.api_disabled()
    if isinstance(exc, ApiVersionRetired):
        return problems.api_version_retired(exc.message)
    if isinstance(exc, SessionExpired):
        return Problem(
            code="session_rejected",
            message="Salesforce rejected the session even after a token refresh.",
            # Not always a dead grant: a new session ended as soon as it was
            # made (a session policy, an admin ending sessions) says the same.
            hint="Try again in a moment. If it keeps happening, check the "
            "Connected App's session policies (IP restrictions, session "
            "timeout) in Salesforce; if those are fine, "
            + problems.REAUTHORIZE_HINT[0].lower()
            + problems.REAUTHORIZE_HINT[1:],
        )
    if isinstance(exc, ApiError) and exc.error_code in MAPPING_ERRORS:
        fields = ", ".join(exc.fields) or "a mapped field"
        return Problem(
            code="mapping_field_rejected",
            message=f"Salesforce rejected {fields}: {exc.message}",
            hint="Fix the field mapping (GET /api/crm/salesforce/fields lists "
            "what this org has), then sync again.",
        )
    return problems.salesforce_unavailable(exc.message)

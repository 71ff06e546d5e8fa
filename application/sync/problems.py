"""User-facing problems a sync run can end with."""

from __future__ import annotations

from application.errors import (
    ApiDisabled,
    ApiError,
    ApiVersionRetired,
    NotConnected,
    QuotaExhausted,
    SalesforceError,
    SessionExpired,
)
from application.ports import ApiUsage
from domain import problems
from domain.problems import Problem

MAPPING_ERRORS = frozenset({"INVALID_FIELD", "MALFORMED_QUERY", "INVALID_TYPE"})


def quota_reserve_reached(usage: ApiUsage) -> Problem:
    return Problem(
        code="api_quota_reserve_reached",
        message=f"Paused: the org has used {usage.used} of {usage.max} daily API "
        "requests, and the rest is kept for its other tools.",
        hint="Start the sync again later; it resumes where it stopped.",
    )


def problem_for_sync_error(exc: SalesforceError | NotConnected) -> Problem:
    """The problem a failed run shows; mapping bugs name the field."""
    if isinstance(exc, NotConnected):
        return Problem(code="not_connected", message=exc.message, hint=exc.hint)
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
            hint=problems.REAUTHORIZE_HINT,
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

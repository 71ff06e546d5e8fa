"""User-facing problems a sync run can end with."""

from __future__ import annotations

from application.errors import NotConnected, SalesforceError
from application.ports import ApiUsage
from application.problems import problem_for
from domain.problems import Problem


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
    return problem_for(exc)

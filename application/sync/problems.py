"""User-facing problems a sync run can end with."""

from __future__ import annotations

from application.errors import NotConnected, SalesforceError, StorageUnavailable
from application.ports import ApiUsage
from application.problems import problem_for
from domain.problems import Problem
from domain.sync import SyncMode


def quota_reserve_reached(usage: ApiUsage, mode: SyncMode) -> Problem:
    return Problem(
        code="api_quota_reserve_reached",
        message=f"Paused: the org has used {usage.used} of {usage.max} daily API "
        "requests, and the rest is kept for its other tools.",
        hint=f"Start the sync again later: {started_again(mode)}",
    )


def started_again(mode: SyncMode) -> str:
    """What starting an unfinished sync of this mode again does: only an
    incremental sync reads from the committed cursors, and it also ends an
    unfinished full read (`domain.full_reads`)."""
    if mode is SyncMode.FULL:
        return (
            "a new full sync starts over from the beginning (what this one "
            "stored is updated, not duplicated); a new incremental sync goes "
            "on from its last committed page and ends it as a full sync would."
        )
    return "a new incremental sync goes on from its last committed page."


def database_lost(mode: SyncMode, exc: StorageUnavailable) -> Problem:
    """The problem of a run that lost its database, in the words `exc` has
    for how (dropped, or kept locked)."""
    return Problem(
        code=exc.code,
        message=f"The sync stopped: {exc.message}. What it had committed is kept.",
        hint=f"Once the database is up, start the sync again: {started_again(mode)}",
    )


def problem_for_sync_error(exc: SalesforceError | NotConnected) -> Problem:
    """The problem a failed run shows; mapping bugs name the field."""
    if isinstance(exc, NotConnected):
        return Problem(code="not_connected", message=exc.message, hint=exc.hint)
    return problem_for(exc)

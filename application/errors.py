"""Errors raised by use cases, and by adapters through the ports.

ApplicationError
├── NotPermitted                 the caller's role may not do this
├── NotFound                     no such resource in the caller's workspace
├── InvalidInput                 a field fails validation (names the field)
├── Conflict                     the connection's state forbids the change
│   └── SyncJobChanged           a sync job moved on before a write of it
├── NotConnected                 the workspace has no working connection
├── NeedsReauthorization         Salesforce revoked the grant: reconnect
├── CredentialsUnreadable        no configured key opens the stored tokens
├── AuthorizationStateInvalid    callback state unknown, replayed or expired
├── AuthorizationUnreadable      no configured key opens a pending verifier
├── AuthorizationFailed          the callback completed with a problem
├── SyncNotScheduled             no runner could take a queued sync job
├── StorageUnavailable           the database dropped out, or stayed locked
└── SalesforceError              raised by Salesforce adapters
    ├── OAuthError               an OAuth endpoint answered {error, ...}
    ├── SessionExpired           a REST call answered 401 INVALID_SESSION_ID
    ├── ApiError                 a REST call answered an error array
    │   ├── QuotaExhausted       REQUEST_LIMIT_EXCEEDED
    │   ├── ApiDisabled          API_DISABLED_FOR_ORG
    │   └── ApiVersionRetired    410 for the configured API version
    └── SalesforceUnavailable    5xx, timeouts, resets after bounded retries
"""

from __future__ import annotations

from domain import problems
from domain.connection_problems import UNAVAILABLE_HINT
from domain.problems import Problem
from domain.wording import printable

SHOWN_ID = 64


class ApplicationError(Exception):
    """Root of the errors use cases raise; `code` is stable and machine-readable."""

    code = "application_error"
    hint: str | None = None

    def __init__(
        self, message: str, *, hint: str | None = None, field: str | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        if hint is not None:
            self.hint = hint


class NotPermitted(ApplicationError):
    """Raised when the caller's role does not allow the action."""

    code = "forbidden"
    hint = "Ask a workspace Owner or Admin."


class NotFound(ApplicationError):
    """Raised when the resource does not exist in the caller's workspace."""

    code = "not_found"


def shown_id(value: str) -> str:
    """An id a caller gave, fit to echo in a message: one line, elided past
    `SHOWN_ID` characters, so a forged one cannot fill the answer or a log."""
    return printable(value, SHOWN_ID)


class InvalidInput(ApplicationError):
    """Raised when a field of a command is malformed; nothing was changed."""

    code = "invalid_input"


class Conflict(ApplicationError):
    """Raised when the current state forbids the change: a connection that is
    connected, a sync already running, a record id held by another person."""

    code = "conflict"


class SyncJobChanged(Conflict):
    """Raised by a save of a sync job that is no longer in the state its
    writer read (another writer started, ended or removed it meanwhile);
    nothing of the save was stored."""

    code = "sync_job_changed"

    def __init__(self, workspace_id: str, job_id: str) -> None:
        super().__init__(
            f"sync {shown_id(job_id)} changed meanwhile in workspace "
            f"{shown_id(workspace_id)}",
            hint="Read the sync again: another request or runner moved it on.",
        )
        self.workspace_id = workspace_id
        self.job_id = job_id


class NotConnected(ApplicationError):
    """Raised when an action needs a connection and there is none."""

    code = "not_connected"
    hint = "Connect Salesforce in Settings > CRM Integration first."


class ProblemError(ApplicationError):
    """Base for errors that carry a user-facing `Problem`."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.message, hint=problem.hint)
        self.problem = problem
        self.code = problem.code


class NeedsReauthorization(ProblemError):
    """Raised when the stored grant is dead; only a reconnect helps."""


class CredentialsUnreadable(ProblemError):
    """Raised when a connection's stored tokens cannot be decrypted with the
    configured keys (a key dropped too early, or the wrong keys configured)."""

    def __init__(self) -> None:
        super().__init__(problems.credentials_unreadable())


class AuthorizationFailed(ProblemError):
    """Raised when a callback could not complete the connection."""

    def __init__(self, problem: Problem, *, workspace_id: str) -> None:
        super().__init__(problem)
        self.workspace_id = workspace_id


class SyncNotScheduled(ProblemError):
    """Raised by a `SyncScheduler` that could not take a job: it will not run."""

    def __init__(self, reason: str) -> None:
        super().__init__(
            Problem(
                code="sync_not_scheduled",
                message="The sync could not be handed to the worker that runs "
                f"syncs ({reason}).",
                hint="Start it again in a moment; if this repeats, the service's "
                "runner folder needs fixing by its operator.",
            )
        )


class AuthorizationStateInvalid(ApplicationError):
    """Raised when a callback's `state` is unknown, already used or expired."""

    code = "invalid_state"
    hint = "Start again with Connect to Salesforce; a link works once, for 10 minutes."


class AuthorizationUnreadable(ApplicationError):
    """Raised by `take` when a pending authorization's verifier cannot be
    decrypted; the state is spent all the same if the unit of work commits."""

    code = "authorization_unreadable"

    def __init__(self, *, workspace_id: str) -> None:
        super().__init__("the pending authorization's verifier cannot be decrypted")
        self.workspace_id = workspace_id


class StorageUnavailable(ApplicationError):
    """Raised when the database could not be reached in the middle of the
    work (a connection dropped, the server restarting, a SQLite file locked
    too long); nothing of the transaction it ended was kept."""

    code = "database_unavailable"
    hint = (
        "This is usually temporary; try again in a moment. If it keeps "
        "failing, check that the database is up and that nothing else holds "
        "it locked."
    )


class SalesforceError(ApplicationError):
    """Root of what Salesforce adapters raise; already translated from the wire."""

    code = "salesforce_error"


class OAuthError(SalesforceError):
    """Raised when an OAuth endpoint answers `{"error", "error_description"}`."""

    code = "oauth_error"

    def __init__(self, error: str, description: str | None = None) -> None:
        super().__init__(f"Salesforce OAuth error {error}: {description or ''}".strip())
        self.error = error
        self.description = description


class SessionExpired(SalesforceError):
    """Raised when a REST call answers 401: the access token is no longer valid."""

    code = "session_expired"


class ApiError(SalesforceError):
    """Raised when a REST call answers an error array; first entry is kept."""

    code = "salesforce_api_error"

    def __init__(
        self,
        message: str,
        *,
        error_code: str,
        status: int,
        fields: tuple[str, ...] = (),
    ) -> None:
        super().__init__(message)
        self.error_code = error_code
        self.status = status
        self.fields = fields


class QuotaExhausted(ApiError):
    """Raised on REQUEST_LIMIT_EXCEEDED: stop, never retry hot."""

    code = "api_quota_exhausted"


class ApiDisabled(ApiError):
    """Raised on API_DISABLED_FOR_ORG: the user or org has no API access."""

    code = "api_disabled"


class ApiVersionRetired(ApiError):
    """Raised on 410: the configured API version is no longer served."""

    code = "api_version_retired"


class SalesforceUnavailable(SalesforceError):
    """Raised when Salesforce kept failing (5xx, timeout, reset) after retries."""

    code = "salesforce_unavailable"
    hint = UNAVAILABLE_HINT

"""User-facing problems: what went wrong with a connection and what to do about it.

Each problem has a stable `code`, a `message` for people and a `hint` with the
next step (`domain.problem`). The catalogue lives in `authorization_problems`
and `connection_problems`; every name in it can be imported from here.
`problem_for_refresh_error`, `problem_for_code_exchange` and
`problem_for_callback_error` translate what Salesforce's OAuth endpoints say on
the wire into one of them.
"""

from __future__ import annotations

from domain.authorization_problems import (
    access_denied,
    authorization_failed,
    authorization_unreadable,
    client_secret_required,
    connect_again,
    environment_mismatch,
    invalid_client_id,
    no_refresh_token,
)
from domain.connection_problems import (
    REAUTHORIZE_HINT,
    api_disabled,
    api_version_retired,
    credentials_unreadable,
    grant_not_revoked,
    invalid_client_id_for_refresh,
    rate_limited,
    refresh_token_invalid,
    salesforce_unavailable,
    untrusted_host,
)
from domain.problem import STANDING, Problem, standing
from domain.wording import plural, printable, sentences


def is_concurrent_refresh(error: str, description: str | None) -> bool:
    return error == "invalid_grant" and "already being processed" in (description or "")


def problem_for_refresh_error(error: str, description: str | None) -> Problem | None:
    """The problem a refresh failure means, or None when it is transient."""
    if is_concurrent_refresh(error, description):
        return None
    if error == "invalid_client":
        return client_secret_required()
    if error == "invalid_client_id":
        return invalid_client_id_for_refresh()
    if error == "inactive_org":
        return authorization_failed(error, description)
    if error in {"invalid_grant", "invalid_request"}:
        return refresh_token_invalid(description)
    if error == "rate_limit_exceeded":
        return None
    return refresh_token_invalid(description)


def problem_for_code_exchange(
    error: str, description: str | None, callback_url: str
) -> Problem:
    """The problem behind a failed authorization-code exchange."""
    if error == "invalid_client_id":
        return invalid_client_id(callback_url)
    if error == "invalid_client":
        return client_secret_required()
    if error == "invalid_grant" and "verifier" in (description or ""):
        return Problem(
            code="pkce_mismatch",
            message="Salesforce rejected the PKCE code verifier.",
            hint="Start the connection again; if it repeats, report it to support.",
        )
    if error == "invalid_grant" and "redirect_uri" in (description or ""):
        return Problem(
            code="redirect_uri_mismatch",
            message="The callback URL does not match the Connected App.",
            hint=f"Set the Connected App's callback URL to exactly {callback_url}",
        )
    if error == "invalid_grant":
        return Problem(
            code="authorization_code_expired",
            message="The authorization code expired or was already used.",
            hint="Click Connect to Salesforce again.",
        )
    return authorization_failed(error, description)


def problem_for_callback_error(error: str, description: str | None) -> Problem:
    """The problem behind an `error=` that Salesforce sent to the callback.

    Anyone can put anything in a callback URL: the text is cleaned first.
    """
    error = printable(error, 64)
    description = printable(description, 300) if description else None
    if error == "access_denied":
        return access_denied(description)
    return authorization_failed(error, description)


# Callers name the whole catalogue from here, wherever each problem lives.
__all__ = [
    "REAUTHORIZE_HINT",
    "STANDING",
    "Problem",
    "access_denied",
    "api_disabled",
    "api_version_retired",
    "authorization_failed",
    "authorization_unreadable",
    "client_secret_required",
    "connect_again",
    "credentials_unreadable",
    "environment_mismatch",
    "grant_not_revoked",
    "invalid_client_id",
    "invalid_client_id_for_refresh",
    "is_concurrent_refresh",
    "no_refresh_token",
    "plural",
    "printable",
    "problem_for_callback_error",
    "problem_for_code_exchange",
    "problem_for_refresh_error",
    "rate_limited",
    "refresh_token_invalid",
    "salesforce_unavailable",
    "sentences",
    "standing",
    "untrusted_host",
]

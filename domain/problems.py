"""User-facing problems: what went wrong with a connection and what to do about it.

Each problem has a stable `code`, a `message` for people and a `hint` with the
next step. `problem_for_oauth_error` and `problem_for_api_error` translate what
Salesforce says on the wire into one of them.
"""

from __future__ import annotations

import msgspec

REAUTHORIZE_HINT = (
    "Disconnect Salesforce in Settings > CRM Integration and connect again."
)


class Problem(msgspec.Struct, frozen=True, kw_only=True):
    code: str
    message: str
    hint: str | None = None


def invalid_client_id(callback_url: str) -> Problem:
    return Problem(
        code="invalid_client_id",
        message="Salesforce does not recognise this Client ID (Consumer Key).",
        hint=(
            "Copy the Consumer Key of the Connected App again. A new Connected App "
            "can take a few minutes to propagate: wait and retry. Its callback URL "
            f"must be exactly {callback_url}"
        ),
    )


def client_secret_required() -> Problem:
    return Problem(
        code="client_secret_required",
        message="The Connected App requires a client secret, which we never use.",
        hint=(
            "In the Connected App's OAuth settings, turn off 'Require Secret for "
            "Web Server Flow' and keep 'Require Proof Key for Code Exchange' on."
        ),
    )


def access_denied(description: str | None) -> Problem:
    return Problem(
        code="access_denied",
        message="Access was not granted in Salesforce"
        + (f": {description}" if description else "."),
        hint="Click Connect to Salesforce again and choose Allow.",
    )


def authorization_failed(error: str, description: str | None) -> Problem:
    hints = {
        "OAUTH_APP_BLOCKED": "A Salesforce admin has blocked this Connected App; "
        "ask them to unblock it under Connected Apps OAuth Usage.",
        "OAUTH_EC_APP_NOT_FOUND": "The Connected App was not found in this org; "
        "check that it is installed and the Client ID is right.",
        "invalid_scope": "The Connected App must allow the 'api' and "
        "'refresh_token, offline_access' OAuth scopes.",
        "inactive_user": "The Salesforce user is inactive; log in as an active user.",
        "inactive_org": "The Salesforce org is inactive or locked.",
    }
    return Problem(
        code="authorization_failed",
        message=f"Salesforce refused the authorization ({error})"
        + (f": {description}" if description else "."),
        hint=hints.get(error, "Check the Connected App settings and try again."),
    )


def environment_mismatch(expected_sandbox: bool) -> Problem:
    chosen, actual = (
        ("sandbox", "production")
        if expected_sandbox
        else (
            "production",
            "sandbox",
        )
    )
    return Problem(
        code="environment_mismatch",
        message=f"Sandbox Environment is set to {chosen}, but you authorized a "
        f"{actual} org.",
        hint=f"Log in with a {chosen} user, or switch the environment to {actual}.",
    )


def untrusted_host(detail: str) -> Problem:
    return Problem(
        code="untrusted_salesforce_host",
        message=f"Salesforce's answer pointed outside Salesforce ({detail}).",
        hint="Check the workspace's My Domain login host, then connect again.",
    )


def api_disabled() -> Problem:
    return Problem(
        code="api_disabled",
        message="This Salesforce user or org has no API access.",
        hint="Use an edition with API access and a profile with 'API Enabled'.",
    )


def refresh_token_invalid(description: str | None) -> Problem:
    return Problem(
        code="refresh_token_invalid",
        message="Salesforce no longer accepts our access"
        + (f" ({description})." if description else "."),
        hint=REAUTHORIZE_HINT,
    )


def no_refresh_token() -> Problem:
    return Problem(
        code="refresh_token_missing",
        message="Salesforce granted no refresh token, so the connection cannot last.",
        hint="Add the 'refresh_token, offline_access' scope to the Connected App, "
        "then disconnect and connect again.",
    )


def rate_limited() -> Problem:
    return Problem(
        code="api_quota_exhausted",
        message="The org's daily Salesforce API quota is used up.",
        hint="Wait until the quota recovers (it is a rolling 24-hour limit).",
    )


def salesforce_unavailable(detail: str) -> Problem:
    """`detail` says what happened: no answer, or an answer that was not one
    (a 5xx, a throttle); it reads as one sentence whatever it ends with."""
    return Problem(
        code="salesforce_unavailable",
        message=f"Salesforce is unavailable: {detail.rstrip(' .')}.",
        hint="This is usually temporary; try again in a few minutes.",
    )


def connect_again(problem: Problem) -> Problem:
    """`problem` as a failed Connect reports it: its sign-in link is spent,
    so a transient problem's "try again" means clicking Connect again."""
    if problem.code != "salesforce_unavailable":
        return problem
    return msgspec.structs.replace(
        problem,
        hint="This is usually temporary: in a few minutes, click Connect again "
        "(this sign-in link is used up).",
    )


def api_version_retired(detail: str) -> Problem:
    return Problem(
        code="api_version_retired",
        message=f"The configured Salesforce API version is retired ({detail}).",
        hint="Set CRMBRIDGE_SALESFORCE_API_VERSION to a supported version.",
    )


def credentials_unreadable() -> Problem:
    return Problem(
        code="credentials_unreadable",
        message="The stored Salesforce credentials cannot be decrypted with the "
        "configured encryption keys.",
        hint="An operator can put the key that encrypted them back into "
        "CRMBRIDGE_ENCRYPTION_KEYS; otherwise disconnect Salesforce in Settings > "
        "CRM Integration and connect again.",
    )


def authorization_unreadable() -> Problem:
    return Problem(
        code="authorization_unreadable",
        message="This authorization's stored PKCE verifier cannot be decrypted "
        "with the configured encryption keys.",
        hint="Click Connect to Salesforce again. If it keeps happening, every "
        "process of the service needs the same CRMBRIDGE_ENCRYPTION_KEYS.",
    )


def grant_not_revoked() -> Problem:
    return Problem(
        code="grant_not_revoked",
        message="Disconnected, but the grant was not revoked at Salesforce: its "
        "stored tokens cannot be decrypted with the configured encryption keys.",
        hint="A Salesforce admin can revoke it under Setup > Connected Apps OAuth "
        "Usage.",
    )


# Problems naming something left to do outside crmbridge: a later disconnect,
# environment switch or failed authorization does not make them go away.
STANDING = frozenset({"grant_not_revoked"})


def standing(problem: Problem | None) -> Problem | None:
    """`problem` if it must stay in sight until a new connection, else None."""
    return problem if problem is not None and problem.code in STANDING else None


def sentences(message: str, hint: str | None) -> str:
    """A message, then its hint, as two sentences."""
    if not hint:
        return message
    end = "" if message.endswith((".", "!", "?", ":")) else "."
    return f"{message}{end} {hint}"


def plural(number: int, noun: str) -> str:
    """`1 page`, `2 pages`: a count as messages say it."""
    return f"{number} {noun}{'' if number == 1 else 's'}"


def printable(text: str, limit: int) -> str:
    """`text` without control characters, cut to `limit` characters."""
    cleaned = "".join(ch if ch.isprintable() else " " for ch in text)
    return cleaned[:limit] + ("…" if len(cleaned) > limit else "")


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


def invalid_client_id_for_refresh() -> Problem:
    return Problem(
        code="invalid_client_id",
        message="Salesforce no longer recognises the Connected App's Consumer Key.",
        hint=REAUTHORIZE_HINT,
    )


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
    "is_concurrent_refresh",
    "no_refresh_token",
    "plural",
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

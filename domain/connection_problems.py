"""Problems a connection can meet once made: its grant, its API, its secrets."""

from __future__ import annotations

from domain.problem import Problem

REAUTHORIZE_HINT = (
    "Disconnect Salesforce in Settings > CRM Integration and connect again."
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


def invalid_client_id_for_refresh() -> Problem:
    return Problem(
        code="invalid_client_id",
        message="Salesforce no longer recognises the Connected App's Consumer Key.",
        hint=REAUTHORIZE_HINT,
    )


def rate_limited() -> Problem:
    return Problem(
        code="api_quota_exhausted",
        message="The org's daily Salesforce API quota is used up.",
        hint="Wait until the quota recovers (it is a rolling 24-hour limit).",
    )


# Salesforce may say how long to wait (a 429 or 503's Retry-After); the
# message then names it, and "a few minutes" would contradict it.
UNAVAILABLE_HINT = (
    "This is usually temporary; try again in a few minutes, or after the wait "
    "Salesforce asked for, if the message names one."
)


def salesforce_unavailable(detail: str) -> Problem:
    """`detail` says what happened: no answer, or an answer that was not one
    (a 5xx, a throttle); it reads as one sentence whatever it ends with."""
    return Problem(
        code="salesforce_unavailable",
        message=f"Salesforce is unavailable: {detail.rstrip(' .')}.",
        hint=UNAVAILABLE_HINT,
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


def grant_not_revoked() -> Problem:
    return Problem(
        code="grant_not_revoked",
        message="Disconnected, but the grant was not revoked at Salesforce: its "
        "stored tokens cannot be decrypted with the configured encryption keys.",
        hint="A Salesforce admin can revoke it under Setup > Connected Apps OAuth "
        "Usage.",
    )

"""Problems a Connect can meet: the Connected App, the user's consent, the org."""

from __future__ import annotations

import msgspec

from domain.problem import Problem


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
        message=f"The environment is set to {chosen}, but you authorized a "
        f"{actual} org.",
        hint=f"Log in with a {chosen} user, or switch the environment to {actual}.",
    )


def no_refresh_token() -> Problem:
    return Problem(
        code="refresh_token_missing",
        message="Salesforce granted no refresh token, so the connection cannot last.",
        hint="Add the 'refresh_token, offline_access' scope to the Connected App, "
        "then disconnect and connect again.",
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


def authorization_unreadable() -> Problem:
    return Problem(
        code="authorization_unreadable",
        message="This authorization's stored PKCE verifier cannot be decrypted "
        "with the configured encryption keys.",
        hint="Click Connect to Salesforce again. If it keeps happening, every "
        "process of the service needs the same CRMBRIDGE_ENCRYPTION_KEYS.",
    )

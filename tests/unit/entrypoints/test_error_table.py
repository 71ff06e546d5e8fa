"""The one table from errors to statuses, and the bodies it answers with."""

from __future__ import annotations

import pytest

from application.errors import (
    ApiDisabled,
    ApiError,
    AuthorizationFailed,
    AuthorizationStateInvalid,
    Conflict,
    CredentialsUnreadable,
    InvalidInput,
    NeedsReauthorization,
    NotConnected,
    NotFound,
    NotPermitted,
    OAuthError,
    QuotaExhausted,
    SalesforceUnavailable,
    SessionExpired,
    StorageUnavailable,
    SyncNotScheduled,
)
from domain import problems
from entrypoints.bearer import InvalidToken, MissingToken, TokenExpired
from entrypoints.http.errors import body_for, status_for


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (MissingToken("no token"), 401),
        (TokenExpired("expired"), 401),
        (InvalidToken("bad"), 401),
        (NotPermitted("members may not"), 403),
        (NotFound("nothing"), 404),
        (Conflict("connected"), 409),
        (NotConnected("not connected"), 409),
        (NeedsReauthorization(problems.refresh_token_invalid(None)), 409),
        (CredentialsUnreadable(), 409),
        (InvalidInput("bad", field="client_id"), 422),
        (AuthorizationStateInvalid("replayed"), 400),
        (AuthorizationFailed(problems.access_denied(None), workspace_id="w"), 400),
        (
            AuthorizationFailed(
                problems.salesforce_unavailable("down"), workspace_id="w"
            ),
            502,
        ),
        (SalesforceUnavailable("down"), 503),
        (SyncNotScheduled("No space left on device"), 503),
        (StorageUnavailable("the database could not be reached"), 503),
        (QuotaExhausted("quota", error_code="REQUEST_LIMIT_EXCEEDED", status=403), 503),
        (ApiDisabled("off", error_code="API_DISABLED_FOR_ORG", status=403), 502),
        (ApiError("bad", error_code="MALFORMED_QUERY", status=400), 502),
        (OAuthError("invalid_grant", "expired"), 502),
        (SessionExpired("401"), 502),
        (RuntimeError("boom"), 500),
    ],
)
def test_each_error_has_its_status(error: Exception, status: int) -> None:
    assert status_for(error) == status


def test_a_lost_database_says_so_and_what_to_do() -> None:
    body = body_for(StorageUnavailable("the database could not be reached"))

    assert body.code == "database_unavailable"
    assert body.message == "the database could not be reached"
    assert body.hint is not None
    assert "try again" in body.hint


def test_a_body_names_the_field_and_keeps_the_hint() -> None:
    body = body_for(InvalidInput("must look like a Consumer Key", field="client_id"))

    assert body.code == "invalid_input"
    assert body.message == "client_id: must look like a Consumer Key"


def test_a_problem_error_answers_with_the_problem() -> None:
    problem = problems.client_secret_required()

    body = body_for(AuthorizationFailed(problem, workspace_id="w"))

    assert (body.code, body.message, body.hint) == (
        problem.code,
        problem.message,
        problem.hint,
    )


def test_class_hints_are_kept() -> None:
    body = body_for(NotPermitted("only an Owner or Admin may connect Salesforce"))

    assert body.code == "forbidden"
    assert body.hint == "Ask a workspace Owner or Admin."


@pytest.mark.parametrize(
    ("error", "problem"),
    [
        (
            QuotaExhausted(
                "TotalRequests Limit exceeded.",
                error_code="REQUEST_LIMIT_EXCEEDED",
                status=403,
            ),
            problems.rate_limited(),
        ),
        (
            ApiDisabled("off", error_code="API_DISABLED_FOR_ORG", status=403),
            problems.api_disabled(),
        ),
    ],
)
def test_a_salesforce_error_with_a_curated_problem_answers_with_it(
    error: Exception, problem: problems.Problem
) -> None:
    body = body_for(error)

    assert (body.code, body.message, body.hint) == (
        problem.code,
        problem.message,
        problem.hint,
    )

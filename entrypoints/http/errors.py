"""The one table from errors to HTTP statuses, and the `{code, message, hint}` body.

| error                                   | status |
|-----------------------------------------|--------|
| Unauthenticated (missing/expired/bad)   | 401    |
| NotPermitted                            | 403    |
| NotFound                                | 404    |
| Conflict, NotConnected,                 | 409    |
| NeedsReauthorization,                   |        |
| CredentialsUnreadable                   |        |
| InvalidInput, a malformed request body  | 422    |
| MappingInvalid (every broken rule)      | 422, with `errors` |
| AuthorizationStateInvalid               | 400    |
| AuthorizationFailed                     | 400; 502 if Salesforce was unreachable |
| SalesforceUnavailable, QuotaExhausted,  | 503    |
| SyncNotScheduled, StorageUnavailable    |        |
| any other SalesforceError               | 502    |
| any other ApplicationError              | 400    |
| anything else                           | 500 `internal_error`, stack trace logged |

A known error answered with a 5xx status is logged as one warning line
(method, path, status, code and message), with no stack trace.

A Salesforce error with a curated problem of its own code (quota, API
access, API version, unavailable) answers with that problem's message and
hint, the words Test Connection and a sync show for it.
"""

from __future__ import annotations

import logging
from typing import Any

import msgspec
from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException

from application.errors import (
    ApplicationError,
    AuthorizationFailed,
    AuthorizationStateInvalid,
    Conflict,
    CredentialsUnreadable,
    InvalidInput,
    NeedsReauthorization,
    NotConnected,
    NotFound,
    NotPermitted,
    QuotaExhausted,
    SalesforceError,
    SalesforceUnavailable,
    StorageUnavailable,
    SyncNotScheduled,
)
from application.problems import problem_for
from application.sync.mapping import MappingInvalid
from domain.errors import IllegalTransition, InvalidSetting
from domain.mapping import MAX_TRANSFORMS, Violation
from entrypoints.bearer import Unauthenticated
from entrypoints.logs import printable

logger = logging.getLogger(__name__)

AnyRequest = Request[Any, Any, Any]

STATUS_BY_ERROR: dict[type[Exception], int] = {
    Unauthenticated: 401,
    NotPermitted: 403,
    NotFound: 404,
    Conflict: 409,
    NotConnected: 409,
    NeedsReauthorization: 409,
    CredentialsUnreadable: 409,
    IllegalTransition: 409,
    InvalidInput: 422,
    InvalidSetting: 422,
    AuthorizationStateInvalid: 400,
    AuthorizationFailed: 400,
    SalesforceUnavailable: 503,
    QuotaExhausted: 503,
    SyncNotScheduled: 503,
    StorageUnavailable: 503,
    SalesforceError: 502,
    ApplicationError: 400,
}

# Problems of a failed callback that mean "Salesforce was unreachable", not "no".
UPSTREAM_PROBLEMS = frozenset({"salesforce_unavailable"})

FIELDS_HINT = (
    "GET /api/crm/salesforce/fields lists the fields this org has, with types; "
    "add ?refresh=true after a field was added in Salesforce."
)

RULES_HINT = (
    "errors lists each broken rule: a target is snake_case and mapped once, "
    f"a default has the target's type, a rule has at most {MAX_TRANSFORMS} "
    "transforms."
)

LITESTAR_CODES = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
}


class ErrorBody(msgspec.Struct, frozen=True, kw_only=True):
    """Every error answer: a stable `code`, a `message`, and a `hint` or null."""

    code: str
    message: str
    hint: str | None = None


class MappingErrorBody(ErrorBody, frozen=True, kw_only=True):
    """A refused mapping: the first broken rule in `message`, all in `errors`
    (only a `mapping_invalid` answer has them)."""

    errors: list[Violation] = msgspec.field(default_factory=list)


def status_for(exc: Exception) -> int:
    """The status of a known error; 500 for anything the table does not name."""
    if isinstance(exc, AuthorizationFailed) and exc.code in UPSTREAM_PROBLEMS:
        return 502
    for kind in type(exc).__mro__:
        if kind in STATUS_BY_ERROR:
            return STATUS_BY_ERROR[kind]
    return 500


def body_for(exc: Exception) -> ErrorBody:
    if isinstance(exc, SalesforceError):
        problem = problem_for(exc)
        # The curated words for this very condition, as Test Connection and a
        # sync show them; other Salesforce errors keep their own code.
        if problem.code == exc.code:
            return ErrorBody(
                code=problem.code, message=problem.message, hint=problem.hint
            )
    code = getattr(exc, "code", "error")
    message = getattr(exc, "message", str(exc))
    field = getattr(exc, "field", None)
    if field and field not in message:
        message = f"{field}: {message}"
    return ErrorBody(code=code, message=message, hint=getattr(exc, "hint", None))


def error_response(status: int, body: ErrorBody) -> Response[ErrorBody]:
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return Response(body, status_code=status, headers=headers)


def on_known_error(request: AnyRequest, exc: Exception) -> Response[ErrorBody]:
    status = status_for(exc)
    body = body_for(exc)
    if status >= 500:
        # The access line shows only the status; an operator needs the reason
        # (a database gone read-only, Salesforce down) without the caller.
        logger.warning(
            "%s %s answered %d %s: %s",
            printable(request.method, 16),
            printable(request.url.path),
            status,
            body.code,
            printable(body.message),
        )
    return error_response(status, body)


def on_mapping_invalid(_: AnyRequest, exc: Exception) -> Response[ErrorBody]:
    assert isinstance(exc, MappingInvalid)
    body = body_for(exc)
    full = MappingErrorBody(
        code=body.code,
        message=body.message,
        hint=body.hint or _mapping_hint(exc.violations),
        errors=exc.violations,
    )
    return error_response(status_for(exc), full)


def _mapping_hint(violations: list[Violation]) -> str:
    """The fields route helps when a source is wrong; else the rules' shape."""
    if any(violation.field is not None for violation in violations):
        return FIELDS_HINT
    return RULES_HINT


def on_litestar_error(request: AnyRequest, exc: Exception) -> Response[ErrorBody]:
    """Litestar's own refusals (unknown route, body too large) in our shape."""
    assert isinstance(exc, HTTPException)
    if isinstance(exc, ValidationException) or exc.status_code == 400:
        body = ErrorBody(code="invalid_input", message="the request is malformed")
        return error_response(422, body)
    code = LITESTAR_CODES.get(exc.status_code, "http_error")
    body = ErrorBody(code=code, message=exc.detail)
    if exc.status_code == 413:
        body = _too_large(request)
    response = error_response(exc.status_code, body)
    allow = (exc.headers or {}).get("allow")
    if exc.status_code == 405 and allow:
        # RFC 9110 section 15.5.6: a 405 lists the methods the resource supports.
        response.headers["Allow"] = allow
    return response


def _too_large(request: AnyRequest) -> ErrorBody:
    """A 413 that says the route's limit, so a caller knows what would fit."""
    limit = request.route_handler.resolve_request_max_body_size()
    if not limit:
        return ErrorBody(code="payload_too_large", message="the body is too large")
    size = f"{limit // 1024:,} KiB" if limit % 1024 == 0 else f"{limit:,} bytes"
    return ErrorBody(
        code="payload_too_large",
        message=f"the body is larger than this route accepts ({size} at most)",
        hint="Send a smaller body.",
    )


def on_unexpected_error(request: AnyRequest, exc: Exception) -> Response[ErrorBody]:
    """The one place a stack trace is logged; the answer reveals nothing."""
    logger.error(
        "unexpected error on %s %s",
        printable(request.method, 16),
        printable(request.url.path),
        exc_info=exc,
    )
    body = ErrorBody(
        code="internal_error",
        message="Something went wrong on our side.",
        hint="Try again; if it keeps failing, contact support.",
    )
    return error_response(500, body)


EXCEPTION_HANDLERS = {
    MappingInvalid: on_mapping_invalid,
    ApplicationError: on_known_error,
    Unauthenticated: on_known_error,
    InvalidSetting: on_known_error,
    IllegalTransition: on_known_error,
    HTTPException: on_litestar_error,
    Exception: on_unexpected_error,
}

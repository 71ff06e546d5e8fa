"""What Salesforce's REST API sends: query pages, limits and error arrays."""

from __future__ import annotations

from typing import Generic, TypeVar

import httpx
import msgspec

from adapters.salesforce.error_text import read_error
from adapters.salesforce.http import decode
from application.errors import (
    ApiDisabled,
    ApiError,
    ApiVersionRetired,
    QuotaExhausted,
    SalesforceError,
    SessionExpired,
)

R = TypeVar("R")

_BY_CODE: dict[str, type[ApiError]] = {
    "REQUEST_LIMIT_EXCEEDED": QuotaExhausted,
    "API_DISABLED_FOR_ORG": ApiDisabled,
}


class QueryPage(msgspec.Struct, Generic[R], frozen=True, kw_only=True, rename="camel"):
    """One page of a SOQL answer; follow `next_records_url` until `done`."""

    total_size: int
    done: bool
    records: list[R]
    next_records_url: str | None = None


class OrganizationRow(msgspec.Struct, frozen=True, kw_only=True, rename="pascal"):
    id: str
    is_sandbox: bool
    organization_type: str | None = None


class Allowance(msgspec.Struct, frozen=True, kw_only=True, rename="pascal"):
    max: int
    remaining: int


class Limits(msgspec.Struct, frozen=True, kw_only=True, rename="pascal"):
    daily_api_requests: Allowance


class ErrorEntry(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    error_code: str
    message: str = ""
    fields: list[str] = msgspec.field(default_factory=list)


def api_error(response: httpx.Response) -> SalesforceError:
    """The error a non-2xx REST answer means; `Unreadable` if it is not one."""
    status = response.status_code
    if status == 401:
        return SessionExpired("Salesforce rejected the access token")
    if status == 410:
        return ApiVersionRetired(
            "the API version is retired", error_code="API_VERSION_RETIRED", status=410
        )
    entries = decode(response.content, list[ErrorEntry])
    first = entries[0] if entries else ErrorEntry(error_code="UNKNOWN_ERROR")
    if first.error_code == "INVALID_SESSION_ID":
        return SessionExpired(first.message or "Session expired or invalid")
    code, message, fields = read_error(first.error_code, first.message, first.fields)
    kind = _BY_CODE.get(code, ApiError)
    return kind(message or code, error_code=code, status=status, fields=fields)

"""Gatekeeping for the REST API: version, session, API permission and daily quota."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import msgspec
from litestar import Response

from sfemulator.model import Org, User
from sfemulator.tokens import live_session
from sfemulator.web import AnyRequest, Host, bearer_token, host_of, json_response
from sfemulator.world import World, instance_role

_VERSION = re.compile(r"v(\d+)\.0")
_REST_SCOPES = frozenset({"api", "full"})


class RestError(Exception):
    """A REST error answer: a JSON array of {"message", "errorCode", "fields"}."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        fields: list[str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.fields = fields
        self.headers = headers

    def response(self) -> Response[bytes]:
        error: dict[str, Any] = {"message": self.message, "errorCode": self.code}
        if self.fields is not None:
            error["fields"] = self.fields
        return json_response([error], self.status, self.headers)


@dataclass(frozen=True)
class RestCall:
    """An authenticated, counted REST request."""

    host: Host
    org: Org
    user: User
    version: str
    limit_info: str

    @property
    def world(self) -> World:
        return self.host.world

    def ok(self, body: Any, status: int = 200) -> Response[bytes]:
        return json_response(body, status, self.headers())

    def headers(self) -> dict[str, str]:
        return {"Sforce-Limit-Info": self.limit_info}

    def json_object(self, raw: bytes) -> dict[str, Any]:
        """The request body as a JSON object, or Salesforce's parser error."""
        try:
            body = msgspec.json.decode(raw)
        except msgspec.DecodeError:
            body = None
        if not isinstance(body, dict):
            message = "the body must be a JSON object"
            raise self.fail(400, "JSON_PARSER_ERROR", message)
        return body

    def fail(self, status: int, code: str, message: str, **extra: Any) -> RestError:
        return RestError(status, code, message, headers=self.headers(), **extra)


def check_version(world: World, version: str) -> str:
    """The version number ("62.0") if served; else 410 retired or 404 unknown."""
    match = _VERSION.fullmatch(version)
    number = f"{match.group(1)}.0" if match else ""
    if number in world.api_versions:
        return number
    if match and int(match.group(1)) < int(float(world.api_versions[0])):
        raise RestError(
            410, "UNSUPPORTED_API_VERSION", f"Version {version} of the API is retired."
        )
    raise RestError(404, "NOT_FOUND", "The requested resource does not exist")


def authenticate(request: AnyRequest, version: str) -> RestCall:
    """Admit and count one REST call, or raise the RestError Salesforce answers."""
    host = host_of(request)
    world = host.world
    number = check_version(world, version)
    access = live_session(world, bearer_token(request) or "")
    with world.lock:
        org = world.orgs[access.org_id] if access else None
        user = world.users[access.user_id] if access else None
        if access is None or org is None or user is None:
            raise _invalid_session("Session expired or invalid")
        if not (org.active and user.active) or instance_role(org.instance) != host.role:
            # Sessions die with the user or org, and belong to one instance:
            # after a move, the old host no longer knows them.
            raise _invalid_session("Session expired or invalid")
        if not _REST_SCOPES & set(access.scopes):
            raise _invalid_session(
                "This session is not valid for use with the REST API"
            )
        if not (org.api_enabled and user.api_enabled):
            raise RestError(
                403,
                "API_DISABLED_FOR_ORG",
                "The REST API is not enabled for this Organization.",
            )
        return RestCall(host, org, user, number, _charge(world, org))


def _charge(world: World, org: Org) -> str:
    if org.daily_api_used >= org.daily_api_max:
        raise RestError(
            403,
            "REQUEST_LIMIT_EXCEEDED",
            "TotalRequests Limit exceeded.",
            headers={"Sforce-Limit-Info": _usage(org)},
        )
    org.daily_api_used += 1
    world.stats.count_rest_call(org.id)
    return _usage(org)


def _usage(org: Org) -> str:
    return f"api-usage={org.daily_api_used}/{org.daily_api_max}"


def _invalid_session(message: str) -> RestError:
    return RestError(401, "INVALID_SESSION_ID", message)

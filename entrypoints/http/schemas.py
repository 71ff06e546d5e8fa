"""Request and response bodies of the HTTP API, and strict decoding of requests."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, TypeVar

import msgspec
from litestar import Request

from application.errors import InvalidInput
from application.ports import ApiUsage
from application.summary import ConnectionSummary
from application.use_cases.start_authorization import AuthorizationStarted
from application.use_cases.verify_connection import Verification
from domain.connection import ConnectionStatus
from domain.environment import Environment
from domain.problems import Problem
from domain.wording import plural, printable
from entrypoints.accepted_values import accepted_values
from entrypoints.repeated_keys import RepeatedKey, strict_loads

T = TypeVar("T")

ClientId = Annotated[str, msgspec.Meta(min_length=1, max_length=256)]
LoginHost = Annotated[str, msgspec.Meta(min_length=1, max_length=300)]


# Request bodies forbid unknown fields: a typo is an error, not a silent no-op.


class SettingsBody(
    msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True
):
    client_id: ClientId
    sandbox: bool
    # Left out: the stored My Domain stays; null: it is cleared.
    login_host: LoginHost | msgspec.UnsetType | None = msgspec.UNSET


class AuthorizationBody(
    msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True
):
    client_id: ClientId | None = None
    sandbox: bool | None = None
    # As in SettingsBody: left out keeps the stored My Domain, null clears it.
    login_host: LoginHost | msgspec.UnsetType | None = msgspec.UNSET


class EnvironmentBody(
    msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True
):
    sandbox: bool


class ConnectionView(msgspec.Struct, frozen=True, kw_only=True):
    status: ConnectionStatus
    environment: Environment
    client_id: str | None
    login_host: str | None
    org_id: str | None
    username: str | None
    instance_url: str | None
    connected_at: datetime | None
    last_verified_at: datetime | None
    problem: Problem | None
    callback_url: str

    @classmethod
    def of(cls, summary: ConnectionSummary) -> ConnectionView:
        fields = {name: getattr(summary, name) for name in cls.__struct_fields__}
        return cls(**fields)


class AuthorizationView(msgspec.Struct, frozen=True, kw_only=True):
    authorization_url: str
    expires_at: datetime

    @classmethod
    def of(cls, started: AuthorizationStarted) -> AuthorizationView:
        return cls(
            authorization_url=started.authorization_url,
            expires_at=started.expires_at,
        )


class VerifiedView(msgspec.Struct, frozen=True, kw_only=True):
    ok: bool
    org_id: str | None
    username: str | None
    is_sandbox: bool | None
    api_usage: ApiUsage | None
    checked_at: datetime


class NotVerifiedView(msgspec.Struct, frozen=True, kw_only=True):
    ok: bool
    problem: Problem | None


def verification_view(result: Verification) -> VerifiedView | NotVerifiedView:
    if not result.ok:
        return NotVerifiedView(ok=False, problem=result.problem)
    return VerifiedView(
        ok=True,
        org_id=result.org_id,
        username=result.username,
        is_sandbox=result.is_sandbox,
        api_usage=result.api_usage,
        checked_at=result.checked_at,
    )


class HealthView(msgspec.Struct, frozen=True, kw_only=True):
    status: str


def decode_strictly(raw: bytes, kind: type[T], *, optional: bool) -> T | None:
    """Decode a JSON body with no type coercion, or raise `InvalidInput`."""
    if not raw.strip():
        if optional:
            return None
        raise InvalidInput("the request needs a JSON body", field="body")
    not_json = _read_as_python_does(raw)
    try:
        return msgspec.json.decode(raw, type=kind, strict=True)
    except msgspec.ValidationError as exc:
        if not_json:
            # msgspec reads as it checks: a wrong value before the fault
            # would be named instead of the body's own fault.
            raise InvalidInput(_unreadable(raw), field="body") from None
        field = _field_named(str(exc))
        detail = in_words(str(exc).split(" - at ")[0])
        accepted = accepted_values(kind, field) if "accepted value" in detail else None
        if accepted:
            detail += f" (one of: {', '.join(accepted)})"
        raise InvalidInput(f"{field}: {detail}", field=field) from None
    except msgspec.DecodeError:
        raise InvalidInput(_unreadable(raw), field="body") from None


def _unreadable(raw: bytes) -> str:
    if raw.startswith(b"\xef\xbb\xbf"):
        return "the body starts with a byte order mark: send UTF-8 JSON without one"
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return "the body is not UTF-8 text: send UTF-8 JSON"
    return "the body is not valid JSON"


def _read_as_python_does(raw: bytes) -> bool:
    """Whether `raw` is not JSON at all, as Python's own reader finds; a body
    that says two things (a key twice in one object) is refused here, first,
    so it is named even where the second value is also wrong."""
    try:
        strict_loads(raw)
    except RepeatedKey as repeated:
        raise InvalidInput(
            f"body: the key {printable(repeated.key, 64)!r} appears twice in one "
            "object",
            field="body",
        ) from None
    except (json.JSONDecodeError, UnicodeDecodeError):
        return True
    except (ValueError, RecursionError):
        # JSON past Python's limits (4,300-digit integers, deep nesting).
        return False
    return False


# msgspec's wording of a refused value, and ours.
_TYPES = {
    "str": "text",
    "int": "an integer",
    "float": "a number",
    "bool": "true or false",
    "null": "null",
    "array": "a list",
    "object": "an object",
}
_BOUNDS = {">": "at least", "<": "at most"}
_UNITS = {"array": "item", "str": "character"}
_REWORDED: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str]], ...] = (
    (
        re.compile(r"Expected `([^`]+)`, got `([^`]+)`"),
        lambda found: f"must be {_in_words(found[1])}, not {_in_words(found[2])}",
    ),
    (
        re.compile(r"Expected `(array|str)` of length ([<>])= (\d+)"),
        lambda found: (
            f"must hold {_BOUNDS[found[2]]} " + plural(int(found[3]), _UNITS[found[1]])
        ),
    ),
    (
        re.compile(r"Expected `([^`]+)`"),
        lambda found: f"must be {_in_words(found[1])}",
    ),
    (
        re.compile(r"Object contains unknown field `(.*)`", re.S),
        lambda found: f"unknown field '{printable(found[1], 64)}'",
    ),
    (
        re.compile(r"Object missing required field `([^`]*)`"),
        lambda found: f"missing field '{found[1]}'",
    ),
    (
        # Past about 4,300 digits; a shorter one past 64 bits is the mapping
        # check's, in the same words.
        re.compile(r"Integer value out of range"),
        lambda found: "must be an integer within 64 bits",
    ),
    (
        # Whatever type the field takes: the number is refused as it is read.
        re.compile(r"Number out of range"),
        lambda found: "holds a number past a double's range (1e308)",
    ),
    (
        re.compile(r"Invalid (?:enum )?value (.*)"),
        lambda found: f"{found[1]} is not an accepted value",
    ),
)


def in_words(detail: str) -> str:
    """A msgspec validation message as a sentence a caller reads."""
    for pattern, wording in _REWORDED:
        found = pattern.fullmatch(detail)
        if found is not None:
            return wording(found)
    return detail


def _in_words(types: str) -> str:
    return " or ".join(_TYPES.get(name, name) for name in types.split(" | "))


def strict_body(kind: type[msgspec.Struct], *, optional: bool = False) -> Any:
    """A `before_request` hook: refuse a body that strict decoding refuses.

    Litestar's own decoding coerces ("true" becomes True); this runs first.
    """

    async def check(request: Request[Any, Any, Any]) -> None:
        decode_strictly(await request.body(), kind, optional=optional)

    return check


def _field_named(message: str) -> str:
    """Where in the body msgspec found the fault; "body" for its top level."""
    at = re.search(r"at `\$\.([^`]+)`", message)
    return at.group(1) if at else "body"

"""Bearer tokens (HS256 JWTs): who calls the HTTP API, minted by `crmbridge token`.

Unauthenticated
├── MissingToken     no `Authorization: Bearer ...` header
├── TokenExpired     the token's `exp` has passed
└── InvalidToken     bad signature or algorithm, a claim missing or malformed
"""

from __future__ import annotations

import re
import time
from typing import Annotated, Any

import jwt
import msgspec

from domain.errors import InvalidSetting
from domain.workspace import Actor, Role

ALGORITHM = "HS256"
LEEWAY_SECONDS = 5
# \A..\Z, not ^..$: `$` also matches before a trailing newline, and msgspec
# searches with the pattern rather than matching it whole.
WORKSPACE_PATTERN = r"\A[A-Za-z0-9][A-Za-z0-9_-]{0,63}\Z"
_WORKSPACE = re.compile(WORKSPACE_PATTERN)


class Unauthenticated(Exception):
    """Raised when a request carries no usable bearer token; answered with 401."""

    code = "unauthenticated"
    hint = "Send 'Authorization: Bearer <token>' with a token the product issued."

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class MissingToken(Unauthenticated):
    """Raised when the Authorization header is absent or not a Bearer token."""

    code = "missing_token"


class TokenExpired(Unauthenticated):
    """Raised when the token's `exp` claim lies in the past."""

    code = "token_expired"
    hint = "Get a fresh token and retry."


class InvalidToken(Unauthenticated):
    """Raised when the signature, algorithm or a claim is wrong."""

    code = "invalid_token"


class Claims(msgspec.Struct, frozen=True, kw_only=True):
    sub: Annotated[str, msgspec.Meta(min_length=1, max_length=255)]
    workspace: Annotated[str, msgspec.Meta(pattern=WORKSPACE_PATTERN)]
    role: Role
    exp: int


def mint(
    secret: str, *, workspace: str, role: Role, subject: str, ttl: int = 3600
) -> str:
    """A signed token for `workspace`, valid for `ttl` seconds."""
    if not _WORKSPACE.fullmatch(workspace):
        raise ValueError("workspace must be 1-64 letters, digits, '-' or '_'")
    now = int(time.time())
    claims = {
        "sub": subject,
        "workspace": workspace,
        "role": role.value,
        "iat": now,
        "exp": now + ttl,
    }
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def actor_from_header(header: str | None, secret: str) -> Actor:
    """The caller named by an `Authorization` header, or `Unauthenticated`."""
    scheme, _, token = (header or "").strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise MissingToken("this route needs a bearer token")
    claims = _verified_claims(token.strip(), secret)
    try:
        return Actor(
            workspace_id=claims.workspace, subject=claims.sub, role=claims.role
        )
    except InvalidSetting as exc:
        raise InvalidToken(f"the bearer token has a bad claim: {exc}") from None


def _verified_claims(token: str, secret: str) -> Claims:
    try:
        payload: dict[str, Any] = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            leeway=LEEWAY_SECONDS,
            options={"require": ["exp", "sub", "workspace", "role"]},
        )
    except jwt.ExpiredSignatureError:
        raise TokenExpired("the bearer token has expired") from None
    except jwt.PyJWTError as exc:
        raise InvalidToken(f"the bearer token is invalid: {_reason(exc)}") from None
    try:
        return msgspec.convert(payload, Claims)
    except msgspec.ValidationError as exc:
        raise InvalidToken(f"the bearer token has a bad claim: {exc}") from None


def _reason(exc: jwt.PyJWTError) -> str:
    if isinstance(exc, jwt.InvalidSignatureError):
        return "signature mismatch"
    if isinstance(exc, jwt.InvalidAlgorithmError):
        return f"only {ALGORITHM} is accepted"
    if isinstance(exc, jwt.MissingRequiredClaimError):
        return f"claim '{exc.claim}' is missing"
    if isinstance(exc, jwt.DecodeError):
        return "not a well-formed JWT"
    return exc.__class__.__name__

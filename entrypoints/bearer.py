"""Bearer tokens (HS256 JWTs): who calls the HTTP API, minted by `crmbridge token`.

Unauthenticated
├── MissingToken     no `Authorization: Bearer ...` header
├── TokenExpired     the token's `exp` has passed
└── InvalidToken     bad signature or algorithm, a claim missing or malformed
"""

from __future__ import annotations

import base64
import re
import time
import unicodedata
from collections import OrderedDict
from typing import Annotated, Any, NamedTuple

import jwt
import msgspec

from domain.errors import InvalidSetting
from domain.wording import printable
from domain.workspace import WORKSPACE_RULE, Actor, Role
from entrypoints.repeated_keys import RepeatedKey, strict_loads

ALGORITHM = "HS256"
LEEWAY_SECONDS = 5
# Verified tokens kept per process; a client sends the same one until it expires.
KNOWN_TOKENS = 1024
# \A..\Z, not ^..$: `$` also matches before a trailing newline, and msgspec
# searches with the pattern rather than matching it whole.
WORKSPACE_PATTERN = r"\A[A-Za-z0-9][A-Za-z0-9_-]{0,63}\Z"
_WORKSPACE = re.compile(WORKSPACE_PATTERN)
SUBJECT_LENGTH = 255
# The caller's name in the sync history and the logs, so one a reader can
# see as it is: no control or format characters (zero-width spaces, byte
# order marks, right-to-left overrides), no line or paragraph separators.
_HIDDEN = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
SUBJECT_RULE = (
    f"a subject is 1-{SUBJECT_LENGTH} characters, not only spaces, with no "
    "control, format or line separator characters"
)


def readable_subject(subject: str) -> bool:
    return (
        1 <= len(subject) <= SUBJECT_LENGTH
        and not subject.isspace()
        and not any(unicodedata.category(ch) in _HIDDEN for ch in subject)
    )


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


class BadClaim(ValueError):
    """Raised by `mint` for a claim value no token may carry."""

    def __init__(self, claim: str, message: str) -> None:
        super().__init__(message)
        self.claim = claim


TIME_CLAIMS = ("exp", "nbf", "iat")
CLAIM_RULES = {
    "workspace": WORKSPACE_RULE,
    "sub": SUBJECT_RULE,
    "role": "a role is one of " + ", ".join(role.value for role in Role),
    "exp": "claim 'exp' must be a number of seconds since 1970",
}


class Claims(msgspec.Struct, frozen=True, kw_only=True):
    sub: Annotated[str, msgspec.Meta(min_length=1, max_length=SUBJECT_LENGTH)]
    workspace: Annotated[str, msgspec.Meta(pattern=WORKSPACE_PATTERN)]
    role: Role
    # RFC 7519's NumericDate: a number of seconds, not always a whole one.
    exp: float


def mint(
    secret: str, *, workspace: str, role: Role, subject: str, ttl: int = 3600
) -> str:
    """A signed token for `workspace`, valid for `ttl` seconds; `BadClaim`
    for a workspace or subject the server would refuse."""
    if not _WORKSPACE.fullmatch(workspace):
        raise BadClaim("workspace", WORKSPACE_RULE)
    if not readable_subject(subject):
        raise BadClaim("sub", SUBJECT_RULE)
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
    return _known.actor(token.strip(), secret)


class _Verified(NamedTuple):
    """A token that passed every check: its caller, and its time claims."""

    actor: Actor
    not_before: int | None
    expires: int


NOT_YET_VALID = "it is not valid yet ('iat' or 'nbf' is in the future)"


class _KnownTokens:
    """Tokens verified once, so that a client's next request is not verified
    again: the signature check and claim decoding were most of the cost.

    Only tokens that passed every check are kept, keyed by secret and token.
    What depends on the time is checked again at each use, as PyJWT does:
    `exp`, and `iat`/`nbf` should the clock step back. So each answer is the
    one a full check would give. The least recently used go first.
    """

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._tokens: OrderedDict[tuple[str, str], _Verified] = OrderedDict()

    def actor(self, token: str, secret: str) -> Actor:
        key = (secret, token)
        known = self._tokens.get(key)
        if known is None:
            known = _verified(token, secret)
            self._tokens[key] = known
            if len(self._tokens) > self._limit:
                self._tokens.popitem(last=False)
            return known.actor

        self._tokens.move_to_end(key)
        now = time.time()
        if known.not_before is not None and known.not_before > now + LEEWAY_SECONDS:
            raise InvalidToken(f"the bearer token is invalid: {NOT_YET_VALID}")
        if known.expires <= now - LEEWAY_SECONDS:
            del self._tokens[key]
            raise TokenExpired("the bearer token has expired")
        return known.actor


_known = _KnownTokens(KNOWN_TOKENS)


def _verified(token: str, secret: str) -> _Verified:
    payload, claims = _verified_claims(token, secret)
    try:
        actor = Actor(
            workspace_id=claims.workspace, subject=claims.sub, role=claims.role
        )
    except InvalidSetting as exc:
        raise InvalidToken(f"the bearer token has a bad claim: {exc}") from None
    times = [int(payload[name]) for name in ("iat", "nbf") if name in payload]
    return _Verified(
        actor=actor,
        not_before=max(times) if times else None,
        expires=int(payload["exp"]),
    )


def _verified_claims(token: str, secret: str) -> tuple[dict[str, Any], Claims]:
    _refuse_ambiguous(token)
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
        claims = msgspec.convert(payload, Claims)
    except msgspec.ValidationError as exc:
        # In words, not msgspec's (which would show a pattern, escaped twice).
        claim = str(exc).rpartition("at `$.")[2].rstrip("`")
        rule = CLAIM_RULES.get(claim, "its claims do not check out")
        raise InvalidToken(f"the bearer token has a bad claim: {rule}") from None
    if not readable_subject(claims.sub):
        raise InvalidToken(f"the bearer token has a bad claim: {SUBJECT_RULE}")
    return payload, claims


def _refuse_ambiguous(token: str) -> None:
    """Refuse, before its signature is checked, a token that could be read
    two ways: a key given twice in its header or claims (PyJWT keeps the
    last, other readers may not), or a time claim that is true or false
    (PyJWT takes it for 1 or 0). Only ever refuses: what passes is checked
    in full by `jwt.decode`."""
    for index, segment in enumerate(token.split(".")[:2]):
        try:
            value = strict_loads(_unpadded_base64(segment))
        except RepeatedKey as repeated:
            raise InvalidToken(
                f"the bearer token is invalid: {printable(repeated.key, 32)!r} "
                "appears twice in its header or claims"
            ) from None
        except (ValueError, RecursionError):
            continue  # Not JSON: PyJWT says so.
        if index == 1 and isinstance(value, dict):
            for name in TIME_CLAIMS:
                if isinstance(value.get(name), bool):
                    raise InvalidToken(
                        f"the bearer token is invalid: claim '{name}' must be "
                        "a number of seconds since 1970"
                    )


def _unpadded_base64(segment: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    except ValueError:  # binascii.Error included
        return b""  # Not base64: PyJWT says so.


def _reason(exc: jwt.PyJWTError) -> str:
    if isinstance(exc, jwt.InvalidSignatureError):
        return "signature mismatch"
    if isinstance(exc, jwt.InvalidAlgorithmError):
        return f"only {ALGORITHM} is accepted"
    if isinstance(exc, jwt.MissingRequiredClaimError):
        return f"claim '{exc.claim}' is missing"
    if isinstance(exc, jwt.DecodeError):
        # PyJWT says a time claim's type in a DecodeError of its own words.
        timed = re.search(r"\((exp|nbf)\) must be", str(exc))
        if timed:
            return f"claim '{timed[1]}' must be a number of seconds since 1970"
        return "not a well-formed JWT"
    if isinstance(exc, jwt.ImmatureSignatureError):
        return NOT_YET_VALID
    if isinstance(exc, jwt.InvalidIssuedAtError):
        return "claim 'iat' must be a number of seconds since 1970"
    if isinstance(exc, jwt.exceptions.InvalidSubjectError):
        return "claim 'sub' must be a string"
    if isinstance(exc, jwt.InvalidAudienceError):
        return "claim 'aud' is not accepted: crmbridge's tokens have no audience"
    if isinstance(exc, jwt.InvalidIssuerError):
        return "claim 'iss' is not accepted"
    if isinstance(exc, jwt.exceptions.InvalidJTIError):
        return "claim 'jti' must be a string"
    return "its claims do not check out"

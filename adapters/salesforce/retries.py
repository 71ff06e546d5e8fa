"""Bounded, jittered retries for Salesforce calls, and which failures allow one."""

from __future__ import annotations

import asyncio
import enum
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TypeVar

import httpx
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential_jitter,
)

from application.errors import SalesforceUnavailable

logger = logging.getLogger(__name__)

T = TypeVar("T")

# A Retry-After longer than this is said as "more than a day", not in digits.
DAY = 86_400.0
# Failures raised before a single byte of the request left this process.
_NEVER_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


class ServerFailed(Exception):
    """Raised inside an attempt when Salesforce answers with a 5xx status,
    or 429: the request was not served. `asked_wait` is the answer's
    `Retry-After` in seconds, if it had a readable one."""

    def __init__(self, status: int, *, asked_wait: float | None = None) -> None:
        said = f"HTTP {status}"
        if asked_wait is not None and asked_wait > DAY:
            said += ", asked to wait more than a day"
        elif asked_wait is not None:
            said += f", asked to wait {asked_wait:.0f} s"
        super().__init__(said)
        self.status = status
        self.asked_wait = asked_wait


class Unreadable(Exception):
    """Raised inside an attempt when a body is not the JSON Salesforce sends."""


class Replay(enum.Enum):
    """Which failures make it safe to send the same request again."""

    IDEMPOTENT = "idempotent"
    """GETs and revoke: repeating them changes nothing."""

    UNPROCESSED = "unprocessed"
    """Token POSTs: only when Salesforce surely did not act on the request."""


@dataclass(frozen=True, kw_only=True)
class RetryPolicy:
    """How many attempts, and the exponential backoff with jitter between them.

    The n-th wait is `first_wait * 2**(n-1)` plus up to `jitter` seconds, capped
    at `max_wait`. An answer that asks to be retried after a while
    (`Retry-After`) is waited for at least that long, if that is at most
    `max_asked_wait`; one that asks for longer ends the retries at once.
    Tests pass zeros, or their own `sleep`, to run fast.
    """

    attempts: int = 3
    first_wait: float = 0.5
    max_wait: float = 8.0
    jitter: float = 0.5
    max_asked_wait: float = 8.0
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep


def may_retry(exc: BaseException, replay: Replay) -> bool:
    """Whether `exc`, ending one attempt, allows another under `replay`."""
    if isinstance(exc, (ServerFailed, *_NEVER_SENT)):
        return True
    if replay is Replay.UNPROCESSED:
        # Limitation: a read timeout or a reset after sending is ambiguous: the
        # token endpoint may have rotated the refresh token, and replaying a
        # rotated token makes Salesforce revoke the whole grant. We give up.
        return False
    return isinstance(exc, httpx.RequestError | Unreadable)


async def with_retries(
    policy: RetryPolicy,
    replay: Replay,
    what: str,
    attempt: Callable[[], Awaitable[T]],
) -> T:
    """Run `attempt` until it succeeds or may not be retried; translate outages."""
    retrying = AsyncRetrying(
        stop=stop_after_attempt(policy.attempts),
        wait=_waits(policy),
        retry=retry_if_exception(
            lambda exc: may_retry(exc, replay) and _asked_wait(exc, policy) is not None
        ),
        before_sleep=_warn_before_retry(what, policy.attempts),
        sleep=policy.sleep,
        reraise=True,
    )
    try:
        return await retrying(attempt)
    except (httpx.RequestError, ServerFailed, Unreadable) as exc:
        if _asked_wait(exc, policy) is None:
            # A retried failure is logged before its wait; this one has none.
            logger.warning(
                "salesforce %s failed (%s); not tried again: longer than %.0f s",
                what,
                describe(exc),
                policy.max_asked_wait,
            )
        raise SalesforceUnavailable(f"{what} failed: {in_words(exc)}") from exc


def retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait by a `Retry-After` header: whole seconds, or an HTTP
    date less `now`; None without a header, or for one that is neither."""
    if value is None:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():
        return float(value)  # inf for an absurd count: longer than any policy
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # "-0000": UTC, by RFC 5322
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


def _waits(policy: RetryPolicy) -> Callable[[RetryCallState], float]:
    """The backoff's wait, or the answer's asked wait where that is longer."""
    backoff = wait_exponential_jitter(
        multiplier=policy.first_wait, max=policy.max_wait, jitter=policy.jitter
    )

    def wait(state: RetryCallState) -> float:
        failure = state.outcome.exception() if state.outcome else None
        asked = _asked_wait(failure, policy) if failure else 0.0
        return max(backoff(state), asked or 0.0)

    return wait


def _asked_wait(exc: BaseException, policy: RetryPolicy) -> float | None:
    """How long the failed answer asked to be left alone (0 if it did not
    ask), or None if that is longer than the policy waits."""
    asked = exc.asked_wait if isinstance(exc, ServerFailed) else None
    if asked is None:
        return 0.0
    return asked if asked <= policy.max_asked_wait else None


def describe(exc: BaseException) -> str:
    """A short, secret-free name for a failure: never a URL, never a body."""
    if isinstance(exc, ServerFailed | Unreadable):
        return str(exc)
    return type(exc).__name__


# What a caller reads of a failed request; the logs keep the class names.
_WORDS: tuple[tuple[type[httpx.RequestError], str], ...] = (
    (httpx.ConnectTimeout, "no connection could be made in time"),
    (httpx.ConnectError, "no connection could be made"),
    (httpx.TimeoutException, "no answer came in time"),
    (httpx.NetworkError, "the connection broke"),
    (httpx.RemoteProtocolError, "the answer broke off or was not HTTP"),
)


def in_words(exc: BaseException) -> str:
    """`describe` for a person: what went wrong, not which class said so."""
    for kind, words in _WORDS:
        if isinstance(exc, kind):
            return words
    if isinstance(exc, httpx.RequestError):
        return "the request could not be sent"
    return describe(exc)


def _warn_before_retry(what: str, attempts: int) -> Callable[[RetryCallState], None]:
    def warn(state: RetryCallState) -> None:
        failure = state.outcome.exception() if state.outcome else None
        logger.warning(
            "salesforce %s failed (%s); attempt %d of %d in %.2fs",
            what,
            describe(failure) if failure else "unknown",
            state.attempt_number + 1,
            attempts,
            state.upcoming_sleep,
        )

    return warn

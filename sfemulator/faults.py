"""Fault controls mixed into the world: expire, revoke, break and slow things down."""

from __future__ import annotations

import threading
from http import HTTPStatus
from typing import Any

from sfemulator.model import (
    AccessToken,
    AuthCode,
    Grant,
    HttpFault,
    RefreshToken,
)

FAULT_ACTIONS = ("status", "reset", "delay")
_STATUSES = frozenset(HTTPStatus)


class FaultControls:
    """World methods that make the emulated Salesforce misbehave on demand."""

    lock: threading.RLock
    codes: dict[str, AuthCode]
    grants: dict[int, Grant]
    refresh_tokens: dict[str, RefreshToken]
    access_tokens: dict[str, AccessToken]
    http_faults: list[HttpFault]
    refresh_delay: float

    def serial(self) -> int:
        raise NotImplementedError

    def now(self) -> float:
        raise NotImplementedError

    def expire_access_tokens(
        self,
        *,
        org_id: str | None = None,
        user_id: str | None = None,
        token: str | None = None,
    ) -> int:
        """End matching sessions (all when no filter); returns how many were
        live until now (sessions already ended are not counted again)."""
        with self.lock:
            now = self.now()
            count = 0
            for access in self.access_tokens.values():
                if _matches(access, org_id=org_id, user_id=user_id, token=token):
                    count += access.expires_at > now
                    access.expires_at = 0.0
            return count

    def expire_codes(self, code: str | None = None) -> int:
        """Make one or every unused authorization code too old to redeem."""
        with self.lock:
            targets = [c for c in self.codes.values() if code in (None, c.value)]
            for item in targets:
                item.expires_at = 0.0
            return len(targets)

    def revoke_grants(
        self, *, user_id: str | None = None, consumer_key: str | None = None
    ) -> int:
        """Revoke matching grants with all their tokens; returns how many."""
        with self.lock:
            hits = [
                grant.id
                for grant in self.grants.values()
                if not grant.revoked
                and user_id in (None, grant.user_id)
                and consumer_key in (None, grant.client_id)
            ]
            for grant_id in hits:
                self.revoke_grant(grant_id)
            return len(hits)

    def revoke_grant(self, grant_id: int) -> None:
        """Kill one grant: its refresh tokens and its access tokens."""
        with self.lock:
            self.grants[grant_id].revoked = True
            for refresh in self.refresh_tokens.values():
                if refresh.grant_id == grant_id:
                    refresh.revoked = True
            for access in self.access_tokens.values():
                if access.grant_id == grant_id:
                    access.revoked = True

    def add_http_fault(
        self,
        *,
        path_prefix: str = "/",
        count: int = 1,
        action: str = "status",
        status: int = 503,
        delay: float = 0.0,
        listener: str | None = None,
        retry_after: str | None = None,
    ) -> HttpFault:
        """Make the next `count` requests under `path_prefix` fail or stall.

        `action` is "status" (answer `status`, with a `Retry-After` header
        when `retry_after` is given: seconds or an HTTP date, sent as is),
        "reset" (drop the connection without an answer) or "delay" (wait
        `delay` seconds, then serve). `listener` is a role ("login",
        "instance0", ...) or None for all.
        """
        if action not in FAULT_ACTIONS:
            raise ValueError(f"unknown fault action {action!r}")
        if type(status) is not int or status not in _STATUSES:
            raise ValueError(f"status must be an HTTP status code, not {status!r}")
        if retry_after is not None and action != "status":
            raise ValueError('retry_after goes with action "status" only')
        if retry_after is not None and not _header_value(retry_after):
            raise ValueError(
                "retry_after must be a string of printable ASCII (seconds or "
                "an HTTP date), not empty and without spaces at its ends"
            )
        with self.lock:
            fault = HttpFault(
                listener=listener,
                path_prefix=path_prefix,
                remaining=count,
                action=action,
                status=status,
                delay=delay,
                retry_after=retry_after,
                id=self.serial(),
            )
            self.http_faults.append(fault)
            return fault

    def take_http_fault(self, listener: str, path: str) -> HttpFault | None:
        """Consume one use of the first fault that matches this request."""
        with self.lock:
            for fault in self.http_faults:
                if fault.listener not in (None, listener):
                    continue
                if fault.remaining > 0 and path.startswith(fault.path_prefix):
                    fault.remaining -= 1
                    return fault
            return None

    def clear_http_faults(self) -> None:
        with self.lock:
            self.http_faults.clear()

    def set_refresh_delay(self, seconds: float) -> None:
        """Hold every refresh this long, so concurrent refreshes overlap."""
        with self.lock:
            self.refresh_delay = seconds


def _matches(access: AccessToken, **wanted: Any) -> bool:
    return all(
        value is None or getattr(access, "value" if key == "token" else key) == value
        for key, value in wanted.items()
    )


def _header_value(value: object) -> bool:
    """What h11 sends as a header value: spaces at its ends are refused."""
    return (
        isinstance(value, str)
        and value.isascii()
        and value.isprintable()
        and bool(value)
        and value == value.strip()
    )

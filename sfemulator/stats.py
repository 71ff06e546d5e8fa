"""Counters of what clients asked the emulator, for tests that assert call counts."""

from __future__ import annotations

import time
from collections import Counter
from typing import Any


class Stats:
    """Request counters; the world's lock guards them."""

    def __init__(self) -> None:
        self.token_requests: Counter[tuple[str, str]] = Counter()
        self.rest_calls: Counter[str] = Counter()
        self.revokes: Counter[str] = Counter()
        self.authorize_requests: Counter[str] = Counter()
        # `time.monotonic()` at the first authenticated REST call since the
        # counters were zeroed: one clock for every process on this machine,
        # so a harness can tell how long a client took to make its first call.
        self.first_rest_call_at: float | None = None

    def count_rest_call(self, org_id: str) -> None:
        self.rest_calls[org_id] += 1
        if self.first_rest_call_at is None:
            self.first_rest_call_at = time.monotonic()

    def token_count(
        self, grant_type: str | None = None, host: str | None = None
    ) -> int:
        """Token requests, filtered by grant_type and/or listener role."""
        return sum(
            count
            for (role, kind), count in self.token_requests.items()
            if (grant_type is None or kind == grant_type)
            and (host is None or role == host)
        )

    def snapshot(self) -> dict[str, Any]:
        """A JSON-ready copy of every counter."""
        by_type: Counter[str] = Counter()
        by_host: dict[str, dict[str, int]] = {}
        for (role, kind), count in self.token_requests.items():
            by_type[kind] += count
            by_host.setdefault(role, {})[kind] = count
        return {
            "token_requests": dict(by_type),
            "token_requests_by_host": by_host,
            "rest_calls": dict(self.rest_calls),
            "first_rest_call_at": self.first_rest_call_at,
            "revokes": sum(self.revokes.values()),
            "revokes_by_host": dict(self.revokes),
            "authorize_requests": dict(self.authorize_requests),
        }

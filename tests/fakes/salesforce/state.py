"""Test support: the state a fake Salesforce keeps, and its scripted faults."""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict, deque
from collections.abc import Iterable
from datetime import datetime

from application.errors import OAuthError, SalesforceUnavailable, SessionExpired
from domain.authorization import PendingAuthorization
from domain.tokens import TokenSet
from tests.fakes.salesforce.org import FakeOrg

ORG_ID = "00D000000000001AAA"
USER_ID = "005000000000001AAA"


class SalesforceState:
    """What a `FakeSalesforce` holds: flags, counters, live tokens, faults."""

    def __init__(
        self,
        *,
        is_sandbox: bool = False,
        rotation: bool = False,
        client_ids: Iterable[str] | None = None,
    ) -> None:
        self.is_sandbox = is_sandbox
        self.rotation = rotation
        self.client_ids = None if client_ids is None else set(client_ids)
        self.require_secret = False
        self.api_enabled = True
        self.username = "admin@example.com"
        self.org_id = ORG_ID
        self.server_clock: datetime | None = None
        self.codes: dict[str, PendingAuthorization] = {}
        self.live_access: set[str] = set()
        self.live_refresh: set[str] = set()
        self.rotated: set[str] = set()
        self.revoked: list[str] = []
        self.exchange_error: OAuthError | SalesforceUnavailable | None = None
        self.refresh_error: Exception | None = None
        self.api_error: Exception | None = None
        self.grant_refresh_token = True
        self.api_used = 10
        self.api_max = 15000
        self.exchange_calls = 0
        self.refresh_calls = 0
        self.revoke_calls = 0
        self.identity_calls = 0
        self.api_calls = 0
        self.spend_api_quota = False
        self.record_calls: Counter[str] = Counter()
        self.org = FakeOrg()
        self._ids = itertools.count(1)
        self._grant_of: dict[str, int] = {}
        self._scripted: defaultdict[str, deque[Exception]] = defaultdict(deque)

    def fail_next(self, operation: str, error: Exception, times: int = 1) -> None:
        """Make the next `times` calls of `operation` (a port method) raise."""
        self._scripted[operation].extend([error] * times)

    def _play(self, operation: str) -> None:
        scripted = self._scripted[operation]
        if scripted:
            raise scripted.popleft()

    def _check(self, tokens: TokenSet) -> None:
        if self.api_error is not None:
            raise self.api_error
        if tokens.access_token not in self.live_access:
            raise SessionExpired("Session expired or invalid")

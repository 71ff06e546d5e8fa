"""The daily API usage Salesforce reports on every REST answer, remembered per org."""

from __future__ import annotations

import re

import httpx

from application.ports import ApiUsage
from domain.tokens import TokenSet

LIMIT_HEADER = "Sforce-Limit-Info"

# `per-app-api-usage=...` may follow; the lookbehind keeps it from matching.
_API_USAGE = re.compile(r"(?<![\w-])api-usage=(\d+)/(\d+)")
_ORG_IN_IDENTITY_URL = re.compile(r"/id/(00D\w{12,15})/")


def parse_limit_info(value: str | None) -> ApiUsage | None:
    """`api-usage=USED/MAX` from a `Sforce-Limit-Info` header, if present."""
    match = _API_USAGE.search(value or "")
    if match is None:
        return None
    return ApiUsage(used=int(match.group(1)), max=int(match.group(2)))


def org_key(tokens: TokenSet) -> str:
    """Whose quota a call spends: the org id, else the instance URL.

    Many orgs can share one instance host, so the org id is preferred.
    """
    match = _ORG_IN_IDENTITY_URL.search(tokens.identity_url or "")
    return match.group(1) if match else tokens.instance_url.rstrip("/")


class ApiUsageLedger:
    """The last daily API usage seen per org, for callers that budget calls."""

    def __init__(self) -> None:
        self._last: dict[str, ApiUsage] = {}

    def observe(self, tokens: TokenSet, response: httpx.Response) -> ApiUsage | None:
        """Remember, and return, the usage a `Sforce-Limit-Info` header reports."""
        usage = parse_limit_info(response.headers.get(LIMIT_HEADER))
        if usage is not None:
            self.record(tokens, usage)
        return usage

    def record(self, tokens: TokenSet, usage: ApiUsage) -> None:
        self._last[org_key(tokens)] = usage

    def last(self, tokens: TokenSet) -> ApiUsage | None:
        """The latest usage seen for the tokens' org; None before any call."""
        return self._last.get(org_key(tokens))

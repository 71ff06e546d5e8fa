"""Values shared by the Salesforce adapter tests: fast retries, sample tokens."""

from __future__ import annotations

from datetime import UTC, datetime

from adapters.salesforce import RetryPolicy
from domain.tokens import TokenSet

NO_WAIT = RetryPolicy(attempts=3, first_wait=0, max_wait=0, jitter=0)
ORG_ID = "00D5e000000AbCdEAF"
USER_ID = "0055e000001XyZwAAK"


def tokens_for(instance_url: str = "https://acme.my.salesforce.com") -> TokenSet:
    return TokenSet(
        access_token="00D5e!ACCESS-SECRET",
        refresh_token="5Aep-REFRESH-SECRET",
        instance_url=instance_url,
        issued_at=datetime(2024, 1, 15, tzinfo=UTC),
        identity_url=f"https://login.salesforce.com/id/{ORG_ID}/{USER_ID}",
    )

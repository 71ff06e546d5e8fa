"""Test support: the fake Salesforce the use-case and adapter tests talk to."""

from __future__ import annotations

from tests.fakes.salesforce.oauth import OAuthEndpoints
from tests.fakes.salesforce.rest import RestEndpoints


class FakeSalesforce(OAuthEndpoints, RestEndpoints):
    """One org at a time (`org_id`, `org`) and one user; grants keyed by
    refresh token; faults by flag.

    The grant model is Salesforce's in miniature: a code is redeemed once for
    a grant; refreshing with rotation retires the old refresh token, and
    replaying a retired one kills the whole grant; revoking a refresh token
    kills its grant. `*_error` flags fail every call; `fail_next` a few.
    REST calls do not spend `api_used`, so tests can pin the usage they see,
    unless `spend_api_quota` is set (then each REST call spends one).

    Records live in `org` (see `FakeOrg`): only the queries `domain.soql`
    writes are understood; pages hold `org.page_size` records.
    """

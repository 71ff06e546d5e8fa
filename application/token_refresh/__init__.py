"""One token refresh of a connection, with no database lock held while
Salesforce answers.

1. Claim: in one short transaction, lock the connection, read its tokens
   and, unless they are already newer than the caller's, take the refresh
   lease stored on the row. While another holder's lease lasts, wait and
   read again: its refresh ends with new tokens, or frees the lease.
2. Ask: with the lease and no transaction, send the refresh token to
   Salesforce, within half the lease, so nobody takes it over meanwhile.
3. Settle: in a second short transaction, lock the connection again and
   compare it with what the claim read. Unchanged, it takes the answer (a
   rotated refresh token with the access token, in one commit) or the dead
   grant. Changed (a disconnect, a reconnect, a takeover that stored first),
   it stays as it is, and a rotated refresh token that nobody will store is
   revoked. Either way the lease ends.

A holder that dies keeps the lease until it runs out; then the next caller
takes it over and refreshes with the stored token. If the dead holder's
request had reached Salesforce and rotated that token, it is dead, the
takeover's refresh is refused, and the connection asks for a reconnect.
Given a `ProcessLiveness`, a holder also holds a process lock while it has the
lease, so a caller on the same host and state folder takes over at once
from one that died, instead of waiting out its lease.
"""

from application.token_refresh.connection_checks import (
    is_unchanged,
    tokens_of,
    usable,
)
from application.token_refresh.lease import LeaseTiming
from application.token_refresh.refresh import TokenRefresh
from application.token_refresh.transactions import Claim

__all__ = [
    "Claim",
    "LeaseTiming",
    "TokenRefresh",
    "is_unchanged",
    "tokens_of",
    "usable",
]

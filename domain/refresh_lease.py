"""Who may ask Salesforce for a connection's new tokens, and until when.

A lease, not a lock: it is stored on the connection and nobody holds a
database transaction while it lasts. One that runs out (its holder died, or
hangs) may be taken over.
"""

from __future__ import annotations

from datetime import datetime

import msgspec


class RefreshLease(msgspec.Struct, frozen=True, kw_only=True):
    """A refresh in flight: `holder` names it, `until` is when others may take over."""

    holder: str
    until: datetime

    def blocks(self, holder: str, now: datetime) -> bool:
        """Whether this lease keeps `holder` from taking it at `now`."""
        return self.holder != holder and now < self.until

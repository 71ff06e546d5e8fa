"""The quota reserve a sync run leaves to the org's other tools."""

from __future__ import annotations

from application.ports import ApiUsage
from application.sync.options import reserve_reached


class QuotaReserveReached(Exception):
    """Raised when the org's API usage reached the reserve we leave to others."""

    def __init__(self, usage: ApiUsage) -> None:
        super().__init__(f"{usage.used}/{usage.max}")
        self.usage = usage


class CallBudget:
    """What one run knows of the org's daily API usage, checked before each call.

    Salesforce reports the usage on every answer (`RunTools.call` passes it
    on), but calls made side by side answer out of order, and one asked for
    ahead is not answered yet. So the run counts its own calls on top of the
    highest usage it has seen: a call is refused once that count has reached
    the reserve, whichever path makes it (a page, a poll, a describe, a call
    asked for ahead).
    """

    def __init__(self, reserve: float) -> None:
        self._reserve = reserve
        self._usage: ApiUsage | None = None

    def spend(self) -> None:
        """Count one more call; raise `QuotaReserveReached` instead if the
        count has reached the reserve (no call goes past it)."""
        usage = self._usage
        if usage is None:
            return  # Nothing seen yet: the first answer tells.
        if reserve_reached(usage, self._reserve):
            raise QuotaReserveReached(usage)
        self._usage = ApiUsage(used=usage.used + 1, max=usage.max)

    def seen(self, usage: ApiUsage | None) -> None:
        """An answer's usage: it counts our calls answered so far, and others'."""
        if usage is None:
            return
        counted = self._usage.used if self._usage is not None else 0
        self._usage = ApiUsage(used=max(usage.used, counted), max=usage.max)

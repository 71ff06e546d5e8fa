"""Tunables of a sync run, from configuration."""

from __future__ import annotations

import msgspec

from application.ports import ApiUsage


class SyncOptions(msgspec.Struct, frozen=True, kw_only=True):
    """Defaults suit a production org; tests shrink the waits.

    - `settle_seconds`: the upper bound of a run is this far behind now, so a
      row whose transaction is still in flight is picked up next run, not lost.
    - `quota_reserve`: stop (paused) once this share of the daily API quota is
      used, leaving the rest to the customer's other tools.
    - `bulk_threshold`: above this many rows, continue with Bulk API 2.0.
    - `bulk_timeout_seconds`: how long a run waits for a Bulk job to finish.
    - `stale_after_seconds`: a running job silent this long is taken as dead.
    - `cancel_check_seconds`: a call (or a pause between Bulk polls) that
      lasts longer looks this often for a stored cancel, and ends at one.
    """

    settle_seconds: float = 30.0
    quota_reserve: float = 0.8
    bulk_threshold: int = 50_000
    bulk_page_size: int = 10_000
    bulk_poll_seconds: float = 2.0
    bulk_poll_max_seconds: float = 30.0
    bulk_timeout_seconds: float = 3600.0
    stale_after_seconds: float = 300.0
    cancel_check_seconds: float = 2.0
    related_batch_size: int = 200


def reserve_reached(usage: ApiUsage, reserve: float, *, spending: int = 0) -> bool:
    """Would `spending` more calls reach the share `reserve` of the quota?"""
    return bool(usage.max) and usage.used + spending >= usage.max * reserve

"""Application: the refresh lease's timing, and whether its holder still lives."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass

from application.ports import ProcessLiveness
from domain.refresh_lease import RefreshLease


@dataclass(frozen=True)
class LeaseTiming:
    """How long a lease lasts, and how often a waiter reads the row again.

    The request to Salesforce gets half the lease: the rest covers the two
    transactions around it and clocks that disagree between processes.
    """

    seconds: float = 120.0
    poll_seconds: float = 0.25

    @property
    def deadline(self) -> float:
        return self.seconds / 2


class LeaseHolders:
    """Lease holders' process locks, given a `ProcessLiveness`; without one,
    no holder is known to have died and a lease runs out."""

    def __init__(self, liveness: ProcessLiveness | None) -> None:
        self._liveness = liveness

    @contextlib.contextmanager
    def alive(self, workspace_id: str, holder: str) -> Iterator[None]:
        """Hold `holder`'s process lock while it may hold the lease."""
        if self._liveness is None:
            yield
            return
        with self._liveness.running(workspace_id, _lock_name(holder)):
            try:
                yield
            finally:
                self.forget(workspace_id, holder)

    def died(self, workspace_id: str, lease: RefreshLease) -> bool:
        """Whether the lease's holder is a process that died (this host and
        state folder only: elsewhere, the lease runs out)."""
        if self._liveness is None:
            return False
        held = self._liveness.is_held(workspace_id, _lock_name(lease.holder))
        return held is False

    def forget(self, workspace_id: str, holder: str) -> None:
        if self._liveness is not None:
            self._liveness.forget(workspace_id, _lock_name(holder))


def _lock_name(holder: str) -> str:
    """A lease holder's process lock, among the sync jobs' (see `ProcessLiveness`)."""
    return f"token-refresh:{holder}"

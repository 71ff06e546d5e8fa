"""Application: a refresh's short transactions: claim the lease, settle, end it.

The claim waits while another holder's lease lasts, and takes over the lease
of a holder whose process died.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from tenacity import (
    AsyncRetrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_chain,
    wait_fixed,
)

from application.errors import StorageUnavailable
from application.ports import Clock, UnitOfWorkFactory
from application.token_refresh.connection_checks import (
    is_unchanged,
    tokens_of,
    usable,
)
from application.token_refresh.lease import LeaseHolders, LeaseTiming
from domain.connection import Connection
from domain.refresh_lease import RefreshLease
from domain.tokens import TokenSet

# The package's name, not this module's: the refresh logs under the name it
# had as one module, so log filters and readers see no change.
logger = logging.getLogger("application.token_refresh")

# Pauses between tries of a refresh's settling when the database drops out:
# a restarting server or a pool reconnecting; well inside a lease.
# Limitation: a database down for longer than these pauses still costs a
# rotated grant: Salesforce's answer is held only in this process's memory.
SETTLE_RETRIES = (0.5, 1.0, 2.0, 4.0)


@dataclass(frozen=True)
class Claim:
    """A lease taken, and the connection it was taken on."""

    connection: Connection
    tokens: TokenSet
    holder: str


class RefreshRows:
    """The connection row's side of a refresh: each method one transaction."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        timing: LeaseTiming,
        holders: LeaseHolders,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._timing = timing
        self._holders = holders

    async def claim(
        self, workspace_id: str, stale: TokenSet, holder: str
    ) -> Claim | TokenSet:
        """The lease, taken for `holder`; or tokens already newer than `stale`."""
        while True:
            async with self._uow() as uow:
                connection = usable(await uow.connections.get_for_update(workspace_id))
                tokens = tokens_of(connection)
                if tokens.access_token != stale.access_token:
                    return tokens

                now = self._clock.now()
                lease = RefreshLease(
                    holder=holder, until=now + timedelta(seconds=self._timing.seconds)
                )
                standing = await uow.connections.take_refresh_lease(
                    workspace_id, lease, now=now
                )
                if standing == lease:
                    await uow.commit()
                    return Claim(connection, tokens, holder)
                if standing is not None and self._holders.died(workspace_id, standing):
                    await uow.connections.end_refresh_lease(
                        workspace_id, standing.holder
                    )
                    await uow.commit()
                    self._holders.forget(workspace_id, standing.holder)
                    logger.warning(
                        "refresh lease of a process that died taken over workspace=%s",
                        workspace_id,
                    )
                    continue

            logger.debug("waiting for a refresh elsewhere workspace=%s", workspace_id)
            await asyncio.sleep(self._timing.poll_seconds)

    async def settle(
        self, claim: Claim, stored: Callable[[Connection], Connection | None]
    ) -> tuple[Connection | None, bool]:
        """Lock the row again and, if it still holds the claim's tokens, save
        what `stored` makes of it (None: nothing); end the lease either way.
        The connection as it is now, and whether it was unchanged.

        The tokens to save may be the only live ones (a rotated refresh
        token), so a database that drops out is tried again a few times
        (`SETTLE_RETRIES`). A try whose commit did land before the drop is
        told by the tokens it wrote, now stored: that counts as unchanged.
        """
        wrote: list[TokenSet | None] = [None]
        retrying = AsyncRetrying(
            retry=retry_if_exception_type(StorageUnavailable),
            wait=wait_chain(*(wait_fixed(pause) for pause in SETTLE_RETRIES)),
            stop=stop_after_attempt(len(SETTLE_RETRIES) + 1),
            before_sleep=lambda state: logger.warning(
                "settling a token refresh lost the database workspace=%s: "
                "trying again in %.1f s",
                claim.connection.workspace_id,
                state.upcoming_sleep,
            ),
            reraise=True,
        )
        return await retrying(self._settle_once, claim, stored, wrote)

    async def _settle_once(
        self,
        claim: Claim,
        stored: Callable[[Connection], Connection | None],
        wrote: list[TokenSet | None],
    ) -> tuple[Connection | None, bool]:
        workspace_id = claim.connection.workspace_id
        async with self._uow() as uow:
            current = await uow.connections.get_for_update(workspace_id)
            unchanged = is_unchanged(current, claim.tokens)
            if unchanged and current is not None:
                changed = stored(current)
                if changed is not None:
                    wrote[0] = changed.tokens
                    await uow.connections.save(changed)
            elif wrote[0] is not None and is_unchanged(current, wrote[0]):
                unchanged = True  # an earlier try's commit landed
            await uow.connections.end_refresh_lease(workspace_id, claim.holder)
            await uow.commit()
        return current, unchanged

    async def end_lease(self, claim: Claim) -> None:
        """After a failure: free the lease now, or leave it to run out."""
        workspace_id = claim.connection.workspace_id
        try:
            async with self._uow() as uow:
                await uow.connections.end_refresh_lease(workspace_id, claim.holder)
                await uow.commit()
        except Exception as exc:
            logger.warning(
                "refresh lease left to expire workspace=%s (%s)",
                workspace_id,
                type(exc).__name__,
            )

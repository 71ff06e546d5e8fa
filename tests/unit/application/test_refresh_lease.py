"""Token refresh without a lock held across the call: the lease and the CAS."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from contextlib import nullcontext
from datetime import timedelta

import pytest

from adapters.liveness import InMemoryLiveness
from application.errors import NotConnected, OAuthError, SalesforceUnavailable
from application.locks import KeyedLocks
from application.ports import UnitOfWork
from application.session import SalesforceSession
from application.token_refresh import LeaseTiming
from application.use_cases.switch_environment import SwitchEnvironment
from domain.connection import ConnectionStatus
from domain.refresh_lease import RefreshLease
from domain.tokens import TokenSet
from tests.fakes.salesforce import FakeSalesforce
from tests.unit.application.conftest import ADMIN, App

Refresh = Callable[..., Awaitable[TokenSet]]
CONCURRENT = OAuthError("invalid_grant", "token request is already being processed")


class StalledAnswer:
    """Salesforce has acted on the refresh; its answer is still on the wire."""

    def __init__(self, salesforce: FakeSalesforce) -> None:
        self.arrived = asyncio.Event()
        self.released = asyncio.Event()
        self._refresh: Refresh = salesforce.refresh
        salesforce.refresh = self.refresh  # type: ignore[method-assign]

    async def refresh(self, **request: str) -> TokenSet:
        answer = await self._refresh(**request)
        self.arrived.set()
        await self.released.wait()
        return answer


async def _stalled_refresh(app: App) -> tuple[StalledAnswer, asyncio.Task[TokenSet]]:
    stalled = StalledAnswer(app.salesforce)
    stale = app.connection().tokens  # type: ignore[union-attr]
    assert stale is not None
    refresh = asyncio.create_task(app.session.refresh("ws-a", stale=stale))
    await asyncio.wait_for(stalled.arrived.wait(), 5)
    return stalled, refresh


async def test_a_disconnect_completes_while_a_refresh_waits_for_salesforce(
    app: App,
) -> None:
    app.salesforce.rotation = True
    await app.connect()
    stalled, refresh = await _stalled_refresh(app)

    summary = await asyncio.wait_for(app.disconnect.execute(ADMIN), 2)
    stalled.released.set()

    assert summary.status is ConnectionStatus.DISCONNECTED
    with pytest.raises(NotConnected):
        await refresh
    assert app.connection().tokens is None  # type: ignore[union-attr]
    assert app.connection().status is ConnectionStatus.DISCONNECTED  # type: ignore[union-attr]


async def test_a_rotated_token_the_disconnected_row_will_not_take_is_revoked(
    app: App,
) -> None:
    app.salesforce.rotation = True
    await app.connect()
    stalled, refresh = await _stalled_refresh(app)
    await app.disconnect.execute(ADMIN)

    stalled.released.set()
    with pytest.raises(NotConnected):
        await refresh

    rotated = app.salesforce.revoked[-1]
    assert len(app.salesforce.revoked) == 2
    assert rotated.startswith("5Aep-refresh-")
    assert rotated not in app.salesforce.live_refresh
    assert app.store.refresh_leases == {}


async def test_a_reconnect_during_a_refresh_keeps_the_new_grant(app: App) -> None:
    await app.connect()
    stalled, refresh = await _stalled_refresh(app)
    await app.disconnect.execute(ADMIN)
    await app.connect()
    reconnected = app.connection().tokens  # type: ignore[union-attr]

    stalled.released.set()

    assert await refresh == reconnected
    assert app.connection().tokens == reconnected  # type: ignore[union-attr]
    assert app.connection().status is ConnectionStatus.CONNECTED  # type: ignore[union-attr]


async def test_a_dead_grant_seen_after_a_reconnect_leaves_the_new_grant(
    app: App,
) -> None:
    await app.connect()
    stale = app.connection().tokens  # type: ignore[union-attr]
    assert stale is not None
    rejected = asyncio.Event()
    refusing = app.salesforce.refresh

    async def refuse_after_reconnect(**request: str) -> TokenSet:
        await app.disconnect.execute(ADMIN)
        await app.connect()
        rejected.set()
        return await refusing(**request)

    app.salesforce.refresh = refuse_after_reconnect  # type: ignore[method-assign]

    fresh = await app.session.refresh("ws-a", stale=stale)

    assert rejected.is_set()
    assert app.connection().status is ConnectionStatus.CONNECTED  # type: ignore[union-attr]
    assert fresh == app.connection().tokens  # type: ignore[union-attr]


async def test_a_lease_left_by_a_dead_process_is_taken_over_once_expired(
    app: App,
) -> None:
    await app.connect()
    stale = app.connection().tokens  # type: ignore[union-attr]
    assert stale is not None
    until = app.clock.now() + timedelta(seconds=30)
    app.store.refresh_leases["ws-a"] = RefreshLease(holder="dead", until=until)

    refresh = asyncio.create_task(app.session.refresh("ws-a", stale=stale))
    await asyncio.sleep(0.2)
    waited = not refresh.done()
    calls_while_leased = app.salesforce.refresh_calls
    app.clock.advance(seconds=30)
    fresh = await asyncio.wait_for(refresh, 5)

    assert waited
    assert calls_while_leased == 0
    assert app.salesforce.refresh_calls == 1
    assert fresh == app.connection().tokens  # type: ignore[union-attr]
    assert app.store.refresh_leases == {}


async def test_a_lease_whose_holder_died_here_is_taken_over_at_once(
    app: App,
) -> None:
    await app.connect()
    liveness = InMemoryLiveness()
    _leave_a_dead_lease(app, holder="killed")
    liveness.die("ws-a", "token-refresh:killed")

    fresh = await _refresh_at_once(app, _another_process(app, liveness=liveness))

    assert app.salesforce.refresh_calls == 1
    assert fresh == app.connection().tokens  # type: ignore[union-attr]
    assert app.store.refresh_leases == {}
    assert liveness.is_held("ws-a", "token-refresh:killed") is None


@pytest.mark.parametrize("alive", [True, False], ids=["held", "unknown here"])
async def test_a_lease_whose_holder_may_live_is_waited_for(
    app: App, alive: bool
) -> None:
    await app.connect()
    liveness = InMemoryLiveness()
    _leave_a_dead_lease(app, holder="elsewhere")
    stale = app.connection().tokens  # type: ignore[union-attr]
    assert stale is not None
    session = _another_process(app, liveness=liveness)

    with (
        liveness.running("ws-a", "token-refresh:elsewhere") if alive else nullcontext()
    ):
        refresh = asyncio.create_task(session.refresh("ws-a", stale=stale))
        await asyncio.sleep(0.1)
        waited = not refresh.done()
        refresh.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await refresh

    assert waited
    assert app.salesforce.refresh_calls == 0


async def test_a_refreshing_holder_holds_its_process_lock_until_done(
    app: App,
) -> None:
    await app.connect()
    liveness = InMemoryLiveness()
    stalled = StalledAnswer(app.salesforce)
    stale = app.connection().tokens  # type: ignore[union-attr]
    assert stale is not None
    session = _another_process(app, liveness=liveness)

    refresh = asyncio.create_task(session.refresh("ws-a", stale=stale))
    await asyncio.wait_for(stalled.arrived.wait(), 5)
    lease = app.store.refresh_leases["ws-a"]
    held = liveness.is_held("ws-a", f"token-refresh:{lease.holder}")
    stalled.released.set()
    await asyncio.wait_for(refresh, 5)

    assert held is True
    assert liveness.held == set()
    assert liveness.dead == set()


def _leave_a_dead_lease(app: App, holder: str = "dead") -> None:
    until = app.clock.now() + timedelta(seconds=120)
    app.store.refresh_leases["ws-a"] = RefreshLease(holder=holder, until=until)


async def _refresh_at_once(
    app: App, session: SalesforceSession | None = None
) -> TokenSet:
    """A refresh of the stored tokens that finds no lease in its way."""
    stale = app.connection().tokens  # type: ignore[union-attr]
    assert stale is not None
    refresh = (session or app.session).refresh("ws-a", stale=stale)
    return await asyncio.wait_for(refresh, 2)


async def test_a_reconnect_after_a_disconnect_refreshes_without_a_dead_lease(
    app: App,
) -> None:
    await app.connect()
    _leave_a_dead_lease(app)

    await app.disconnect.execute(ADMIN)
    await app.connect()
    fresh = await _refresh_at_once(app)

    assert app.salesforce.refresh_calls == 1
    assert app.connection().tokens == fresh  # type: ignore[union-attr]
    assert app.store.refresh_leases == {}


async def test_a_switch_of_environment_ends_a_dead_lease(app: App) -> None:
    await app.connect()
    _leave_a_dead_lease(app)

    await app.switch.execute(SwitchEnvironment.Command(actor=ADMIN, sandbox=True))

    assert app.store.refresh_leases == {}


async def test_a_reconnect_of_a_dead_grant_ends_a_dead_lease(app: App) -> None:
    await app.connect()
    app.salesforce.revoke_everything()
    app.salesforce.expire_access_tokens()
    assert not (await app.verify.execute(ADMIN)).ok
    _leave_a_dead_lease(app)

    await app.connect()
    await _refresh_at_once(app)

    assert app.connection().status is ConnectionStatus.CONNECTED  # type: ignore[union-attr]
    assert app.store.refresh_leases == {}


async def test_a_new_grant_refreshes_while_the_old_grants_request_is_in_flight(
    app: App,
) -> None:
    app.salesforce.rotation = True
    await app.connect()
    stalled, old = await _stalled_refresh(app)
    await app.disconnect.execute(ADMIN)
    await app.connect()
    del app.salesforce.refresh  # Only the old grant's request stalls.

    fresh = await _refresh_at_once(app, _another_process(app))
    stalled.released.set()

    assert await old == fresh
    assert app.connection().tokens == fresh  # type: ignore[union-attr]
    assert fresh.refresh_token in app.salesforce.live_refresh
    assert app.salesforce.revoked[-1] not in app.salesforce.live_refresh
    assert app.store.refresh_leases == {}


async def test_a_waiter_takes_the_tokens_the_lease_holder_stored(app: App) -> None:
    await app.connect()
    stalled, first = await _stalled_refresh(app)
    stale = app.connection().tokens  # type: ignore[union-attr]
    assert stale is not None
    elsewhere = _another_process(app)

    second = asyncio.create_task(elsewhere.refresh("ws-a", stale=stale))
    await asyncio.sleep(0.1)
    waited = not second.done()
    stalled.released.set()

    assert waited
    assert await second == await first
    assert app.salesforce.refresh_calls == 1


async def test_one_refresh_among_many_callers_in_two_processes(app: App) -> None:
    await app.connect()
    stale = app.connection().tokens  # type: ignore[union-attr]
    assert stale is not None
    sessions = [app.session, _another_process(app)]

    results = await asyncio.gather(
        *(sessions[n % 2].refresh("ws-a", stale=stale) for n in range(10))
    )

    assert app.salesforce.refresh_calls == 1
    assert len({result.access_token for result in results}) == 1


async def test_a_hanging_token_call_ends_at_its_deadline_and_frees_the_lease(
    app: App,
) -> None:
    await app.connect()
    stalled = StalledAnswer(app.salesforce)
    session = _another_process(app, LeaseTiming(seconds=0.2, poll_seconds=0.01))
    stale = app.connection().tokens  # type: ignore[union-attr]
    assert stale is not None

    with pytest.raises(SalesforceUnavailable):
        await session.refresh("ws-a", stale=stale)

    assert stalled.arrived.is_set()
    assert app.salesforce.refresh_calls == 1
    assert app.store.refresh_leases == {}
    assert app.connection().status is ConnectionStatus.CONNECTED  # type: ignore[union-attr]


async def test_a_refresh_cancelled_in_flight_stores_its_answer_first(
    app: App,
) -> None:
    # Ctrl-C on a sync, or serve stopping, while Salesforce rotates the token:
    # dropping the answer would leave only a dead refresh token stored.
    app.salesforce.rotation = True
    await app.connect()
    stalled, refresh = await _stalled_refresh(app)

    refresh.cancel()
    await asyncio.sleep(0)
    refresh.cancel()  # Stopping twice changes nothing.
    assert not refresh.done()
    stalled.released.set()
    with pytest.raises(asyncio.CancelledError):
        await refresh

    assert app.store.refresh_leases == {}
    assert app.salesforce.refresh_calls == 1
    app.salesforce.expire_access_tokens()
    assert (await app.verify.execute(ADMIN)).ok
    assert app.connection().status is ConnectionStatus.CONNECTED  # type: ignore[union-attr]


async def test_a_refresh_whose_settling_fails_frees_the_lease(app: App) -> None:
    await app.connect()
    stalled, refresh = await _stalled_refresh(app)
    rows = app.session._refresh._rows  # The step to break: its settling.
    units = rows._uow
    failures = [RuntimeError("database is locked")]

    def settle_fails_once() -> UnitOfWork:
        if failures:
            raise failures.pop()
        return units()

    rows._uow = settle_fails_once
    stalled.released.set()
    with pytest.raises(RuntimeError, match="locked"):
        await refresh

    # Not left for the next caller to wait out until it expires.
    assert app.store.refresh_leases == {}


async def test_concurrent_refresh_rejections_are_retried_after_a_delay(
    app: App,
) -> None:
    await app.connect()
    app.salesforce.expire_access_tokens()
    app.salesforce.fail_next("refresh", CONCURRENT, times=2)

    result = await app.verify.execute(ADMIN)

    assert result.ok
    assert app.salesforce.refresh_calls == 3
    assert app.store.refresh_leases == {}


async def test_every_rejection_frees_the_lease(app: App) -> None:
    await app.connect()
    app.salesforce.expire_access_tokens()
    app.salesforce.fail_next("refresh", CONCURRENT, times=3)

    result = await app.verify.execute(ADMIN)

    assert not result.ok
    assert app.salesforce.refresh_calls == 3
    assert app.store.refresh_leases == {}
    assert app.connection().status is ConnectionStatus.CONNECTED  # type: ignore[union-attr]


def _another_process(
    app: App,
    lease: LeaseTiming | None = None,
    liveness: InMemoryLiveness | None = None,
) -> SalesforceSession:
    """A session with its own in-process locks, as another worker has."""
    return SalesforceSession(
        app.store.unit_of_work,
        app.salesforce,
        app.settings,
        KeyedLocks(),
        app.clock,
        concurrent_refresh_delay=0.01,
        lease=lease or LeaseTiming(poll_seconds=0.01),
        liveness=liveness,
    )

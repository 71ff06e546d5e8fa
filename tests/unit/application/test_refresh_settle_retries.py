"""A refresh's settling when the database drops out: the rotated token survives."""

from __future__ import annotations

import logging
from types import TracebackType
from typing import Any, Self

import pytest

from application.errors import StorageUnavailable
from application.ports import UnitOfWork
from application.token_refresh import transactions
from domain.connection import ConnectionStatus
from tests.unit.application.conftest import ADMIN, App

DROPPED = StorageUnavailable("the database could not be reached")


class CommitThenDrop:
    """A unit whose commit lands, then the connection drops before its answer."""

    def __init__(self, unit: UnitOfWork) -> None:
        self._unit = unit

    def __getattr__(self, name: str) -> Any:
        return getattr(self._unit, name)

    async def __aenter__(self) -> Self:
        await self._unit.__aenter__()
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        await self._unit.__aexit__(kind, error, trace)

    async def commit(self) -> None:
        await self._unit.commit()
        raise DROPPED


@pytest.fixture(autouse=True)
def no_pauses(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(transactions, "SETTLE_RETRIES", (0.0, 0.0))


async def _expire_then_break_settling(
    app: App, broken: Any, *, every_try: bool = False
) -> list[int]:
    """Rotation on, the access token expired, and the units after the
    claim's `broken(unit)`: the first only, or `every_try`. The count of
    units the refresh asked for."""
    await app.connect()
    app.salesforce.rotation = True
    app.salesforce.expire_access_tokens()
    rows = app.session._refresh._rows
    units = rows._uow
    asked = [0]

    def settling() -> Any:
        asked[0] += 1
        unit = units()
        breaks = asked[0] >= 2 if every_try else asked[0] == 2  # 1: the claim
        return broken(unit) if breaks else unit

    rows._uow = settling
    return asked


def drops(_unit: UnitOfWork) -> Any:
    raise DROPPED


async def test_a_drop_before_the_commit_is_tried_again_and_keeps_the_new_grant(
    app: App,
) -> None:
    asked = await _expire_then_break_settling(app, drops)

    result = await app.verify.execute(ADMIN)

    assert result.ok
    assert asked[0] == 3  # the claim, the settling that dropped, its retry
    assert app.salesforce.refresh_calls == 1
    assert app.store.refresh_leases == {}
    # The rotated refresh token is the stored one: a later refresh works.
    app.salesforce.expire_access_tokens()
    assert (await app.verify.execute(ADMIN)).ok
    assert app.connection().status is ConnectionStatus.CONNECTED  # type: ignore[union-attr]


async def test_a_commit_that_landed_before_the_drop_counts_as_stored(
    app: App,
) -> None:
    asked = await _expire_then_break_settling(app, CommitThenDrop)

    result = await app.verify.execute(ADMIN)

    assert result.ok
    assert asked[0] == 3
    # Not revoked as tokens another refresh had beaten: they are ours.
    assert app.salesforce.revoke_calls == 0
    app.salesforce.expire_access_tokens()
    assert (await app.verify.execute(ADMIN)).ok


async def test_a_database_still_down_after_the_retries_fails_the_refresh(
    app: App,
) -> None:
    asked = await _expire_then_break_settling(app, drops, every_try=True)
    stale = app.connection().tokens  # type: ignore[union-attr]
    assert stale is not None

    with pytest.raises(StorageUnavailable):
        await app.session.refresh("ws-a", stale=stale)

    # The claim, then the settling's three tries, then ending the lease.
    assert asked[0] == 1 + 3 + 1


async def test_the_tries_are_spaced_by_the_settle_pauses_and_logged(
    app: App,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    pauses: list[float],
) -> None:
    monkeypatch.setattr(transactions, "SETTLE_RETRIES", (0.5, 1.0))
    await _expire_then_break_settling(app, drops, every_try=True)
    stale = app.connection().tokens  # type: ignore[union-attr]
    assert stale is not None

    with (
        caplog.at_level(logging.WARNING, logger="application.token_refresh"),
        pytest.raises(StorageUnavailable),
    ):
        await app.session.refresh("ws-a", stale=stale)

    assert pauses == [0.5, 1.0]
    logged = [r.getMessage() for r in caplog.records if "settling" in r.getMessage()]
    assert [line.rsplit(" in ", 1)[1] for line in logged] == ["0.5 s", "1.0 s"]

"""A refresh's settling when the database drops out: the rotated token survives."""

from __future__ import annotations

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


async def _expire_then_break_settling(app: App, broken: Any) -> list[int]:
    """Rotation on, the access token expired, the settling's first unit
    `broken(unit)`; the count of units the settling asked for."""
    await app.connect()
    app.salesforce.rotation = True
    app.salesforce.expire_access_tokens()
    rows = app.session._refresh._rows
    units = rows._uow
    asked = [0]

    def settling() -> Any:
        asked[0] += 1
        unit = units()
        return broken(unit) if asked[0] == 2 else unit  # 1: the claim

    rows._uow = settling
    return asked


async def test_a_drop_before_the_commit_is_tried_again_and_keeps_the_new_grant(
    app: App,
) -> None:
    def drops(_unit: UnitOfWork) -> Any:
        raise DROPPED

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
    def drops(_unit: UnitOfWork) -> Any:
        raise DROPPED

    await app.connect()
    app.salesforce.expire_access_tokens()
    rows = app.session._refresh._rows
    units = rows._uow
    asked = [0]

    def settling() -> Any:
        asked[0] += 1
        return units() if asked[0] == 1 else drops(units())

    rows._uow = settling

    with pytest.raises(StorageUnavailable):
        await app.session.refresh("ws-a", stale=app.connection().tokens)  # type: ignore[union-attr,arg-type]

    # The claim, then the settling's three tries, then ending the lease.
    assert asked[0] == 1 + 3 + 1

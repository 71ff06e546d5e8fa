"""The org's describe of Lead, Contact and Account, cached per workspace."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta

from application.ports import Clock
from application.session import SalesforceSession
from application.sync.ports import SalesforceRecords, SyncUnitOfWorkFactory
from domain.crm import CrmObject, ObjectDescribe
from domain.tokens import TokenSet

DESCRIBE_TTL = timedelta(hours=24)

Describe = Callable[[TokenSet], Awaitable[ObjectDescribe]]
# How a describe is sent: a sync's calls are checked against its quota
# budget and its org (`RunTools.call`).
Call = Callable[[Describe], Awaitable[ObjectDescribe]]


class DescribeSource:
    """Reads the cache first; fetches (one API call each) what is missing or old."""

    def __init__(
        self,
        uow: SyncUnitOfWorkFactory,
        session: SalesforceSession,
        records: SalesforceRecords,
        clock: Clock,
        ttl: timedelta = DESCRIBE_TTL,
    ) -> None:
        self._uow = uow
        self._session = session
        self._records = records
        self._clock = clock
        self._ttl = ttl

    async def get(
        self,
        workspace_id: str,
        *,
        refresh: bool = False,
        call: Call | None = None,
    ) -> tuple[dict[CrmObject, ObjectDescribe], int]:
        """Describes of every synced object, and how many API calls it took;
        each is made through `call` if given (a sync's, which may refuse it),
        else as the workspace's own."""
        now = self._clock.now()
        found: dict[CrmObject, ObjectDescribe] = {}
        async with self._uow() as uow:
            for obj in CrmObject:
                cached = None if refresh else await uow.describes.get(workspace_id, obj)
                if cached is not None and now - cached[1] < self._ttl:
                    found[obj] = cached[0]
        missing = [obj for obj in CrmObject if obj not in found]
        for obj in missing:
            found[obj] = await self._fetch(workspace_id, obj, call)
        if missing:
            # Limitation: a describe fetched with the previous org's tokens just
            # before a switch to another org can land after its purge; it is
            # used until the TTL ends or `?refresh=true`.
            async with self._uow() as uow:
                for obj in missing:
                    await uow.describes.save(workspace_id, obj, found[obj], now)
                await uow.commit()
        return found, len(missing)

    async def _fetch(
        self, workspace_id: str, obj: CrmObject, call: Call | None
    ) -> ObjectDescribe:
        async def describe(tokens: TokenSet) -> ObjectDescribe:
            return await self._records.describe(tokens, obj)

        if call is not None:
            return await call(describe)
        return await self._session.run(workspace_id, describe)

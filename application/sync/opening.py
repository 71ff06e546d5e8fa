"""An object's opening calls, made ahead while the object before it ends.

Once an object's last page is downloaded, what is left of it is local work
(its last writes, its sweep) and, in a full sync, one query for rows changed
after the window. Meanwhile Salesforce can already answer the next object's
first page and, for an object too large for REST, start the Bulk query job
it will read next: Salesforce processes a job before its first results page,
and that wait then overlaps work we had to do anyway.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from application.sync.pipeline import abandon
from application.sync.ports import QueryPage
from domain.crm import CrmObject
from domain.soql import SyncCursor


@dataclass(frozen=True)
class StartedBulk:
    """A Bulk query job started for the rows after `after`."""

    job_id: str
    after: SyncCursor | None


@dataclass(frozen=True)
class Opening:
    """An object's first page and the calls it took; `bulk`, the Bulk job
    already started for the rest of its window, if it has one."""

    page: QueryPage
    calls: int
    bulk: StartedBulk | None = None


class OpeningAhead:
    """At most one object's opening, asked for before its turn.

    The download is only a read: if the run ends first, it is cancelled and
    its calls are lost to the job's count (a started Bulk job is left to
    expire at Salesforce).
    """

    def __init__(self) -> None:
        self._obj: CrmObject | None = None
        self._task: asyncio.Future[Opening] | None = None

    def start(self, obj: CrmObject, opening: Callable[[], Awaitable[Opening]]) -> None:
        if self._task is None:
            self._obj = obj
            self._task = asyncio.ensure_future(opening())

    async def take(self, obj: CrmObject) -> Opening | None:
        """The opening asked for ahead for `obj`; None if there is none."""
        task, self._task = self._task, None
        if task is None:
            return None
        if self._obj is not obj:
            await abandon(task)
            return None
        return await task

    async def abandon(self) -> None:
        task, self._task = self._task, None
        await abandon(task)

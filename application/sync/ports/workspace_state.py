"""Application ports for what a sync keeps per workspace between runs."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from domain.crm import CrmObject, ObjectDescribe
from domain.mapping import FieldMapping
from domain.soql import SyncCursor


class SyncCursorRepository(Protocol):
    """The last committed `(SystemModstamp, Id)` per workspace and object."""

    async def get(self, workspace_id: str, obj: CrmObject) -> SyncCursor | None: ...

    async def set(
        self, workspace_id: str, obj: CrmObject, cursor: SyncCursor | None
    ) -> None: ...

    async def clear(self, workspace_id: str) -> None:
        """Forget every cursor of the workspace: its next run reads from the start."""
        ...

    async def read_through(self, workspace_id: str, obj: CrmObject) -> datetime | None:
        """The bound of the last run that read `obj` to its end; None if none
        is recorded, or `obj` has no cursor."""
        ...

    async def mark_read_through(
        self, workspace_id: str, obj: CrmObject, until: datetime
    ) -> None:
        """A run read `obj` to its bound `until`; nothing if it has no cursor
        (no record of it is stored)."""
        ...


class SyncedOrgRepository(Protocol):
    """Which Salesforce org each workspace's synced data (people, companies,
    cursors, cached describes) came from; changes show after commit."""

    async def get(self, workspace_id: str) -> str | None:
        """The org id; None when none was recorded (a workspace that never
        connected, or whose data predates the record)."""
        ...

    async def set(self, workspace_id: str, org_id: str) -> None:
        """Record (or replace) the org the workspace's data comes from."""
        ...


class MappingRepository(Protocol):
    async def get(self, workspace_id: str) -> FieldMapping | None:
        """The workspace's mapping; None means the default applies."""
        ...

    async def save(self, workspace_id: str, mapping: FieldMapping) -> None: ...


class DescribeCache(Protocol):
    async def get(
        self, workspace_id: str, obj: CrmObject
    ) -> tuple[ObjectDescribe, datetime] | None: ...

    async def save(
        self, workspace_id: str, obj: CrmObject, describe: ObjectDescribe, at: datetime
    ) -> None: ...

    async def clear(self, workspace_id: str) -> None: ...

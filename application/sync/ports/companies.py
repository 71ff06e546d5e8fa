"""Application port for a workspace's synced companies (Salesforce Accounts)."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime
from typing import Protocol

import msgspec

from domain.people import Company


class CompanyQuery(msgspec.Struct, frozen=True, kw_only=True):
    updated_since: datetime | None = None
    include_deleted: bool = False
    after: tuple[datetime, str] | None = None
    limit: int = 100


class CompanyRepository(Protocol):
    """Companies (Accounts) of a workspace, ordered by `(updated_at, account_id)`."""

    async def save_page(
        self, workspace_id: str, companies: Iterable[Company], *, job_id: str
    ) -> None: ...

    async def sweep_unseen(
        self, workspace_id: str, job_id: str, *, keep: Collection[str] = ()
    ) -> int:
        """Mark Accounts the job did not see, and not in `keep`, as deleted."""
        ...

    async def purge(self, workspace_id: str) -> int:
        """Delete every company of the workspace, deleted ones too; how many."""
        ...

    async def get(self, workspace_id: str, account_id: str) -> Company | None: ...

    async def list(self, workspace_id: str, query: CompanyQuery) -> list[Company]: ...

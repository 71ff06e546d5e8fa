"""In-memory persistence: companies, with the job that last saw each."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from typing import TYPE_CHECKING

import msgspec

from adapters.memory.rows import (
    StoredCompany,
    keyset,
    listed,
    stamped,
    unless_unchanged,
)
from adapters.memory.tables import in_workspace
from application.sync.ports import CompanyQuery, CompanyRepository
from domain.people import Company

if TYPE_CHECKING:
    from adapters.memory.store import InMemoryUnitOfWork


class InMemoryCompanyRepository(CompanyRepository):
    def __init__(self, uow: InMemoryUnitOfWork) -> None:
        self._table = uow.staged_companies
        self._clock = uow.store.clock

    async def save_page(
        self, workspace_id: str, companies: Iterable[Company], *, job_id: str
    ) -> None:
        now = self._clock.now()
        page = {c.account_id: stamped(c, workspace_id, now) for c in companies}
        for account_id, company in page.items():
            key = (workspace_id, account_id)
            stored = self._table.get(key)
            if stored is not None:
                company = unless_unchanged(company, stored.company)
            self._table.put(key, StoredCompany(company, job_id))

    async def sweep_unseen(
        self, workspace_id: str, job_id: str, *, keep: Collection[str] = ()
    ) -> int:
        now = self._clock.now()
        kept = set(keep)
        unseen = [
            stored
            for stored in self._of(workspace_id)
            if not stored.company.deleted
            and stored.seen_job != job_id
            and stored.company.account_id not in kept
        ]

        for stored in unseen:
            company = msgspec.structs.replace(
                stored.company, deleted=True, updated_at=now
            )
            key = (workspace_id, company.account_id)
            self._table.put(key, StoredCompany(company, stored.seen_job))

        return len(unseen)

    async def purge(self, workspace_id: str) -> int:
        companies = list(self._of(workspace_id))
        for stored in companies:
            self._table.drop((workspace_id, stored.company.account_id))
        return len(companies)

    async def get(self, workspace_id: str, account_id: str) -> Company | None:
        stored = self._table.get((workspace_id, account_id))
        return stored.company if stored else None

    async def list(self, workspace_id: str, query: CompanyQuery) -> list[Company]:
        companies = [
            stored.company
            for stored in self._of(workspace_id)
            if listed(stored.company, query.updated_since, query.include_deleted)
        ]
        return keyset(companies, lambda c: c.account_id, query.after, query.limit)

    def _of(self, workspace_id: str) -> Iterator[StoredCompany]:
        for _, stored in in_workspace(self._table, workspace_id):
            yield stored

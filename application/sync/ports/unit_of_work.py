"""Application port for the sync's unit of work: the connect flow's, plus stores."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Protocol

from application.ports import UnitOfWork
from application.sync.ports.companies import CompanyRepository
from application.sync.ports.people import PeopleRepository
from application.sync.ports.sync_jobs import SyncJobRepository
from application.sync.ports.workspace_state import (
    DescribeCache,
    MappingRepository,
    SyncCursorRepository,
    SyncedOrgRepository,
)


class SyncUnitOfWork(UnitOfWork, Protocol):
    """The connect flow's unit of work plus the sync repositories."""

    people: PeopleRepository
    companies: CompanyRepository
    sync_jobs: SyncJobRepository
    cursors: SyncCursorRepository
    mappings: MappingRepository
    describes: DescribeCache
    synced_orgs: SyncedOrgRepository

    def together(self) -> AbstractAsyncContextManager[None]:
        """A block whose writes the store may send together when it ends.

        For a caller that commits several writes at once (a sync page): a
        store that pays a round trip per statement saves all but one. Reads
        in the block still see its writes. A refusal (`Conflict`) may come at
        the end of the block instead of from the call; after one, leave the
        unit of work without committing.
        """
        ...


SyncUnitOfWorkFactory = Callable[[], SyncUnitOfWork]

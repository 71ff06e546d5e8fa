"""The ports the sync use cases need, beyond those of the connect flow.

Application layer. One module per concept; importers use this package, which
names every port (`from application.sync.ports import SyncUnitOfWork`).
"""

from application.sync.ports.companies import CompanyQuery, CompanyRepository
from application.sync.ports.people import PeopleQuery, PeopleRepository, PersonEntry
from application.sync.ports.records import (
    BulkPage,
    QueryPage,
    Record,
    SalesforceRecords,
)
from application.sync.ports.running import SyncProgress, SyncScheduler
from application.sync.ports.sync_jobs import SyncJobRepository
from application.sync.ports.unit_of_work import SyncUnitOfWork, SyncUnitOfWorkFactory
from application.sync.ports.workspace_state import (
    DescribeCache,
    MappingRepository,
    SyncCursorRepository,
    SyncedOrgRepository,
)

__all__ = [
    "BulkPage",
    "CompanyQuery",
    "CompanyRepository",
    "DescribeCache",
    "MappingRepository",
    "PeopleQuery",
    "PeopleRepository",
    "PersonEntry",
    "QueryPage",
    "Record",
    "SalesforceRecords",
    "SyncCursorRepository",
    "SyncJobRepository",
    "SyncProgress",
    "SyncScheduler",
    "SyncUnitOfWork",
    "SyncUnitOfWorkFactory",
    "SyncedOrgRepository",
]

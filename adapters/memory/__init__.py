"""In-memory persistence adapters: for tests and a database-free service.

They keep the SQL adapters' promises, checked by the same contract suites:
changes show only after commit, and a unit of work that locks or writes a
workspace's connection (or takes a state, or locks or writes a sync job, or
makes one active) holds that key until it ends, as a row lock or a unique
index would.
"""

from adapters.memory.companies import InMemoryCompanyRepository
from adapters.memory.connections import (
    InMemoryAuthorizationRepository,
    InMemoryConnectionRepository,
)
from adapters.memory.people import InMemoryPeopleRepository
from adapters.memory.rows import StoredCompany, StoredPerson
from adapters.memory.store import InMemoryStore, InMemoryUnitOfWork
from adapters.memory.sync_state import (
    InMemoryDescribeCache,
    InMemoryMappingRepository,
    InMemorySyncCursorRepository,
    InMemorySyncedOrgRepository,
    InMemorySyncJobRepository,
)
from adapters.memory.tables import KeyedLocks, Staged

__all__ = [
    "InMemoryAuthorizationRepository",
    "InMemoryCompanyRepository",
    "InMemoryConnectionRepository",
    "InMemoryDescribeCache",
    "InMemoryMappingRepository",
    "InMemoryPeopleRepository",
    "InMemoryStore",
    "InMemorySyncCursorRepository",
    "InMemorySyncJobRepository",
    "InMemorySyncedOrgRepository",
    "InMemoryUnitOfWork",
    "KeyedLocks",
    "Staged",
    "StoredCompany",
    "StoredPerson",
]

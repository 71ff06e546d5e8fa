"""Persistence adapters: SQLAlchemy repositories, unit of work and migrations."""

from adapters.persistence.authorizations import SqlAlchemyAuthorizationRepository
from adapters.persistence.companies import SqlAlchemyCompanyRepository
from adapters.persistence.connections import SqlAlchemyConnectionRepository
from adapters.persistence.database import (
    DEFAULT_DATABASE_URL,
    create_database_engine,
    create_session_factory,
    parse_database_url,
)
from adapters.persistence.errors import (
    DatabaseUnavailable,
    DatabaseUrlInvalid,
    MisplacedSecret,
    PersistenceError,
    SchemaRevisionUnknown,
)
from adapters.persistence.migrate import (
    ensure_at_head,
    ensure_engine_at_head,
    upgrade_engine_to_head,
    upgrade_to_head,
)
from adapters.persistence.people import SqlAlchemyPeopleRepository
from adapters.persistence.probe import check_database
from adapters.persistence.reencrypt import Reencrypted, reencrypt_all
from adapters.persistence.sync_jobs import SqlAlchemySyncJobRepository
from adapters.persistence.sync_state import (
    SqlAlchemyDescribeCache,
    SqlAlchemyMappingRepository,
    SqlAlchemySyncCursorRepository,
    SqlAlchemySyncedOrgRepository,
)
from adapters.persistence.unit_of_work import (
    SqlAlchemyUnitOfWork,
    SqlAlchemyUnitOfWorkFactory,
)

__all__ = [
    "DEFAULT_DATABASE_URL",
    "DatabaseUnavailable",
    "DatabaseUrlInvalid",
    "MisplacedSecret",
    "PersistenceError",
    "Reencrypted",
    "SchemaRevisionUnknown",
    "SqlAlchemyAuthorizationRepository",
    "SqlAlchemyCompanyRepository",
    "SqlAlchemyConnectionRepository",
    "SqlAlchemyDescribeCache",
    "SqlAlchemyMappingRepository",
    "SqlAlchemyPeopleRepository",
    "SqlAlchemySyncCursorRepository",
    "SqlAlchemySyncJobRepository",
    "SqlAlchemySyncedOrgRepository",
    "SqlAlchemyUnitOfWork",
    "SqlAlchemyUnitOfWorkFactory",
    "check_database",
    "create_database_engine",
    "create_session_factory",
    "ensure_at_head",
    "ensure_engine_at_head",
    "parse_database_url",
    "reencrypt_all",
    "upgrade_engine_to_head",
    "upgrade_to_head",
]

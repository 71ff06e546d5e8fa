"""Every row class of the persistence adapters: the schema migrations build."""

from __future__ import annotations

from adapters.persistence.people_rows import CompanyRow, PersonRow
from adapters.persistence.rows import Base, ConnectionRow, PendingAuthorizationRow
from adapters.persistence.sync_rows import (
    DescribeRow,
    FieldMappingRow,
    SyncCursorRow,
    SyncedOrgRow,
    SyncJobRow,
)

ROW_CLASSES = (
    ConnectionRow,
    PendingAuthorizationRow,
    PersonRow,
    CompanyRow,
    SyncJobRow,
    SyncCursorRow,
    FieldMappingRow,
    DescribeRow,
    SyncedOrgRow,
)
metadata = Base.metadata

"""An index of the people with other Leads merged into them.

Revision ID: 0007
Revises: 0006
Created: 2026-12-06

A full read of Leads ends with these people (`application.sync.merged_leads`):
a merged Lead purged from Salesforce is never read again, so no page would
mark it deleted, and when Leads are missing Salesforce is asked about theirs.
The partial index holds only those people, so finding them costs no scan
of the workspace.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_INDEX = "ix_people_workspace_id_merged"
# As `people_rows.has_merged_leads` writes it.
_MERGED = sa.text("CAST(merged_leads AS TEXT) != '{}'")


def upgrade() -> None:
    op.create_index(
        _INDEX,
        "people",
        ["workspace_id"],
        sqlite_where=_MERGED,
        postgresql_where=_MERGED,
    )


def downgrade() -> None:
    op.drop_index(_INDEX, table_name="people")

"""An index of the people whose named Lead is deleted.

Revision ID: 0008
Revises: 0007
Created: 2026-12-06

After a full read of Leads, the live Leads the people hold are compared
with the live Leads the read read (`application.sync.merged_leads`): equal,
none can be missing. The live named Leads are all named Leads (the unique
index of Lead ids) less the deleted ones, which this partial index holds,
so the count visits no row.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_INDEX = "ix_people_workspace_id_lead_deleted"


def upgrade() -> None:
    # As `people_rows.lead_flagged_deleted` writes it on each database.
    op.create_index(
        _INDEX,
        "people",
        ["workspace_id"],
        sqlite_where=sa.text("lead_deleted = 1"),
        postgresql_where=sa.text("lead_deleted = true"),
    )


def downgrade() -> None:
    op.drop_index(_INDEX, table_name="people")

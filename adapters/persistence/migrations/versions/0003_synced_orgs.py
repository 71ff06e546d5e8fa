"""The org each workspace's synced data came from.

Revision ID: 0003
Revises: 0002
Created: 2026-12-04

A connected workspace's data came from the org it is connected to, so that
org is recorded. A workspace connected to none has no known org: the next
authorization treats its data as another org's and drops it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "synced_orgs",
        sa.Column("workspace_id", sa.String(), nullable=False),
        sa.Column("org_id", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("workspace_id", name="pk_synced_orgs"),
    )
    op.execute(
        "INSERT INTO synced_orgs (workspace_id, org_id) "
        "SELECT workspace_id, org_id FROM connections WHERE org_id IS NOT NULL"
    )


def downgrade() -> None:
    op.drop_table("synced_orgs")

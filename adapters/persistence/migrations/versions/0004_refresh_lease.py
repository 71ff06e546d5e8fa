"""The token refresh lease on each connection.

Revision ID: 0004
Revises: 0003
Created: 2026-12-05

A refresh no longer holds the connection's row lock while Salesforce
answers: its holder and the time others may take it over are stored on the
row instead. Both start empty: no refresh is in flight during a migration.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

UTC_TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("connections") as batch:
        batch.add_column(sa.Column("refresh_lease_holder", sa.Text(), nullable=True))
        batch.add_column(sa.Column("refresh_lease_until", UTC_TIMESTAMP, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("connections") as batch:
        batch.drop_column("refresh_lease_until")
        batch.drop_column("refresh_lease_holder")

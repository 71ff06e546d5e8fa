"""When each object was last read to the end of a run's window.

Revision ID: 0006
Revises: 0005
Created: 2026-12-05

Salesforce keeps deleted records in its Recycle Bin for 15 days; an
incremental read from further back may miss some purged since, so such a
run reads the object in full and sweeps it (`domain.sync.misses_deletions`).
Cursors start with none: the next run that reads an object to its end sets it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sync_cursors") as batch:
        batch.add_column(
            sa.Column("read_through", sa.DateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("sync_cursors") as batch:
        batch.drop_column("read_through")

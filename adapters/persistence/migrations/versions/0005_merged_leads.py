"""The other Leads converted into a person's Contact.

Revision ID: 0005
Revises: 0004
Created: 2026-12-05

Salesforce lets several Leads be converted into one existing Contact. Their
person names one of them in `lead_id`; `merged_leads` keeps the others (Id
to IsDeleted). Rows start with none: a row that lost a Lead before this
migration gets it back at the next full sync, which reads every Lead again.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("people") as batch:
        batch.add_column(
            sa.Column(
                "merged_leads",
                sa.JSON(),
                nullable=False,
                server_default=sa.text("'{}'"),
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("people") as batch:
        batch.drop_column("merged_leads")

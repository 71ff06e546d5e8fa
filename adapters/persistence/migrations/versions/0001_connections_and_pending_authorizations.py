"""Connections, one per workspace, and pending OAuth authorizations.

Revision ID: 0001
Revises:
Created: 2025-01-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

UTC_TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "connections",
        sa.Column("workspace_id", sa.String(), nullable=False),
        sa.Column("environment", sa.String(16), nullable=False),
        sa.Column("client_id", sa.String(256), nullable=True),
        sa.Column("login_host", sa.Text(), nullable=True),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("authorizing_until", UTC_TIMESTAMP, nullable=True),
        sa.Column("org_id", sa.Text(), nullable=True),
        sa.Column("user_id", sa.Text(), nullable=True),
        sa.Column("username", sa.Text(), nullable=True),
        sa.Column("is_sandbox", sa.Boolean(), nullable=True),
        sa.Column("sealed_tokens", sa.Text(), nullable=True),
        sa.Column("connected_at", UTC_TIMESTAMP, nullable=True),
        sa.Column("last_verified_at", UTC_TIMESTAMP, nullable=True),
        sa.Column("problem_code", sa.Text(), nullable=True),
        sa.Column("problem_message", sa.Text(), nullable=True),
        sa.Column("problem_hint", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("workspace_id", name="pk_connections"),
    )
    op.create_table(
        "pending_authorizations",
        sa.Column("state_hash", sa.String(64), nullable=False),
        sa.Column("workspace_id", sa.String(), nullable=False),
        sa.Column("environment", sa.String(16), nullable=False),
        sa.Column("client_id", sa.String(256), nullable=False),
        sa.Column("login_host", sa.Text(), nullable=False),
        sa.Column("redirect_uri", sa.Text(), nullable=False),
        sa.Column("sealed_verifier", sa.Text(), nullable=False),
        sa.Column("created_at", UTC_TIMESTAMP, nullable=False),
        sa.Column("expires_at", UTC_TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("state_hash", name="pk_pending_authorizations"),
    )
    op.create_index(
        "ix_pending_authorizations_workspace_id",
        "pending_authorizations",
        ["workspace_id"],
    )
    op.create_index(
        "ix_pending_authorizations_expires_at",
        "pending_authorizations",
        ["expires_at"],
    )


def downgrade() -> None:
    op.drop_table("pending_authorizations")
    op.drop_table("connections")
